"""The office gateway as a FastAPI app: the real gateway's paths and answers, plus our ``/api/ext/`` extension.

Business answers are HTTP 200 with ``maKetQua`` in the body (as the gateway does); injected server faults are
HTTP 500. See ``docs/office-gateway.md``.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from claims.insurer import files
from claims.insurer.assessment import Assessor, assess_pending
from claims.insurer.faults import FaultConfig, FaultInjector
from claims.insurer.schemas import DocumentKind
from claims.insurer.service import DEFAULT_MAX_FILE_BYTES, Caller, OfficeGateway, answer
from claims.insurer.store import GatewayStore, InMemoryGatewayStore
from claims.insurer.validation import Validator, minimal_validator
from claims.portal import protocol as p

FETCH_ASSESS_BUDGET = 10.0  # seconds a result request may spend assessing what is pending (client waits 30 s)
_INLINE_LIMIT = 256 * 1024  # larger bodies (and any body with a database store) are handled in a worker thread
log = structlog.get_logger("claims.insurer")
_UNAUTHENTICATED = {"maKetQua": p.UNAUTHENTICATED, "thongDiep": "Token không hợp lệ hoặc đã hết hạn"}


def _form(body: bytes) -> dict[str, str]:
    form: dict[str, str] = {}
    for key, value in parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True):
        form.setdefault(key, value)
    return form


def create_gateway_app(
    store: GatewayStore,
    *,
    validator: Validator = minimal_validator,
    faults: FaultConfig | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    token_lifetime: timedelta = timedelta(hours=1),
    require_signature: bool = True,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    card_register: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None,
    assessor: Assessor | None = None,
    assess_every: float | None = None,
) -> FastAPI:
    """The office gateway app over ``store``; ``app.state.gateway`` and ``app.state.faults`` are exposed.

    With an ``assessor``, results are published as they are asked for: a facility fetching its results first
    has every claim version it sent and the office has not assessed yet assessed (one run at a time per process,
    at most ``FETCH_ASSESS_BUDGET`` seconds per request). With ``assess_every`` seconds too, a background thread
    (started at the first reception) assesses what arrives as it arrives."""
    gateway = OfficeGateway(
        store,
        validator=validator,
        clock=clock,
        token_lifetime=token_lifetime,
        require_signature=require_signature,
        max_file_bytes=max_file_bytes,
        card_register=card_register,
    )
    injector = FaultInjector(faults or FaultConfig())
    app = FastAPI(
        title="Office gateway (BHXH-compatible)", docs_url="/api/ext/docs", openapi_url="/api/ext/openapi.json"
    )
    app.state.gateway = gateway
    app.state.faults = injector
    max_body = max_file_bytes * 4 // 3 + 64 * 1024
    assessing = threading.Lock()
    # A database store blocks: its calls run in worker threads, never on the event loop.
    in_memory = isinstance(store, InMemoryGatewayStore)

    def assess_now(facility_code: str | None, budget: float | None = FETCH_ASSESS_BUDGET) -> None:
        if assessor is not None:
            with assessing:
                assess_pending(store, assessor, clock(), facility_code, budget_seconds=budget)

    background: list[threading.Thread] = []
    stopping = threading.Event()
    app.state.stop_assessing = gateway.stop_assessing = stopping.set  # ends the background assessment

    def assess_in_background() -> None:
        assert assess_every is not None
        pause = assess_every
        while not stopping.wait(pause):
            try:
                assess_now(None, budget=None)
                pause = assess_every
            except Exception:  # the loop outlives a failed run (database restarting …): retries, backing off
                log.exception("office.assessment_loop_failed")
                pause = min(pause * 2, 60.0)

    def start_background() -> None:
        if assessor is not None and assess_every is not None and not background:
            with assessing:
                if not background:
                    thread = threading.Thread(target=assess_in_background, name="office-assessor", daemon=True)
                    background.append(thread)
                    thread.start()

    async def faulted(path: str, body: bytes, handle: Callable[[], Awaitable[dict[str, Any]]]) -> Response:
        fault = injector.decide(path, body)
        config = injector.config
        if fault == "error":
            return JSONResponse(answer(p.SERVER_ERROR, "Lỗi hệ thống (giả lập)"), status_code=500)
        if fault == "reject":
            return JSONResponse(answer(config.reject_code, "Hồ sơ bị từ chối (giả lập)"))
        if fault == "slow":
            await asyncio.sleep(config.slow_seconds)
        result = await handle()
        if fault == "error_after":
            return JSONResponse(answer(p.SERVER_ERROR, "Lỗi hệ thống (giả lập)"), status_code=500)
        if fault == "timeout":
            await asyncio.sleep(config.timeout_seconds)
        return JSONResponse(result)

    def caller_of(request: Request) -> Caller | None:
        h = request.headers
        return gateway.authenticate(h.get("accessToken"), h.get("tokenId"), h.get("passwordHash"))

    @app.post(p.TOKEN_PATH)
    async def take_token(request: Request) -> Response:
        form = _form(await request.body())
        username, password = form.get("username", ""), form.get("password", "")
        if in_memory:
            return JSONResponse(gateway.login(username, password))
        return JSONResponse(await run_in_threadpool(gateway.login, username, password))

    def receiving(path: str, kind: DocumentKind, key: str = "") -> None:
        async def receive(request: Request) -> Response:
            body = await request.body()
            caller = caller_of(request)
            if caller is None:
                return JSONResponse(answer(p.UNAUTHENTICATED, _UNAUTHENTICATED["thongDiep"]))
            if len(body) > max_body:
                return JSONResponse(answer(p.FILE_TOO_LARGE, "File vượt dung lượng cho phép"))

            start_background()

            async def handle() -> dict[str, Any]:
                form = _form(body)
                if len(body) > _INLINE_LIMIT or not in_memory:
                    return await run_in_threadpool(gateway.receive, kind, caller, form, key)
                return gateway.receive(kind, caller, form, key)

            return await faulted(path, body, handle)

        app.add_api_route(path, receive, methods=["POST"], name=f"receive_{kind}{key}")

    receiving(p.CHECKIN_PATH, "checkin")
    receiving(p.SUBMIT_PATH, "claim")
    for template, (path, _loai) in p.CATALOGUE_ENDPOINTS.items():
        receiving(path, "catalogue", f"G2-{template:02d}")

    @app.post(p.CARD_LOOKUP_PATH)
    async def card_lookup(request: Request) -> Response:
        q = request.query_params
        body = await request.body()
        caller = gateway.authenticate(q.get("token"), q.get("id_token"), q.get("password"), q.get("username"))
        if caller is None:
            return JSONResponse(_UNAUTHENTICATED)
        try:
            fields = json.loads(body) if body.strip().startswith(b"{") else _form(body)
        except ValueError:
            return JSONResponse({"maKetQua": p.PARAMETER_ERROR, "ghiChu": "Sai định dạng tham số"})

        async def handle() -> dict[str, Any]:
            return gateway.card_lookup(fields if isinstance(fields, dict) else {})

        return await faulted(p.CARD_LOOKUP_PATH, body, handle)

    # ---- our extension ---------------------------------------------------------------------------

    @app.get(p.EXT_SUBMISSION_LOOKUP_PATH)
    async def lookup(request: Request, maCSKCB: str = "", maLK: str = "", hash: str = "") -> Response:
        caller = caller_of(request)
        if caller is None:
            return JSONResponse(_UNAUTHENTICATED)
        return JSONResponse(await run_in_threadpool(gateway.lookup, caller, maCSKCB, maLK, hash))

    @app.get("/api/ext/stats")
    async def stats() -> dict[str, Any]:
        s = await run_in_threadpool(store.stats)
        return {
            "claims": s.claims,
            "claim_versions": s.claim_versions,
            "duplicates": s.duplicates,
            "checkins": s.checkins,
            "catalogues": s.catalogues,
            "refused": s.refused,
            "faults": dict(injector.injected),
        }

    def facility_of(request: Request, facility_code: str) -> Caller | Response:
        caller = caller_of(request)
        if caller is None:
            return JSONResponse(_UNAUTHENTICATED)
        if facility_code and facility_code != caller.facility.facility_code:
            return JSONResponse({"maKetQua": p.FORBIDDEN, "thongDiep": "Mã cơ sở KCB không thuộc tài khoản"})
        return caller

    def csv_download(text: str, name: str) -> Response:
        disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
        return PlainTextResponse(text, media_type="text/csv; charset=utf-8", headers=disposition)

    @app.get(p.EXT_RESULTS_PATH)
    async def results(
        request: Request, maCSKCB: str = "", kyQT: str | None = None, format: str = "json", level: str = "claims"
    ) -> Response:
        caller = facility_of(request, maCSKCB)
        if isinstance(caller, Response):
            return caller
        code = caller.facility.facility_code
        await run_in_threadpool(assess_now, code)
        found = await run_in_threadpool(store.assessments, code, kyQT)
        if format == "csv":
            render = files.assessment_lines_csv if level == "lines" else files.assessments_csv
            return csv_download(render(found), f"ket_qua_{code}_{kyQT or 'all'}_{level}.csv")
        return JSONResponse({"maKetQua": p.OK, "results": [files.assessment_json(r) for r in found]})

    @app.get(p.EXT_RESULTS_PATH + "/{ma_lk}")
    async def result(request: Request, ma_lk: str, maCSKCB: str = "") -> Response:
        caller = facility_of(request, maCSKCB)
        if isinstance(caller, Response):
            return caller
        await run_in_threadpool(assess_now, caller.facility.facility_code)
        found = await run_in_threadpool(store.assessment, caller.facility.facility_code, ma_lk)
        if found is None:
            return JSONResponse({"maKetQua": p.NOT_FOUND, "thongDiep": "Chưa có kết quả giám định"})
        return JSONResponse({"maKetQua": p.OK, "result": files.assessment_json(found)})

    @app.get(p.EXT_NOTICES_PATH)
    async def notices(request: Request, maCSKCB: str = "", kyQT: str | None = None, format: str = "json") -> Response:
        caller = facility_of(request, maCSKCB)
        if isinstance(caller, Response):
            return caller
        code = caller.facility.facility_code
        found = await run_in_threadpool(store.notices, code, kyQT)
        if format == "csv":
            return csv_download(files.notices_csv(found), f"thong_bao_{code}_{kyQT or 'all'}.csv")
        return JSONResponse({"maKetQua": p.OK, "notices": [files.notice_json(n) for n in found]})

    @app.get(p.EXT_NOTICES_PATH + "/{notice_id}")
    async def notice(request: Request, notice_id: str, maCSKCB: str = "") -> Response:
        caller = facility_of(request, maCSKCB)
        if isinstance(caller, Response):
            return caller
        found = store.notice(caller.facility.facility_code, notice_id)
        if found is None:
            return JSONResponse({"maKetQua": p.NOT_FOUND, "thongDiep": "Không có thông báo"})
        return JSONResponse({"maKetQua": p.OK, "notice": files.notice_json(found)})

    @app.get(p.EXT_REFUSALS_PATH)
    async def refusals(request: Request, maCSKCB: str = "") -> Response:
        """Files refused at reception, with the code and message answered (the portal's error list)."""
        caller = facility_of(request, maCSKCB)
        if isinstance(caller, Response):
            return caller
        found = await run_in_threadpool(store.refusals, caller.facility.facility_code)
        return JSONResponse({"maKetQua": p.OK, "refusals": [files.refusal_json(r) for r in found]})

    return app
