"""Finance pages: reconciliation by period with the drill-down to a disallowed line, variances, ageing,
exports, the background reconciliation with its progress, period close (finance only, confirmed,
audited), the denial work queue, and pricing in the background."""

from __future__ import annotations

import io
import re
import time
from decimal import Decimal

from sqlalchemy import select

from claims.audit.models import AuditEvent
from claims.claim.models import Claim
from claims.remittance.models import Denial
from claims.settlement.models import PeriodClose
from tests.web.conftest import WebWorld, csrf_of, post_form, sign_in
from tests.web.finance_support import Month, answered_month, money


def month_of_a(app, web_world: WebWorld) -> Month:
    with app.state.session_factory() as s:
        facility = s.merge(web_world.world.facility_a)
        return answered_month(s, facility, web_world.a_claims[1:5])


def wait_for_job(client, location: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        progress = client.get(location + "/progress").json()
        if progress["finished"] or time.monotonic() > deadline:
            return progress
        time.sleep(0.1)


def test_reconciliation_by_period_and_drill_down(app, client, web_world: WebWorld) -> None:
    month = month_of_a(app, web_world)
    sign_in(client, "finance_a")
    overview = client.get("/finance")
    assert overview.status_code == 200
    assert f'href="/finance/{month.facility_id}/{month.period}"' in overview.text
    with app.state.session_factory() as s:
        from claims.settlement import service as settlement
        from tests.web.finance_support import ACTOR

        summary = settlement.summary(s, ACTOR, month.facility_id, month.period)
        target = s.get(Claim, month.disallowed_claim)
        assert target is not None
        line = next(x for x in target.lines if (x.table_name, x.stt) == month.disallowed_line)
        tariff_rows = [st.get("tariff_row") for st in line.trace or [] if st.get("tariff_row")]
    assert summary.adds_up and summary.disallowed > 0 and summary.paid > 0 and summary.not_assessed > 0
    page = client.get(f"/finance/{month.facility_id}/{month.period}")
    assert page.status_code == 200
    for key in ("claimed", "approved", "disallowed", "not_assessed", "paid", "outstanding"):
        shown = re.search(rf'data-figure="{key}">([^<]*)<', page.text)
        assert shown and shown.group(1) == money(getattr(summary, key)), key
    assert "DRUG_NOT_IN_LIST" in page.text and "CARD_INVALID" in page.text
    assert 'id="adds-up"' in page.text and "khớp đến từng đồng" in page.text
    # Only the disallowed claims, then the drill-down to the line and its reason beside our tariff row.
    only = client.get(f"/finance/{month.facility_id}/{month.period}?show=disallowed")
    listed = set(re.findall(r'data-claim="(\d+)"', only.text))
    assert listed == {str(month.disallowed_claim), str(month.refused_claim)}
    drill = client.get(f"/finance/{month.facility_id}/{month.period}/claims/{month.disallowed_claim}")
    assert drill.status_code == 200
    table, stt = month.disallowed_line
    row = re.search(rf'<tr data-line="{table}-{stt}" data-disallowed="yes".*?</tr>', drill.text, re.S)
    assert row, "the disallowed line is marked"
    assert "DRUG_NOT_IN_LIST" in row.group(0) and "Thuốc ngoài danh mục" in row.group(0)
    assert "TT 20/2022" in row.group(0)
    assert tariff_rows and tariff_rows[0] in row.group(0)
    assert drill.text.count('data-disallowed="yes"') == 1
    assert f'href="/claims/{month.disallowed_claim}"' in drill.text
    refused = client.get(f"/finance/{month.facility_id}/{month.period}/claims/{month.refused_claim}")
    assert "CARD_INVALID" in refused.text and "Thẻ không hợp lệ" in refused.text
    # Variances and ageing.
    variances = client.get(f"/finance/{month.facility_id}/{month.period}/variances")
    assert variances.status_code == 200 and "Xuất toán theo quy tắc giám định" in variances.text
    assert "DRUG_NOT_IN_LIST" in variances.text
    items = client.get(f"/finance/{month.facility_id}/{month.period}/variances?category=claim_rejected")
    assert f"/claims/{month.refused_claim}" in items.text and f"/claims/{month.disallowed_claim}\"" not in items.text
    ageing = client.get(f"/finance/{month.facility_id}/{month.period}/ageing?as_of=2026-12-31")
    assert ageing.status_code == 200
    assert money(summary.outstanding + summary.not_assessed) in ageing.text
    # No personal data in any link of these pages (ids, periods and codes only).
    with app.state.session_factory() as s:
        claims = s.scalars(select(Claim).where(Claim.id.in_(month.claim_ids))).all()
        personal = {str(v) for c in claims for v in (c.ma_the_bhyt, c.ma_bn, (c.xml1 or {}).get("ho_ten")) if v}
    assert personal
    for text in (overview.text, page.text, only.text, drill.text, refused.text, variances.text, ageing.text,
                 client.get("/denials").text):  # fmt: skip
        for link in re.findall(r'(?:href|action|src)="([^"]*)"', text):
            assert not any(value in link for value in personal), link
    # Unknown facility, claim outside the period, impossible period: not found (for the admin too).
    sign_in(client, "admin")
    assert client.get(f"/finance/{month.facility_id}/{month.period}").status_code == 200
    for path in (f"/finance/99999/{month.period}", f"/finance/{month.facility_id}/{month.period}/claims/999999",
                 f"/finance/{month.facility_id}/202613", f"/finance/{month.facility_id}/{month.period}/claims/"
                 f"{web_world.b_claims[0]}"):  # fmt: skip
        assert client.get(path).status_code == 404, path


def test_exports_are_exact(app, client, web_world: WebWorld) -> None:
    month = month_of_a(app, web_world)
    sign_in(client, "finance_a")
    base = f"/finance/{month.facility_id}/{month.period}/export"
    csv_file = client.get(f"{base}/reconciliation.csv")
    assert csv_file.status_code == 200 and csv_file.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_file.headers["content-disposition"]
    text = csv_file.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Mã liên kết,") and len(lines) == 1 + len(month.claim_ids)
    with app.state.session_factory() as s:
        claimed = {c.ma_lk: c.t_bhtt for c in s.scalars(select(Claim).where(Claim.id.in_(month.claim_ids)))}
    import csv

    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["Mã liên kết"]: Decimal(r["Đề nghị thanh toán"]) for r in rows} == claimed
    for r in rows:  # claimed = approved + disallowed + not assessed, to the đồng, in the file
        assert Decimal(r["Đề nghị thanh toán"]) == (
            Decimal(r["Được duyệt"]) + Decimal(r["Xuất toán"]) + Decimal(r["Chưa giám định"])
        )
    xlsx = client.get(f"{base}/variances.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.cell(2, 1).value == "Loại chênh lệch"
    for name in ("variances.csv", "ageing.csv", "ageing.xlsx", "79a.csv", "80a.xlsx", "reconciliation.xlsx"):
        assert client.get(f"{base}/{name}").status_code == 200, name
    assert client.get(f"{base}/secrets.csv").status_code == 404
    assert client.get(f"{base}/variances.pdf").status_code == 404


def test_reconcile_runs_in_the_background_with_progress(app, client, web_world: WebWorld) -> None:
    month = month_of_a(app, web_world)
    sign_in(client, "finance_a")
    page = f"/finance/{month.facility_id}/{month.period}"
    r = post_form(client, f"{page}/reconcile", {}, page)
    assert r.status_code == 303 and re.fullmatch(r"/jobs/[0-9a-f]{32}", r.headers["location"])
    job_page = client.get(r.headers["location"])
    assert 'id="job-progress"' in job_page.text and "Đối chiếu kỳ" in job_page.text
    progress = wait_for_job(client, r.headers["location"])
    assert progress["state"] == "done" and progress["done"] == progress["total"] == 2, progress
    assert progress["result_url"] == page and progress["state_text"] == "Hoàn tất"
    with app.state.session_factory() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.entity == "period", AuditEvent.action == "reconcile",
                                                    AuditEvent.actor == "finance_a")).all()  # fmt: skip
        assert len(events) == 1
    # Another facility's job is not found; a job of one's own is listed on the period page.
    assert r.headers["location"].split("/")[-1] in client.get(page).text
    sign_in(client, "billing_a")
    assert client.get(r.headers["location"] + "/progress").status_code == 200  # same facility: may follow it
    assert client.get("/jobs/" + "0" * 32 + "/progress").status_code == 404


def test_close_period_is_finance_only_confirmed_and_audited(app, client, web_world: WebWorld) -> None:
    month = month_of_a(app, web_world)
    page = f"/finance/{month.facility_id}/{month.period}"
    for username in ("billing_a", "admin"):
        sign_in(client, username)
        assert client.get(f"{page}/close").status_code == 403, username
        r = post_form(client, f"{page}/close", {"confirm_period": month.period}, "/")
        assert r.status_code == 403, username
    sign_in(client, "finance_a")
    confirm = client.get(f"{page}/close")
    assert confirm.status_code == 200 and 'id="confirm-period"' in confirm.text
    wrong = post_form(client, f"{page}/close", {"confirm_period": "209901"}, f"{page}/close")
    assert wrong.status_code == 422 and "Gõ số kỳ để xác nhận" in wrong.text
    without = client.post(f"{page}/close", data={"confirm_period": month.period}, follow_redirects=False)
    assert without.status_code == 403  # no CSRF token
    with app.state.session_factory() as s:
        assert s.scalar(select(PeriodClose)) is None
    r = post_form(client, f"{page}/close", {"confirm_period": month.period}, f"{page}/close")
    assert r.status_code == 303 and r.headers["location"] == f"{page}?done=closed"
    closed = client.get(r.headers["location"])
    assert "Đã khoá kỳ" in closed.text and 'id="reconcile"' not in closed.text
    with app.state.session_factory() as s:
        row = s.scalar(select(PeriodClose))
        assert row is not None and row.closed_by == "finance_a"
        event = s.scalar(select(AuditEvent).where(AuditEvent.entity == "period", AuditEvent.action == "close"))
        assert event is not None and event.actor == "finance_a"
    again = post_form(client, f"{page}/close", {"confirm_period": month.period}, page)
    assert again.status_code == 409 and "Kỳ này đã khoá" in again.text


def test_denial_work_queue(app, client, web_world: WebWorld) -> None:
    month = month_of_a(app, web_world)
    with app.state.session_factory() as s:
        items = {d.claim_id: d.id for d in s.scalars(select(Denial))}
    assert set(items) == {month.disallowed_claim, month.refused_claim}
    sign_in(client, "billing_a")
    queue = client.get("/denials")
    assert queue.status_code == 200
    assert set(re.findall(r'data-denial="(\d+)"', queue.text)) == {str(i) for i in items.values()}
    assert "DRUG_NOT_IN_LIST" in queue.text and "CARD_INVALID" in queue.text
    line_item, claim_item = items[month.disallowed_claim], items[month.refused_claim]
    r = post_form(client, f"/denials/{line_item}/assign", {}, "/denials")
    assert r.status_code == 303
    mine = client.get("/denials?mine=true")
    assert re.findall(r'data-denial="(\d+)"', mine.text) == [str(line_item)]
    refused = post_form(client, f"/denials/{line_item}/appeal", {"note": " "}, "/denials")
    assert refused.status_code == 422 and "cần ghi chú" in refused.text
    asked = post_form(client, f"/denials/{line_item}/write-off", {"note": "thuốc đã dùng"}, "/denials")
    assert asked.status_code == 303
    # The clerk cannot approve; finance (someone else) can.
    assert post_form(client, f"/denials/{line_item}/approve-write-off", {}, "/denials").status_code == 403
    sign_in(client, "finance_a")
    assert 'data-action="approve-write-off"' in client.get("/denials").text
    assert post_form(client, f"/denials/{line_item}/approve-write-off", {}, "/denials").status_code == 303
    # Fix and resend: a new version of the claim opens for correction.
    sign_in(client, "billing_a")
    r = post_form(client, f"/denials/{claim_item}/resend", {}, "/denials")
    assert r.status_code == 303 and r.headers["location"].endswith("?done=resent")
    new_id = int(r.headers["location"].split("/")[2].split("?")[0])
    claim_page = client.get(r.headers["location"])
    assert "Đã mở phiên bản mới" in claim_page.text
    with app.state.session_factory() as s:
        statuses = {d.id: (d.status, d.assigned_to) for d in s.scalars(select(Denial))}
        assert statuses[line_item] == ("written_off", "billing_a") and statuses[claim_item][0] == "resent"
        assert s.get(Claim, new_id).status == "needs_fix"  # type: ignore[union-attr]
        actions = set(s.scalars(select(AuditEvent.action).where(AuditEvent.entity == "denial")))
        assert {"assign", "request_write_off", "approve_write_off", "resend"} <= actions
    assert not re.findall(r'data-denial="(\d+)"', client.get("/denials").text)  # nothing left to work on
    assert str(line_item) in client.get("/denials?status=written_off").text


def test_import_an_office_file_from_the_page(app, client, web_world: WebWorld) -> None:
    from tests.remittance.helpers import answer_for, as_json
    from tests.web.finance_support import send

    with app.state.session_factory() as s:
        claims = send(s, web_world.a_claims[1:3])
        data = as_json([answer_for(c, lambda c, x: (x.t_bhtt, ()), code="01001") for c in claims])
        period = claims[0].period
        s.commit()
    sign_in(client, "finance_a")
    token = csrf_of(client, "/finance")
    r = client.post("/finance/imports", data={"kind": "assessment", "csrf_token": token},
                    files={"file": ("ket_qua.json", data, "application/json")}, follow_redirects=False)  # fmt: skip
    fa = web_world.world.facility_a.id
    assert r.status_code == 303 and r.headers["location"] == f"/finance/{fa}/{period}?done=imported&records=2"
    again = client.post("/finance/imports", data={"kind": "assessment", "csrf_token": token},
                        files={"file": ("ket_qua.json", data, "application/json")}, follow_redirects=False)  # fmt: skip
    assert "done=duplicate" in again.headers["location"]
    bad = client.post("/finance/imports", data={"kind": "assessment", "csrf_token": token},
                      files={"file": ("x.json", b'{"results": [{"maLK": 1}]}', "application/json")})  # fmt: skip
    assert bad.status_code == 422 and "Không nhập được tệp" in bad.text
    # Billing cannot import; nor can another facility's file come in through A's user.
    sign_in(client, "billing_a")
    r = client.post("/finance/imports", data={"kind": "assessment", "csrf_token": csrf_of(client)},
                    files={"file": ("ket_qua.json", data, "application/json")}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 403


def test_pricing_in_the_background(app, client, web_world: WebWorld) -> None:
    from claims.demo.generator import generate_encounters
    from claims.encounter import service as encounter_service
    from tests.web.finance_support import ACTOR

    def claims_of_a() -> int:
        with app.state.session_factory() as s:
            return len(s.scalars(select(Claim.id).where(Claim.facility_id == web_world.world.facility_a.id)).all())

    before = claims_of_a()
    with app.state.session_factory() as s:
        for enc in generate_encounters(5, 99, "01001", expired_card_share=0):
            encounter_service.store(s, ACTOR, web_world.world.facility_a.id, enc.claim_key, "demo",
                                    enc.model_dump(mode="json"))  # fmt: skip
        s.commit()
    sign_in(client, "billing_a")
    assert 'id="price-encounters"' in client.get("/batches").text
    r = post_form(client, "/jobs/price", {}, "/batches")
    assert r.status_code == 303
    progress = wait_for_job(client, r.headers["location"])
    assert progress["state"] == "done" and progress["done"] == progress["total"] == 6, progress
    assert progress["message"] == "priced=5 skipped=1"  # the world's unreadable record is skipped, not fatal
    assert claims_of_a() == before + 5
    sign_in(client, "finance_a")
    assert post_form(client, "/jobs/price", {}, "/").status_code == 403
