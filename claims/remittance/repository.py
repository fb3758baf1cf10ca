"""Remittance reads, always through the caller's facility scope."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from claims.audit.models import AuditEvent
from claims.auth.scope import Principal
from claims.kit.pagination import PageParams, paginate
from claims.remittance.models import AnswerLine, Denial, LineMatch, RemittanceImport, Variance


def imports(
    session: Session, scope: Principal, page: PageParams, facility_id: int | None = None
) -> tuple[list[Any], int]:
    stmt = select(RemittanceImport).order_by(RemittanceImport.id.desc())
    if facility_id is not None:
        stmt = stmt.where(RemittanceImport.facility_id == facility_id)
    return paginate(session, scope.restrict(stmt, RemittanceImport.facility_id), page)


def variances(
    session: Session, scope: Principal, page: PageParams, facility_id: int, period: str, category: str | None = None
) -> tuple[list[Any], int]:
    stmt = select(Variance).where(Variance.facility_id == facility_id, Variance.period == period).order_by(Variance.id)
    if category:
        stmt = stmt.where(Variance.category == category)
    return paginate(session, scope.restrict(stmt, Variance.facility_id), page)


def exceptions(
    session: Session, scope: Principal, page: PageParams, facility_id: int, period: str
) -> tuple[list[Any], int]:
    query = (
        select(
            AnswerLine.id.label("answer_line_id"), AnswerLine.ma_lk, AnswerLine.office_version, AnswerLine.table_name,
            AnswerLine.line_no, AnswerLine.item_code, AnswerLine.approved, AnswerLine.disallowed, LineMatch.claim_id,
        )
        .join(LineMatch, LineMatch.answer_line_id == AnswerLine.id)
        .where(
            AnswerLine.facility_id == facility_id, AnswerLine.period == period, AnswerLine.current.is_(True),
            LineMatch.kind == "unmatched",
        )
        .order_by(AnswerLine.id)
    )  # fmt: skip
    stmt = scope.restrict(cast("Select[Any]", query), AnswerLine.facility_id)
    total = len(session.execute(stmt.with_only_columns(AnswerLine.id)).all())
    rows = session.execute(stmt.offset(page.offset).limit(page.limit)).mappings().all()
    return [dict(r) for r in rows], total


def denials(
    session: Session, scope: Principal, page: PageParams, facility_id: int | None = None, status: str | None = None
) -> tuple[list[Any], int]:
    stmt = select(Denial).order_by(Denial.opened_at, Denial.id)
    if facility_id is not None:
        stmt = stmt.where(Denial.facility_id == facility_id)
    if status:
        stmt = stmt.where(Denial.status == status)
    return paginate(session, scope.restrict(stmt, Denial.facility_id), page)


def denial(session: Session, scope: Principal, denial_id: int) -> Denial | None:
    return session.scalar(scope.restrict(select(Denial).where(Denial.id == denial_id), Denial.facility_id))


def denial_history(session: Session, scope: Principal, denial_id: int) -> list[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.entity == "denial", AuditEvent.entity_id == str(denial_id))
        .order_by(AuditEvent.id)
    )
    return list(session.scalars(scope.restrict(stmt, AuditEvent.facility_id)))
