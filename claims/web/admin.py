"""Admin pages: users and roles, facilities, catalogue import (check a G1/G2 file), HIS code mapping."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from claims.api.deps import DbSession
from claims.auth import repository as users
from claims.auth import service as auth_service
from claims.auth.models import Role
from claims.auth.schemas import UserCreate
from claims.auth.scope import Principal
from claims.catalogue import facilities
from claims.catalogue.loader import load_catalogue
from claims.kit.errors import DomainError
from claims.kit.pagination import PageParams
from claims.web.routing import WebRoute, csrf_checked, gettext_of, render, roles

router = APIRouter(route_class=WebRoute)
ADMIN = (Role.admin,)
MAX_UPLOAD = 20 * 1024 * 1024
CATALOGUE_KINDS = ("", "drug", "supply", "service", "department", "staff", "equipment")


class InvalidForm(DomainError):
    code = "invalid_form"
    status = 422


def _fields(exc: ValidationError) -> str:
    return ", ".join(sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()}))


def _users_page(
    request: Request, db: DbSession, who: Principal, status: int = 200, error: str | None = None
) -> Response:
    rows, total = users.list_users(db, who, PageParams(offset=0, limit=500))
    facs, _ = facilities.list_facilities(db, who, PageParams(offset=0, limit=500))
    return render(request, "admin_users.html", status=status, who=who, users=rows, total=total, facilities=facs,
                  roles=[r.value for r in Role], error=error)  # fmt: skip


@router.get("/admin/users")
def users_page(request: Request, db: DbSession, who: Principal = Depends(roles(*ADMIN))) -> Response:
    return _users_page(request, db, who)


@router.post("/admin/users", dependencies=[Depends(csrf_checked)])
def users_create(
    request: Request,
    db: DbSession,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    role: Annotated[str, Form(max_length=16)],
    display_name: Annotated[str, Form(max_length=255)] = "",
    facility_id: Annotated[str, Form(max_length=12)] = "",
    who: Principal = Depends(roles(*ADMIN)),
) -> Response:
    _ = gettext_of(request)
    try:
        data = UserCreate(username=username.strip(), password=password, role=Role(role) if role in Role.__members__
                          else role, display_name=display_name, facility_id=int(facility_id) if facility_id else None)  # type: ignore[arg-type]  # fmt: skip
    except (ValidationError, ValueError) as exc:
        detail = _fields(exc) if isinstance(exc, ValidationError) else str(exc)
        return _users_page(request, db, who, 422, _("Invalid input: {fields}").format(fields=detail))
    auth_service.create_user(db, who, data)
    return RedirectResponse("/admin/users", status_code=303)


def _facilities_page(
    request: Request, db: DbSession, who: Principal, status: int = 200, error: str | None = None
) -> Response:
    rows, _ = facilities.list_facilities(db, who, PageParams(offset=0, limit=500))
    return render(request, "admin_facilities.html", status=status, who=who, facilities=rows, error=error)


@router.get("/admin/facilities")
def facilities_page(request: Request, db: DbSession, who: Principal = Depends(roles(*ADMIN))) -> Response:
    return _facilities_page(request, db, who)


@router.post("/admin/facilities", dependencies=[Depends(csrf_checked)])
def facilities_create(
    request: Request,
    db: DbSession,
    ma_cskcb: Annotated[str, Form(max_length=5)],
    name: Annotated[str, Form(max_length=255)],
    province: Annotated[str, Form(max_length=3)],
    hospital_class: Annotated[str, Form(max_length=16)] = "",
    level: Annotated[str, Form(max_length=16)] = "",
    who: Principal = Depends(roles(*ADMIN)),
) -> Response:
    _ = gettext_of(request)
    try:
        data = facilities.FacilityCreate(ma_cskcb=ma_cskcb, name=name, province=province,
                                         hospital_class=hospital_class or None, level=level or None)  # fmt: skip
    except ValidationError as exc:
        return _facilities_page(request, db, who, 422, _("Invalid input: {fields}").format(fields=_fields(exc)))
    facilities.create(db, who, data)
    return RedirectResponse("/admin/facilities", status_code=303)


@router.get("/admin/catalogue")
def catalogue_page(request: Request, who: Principal = Depends(roles(*ADMIN))) -> Response:
    return render(request, "admin_catalogue.html", who=who, kinds=CATALOGUE_KINDS, result=None)


@router.post("/admin/catalogue", dependencies=[Depends(csrf_checked)])
async def catalogue_upload(
    request: Request,
    file: UploadFile,
    kind: Annotated[str, Form(max_length=16)] = "",
    who: Principal = Depends(roles(*ADMIN)),
) -> Response:
    """Read an uploaded G1/G2 catalogue with ``claims.catalogue.loader`` and show what it holds and its errors."""
    _ = gettext_of(request)
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidForm(_("The file is larger than 20 MB."))
    suffix = Path(file.filename or "upload.csv").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InvalidForm(_("Upload an .xlsx or .csv catalogue file."))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"catalogue{suffix}"
        path.write_bytes(data)
        result = load_catalogue(path, kind if kind in CATALOGUE_KINDS and kind else None)
    result.source = Path(file.filename or path.name).name[:200]
    return render(request, "admin_catalogue.html", who=who, kinds=CATALOGUE_KINDS, result=result)


@router.get("/admin/mapping")
def mapping_page(request: Request, who: Principal = Depends(roles(*ADMIN))) -> Response:
    return render(request, "admin_mapping.html", who=who)
