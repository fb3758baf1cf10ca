"""Every page, for every role: rendering, permissions, facility isolation, CSRF, sign-in and language."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from claims.audit.models import AuditEvent
from claims.auth.scope import system_principal
from claims.claim import service as claim_service
from claims.claim.models import Claim
from claims.review.models import Finding
from claims.submission import service as submission
from tests import factories
from tests.web.conftest import WebWorld, csrf_of, post_form, sign_in

READ_PAGES = ["/", "/claims", "/batches", "/ledger"]
OFFICE_PAGES = ["/office/files", "/office/assessments", "/office/notices"]
ADMIN_PAGES = ["/admin/users", "/admin/facilities", "/admin/catalogue", "/admin/mapping"]
ALLOWED = {
    "billing_a": READ_PAGES,
    "finance_a": [*READ_PAGES, "/finance"],
    "insurer": [*READ_PAGES, *OFFICE_PAGES],
    "admin": [*READ_PAGES, *OFFICE_PAGES, "/finance", *ADMIN_PAGES],
}
EVERY_PAGE = sorted({p for pages in ALLOWED.values() for p in pages})


def test_pages_need_a_session(client, web_world: WebWorld) -> None:
    for path in [*EVERY_PAGE, f"/claims/{web_world.blocked_id}"]:
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login", path
    # A bearer token is not a page session.
    r = client.get("/claims", headers={"Authorization": "Bearer nonsense"}, follow_redirects=False)
    assert r.status_code == 303


@pytest.mark.parametrize("username", sorted(ALLOWED))
def test_each_role_sees_its_pages_and_only_those(client, web_world: WebWorld, username: str) -> None:
    sign_in(client, username)
    for path in EVERY_PAGE:
        r = client.get(path)
        if path in ALLOWED[username]:
            assert r.status_code == 200, (username, path, r.text[:500])
            assert 'lang="vi"' in r.text
            assert "default-src 'self'" in r.headers["content-security-policy"]
        else:
            assert r.status_code == 403, (username, path)
            assert "Vai trò của bạn không được phép" in r.text


def _b_claim_sent(app, web_world: WebWorld) -> int:
    """Facility B gets a batch and a ledger row, so every B-side page has data to leak."""
    from tests.web.test_browser import send_all

    actor = system_principal("test")
    b_claim = web_world.b_claims[0]
    with app.state.session_factory() as s:
        claim = s.get(Claim, b_claim)
        assert claim is not None and claim.status == "priced"
        claim_service.apply_transition(s, actor, claim, "checked")
        claim_service.apply_transition(s, actor, claim, "approved")
        batch = submission.create_batch(s, actor, claim.facility_id, claim.period)
        s.commit()
        batch_id = batch.id
    send_all(app, [b_claim], 0)
    return batch_id


def test_billing_user_of_a_never_sees_facility_b(app, client, web_world: WebWorld) -> None:
    b_batch = _b_claim_sent(app, web_world)
    secrets = web_world.b_ma_lks
    assert secrets
    sign_in(client, "billing_a")
    b_id, b_fac = web_world.b_claims[0], web_world.world.facility_b.id
    pages = [*READ_PAGES, "/claims?status=sent", f"/claims?facility_id={b_fac}", f"/?facility_id={b_fac}",
             f"/ledger?facility_id={b_fac}", "/claims?finding=ma_doituong_kcb"]  # fmt: skip
    for path in pages:
        r = client.get(path)
        assert r.status_code == 200, path
        for secret in secrets:
            assert secret not in r.text, (path, secret)
    for path in (f"/claims/{b_id}", f"/claims/{b_id}/diff", f"/batches/{b_batch}", f"/batches/{b_batch}/progress"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert not any(secret in r.text for secret in secrets)
    for action in ("fix", "approve"):
        r = post_form(client, f"/claims/{b_id}/{action}", {"ma_khoa": "K99"})
        assert r.status_code == 404, action
    # Asking for a batch of facility B makes one of facility A (its own), never B's.
    r = post_form(client, "/batches", {"period": "202610", "facility_id": str(b_fac)})
    assert r.status_code in (303, 409)
    with app.state.session_factory() as s:
        assert s.get(Claim, b_id).status == "sent"  # type: ignore[union-attr]
    # The insurer and the admin do see B.
    sign_in(client, "insurer")
    assert secrets[0] in client.get("/ledger").text or any(s in client.get("/claims").text for s in secrets)
    assert client.get(f"/claims/{b_id}").status_code == 200


def test_forms_without_the_csrf_token_are_refused(app, client, web_world: WebWorld) -> None:
    r = client.post("/login", data={"username": "billing_a", "password": factories.PASSWORD}, follow_redirects=False)
    assert r.status_code == 403 and "claims_session" not in r.headers.get("set-cookie", "")
    sign_in(client, "billing_a")
    fixed = web_world.a_claims[1]
    for path, data in ((f"/claims/{fixed}/approve", {}), (f"/claims/{fixed}/fix", {"ma_khoa": "K99"}),
                       ("/batches", {"period": "202610"}), ("/logout", {})):  # fmt: skip
        for token in (None, "0" * 64):
            body = {**data, **({"csrf_token": token} if token else {})}
            r = client.post(path, data=body, follow_redirects=False)
            assert r.status_code == 403, (path, token)
            assert "Biểu mẫu đã hết hạn" in r.text
    # A token from another browser (another CSRF cookie) does not work either.
    token = csrf_of(client, "/claims")
    client.cookies.set("claims_csrf", "f" * 32)
    r = client.post(f"/claims/{fixed}/approve", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 403
    with app.state.session_factory() as s:
        assert s.get(Claim, fixed).status == "priced"  # type: ignore[union-attr]


def test_session_cookie_flags_and_secure_over_https(app, web_world: WebWorld) -> None:
    from fastapi.testclient import TestClient

    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        with TestClient(app, base_url=base) as c:
            token = csrf_of(c)
            r = c.post("/login", data={"username": "billing_a", "password": factories.PASSWORD, "csrf_token": token},
                       follow_redirects=False)  # fmt: skip
            cookies = [h.lower() for h in r.headers.get_list("set-cookie")]
            session = next(h for h in cookies if h.startswith("claims_session="))
            assert "httponly" in session and "samesite=lax" in session
            assert ("secure" in session) is secure
            csrf = next(h for h in cookies if h.startswith("claims_csrf="))
            assert "httponly" in csrf and "samesite=strict" in csrf


def test_login_rate_limit(client, web_world: WebWorld) -> None:
    for _ in range(5):
        r = client.post("/login", data={"username": "billing_a", "password": "wrong", "csrf_token": csrf_of(client)})
        assert r.status_code == 401
        assert "Sai tên đăng nhập hoặc mật khẩu" in r.text
    r = client.post(
        "/login", data={"username": "billing_a", "password": factories.PASSWORD, "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    # Another user from the same address is not locked out (5 per user, 30 per address)...
    sign_in(client, "finance_a")
    # ...until the address itself has failed too often.
    for n in range(25):
        client.post("/login", data={"username": f"guess{n}", "password": "x", "csrf_token": csrf_of(client)})
    r = client.post(
        "/login", data={"username": "finance_a", "password": factories.PASSWORD, "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 429


def test_fix_clears_the_finding_reprices_and_is_audited(app, client, web_world: WebWorld) -> None:
    sign_in(client, "billing_a")
    cid = web_world.blocked_id
    page = client.get(f"/claims/{cid}")
    assert 'data-finding="ma_doituong_kcb" data-resolved="no"' in page.text
    assert "Sửa MA_DOITUONG_KCB" in page.text  # the fix hint
    assert 'id="approve"' not in page.text
    r = post_form(client, f"/claims/{cid}/approve", {}, f"/claims/{cid}")
    assert r.status_code == 409 and "Hồ sơ còn lỗi chặn" in r.text
    values = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', page.text))
    values["ma_doituong_kcb"] = ""
    fields = ("ma_doituong_kcb", "ma_khoa", "ma_benh_chinh", "gt_the_den", "can_nang")
    r = post_form(client, f"/claims/{cid}/fix", {k: values[k] for k in fields}, f"/claims/{cid}")
    assert r.status_code == 303 and r.headers["location"].startswith(f"/claims/{cid}?done=fixed")
    page = client.get(f"/claims/{cid}?done=fixed")
    assert 'data-finding="ma_doituong_kcb" data-resolved="yes"' in page.text
    assert "Vì sao người bệnh phải trả khoản này?" in page.text
    with app.state.session_factory() as s:
        claim = s.get(Claim, cid)
        assert claim is not None and claim.status == "priced" and claim.ma_doituong_kcb != "9.99"
        assert all(line.trace for line in claim.lines)
        open_findings = s.scalars(select(Finding).where(Finding.claim_id == cid, Finding.resolved.is_(False))).all()
        assert not [f for f in open_findings if f.severity == "error"]
        fix = s.scalars(select(AuditEvent).where(AuditEvent.entity_id == str(cid), AuditEvent.action == "fix")).one()
        assert fix.actor == "billing_a" and fix.summary["fields"] == ["ma_doituong_kcb"]
        assert "9.99" not in str(fix.summary)
    r = post_form(client, f"/claims/{cid}/approve", {}, f"/claims/{cid}")
    assert r.status_code == 303
    with app.state.session_factory() as s:
        assert s.get(Claim, cid).status == "approved"  # type: ignore[union-attr]
    # An approved claim in a batch can no longer be edited from the page.
    r = post_form(client, "/batches", {"period": claim.period})
    assert r.status_code == 303
    batch_page = client.get(r.headers["location"])
    assert 'id="batch-progress"' in batch_page.text
    progress = client.get(r.headers["location"] + "/progress").json()
    assert progress == {"total": 1, "done": 0, "failed": 0, "statuses": {"batched": 1}, "finished": False,
                        "claims": {str(cid): "đã vào đợt"}}  # fmt: skip
    assert 'id="save-fix"' not in client.get(f"/claims/{cid}").text
    diff = client.get(f"/claims/{cid}/diff")
    assert diff.status_code == 200 and "Không có khác biệt" in diff.text


def test_finance_and_insurer_cannot_change_claims(client, web_world: WebWorld) -> None:
    for username in ("finance_a", "insurer"):
        sign_in(client, username)
        cid = web_world.a_claims[1]
        assert 'id="save-fix"' not in client.get(f"/claims/{cid}").text
        r = post_form(client, f"/claims/{cid}/approve", {}, f"/claims/{cid}")
        assert r.status_code == 403


def test_language_switch_and_no_open_redirect(client, web_world: WebWorld) -> None:
    sign_in(client, "billing_a")
    assert "Danh sách hồ sơ" in client.get("/claims").text
    assert "Work queue" in client.get("/claims?lang=en").text
    r = client.get("/lang/en?next=/claims", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/claims"
    page = client.get("/claims")
    assert 'lang="en"' in page.text and "Work queue" in page.text and "Danh sách hồ sơ" not in page.text
    for target in ("//evil.example/", "https://evil.example/", "\\\\evil"):
        assert client.get(f"/lang/vi?next={target}", follow_redirects=False).headers["location"] == "/"


def test_no_personal_data_in_urls(app, client, web_world: WebWorld) -> None:
    with app.state.session_factory() as s:
        claims = s.scalars(select(Claim).where(Claim.id.in_(web_world.a_claims))).all()
        personal = {c.ma_the_bhyt for c in claims} | {c.xml1.get("ho_ten") for c in claims} | {c.ma_bn for c in claims}
    personal.discard(None)
    personal.discard("")
    sign_in(client, "billing_a")
    pages = [*READ_PAGES, *[f"/claims/{i}" for i in web_world.a_claims]]
    for path in pages:
        text = client.get(path).text
        links = re.findall(r'(?:href|action|src)="([^"]*)"', text)
        for link in links:
            for value in personal:
                assert str(value) not in link, (path, link)


def test_queue_partial_update(client, web_world: WebWorld) -> None:
    sign_in(client, "billing_a")
    bad = client.get("/claims?period=2026-10")
    assert bad.status_code == 422 and "Dữ liệu không hợp lệ: period" in bad.text
    r = client.get("/claims?status=needs_fix", headers={"X-Partial": "queue"})
    assert r.status_code == 200 and "<html" not in r.text and r.text.count("<tr>") == 2  # head + one row
    assert f'href="/claims/{web_world.blocked_id}"' in r.text


def test_dashboard_numbers_link_to_their_lists(client, web_world: WebWorld) -> None:
    sign_in(client, "billing_a")
    page = client.get("/").text
    links = re.findall(r'href="(/claims\?[^"]*)"[^>]*>(?:<span[^>]*>[^<]*</span>)?<strong>(\d+)</strong>', page)
    links += re.findall(r'href="(/claims\?[^"]*)">(\d+)</a>', page)
    assert len(links) >= 10
    for href, shown in links:
        listed = client.get(href.replace("&amp;", "&"), headers={"X-Partial": "queue"}).text
        rows = re.findall(r'<td><a href="/claims/\d+">', listed)
        assert len(rows) == int(shown), (href, shown)


def test_office_pages_read_the_mounted_store(app, client, web_world: WebWorld) -> None:
    from datetime import UTC, date, datetime
    from decimal import Decimal

    from claims.insurer.schemas import PaymentNotice, ReceivedDocument
    from claims.insurer.store import InMemoryGatewayStore

    store = InMemoryGatewayStore()
    store.record(ReceivedDocument("GD-OFFICE-1", "claim", "01001", "A-LK-9", 1, "0" * 64,
                                  datetime(2026, 11, 1, tzinfo=UTC), 1234, "2026-10"))  # fmt: skip
    store.save_notice(PaymentNotice("TB-77", "01001", "2026-10", "advance", date(2026, 11, 5), 3, Decimal(900),
                                    Decimal(800), Decimal(100), Decimal(0), Decimal(800)))  # fmt: skip
    app.state.office_gateway = type("Gateway", (), {"store": store})()
    sign_in(client, "insurer")
    assert "A-LK-9" in client.get("/office/files").text  # the store numbers transactions itself
    assert "TB-77" in client.get("/office/notices").text
    del app.state.office_gateway
    assert "không chạy trong tiến trình này" in client.get("/office/notices").text


def test_admin_creates_users_and_facilities_and_checks_a_catalogue(app, client, web_world: WebWorld) -> None:
    sign_in(client, "admin")
    r = post_form(client, "/admin/facilities", {"ma_cskcb": "48003", "name": "BV Đà Nẵng", "province": "48"})
    assert r.status_code == 303
    assert "BV Đà Nẵng" in client.get("/admin/facilities").text
    bad = post_form(client, "/admin/facilities", {"ma_cskcb": "x", "name": "n", "province": "48"})
    assert bad.status_code == 422 and "ma_cskcb" in bad.text
    fac = web_world.world.facility_a.id
    r = post_form(client, "/admin/users", {"username": "clerk2", "password": "long-enough-pass", "role": "billing",
                                           "facility_id": str(fac)})  # fmt: skip
    assert r.status_code == 303
    assert "clerk2" in client.get("/admin/users").text
    sign_in(client, "clerk2", "long-enough-pass")
    sign_in(client, "admin")
    csv_text = (
        "STT,Mã vật tư,Tên vật tư,Đơn giá BH,TYLE_TT_BH,Từ ngày,MA_CSKCB\n"
        "1,N03.01.070,Kim,1200,100,20250101,01010\n"
    )
    r = client.post("/admin/catalogue", data={"kind": "supply", "csrf_token": csrf_of(client, "/admin/catalogue")},
                    files={"file": ("vattu.csv", csv_text.encode("utf-8-sig"), "text/csv")})  # fmt: skip
    assert r.status_code == 200 and 'data-testid="rows">1<' in r.text and "N03.01.070" in r.text
    r = client.post("/admin/catalogue", data={"csrf_token": csrf_of(client, "/admin/catalogue")},
                    files={"file": ("x.exe", b"MZ", "application/octet-stream")})  # fmt: skip
    assert r.status_code == 422


def test_denial_queue_lists_claims_refused_by_the_office(app, client, web_world: WebWorld) -> None:
    actor = system_principal("test")
    refused_a, refused_b = web_world.a_claims[2], web_world.b_claims[1]
    with app.state.session_factory() as s:
        for cid in (refused_a, refused_b):
            claim = s.get(Claim, cid)
            assert claim is not None
            claim_service.apply_transition(s, actor, claim, "needs_fix", "gateway 406")
            s.add(Finding(claim_id=cid, facility_id=claim.facility_id, code="gateway_406", severity="error",
                          table_name="XML1", message="refused", source="insurer"))  # fmt: skip
        s.commit()
        ma_lk_b = s.get(Claim, refused_b).ma_lk  # type: ignore[union-attr]
    sign_in(client, "billing_a")
    board = client.get("/").text
    assert re.search(r'data-testid="denied">1<', board)
    page = client.get("/claims?denied=1")
    assert "Hồ sơ bị từ chối cần xử lý" in page.text
    assert re.findall(r'<td><a href="/claims/(\d+)">', page.text) == [str(refused_a)]
    assert ma_lk_b not in page.text
