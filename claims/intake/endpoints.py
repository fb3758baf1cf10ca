"""Intake API: FHIR R4 Bundles, file uploads of every supported format, the import log, and each facility's
code mapping. Facility-bound users import and map for their own facility only; every change is audited."""

from __future__ import annotations

import io
import json
from typing import Any

from fastapi import APIRouter, Body, Depends, File, Form, Query, Response, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy import select

from claims.api.deps import DbSession, require_roles
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.intake import mappings
from claims.intake.models import ImportRun
from claims.intake.report import ImportReport
from claims.intake.runs import INLINE_LIMIT, create_run, queue_run, read_file_chunks, run_import, store_upload
from claims.intake.schemas import (
    CodeMappingIn,
    CodeMappingOut,
    CodeMappingPage,
    CodeMappingUpdate,
    ImportDetail,
    ImportPage,
    ImportSummary,
)
from claims.intake.sources import FORMATS
from claims.kit.errors import InvalidInput, NotFound, error_responses
from claims.kit.pagination import PageParams, page_params, paginate

router = APIRouter(tags=["intake"], responses=error_responses(401, 403, 404, 422))
importers = require_roles(Role.billing, Role.admin)
readers = require_roles(Role.billing, Role.finance, Role.admin)

FHIR_JSON = "application/fhir+json"


def _issue(severity: str, code: str, text: str, where: str = "") -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": text}
    if where:
        issue["expression"] = [where]
    return issue


def operation_outcome(report: ImportReport, import_id: int) -> dict[str, Any]:
    """The import report as a FHIR R4 OperationOutcome: a summary, then one issue per failure and finding."""
    issues = [_issue("information", "informational", report.summary())]
    issues += [_issue("error", "invalid", error) for error in report.file_errors]
    issues += [_issue("error", "processing", f.reason, f.record) for f in report.failures]
    issues += [
        _issue("warning" if f.severity != "error" else "error", "business-rule", f"{f.code}: {f.message}",
               f"{f.record} {f.field}".strip())
        for f in report.findings
    ]  # fmt: skip
    issues += [_issue("information", "informational", f"ignored {note}") for note in report.notes]
    return {"resourceType": "OperationOutcome", "id": str(import_id), "issue": issues}


@router.post(
    "/fhir/Bundle",
    summary="Import a FHIR R4 Bundle (transaction or collection)",
    responses={200: {"content": {FHIR_JSON: {}}}, **error_responses(400)},
)
def post_bundle(
    db: DbSession,
    bundle: dict[str, Any] = Body(..., media_type=FHIR_JSON, description="a FHIR R4 Bundle"),
    who: Principal = Depends(importers),
    facility_id: int | None = Query(None, description="admins: the facility importing"),
) -> JSONResponse:
    """Every entry is read and stored on its own: one bad encounter fails alone, named in the outcome.
    The answer is an OperationOutcome (imported, updated, unchanged, failed with reasons, findings)."""
    if bundle.get("resourceType") != "Bundle":
        raise InvalidInput("the body must be a FHIR Bundle", field="resourceType")
    data = json.dumps(bundle, ensure_ascii=False).encode("utf-8")
    run = create_run(db, who, source="fhir-bundle.json", fmt="fhir", facility_id=facility_id)
    run.size_bytes = len(data)
    report = run_import(db, who, run, io.BytesIO(data))
    status = 400 if report.file_errors and not report.records else 200
    headers = {"Location": f"/api/imports/{run.id}"}
    return JSONResponse(operation_outcome(report, run.id), status_code=status, media_type=FHIR_JSON, headers=headers)


@router.post("/api/imports", response_model=ImportDetail, status_code=201, responses={202: {"model": ImportSummary}})
def upload(
    db: DbSession,
    response: Response,
    file: UploadFile = File(..., description="FHIR JSON/NDJSON, HL7 v2, XML 130, CSV or XLSX"),
    fmt: str = Form("auto", alias="format", description=f"auto or one of {', '.join(FORMATS)}"),
    facility_id: int | None = Form(None, description="admins: the facility importing"),
    who: Principal = Depends(importers),
) -> ImportRun:
    """Small files are imported at once (201, with the report); larger ones by a worker (202): follow the
    progress at ``GET /api/imports/{id}``."""
    if fmt != "auto" and fmt not in FORMATS:
        raise InvalidInput(f"format must be auto or one of {', '.join(FORMATS)}", field="format")
    run = create_run(db, who, source=file.filename or "upload", fmt=fmt, facility_id=facility_id)
    size = file.size if file.size is not None else INLINE_LIMIT + 1
    if size <= INLINE_LIMIT:
        run.size_bytes = size
        run_import(db, who, run, file.file)  # type: ignore[arg-type]
        return run
    store_upload(db, run, read_file_chunks(file.file))  # type: ignore[arg-type]
    queue_run(db, who, run)
    response.status_code = 202
    return run


@router.get("/api/imports", response_model=ImportPage)
def list_imports(
    db: DbSession,
    who: Principal = Depends(readers),
    page: PageParams = Depends(page_params),
    status: str | None = Query(None, max_length=16),
) -> ImportPage:
    stmt = select(ImportRun).order_by(ImportRun.id.desc())
    if status:
        stmt = stmt.where(ImportRun.status == status)
    rows, total = paginate(db, who.restrict(stmt, ImportRun.facility_id), page)
    return ImportPage(
        items=[ImportSummary.model_validate(r) for r in rows], total=total, offset=page.offset, limit=page.limit
    )


@router.get("/api/imports/{import_id}", response_model=ImportDetail)
def get_import(import_id: int, db: DbSession, who: Principal = Depends(readers)) -> ImportRun:
    run = db.scalar(who.restrict(select(ImportRun).where(ImportRun.id == import_id), ImportRun.facility_id))
    if run is None:
        raise NotFound("import not found")
    return run


@router.get("/api/code-mappings", response_model=CodeMappingPage)
def list_code_mappings(
    db: DbSession,
    who: Principal = Depends(readers),
    page: PageParams = Depends(page_params),
    facility_id: int | None = Query(None),
    kind: str | None = Query(None, pattern="^(item|diagnosis)$"),
    his_code: str | None = Query(None, max_length=255),
) -> CodeMappingPage:
    rows, total = mappings.list_mappings(db, who, page, facility_id, kind, his_code)
    return CodeMappingPage(
        items=[CodeMappingOut.model_validate(r) for r in rows], total=total, offset=page.offset, limit=page.limit
    )


@router.post("/api/code-mappings", response_model=CodeMappingOut, status_code=201, responses=error_responses(409))
def create_code_mapping(body: CodeMappingIn, db: DbSession, who: Principal = Depends(importers)) -> CodeMappingOut:
    return CodeMappingOut.model_validate(mappings.create(db, who, body))


@router.get("/api/code-mappings/{mapping_id}", response_model=CodeMappingOut)
def get_code_mapping(mapping_id: int, db: DbSession, who: Principal = Depends(readers)) -> CodeMappingOut:
    return CodeMappingOut.model_validate(mappings.get(db, who, mapping_id))


@router.put("/api/code-mappings/{mapping_id}", response_model=CodeMappingOut)
def update_code_mapping(
    mapping_id: int, body: CodeMappingUpdate, db: DbSession, who: Principal = Depends(importers)
) -> CodeMappingOut:
    return CodeMappingOut.model_validate(mappings.update(db, who, mapping_id, body))


@router.delete("/api/code-mappings/{mapping_id}", status_code=204)
def delete_code_mapping(mapping_id: int, db: DbSession, who: Principal = Depends(importers)) -> Response:
    mappings.delete(db, who, mapping_id)
    return Response(status_code=204)
