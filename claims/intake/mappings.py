"""Each facility's code mapping table (hospital code → insurer catalogue code or ICD-10): queries and changes,
scoped to the caller's facility and audited. Never commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.audit import service as audit
from claims.auth.scope import Principal
from claims.catalogue.models import Facility
from claims.intake.models import CodeMap
from claims.intake.schemas import CodeMappingIn, CodeMappingUpdate
from claims.kit.errors import Conflict, InvalidInput, NotFound
from claims.kit.pagination import PageParams, paginate


def get(session: Session, scope: Principal, mapping_id: int) -> CodeMap:
    row = session.scalar(scope.restrict(select(CodeMap).where(CodeMap.id == mapping_id), CodeMap.facility_id))
    if row is None:
        raise NotFound("code mapping not found")
    return row


def list_mappings(
    session: Session,
    scope: Principal,
    page: PageParams,
    facility_id: int | None = None,
    kind: str | None = None,
    his_code: str | None = None,
) -> tuple[list[CodeMap], int]:
    stmt = select(CodeMap).order_by(CodeMap.id)
    if facility_id is not None:
        stmt = stmt.where(CodeMap.facility_id == facility_id)
    if kind:
        stmt = stmt.where(CodeMap.kind == kind)
    if his_code:
        stmt = stmt.where(CodeMap.his_code == his_code)
    return paginate(session, scope.restrict(stmt, CodeMap.facility_id), page)


def _facility_of(session: Session, actor: Principal, wanted: int | None) -> int:
    if not actor.sees_all_facilities:
        if wanted is not None and wanted != actor.facility_id:
            raise NotFound("facility not found")
        assert actor.facility_id is not None
        return actor.facility_id
    if wanted is None:
        raise InvalidInput("facility_id is required", field="facility_id")
    if session.get(Facility, wanted) is None:
        raise NotFound("facility not found")
    return wanted


def create(session: Session, actor: Principal, data: CodeMappingIn) -> CodeMap:
    facility_id = _facility_of(session, actor, data.facility_id)
    exists = session.scalar(
        select(CodeMap.id).where(
            CodeMap.facility_id == facility_id, CodeMap.kind == data.kind, CodeMap.his_code == data.his_code
        )
    )
    if exists is not None:
        raise Conflict("this hospital code is already mapped", field="his_code", id=exists)
    row = CodeMap(
        facility_id=facility_id, kind=data.kind, his_code=data.his_code, insurer_code=data.insurer_code,
        line_group=data.line_group.value if data.line_group else None, cost_group=data.cost_group,
        updated_by=actor.username,
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(session, actor, "code_mapping", row.id, "create",
                 {"kind": row.kind, "his_code": row.his_code, "insurer_code": row.insurer_code},
                 facility_id=facility_id)  # fmt: skip
    return row


def update(session: Session, actor: Principal, mapping_id: int, data: CodeMappingUpdate) -> CodeMap:
    row = get(session, actor, mapping_id)
    if row.kind == "diagnosis" and (data.line_group or data.cost_group):
        raise InvalidInput("line_group and cost_group are for items only", field="line_group")
    if (data.line_group is None) != (data.cost_group is None):
        raise InvalidInput("give line_group and cost_group together", field="line_group")
    before = {"insurer_code": row.insurer_code, "line_group": row.line_group, "cost_group": row.cost_group}
    row.insurer_code = data.insurer_code
    row.line_group = data.line_group.value if data.line_group else None
    row.cost_group = data.cost_group
    row.updated_by = actor.username
    session.flush()
    after = {"insurer_code": row.insurer_code, "line_group": row.line_group, "cost_group": row.cost_group}
    audit.record(session, actor, "code_mapping", row.id, "update", {"before": before, "after": after},
                 facility_id=row.facility_id)  # fmt: skip
    return row


def delete(session: Session, actor: Principal, mapping_id: int) -> None:
    row = get(session, actor, mapping_id)
    audit.record(session, actor, "code_mapping", row.id, "delete",
                 {"kind": row.kind, "his_code": row.his_code, "insurer_code": row.insurer_code},
                 facility_id=row.facility_id)  # fmt: skip
    session.delete(row)
    session.flush()
