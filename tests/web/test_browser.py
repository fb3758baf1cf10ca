"""The web UI in a real browser (Debian's chromium driven by Playwright): sign in, find a claim with a
blocking finding, read why the patient pays, fix the field and see the finding clear, approve, send a
batch and watch its progress, switch the language. Screenshots of each main page go to var/screenshots/.

Skipped when chromium or Playwright is missing (``.ci/run`` installs chromium).
"""

from __future__ import annotations

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


def test_billing_flow_in_a_browser(page, live_server: str, app, web_world: WebWorld) -> None:
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

    # Send a batch of the period and watch it progress to sent.
    with app.state.session_factory() as s:
        from claims.claim.models import Claim

        claim = s.get(Claim, web_world.blocked_id)
        assert claim is not None and claim.status == "approved"
        period = claim.period
    page.goto(f"{base}/batches")
    page.fill("#batch-period", period)
    page.click("#create-batch")
    page.wait_for_url(re.compile(r".*/batches/\d+$"))
    assert page.locator("#progress-done").inner_text() == "0"
    shot(page, "07-batch-sending")
    sender = threading.Thread(target=send_all, args=(app, [web_world.blocked_id], 0.5))
    sender.start()
    page.wait_for_selector("[data-progress-url][data-finished=yes]", timeout=30000)
    sender.join()
    assert page.locator("#progress-done").inner_text() == "1"
    assert page.locator(f"[data-claim-status='{web_world.blocked_id}']").inner_text() == "đã gửi"
    shot(page, "08-batch-sent")
    page.goto(f"{base}/ledger")
    assert "GD000001" in page.content()
    shot(page, "09-ledger")

    # Versions: the frozen copy kept when the claim joined the batch, and the difference with now.
    page.goto(f"{base}/claims/{web_world.blocked_id}")
    page.click("#versions a")
    assert "Khác biệt" in page.content()
    shot(page, "10-versions-diff")

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
                       ("/office/assessments", "17-office-assessments"), ("/finance", "18-finance")):  # fmt: skip
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
