from __future__ import annotations


def test_health_ok(client):
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["database"] == "ok"


def test_health_reports_broken_broker(db_url):
    from fastapi.testclient import TestClient

    from claims.app import create_app
    from claims.settings import Settings

    app = create_app(Settings(database_url=db_url, redis_url="redis://127.0.0.1:1/0"))
    with TestClient(app) as c:
        r = c.get("/health")
    assert r.status_code == 503
    assert r.json()["broker"].startswith("error")


def test_metrics(client):
    client.get("/health")
    r = client.get("/metrics")
    assert r.status_code == 200
    assert "claims_http_requests_total" in r.text


def test_openapi_declares_error_body(client):
    spec = client.get("/openapi.json").json()
    assert "ErrorBody" in spec["components"]["schemas"]
    op = spec["paths"]["/api/claims/{claim_id}"]["get"]
    assert "404" in op["responses"]


def test_request_id_is_echoed_or_generated(client):
    assert client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    generated = client.get("/health", headers={"X-Request-ID": "bad id\nwith newline"}).headers["X-Request-ID"]
    assert len(generated) == 32 and "\n" not in generated
