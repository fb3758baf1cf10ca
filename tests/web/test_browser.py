"""The web UI in a real browser (Debian's chromium driven by Playwright): sign in, find a claim with a
blocking finding, read why the patient pays, fix the field and see the finding clear, approve, send a
batch and watch its progress, switch the language. Screenshots of each main page go to var/screenshots/.

Skipped when chromium or Playwright is missing (``.ci/run`` installs chromium).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from claims.portal.schemas import FacilityAccount, GatewayReceipt, SubmissionLookup
from claims.submission import service as submission
from tests import factories
from tests.web.conftest import WebWorld

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CLAIMS_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(app, web_world: WebWorld) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(live_server: str) -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    profile = tempfile.mkdtemp(prefix="claims-chromium-")
    try:
        with sync_api.sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, args=ARGS, headless=True, viewport={"width": 1400, "height": 900}
            )
            try:
                yield context.new_page()
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


class OkGateway:
    """The office answers every claim with a receipt (code 200)."""

    def __init__(self) -> None:
        self.count = 0

    def submit(self, account: FacilityAccount, envelope: bytes, ma_lk: str) -> GatewayReceipt:
        self.count += 1
        return GatewayReceipt("200", f"GD{self.count:06d}", "20261125120000", "ok")

    def find_submission(self, account: FacilityAccount, ma_lk: str, envelope_sha256: str) -> SubmissionLookup:
        return SubmissionLookup(False, False, False, None, None, None)


def send_all(app, claim_ids: list[int], delay: float) -> None:
    """What the worker does for each outbox job, slowly enough to watch the progress bar move."""
    account = FacilityAccount("01001_BV", "0" * 32, "01001")
    gateway = OkGateway()
    for claim_id in claim_ids:
        time.sleep(delay)
        submission.send_claim(app.state.session_factory, claim_id, gateway, lambda _: account, lambda _: None)


def sign_out_and_in(page, base: str, username: str) -> None:
    page.click("header form[action='/logout'] button")
    page.wait_for_url(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


class InProcessOffice:
    """The office gateway app (claims.insurer) reached over httpx in this process, wired into the embedded
    worker the way `claims serve` runs it; and the office's assessment of what it received."""

    def __init__(self, app, monkeypatch: pytest.MonkeyPatch) -> None:
        from datetime import UTC, datetime

        import httpx

        from claims.portal.sync import SyncGateway
        from tests import gateway_support

        self.app = app
        office_app, self.store = gateway_support.office("01001", clock=lambda: datetime.now(UTC))  # type: ignore[arg-type]
        self.gateway = SyncGateway("http://office.test", transport=httpx.ASGITransport(app=office_app))  # type: ignore[arg-type]
        context = {
            "sessions": app.state.session_factory, "gateway": self.gateway,
            "account_for": lambda code: gateway_support.account(code),
            "signer_for": lambda code: gateway_support.demo_signer(code),
        }  # fmt: skip
        import workers.review
        import workers.submission

        monkeypatch.setattr(workers.submission, "_context", lambda: context)
        monkeypatch.setattr(workers.review, "_sessions", lambda: app.state.session_factory)
        self._stack: contextlib.ExitStack | None = None

    def start(self) -> None:
        """The relay and the in-process dramatiq worker on the StubBroker (no Redis), as `claims serve` does."""
        from workers.embedded import background

        self._stack = contextlib.ExitStack()
        self._stack.enter_context(background(self.app))

    def stop(self) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = None

    def assess(self, claim_id: int) -> bytes:
        """The office's results for what it received: the claim's first line disallowed (a drug outside the
        list), the rest approved; returned as the office's results API answers them."""
        import json
        from dataclasses import replace

        from claims.claim.models import Claim
        from claims.insurer.files import assessment_json
        from claims.insurer.schemas import DisallowanceReason
        from tests.remittance.helpers import ZERO, answer_for

        drug = DisallowanceReason("DRUG_NOT_IN_LIST", "Thuốc ngoài danh mục", "TT 20/2022/TT-BYT")
        with self.app.state.session_factory() as s:
            claim = s.get(Claim, claim_id)
            assert claim is not None
            first = min(claim.lines, key=lambda x: (x.table_name, x.stt))
            result = answer_for(claim, lambda c, line: (ZERO, (drug,)) if line is first else (line.t_bhtt, ()),
                                code="01001")  # fmt: skip
        received = self.store.documents("claim")[0]
        result = replace(result, transaction_id=received.transaction_id, envelope_sha256=received.envelope_sha256)
        self.store.save_assessment(result)
        found = self.store.assessments("01001")
        return json.dumps({"maKetQua": "200", "results": [assessment_json(r) for r in found]},
                          ensure_ascii=False).encode()  # fmt: skip

    def close(self) -> None:
        self.stop()
        self.gateway.close()


@pytest.fixture
def office_gateway(app, monkeypatch: pytest.MonkeyPatch) -> Iterator[InProcessOffice]:
    office = InProcessOffice(app, monkeypatch)
    yield office
    office.close()


def test_billing_flow_in_a_browser(page, live_server: str, app, web_world: WebWorld,
                                   office_gateway: InProcessOffice) -> None:  # fmt: skip
    base = live_server
    # Sign in (Vietnamese by default).
    page.goto(f"{base}/login")
    assert page.locator("html").get_attribute("lang") == "vi"
    shot(page, "01-login")
    page.fill("#username", "billing_a")
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert "Tổng quan" in page.content()
    shot(page, "02-dashboard")

    # The dashboard's finding count leads to the blocked claim in the work queue.
    page.click("a[href^='/claims?finding=ma_doituong_kcb']")
    page.wait_for_url(re.compile(r".*/claims\?finding=ma_doituong_kcb.*"))
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 1
    shot(page, "03-work-queue-filtered")
    page.goto(f"{base}/claims")
    shot(page, "04-work-queue")
    # Filtering updates the table in place (our JS, partial HTML).
    page.select_option("select[name=status]", "needs_fix")
    # (Selectors, not wait_for_function: the pages' Content-Security-Policy forbids eval, in tests too.)
    page.wait_for_selector("#queue:not([aria-busy]) ul.counts a[aria-current] [data-count=needs_fix]")
    assert page.locator("table.queue tbody tr").count() == 1
    assert "status=needs_fix" in page.url
    page.click(f"a[href='/claims/{web_world.blocked_id}']")

    # The claim: a blocking finding with a hint; no approve button.
    page.wait_for_url(f"{base}/claims/{web_world.blocked_id}")
    finding = page.locator("tr[data-finding='ma_doituong_kcb']")
    assert finding.get_attribute("data-resolved") == "no"
    assert page.locator("#approve").count() == 0
    shot(page, "05-claim-blocked")

    # Fix the field: the claim is priced again and the finding clears.
    page.fill("#f-ma_doituong_kcb", "")
    page.click("#save-fix")
    page.wait_for_url(re.compile(r".*done=fixed.*"))
    assert page.locator("tr[data-finding='ma_doituong_kcb']").get_attribute("data-resolved") == "yes"
    assert "Đã lưu và tính lại giá" in page.content()

    # Why does the patient pay what he pays? The trace explains it line by line.
    why = page.locator("#why").inner_text()
    assert "Vì sao người bệnh phải trả khoản này?" in why
    page.locator("tr.trace details").first.locator("summary").click()
    assert "Mức hưởng" in page.locator("#lines").inner_text() or "Quỹ BHYT trả" in page.locator("#lines").inner_text()
    shot(page, "06-claim-fixed-trace")

    # On a claim where the patient does pay, each line says why, with the rule and its legal reference.
    with app.state.session_factory() as s:
        from sqlalchemy import select

        from claims.claim.models import Claim

        paying = s.scalar(
            select(Claim.id).where(Claim.id.in_(web_world.a_claims), Claim.t_bncct + Claim.t_bntt > 0).limit(1)
        )
    assert paying is not None
    page.goto(f"{base}/claims/{paying}")
    why = page.locator("#why")
    assert why.locator("ul.why > li").count() > 0
    assert "người bệnh trả" in why.inner_text() and "Mức hưởng" in why.inner_text()
    shot(page, "06b-why-the-patient-pays")
    page.goto(f"{base}/claims/{web_world.blocked_id}")

    # Approve.
    page.click("#approve")
    page.wait_for_url(re.compile(r".*done=approved.*"))
    assert "Đã duyệt hồ sơ" in page.content()

    # Send a batch of the period: the embedded relay and worker (what `claims serve` runs) send it through
    # the real gateway client to the office app, in process; the page watches it progress to sent.
    with app.state.session_factory() as s:
        from claims.claim.models import Claim

        claim = s.get(Claim, web_world.blocked_id)
        assert claim is not None and claim.status == "approved"
        period = claim.period
    page.goto(f"{base}/batches")
    shot(page, "07a-batches")
    page.fill("#batch-period", period)
    page.click("#create-batch")
    page.wait_for_url(re.compile(r".*/batches/\d+$"))
    assert page.locator("#progress-done").inner_text() == "0"
    shot(page, "07-batch-sending")
    batch_url = page.url
    office_gateway.start()
    page.wait_for_selector("[data-progress-url][data-finished=yes]", timeout=60000)
    assert page.locator("#progress-done").inner_text() == "1"
    assert page.locator(f"[data-claim-status='{web_world.blocked_id}']").inner_text() == "đã gửi"
    shot(page, "08-batch-sent")
    office_gateway.stop()
    receipt = office_gateway.store.documents("claim")
    assert [d.key for d in receipt] == [claim.ma_lk]
    transaction = receipt[0].transaction_id
    page.goto(f"{base}/ledger")
    assert transaction in page.content()
    shot(page, "09-ledger")

    # Versions: the frozen copy kept when the claim joined the batch, and the difference with now.
    page.goto(f"{base}/claims/{web_world.blocked_id}")
    page.click("#versions a")
    assert "Khác biệt" in page.content()
    shot(page, "10-versions-diff")

    # The office assesses (one line disallowed, with its reason); finance imports the office's results,
    # reconciles the period in the background and drills down to the disallowed line.
    results = office_gateway.assess(web_world.blocked_id)
    sign_out_and_in(page, base, "finance_a")
    page.goto(f"{base}/finance")
    shot(page, "20-finance-periods")
    page.select_option("#import-kind", "assessment")
    page.set_input_files("#import-file", files=[{"name": "ket_qua_01001.json", "mimeType": "application/json",
                                                 "buffer": results}])  # fmt: skip
    page.click("#import-submit")
    page.wait_for_url(re.compile(r".*/finance/\d+/\d{6}\?done=imported.*"))
    period_url = page.url.split("?")[0]
    page.click("#reconcile")
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f]{32}$"))
    page.wait_for_selector("[data-job-url][data-finished=yes]", timeout=60000)
    assert page.locator("#job-state").get_attribute("data-state") == "done"
    shot(page, "21-reconcile-job")
    page.click("#job-result-link")
    page.wait_for_url(period_url)
    assert page.locator("#adds-up.ok").count() == 1
    assert page.locator("[data-figure=disallowed]").inner_text() != "0"
    shot(page, "22-finance-period")
    page.click(f"tr[data-claim='{web_world.blocked_id}'] a")
    page.wait_for_url(re.compile(rf".*/claims/{web_world.blocked_id}$"))
    disallowed = page.locator("tr[data-disallowed=yes]")
    assert disallowed.count() == 1
    assert "DRUG_NOT_IN_LIST" in disallowed.inner_text() and "Thuốc ngoài danh mục" in disallowed.inner_text()
    shot(page, "23-finance-claim-lines")
    for suffix, name in (("/variances", "24-finance-variances"), ("/ageing", "25-finance-ageing"),
                         ("/close", "26-finance-close")):  # fmt: skip
        page.goto(period_url + suffix)
        assert page.locator("h1").count() == 1
        shot(page, name)
    page.goto(f"{base}/denials")
    assert page.locator("tr[data-denial]").count() == 1
    shot(page, "27-denials")
    # The batch has moved on: the office's answer came back (received, then assessed).
    page.goto(batch_url)
    assert page.locator("#progress-answered").inner_text() == "1"
    assert page.locator(f"[data-claim-status='{web_world.blocked_id}']").inner_text() == "đã giám định"
    shot(page, "28-batch-answered")
    with app.state.session_factory() as s:
        from sqlalchemy import select

        from claims.audit.models import AuditEvent

        moves = [e.summary.get("to") for e in s.scalars(select(AuditEvent).where(
            AuditEvent.entity == "claim", AuditEvent.entity_id == str(web_world.blocked_id),
            AuditEvent.action == "status"))]  # fmt: skip
        assert moves[-2:] == ["received", "assessed"], moves
    sign_out_and_in(page, base, "billing_a")

    # Switch the language.
    page.goto(f"{base}/claims/{web_world.blocked_id}")
    page.click("a[hreflang=en]")
    page.wait_for_url(f"{base}/claims/{web_world.blocked_id}")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Why is the patient paying this?" in page.content()
    shot(page, "11-claim-english")


def test_admin_and_office_pages_in_a_browser(page, live_server: str, web_world: WebWorld) -> None:
    base = live_server
    page.goto(f"{base}/login")
    page.fill("#username", "admin")
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    shot(page, "12-dashboard-admin")
    for path, name in (("/admin/users", "13-admin-users"), ("/admin/facilities", "14-admin-facilities"),
                       ("/admin/catalogue", "15-admin-catalogue"), ("/office/files", "16-office-files"),
                       ("/office/assessments", "17-office-assessments"), ("/finance", "18-finance"),
                       ("/denials", "18b-denials")):  # fmt: skip
        page.goto(base + path)
        assert page.locator("h1").count() == 1
        shot(page, name)
    # Check a catalogue file: sent by our upload script (with its progress bar), the result replaces the page.
    page.goto(f"{base}/admin/catalogue")
    csv_text = (
        "STT,Mã vật tư,Tên vật tư,Đơn giá BH,TYLE_TT_BH,Từ ngày,MA_CSKCB\n"
        "1,N03.01.070,Kim luồn tĩnh mạch,1200,100,20250101,01010\n2,N03.01.080,Bơm tiêm 5ml,abc,100,20250101,01010\n"
    )
    page.set_input_files("#c-file", files=[{"name": "vattu.csv", "mimeType": "text/csv",
                                             "buffer": csv_text.encode("utf-8-sig")}])  # fmt: skip
    page.select_option("#c-kind", "supply")
    page.click("form[data-upload] button[type=submit]")
    page.wait_for_selector("#catalogue-result")
    assert "N03.01.070" in page.locator("#catalogue-result").inner_text()
    shot(page, "19-admin-catalogue-checked")
