"""The API: imports, reconciliation, the denial queue (who did what), period figures and reports;
roles (finance/admin; billing only on the denial queue) and facility scoping (another facility's data
is not found)."""

from __future__ import annotations

import base64
import dataclasses
import io
from decimal import Decimal

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from claims.app import create_app
from claims.audit.models import AuditEvent
from claims.insurer.files import assessment_json, notice_json
from claims.insurer.schemas import DisallowanceReason
from claims.settings import Settings
from tests import factories
from tests.remittance.helpers import ZERO, answer_for, as_csv, as_json, sent_month
from tests.remittance.helpers import settlement as settle

DRUG = DisallowanceReason("DRUG_NOT_IN_LIST", "Thuốc ngoài danh mục")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_month_through_the_api(db_url) -> None:
    app = create_app(Settings(database_url=db_url, secret_key="test-secret-key-0123456789"))
    with app.state.session_factory() as session:
        facility, claims = sent_month(session, 6)
        other = factories.facility(session, "79002")
        factories.user(session, "fin", "finance", facility.id)
        factories.user(session, "bill", "billing", facility.id)
        factories.user(session, "fin_b", "finance", other.id)
        factories.user(session, "boss", "admin", None)
        session.commit()
        period = claims[0].period
        first_lines = {min(c.lines, key=lambda x: (x.table_name, x.stt)).id for c in claims[:2]}

        def decide(claim, line):
            return (ZERO, (DRUG,)) if line.id in first_lines else (line.t_bhtt, ())

        results = [answer_for(c, decide) for c in claims]
    with TestClient(app) as client:
        def login(name: str) -> dict[str, str]:
            r = client.post("/api/auth/token", json={"username": name, "password": factories.PASSWORD})
            return {"Authorization": f"Bearer {r.json()['access_token']}"}

        fin, bill, fin_b, boss = login("fin"), login("bill"), login("fin_b"), login("boss")

        def audited(response, actor: str, entity: str, action: str):
            """Every write leaves its audit event (the app-wide audit test lists these endpoints)."""
            assert response.status_code == 200, response.text
            with app.state.session_factory() as s:
                last = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(3)).all()
            assert any((e.actor, e.entity, e.action) == (actor, entity, action) for e in last), last
            return response

        body = {"kind": "assessment", "name": "ket_qua.json", "content_base64": _b64(as_json(results))}
        assert client.post("/api/remittance/imports", json=body, headers=bill).status_code == 403
        r = client.post("/api/remittance/imports", json=body, headers=fin)
        audited(r, "fin", "remittance_import", "import")
        assert r.json()["records"] == len(results), r.text
        assert client.post("/api/remittance/imports", json=body, headers=fin).json()["duplicate"] is True
        assert client.post("/api/remittance/imports", json=body, headers=fin_b).status_code == 404
        notice = settle("QT-1", f"{period[:4]}-{period[4:]}", results[:3])
        manual = {"kind": "notice", "name": "tb.csv", "content_base64": _b64(as_csv([notice])),
                  "entered_by": "Kế toán A"}  # fmt: skip
        audited(client.post("/api/remittance/imports", json=manual, headers=fin), "fin", "remittance_import", "import")
        payload = assessment_json(results[3])
        r = client.post("/api/remittance/assessments", json=payload, headers=fin)
        assert audited(r, "fin", "remittance_import", "import").json()["records"] == 1
        r = client.post("/api/remittance/notices", json=notice_json(dataclasses.replace(notice, notice_id="QT-2",
                        ma_lks=(), amount=ZERO)), headers=fin)  # fmt: skip
        audited(r, "fin", "remittance_import", "import")
        r = client.post("/api/remittance/reconcile", json={"facility_id": facility.id, "period": period}, headers=fin)
        audited(r, "fin", "period", "reconcile")
        assert client.post("/api/remittance/reconcile", json={"facility_id": facility.id, "period": period},
                           headers=fin_b).status_code == 404  # fmt: skip

        s = client.get("/api/settlement/summary", params={"facility_id": facility.id, "period": period}, headers=fin)
        summary = s.json()
        assert summary["adds_up"] is True
        assert Decimal(summary["claimed"]) == (
            Decimal(summary["paid"]) + Decimal(summary["disallowed"]) + Decimal(summary["outstanding"])
            + Decimal(summary["not_assessed"])
        )  # fmt: skip
        assert list(summary["disallowed_by_reason"]) == ["DRUG_NOT_IN_LIST"]

        queue = client.get("/api/remittance/denials", headers=bill).json()
        assert queue["total"] == 2 and queue["items"][0]["reason_code"] == "DRUG_NOT_IN_LIST"
        other_id = queue["items"][1]["id"]
        r = client.post(f"/api/remittance/denials/{other_id}/appeal", json={"note": "đúng chỉ định"}, headers=bill)
        assert audited(r, "bill", "denial", "appeal").json()["status"] == "appealed"
        r = client.post(f"/api/remittance/denials/{other_id}/resend", json={"note": "sửa"}, headers=bill)
        assert audited(r, "bill", "denial", "resend").json()["new_claim_id"] is not None
        assert client.get("/api/remittance/denials", headers=fin_b).json()["total"] == 0
        denial_id = queue["items"][0]["id"]
        empty = client.post(f"/api/remittance/denials/{denial_id}/appeal", json={"note": ""}, headers=bill)
        assert empty.status_code == 422
        r = client.post(f"/api/remittance/denials/{denial_id}/write-off", json={"note": "nhỏ"}, headers=bill)
        assert audited(r, "bill", "denial", "request_write_off").json()["status"] == "write_off_requested"
        assert client.post(f"/api/remittance/denials/{denial_id}/approve-write-off", headers=bill).status_code == 403
        r = client.post(f"/api/remittance/denials/{denial_id}/approve-write-off", headers=fin)
        assert audited(r, "fin", "denial", "approve_write_off").json()["status"] == "written_off"
        assert r.json()["approved_by"] == "fin"
        history = client.get(f"/api/remittance/denials/{denial_id}/history", headers=bill).json()
        who_did_what = [(h["actor"], h["action"]) for h in history]
        assert who_did_what == [("bill", "request_write_off"), ("fin", "approve_write_off")]

        params = {"facility_id": facility.id, "period": period}
        rep = client.get("/api/settlement/reports/79a", params=params, headers=fin).json()
        rep80 = client.get("/api/settlement/reports/80a", params=params, headers=fin).json()
        assert len(rep["rows"]) + len(rep80["rows"]) == len(claims)
        x = client.get("/api/settlement/reports/variances", params={**params, "format": "xlsx"}, headers=fin)
        sheet = load_workbook(io.BytesIO(x.content)).active
        assert sheet.cell(2, 6).value == "Số tiền"
        amounts = [sheet.cell(r, 6).value for r in range(3, sheet.max_row + 1)]
        assert all(isinstance(a, (int, float)) for a in amounts) and amounts
        csv_text = client.get("/api/settlement/reports/ageing", params={**params, "format": "csv"}, headers=fin).text
        assert csv_text.lstrip("\ufeff").startswith("Mã liên kết,")
        assert client.get("/api/settlement/reports/ageing", params=params, headers=bill).status_code == 403

        closed = client.post("/api/settlement/close", params=params, headers=boss)
        audited(closed, "boss", "period", "close")
        assert closed.json()["closed"] is True
        assert client.post("/api/settlement/close", params=params, headers=boss).status_code == 409
