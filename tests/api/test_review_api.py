"""Review endpoints: check catalogue and settings (admin), dry run, runs, findings, resolving; 403/404/422."""

from __future__ import annotations

from claims.exchange.synthetic_checks import catalogue
from claims.review import service
from tests.claims.review.helpers import PERIOD, store, unknown_code, wrong_days


def _claims(app, world):
    with app.state.session_factory() as s:
        from claims.catalogue.models import Facility

        fa = s.get(Facility, world.facility_a.id)
        fb = s.get(Facility, world.facility_b.id)
        a = store(s, fa, [unknown_code, wrong_days], departments=["K01", "K02"])
        b = store(s, fb, [wrong_days])
        s.commit()
        return [c.id for c in a], [c.id for c in b]


def test_check_catalogue_and_settings(client, world, login):
    admin, billing = login("admin"), login("billing_a")
    r = client.get("/api/checks", headers=billing)
    assert r.status_code == 200
    rows = {c["code"]: c for c in r.json()}
    assert len(rows) >= 100 and rows["LINE_SPLIT"]["facility_id"] == world.facility_a.id
    assert rows["LINE_SPLIT"]["enabled"] is True and rows["LINE_SPLIT"]["effective_severity"] == "blocking"
    assert client.get("/api/checks", headers=billing, params={"facility_id": world.facility_b.id}).status_code == 404

    body = {"facility_id": world.facility_a.id, "enabled": False, "severity_override": "warning", "reason": "pilot"}
    assert client.put("/api/checks/LINE_SPLIT/settings", headers=billing, json=body).status_code == 403
    r = client.put("/api/checks/LINE_SPLIT/settings", headers=admin, json=body)
    assert r.status_code == 200, r.text
    assert (r.json()["enabled"], r.json()["severity_override"], r.json()["updated_by"]) == (False, "warning", "admin")
    assert client.put("/api/checks/NOPE/settings", headers=admin, json=body).status_code == 404
    bad = {**body, "severity_override": "fatal"}
    assert client.put("/api/checks/LINE_SPLIT/settings", headers=admin, json=bad).status_code == 422
    after = {c["code"]: c for c in client.get("/api/checks", headers=billing).json()}["LINE_SPLIT"]
    assert (after["enabled"], after["effective_severity"]) == (False, "warning")
    events = client.get("/api/audit", headers=admin, params={"entity": "check_setting"}).json()["items"]
    assert [(e["actor"], e["summary"]["code"], e["summary"]["reason"]) for e in events] == [
        ("admin", "LINE_SPLIT", "pilot")
    ]


def test_run_dry_run_findings_and_resolve(app, client, world, login, monkeypatch):
    monkeypatch.setattr(service, "default_catalogue", catalogue)
    a_ids, b_ids = _claims(app, world)
    billing, finance = login("billing_a"), login("finance_a")

    r = client.get("/api/checks/CAT_CODE_UNKNOWN/dry-run", headers=finance, params={"period": PERIOD})
    assert r.status_code == 200, r.text
    assert (r.json()["claims"], r.json()["flagged"]) == (2, 1)
    assert r.json()["by_department"] == [
        {"ma_khoa": "K01", "claims": 1, "flagged": 1},
        {"ma_khoa": "K02", "claims": 1, "flagged": 0},
    ]
    short = client.get("/api/checks/CAT_CODE_UNKNOWN/dry-run", headers=finance, params={"period": "2025"})
    assert short.status_code == 422
    assert client.get("/api/checks/NOPE/dry-run", headers=finance, params={"period": PERIOD}).status_code == 404

    assert client.post("/api/review/run", headers=billing, json={}).status_code == 422
    assert client.post("/api/review/run", headers=finance, json={"period": PERIOD}).status_code == 403
    r = client.post("/api/review/run", headers=billing, json={"period": PERIOD})
    assert r.status_code == 200, r.text
    assert r.json()["claims"] == 2 and sorted(r.json()["to_needs_fix"]) == sorted(a_ids)

    r = client.get(f"/api/review/claims/{a_ids[0]}/findings", headers=finance)
    assert [(f["code"], f["table_name"], f["record"], f["value"]) for f in r.json()] == [
        ("CAT_CODE_UNKNOWN", "XML3", 4, "99.9999.9999")
    ]
    finding = r.json()[0]
    assert finding["hint"] and finding["legal_ref"] and finding["message_en"] and finding["claim_line_id"]
    assert client.get(f"/api/review/claims/{b_ids[0]}/findings", headers=billing).status_code == 404

    url = f"/api/review/findings/{finding['id']}/resolve"
    assert client.post(url, headers=billing, json={"reason": "x"}).status_code == 422
    assert client.post(url, headers=finance, json={"reason": "looks fine"}).status_code == 403
    r = client.post(url, headers=billing, json={"reason": "new code approved by BHXH on 2025-03-02"})
    assert r.status_code == 200 and r.json()["resolved"] is True and r.json()["overridden_by"] == "billing_a"
