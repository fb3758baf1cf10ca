"""Login (token and cookie), 401 without credentials, 422 with the field path, roles."""

from __future__ import annotations

from tests import factories
from tests.web.conftest import csrf_of


def test_no_credentials_is_401(client, world):
    for path in ("/api/claims", "/api/encounters", "/api/users", "/api/auth/me"):
        r = client.get(path)
        assert r.status_code == 401, path
        assert r.json()["code"] == "not_authenticated"


def test_bad_token_is_401(client, world):
    r = client.get("/api/claims", headers={"Authorization": "Bearer forged.token.value"})
    assert r.status_code == 401


def test_token_login_and_me(client, world, login):
    r = client.get("/api/auth/me", headers=login("billing_a"))
    assert r.status_code == 200
    assert r.json()["username"] == "billing_a"
    assert r.json()["facility_id"] == world.facility_a.id


def test_wrong_password_is_401_with_error_body(client, world):
    r = client.post("/api/auth/token", json={"username": "billing_a", "password": "nope"})
    assert r.status_code == 401
    assert set(r.json()) == {"code", "message", "details"}


def test_unknown_field_is_422_with_path(client, world):
    r = client.post("/api/auth/token", json={"username": "a", "password": "b", "role": "admin"})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "validation_error"
    assert any(d["field"] == "body.role" for d in body["details"])


def test_wrong_type_and_overlong_are_422_with_path(client, world, login):
    h = login("admin")
    r = client.post("/api/facilities", headers=h, json={"ma_cskcb": 12345, "name": "x" * 300, "province": "01"})
    assert r.status_code == 422
    fields = {d["field"] for d in r.json()["details"]}
    assert {"body.ma_cskcb", "body.name"} <= fields
    r = client.get("/api/claims/not-a-number", headers=h)
    assert r.status_code == 422
    assert r.json()["details"][0]["field"] == "path.claim_id"


def test_role_required(client, world, login):
    r = client.get("/api/users", headers=login("billing_a"))
    assert r.status_code == 403
    assert r.json()["code"] == "permission_denied"


def test_every_role_can_log_in_via_form_and_cookie(client, world):
    for username in ("billing_a", "finance_a", "insurer", "admin"):
        client.cookies.clear()
        token = csrf_of(client)
        r = client.post(
            "/login", data={"username": username, "password": factories.PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code == 303
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        home = client.get("/")
        assert home.status_code == 200 and username in home.text
        assert client.get("/api/auth/me").json()["username"] == username


def test_login_page_is_vietnamese(client):
    r = client.get("/login")
    assert r.status_code == 200
    assert "Đăng nhập" in r.text and 'lang="vi"' in r.text


def test_bad_form_login(client, world):
    token = csrf_of(client)
    r = client.post(
        "/login", data={"username": "billing_a", "password": "wrong", "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 401
    assert "Sai tên đăng nhập" in r.text
