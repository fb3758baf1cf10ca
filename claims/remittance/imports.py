"""Storing imported answers: idempotent by content hash; a corrected document supersedes the earlier one.

Supersession is kept, never deleted: the earlier import gets ``superseded_by_id`` and its rows
``current = false``. Rows are inserted in bulk (one multi-row INSERT per table), never one by one.
Never commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, insert, select, tuple_, update
from sqlalchemy.orm import Session

from claims.audit import service as audit
from claims.auth.scope import Principal
from claims.catalogue.models import Facility
from claims.kit.errors import DomainError, NotFound
from claims.remittance.models import Allocation, AnswerLine, AssessmentAnswer, LineMatch, Notice, RemittanceImport
from claims.remittance.parse import ClaimAnswer, NoticeRecord, Parsed, RecordError


class ImportRefused(DomainError):
    code = "import_refused"
    status = 422
    default_message = "The file cannot be imported."


@dataclass
class ImportOutcome:
    import_id: int | None
    duplicate: bool
    records: int
    superseded_import_id: int | None = None
    errors: list[dict[str, str]] = field(default_factory=list)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _facility(session: Session, actor: Principal, codes: set[str]) -> Facility:
    if len(codes) != 1:
        raise ImportRefused("one file holds the answers of one facility", facility_codes=sorted(codes)[:10])
    code = next(iter(codes))
    facility = session.scalar(select(Facility).where(Facility.ma_cskcb == code))
    if facility is None or not actor.can_see(facility.id):
        raise NotFound("facility not found", facility_code=code)
    return facility


def _begin_import(
    session: Session,
    actor: Principal,
    facility_id: int,
    kind: str,
    source: str,
    doc_key: str,
    name: str,
    period: str | None,
    digest: str,
    records: int,
    entered_by: str | None,
) -> tuple[RemittanceImport | None, RemittanceImport | None]:
    """The new import row (None when the same content was imported already) and the one it supersedes."""
    same = session.scalar(
        select(RemittanceImport).where(
            RemittanceImport.facility_id == facility_id,
            RemittanceImport.kind == kind,
            RemittanceImport.content_sha256 == digest,
        )
    )
    if same is not None:
        return None, same
    earlier = session.scalar(
        select(RemittanceImport)
        .where(
            RemittanceImport.facility_id == facility_id,
            RemittanceImport.kind == kind,
            RemittanceImport.doc_key == doc_key,
            RemittanceImport.superseded_by_id.is_(None),
        )
        .order_by(RemittanceImport.id.desc())
        .limit(1)
    )
    row = RemittanceImport(
        facility_id=facility_id,
        kind=kind,
        source=source,
        doc_key=doc_key,
        name=name[:255],
        period=period,
        content_sha256=digest,
        records=records,
        imported_by=actor.username,
        entered_by=entered_by,
        supersedes_id=earlier.id if earlier is not None else None,
    )
    session.add(row)
    session.flush()
    if earlier is not None:
        earlier.superseded_by_id = row.id
        _drop_matches(session, select(AnswerLine.id).where(AnswerLine.import_id == earlier.id))
        for table in (AssessmentAnswer, AnswerLine, Notice):
            session.execute(update(table).where(table.import_id == earlier.id).values(current=False))
        session.execute(
            update(Allocation)
            .where(Allocation.notice_pk.in_(select(Notice.id).where(Notice.import_id == earlier.id)))
            .values(current=False)
        )
    return row, earlier


def _drop_matches(session: Session, answer_lines: Any) -> None:
    """A superseded answer line no longer holds the claim line it matched (the match is kept for current
    lines only); the line itself stays, with ``current = false``."""
    session.execute(delete(LineMatch).where(LineMatch.answer_line_id.in_(answer_lines)))


def _single_period(periods: set[str]) -> str | None:
    return next(iter(periods)) if len(periods) == 1 else None


def import_assessments(
    session: Session,
    actor: Principal,
    parsed: Parsed,
    data: bytes,
    *,
    source: str,
    name: str,
    doc_key: str | None = None,
) -> ImportOutcome:
    """Store the assessment answers of one file or payload (``data`` is hashed for idempotency)."""
    errors = [e.as_dict() for e in parsed.errors]
    if not parsed.answers:
        raise ImportRefused("no readable assessment result", errors=errors[:50])
    facility = _facility(session, actor, {a.facility_code for a in parsed.answers})
    period = _single_period({a.period for a in parsed.answers})
    key = doc_key or _default_key("assessment", source, name, period, parsed.answers)
    digest = content_hash(data)
    row, other = _begin_import(
        session, actor, facility.id, "assessment", source, key, name, period, digest, len(parsed.answers), None
    )
    if row is None:
        assert other is not None
        return ImportOutcome(other.id, True, 0, errors=errors)
    _supersede_answers(session, facility.id, parsed.answers)
    answer_rows = [_answer_row(row.id, facility.id, a) for a in parsed.answers]
    ids = _insert_returning_ids(session, AssessmentAnswer, answer_rows)
    line_rows = [
        _line_row(row.id, facility.id, answer_id, a, line)
        for answer_id, a in zip(ids, parsed.answers, strict=True)
        for line in a.lines or ()
    ]
    if line_rows:
        session.execute(insert(AnswerLine), line_rows)
    audit.record(
        session, actor, "remittance_import", row.id, "import",
        {"kind": "assessment", "source": source, "records": len(answer_rows), "lines": len(line_rows),
         "errors": len(errors), "supersedes": other.id if other else None, "sha256": digest},
        facility_id=facility.id,
    )  # fmt: skip
    return ImportOutcome(row.id, False, len(answer_rows), other.id if other else None, errors)


def _default_key(kind: str, source: str, name: str, period: str | None, answers: Sequence[ClaimAnswer]) -> str:
    if source == "api" and len(answers) == 1:
        return f"{kind}:api:{answers[0].ma_lk}:v{answers[0].version}"
    return f"{kind}:{source}:{name}:{period or 'mixed'}"


def _insert_returning_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    # RETURNING keeps one round trip on both backends (SQLite ≥ 3.35); sorted_by_parameter_order
    # pairs ids with the rows given.
    result = session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    return [int(i) for i in result.scalars().all()]


def _answer_row(import_id: int, facility_id: int, a: ClaimAnswer) -> dict[str, Any]:
    return {
        "import_id": import_id, "facility_id": facility_id, "period": a.period, "ma_lk": a.ma_lk,
        "office_version": a.version, "transaction_id": a.transaction_id[:64], "envelope_sha256": a.envelope_sha256[:64],
        "status": a.status, "assessed_at": a.assessed_at, "claimed": a.claimed, "approved": a.approved,
        "disallowed": a.disallowed, "reason_codes": ";".join(r.code for r in a.reasons)[:500],
        "reasons": [{"code": r.code, "message": r.message, "legal_ref": r.legal_ref} for r in a.reasons],
        "has_lines": a.lines is not None, "current": True, "match": "pending",
    }  # fmt: skip


def _line_row(import_id: int, facility_id: int, answer_id: int, a: ClaimAnswer, line: Any) -> dict[str, Any]:
    return {
        "answer_id": answer_id, "import_id": import_id, "facility_id": facility_id, "period": a.period,
        "ma_lk": a.ma_lk, "office_version": a.version, "table_name": line.table, "line_no": line.line_no,
        "item_code": line.item_code[:255], "line_time": line.line_time, "claimed": line.claimed,
        "approved": line.approved, "disallowed": line.disallowed,
        "reason_code": line.reasons[0].code[:64] if line.reasons else "",
        "reason_codes": ";".join(r.code for r in line.reasons)[:500],
        "reasons": [{"code": r.code, "message": r.message, "legal_ref": r.legal_ref} for r in line.reasons],
        "current": True, "match": "pending",
    }  # fmt: skip


def _supersede_answers(session: Session, facility_id: int, answers: Sequence[ClaimAnswer]) -> None:
    """Earlier answers for the same claim versions stop being current; their lines too when new lines came."""
    keys = [(a.ma_lk, a.version) for a in answers]
    with_lines = [(a.ma_lk, a.version) for a in answers if a.lines is not None]
    for chunk in _chunks(keys):
        session.execute(
            update(AssessmentAnswer)
            .where(
                AssessmentAnswer.facility_id == facility_id,
                AssessmentAnswer.current.is_(True),
                tuple_(AssessmentAnswer.ma_lk, AssessmentAnswer.office_version).in_(chunk),
            )
            .values(current=False)
        )
    for chunk in _chunks(with_lines):
        _drop_matches(
            session,
            select(AnswerLine.id).where(
                AnswerLine.facility_id == facility_id,
                AnswerLine.current.is_(True),
                tuple_(AnswerLine.ma_lk, AnswerLine.office_version).in_(chunk),
            ),
        )
        session.execute(
            update(AnswerLine)
            .where(
                AnswerLine.facility_id == facility_id,
                AnswerLine.current.is_(True),
                tuple_(AnswerLine.ma_lk, AnswerLine.office_version).in_(chunk),
            )
            .values(current=False)
        )


def _chunks(items: list[Any], size: int = 400) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def import_notices(
    session: Session,
    actor: Principal,
    parsed: Parsed,
    data: bytes,
    *,
    source: str,
    name: str,
    entered_by: str | None = None,
    doc_key: str | None = None,
) -> ImportOutcome:
    """Store payment notices; a notice id seen before with other content replaces the earlier notice."""
    errors = [e.as_dict() for e in parsed.errors]
    if not parsed.notices:
        raise ImportRefused("no readable payment notice", errors=errors[:50])
    if source == "manual" and not (entered_by or all(n.entered_by for n in parsed.notices)):
        raise ImportRefused("a hand-keyed notice must say who entered it", field="entered_by")
    facility = _facility(session, actor, {n.facility_code for n in parsed.notices})
    period = _single_period({n.period for n in parsed.notices})
    key = doc_key or (
        f"notice:api:{parsed.notices[0].notice_id}" if source == "api" and len(parsed.notices) == 1
        else f"notice:{source}:{name}:{period or 'mixed'}"
    )  # fmt: skip
    digest = content_hash(data)
    row, other = _begin_import(
        session, actor, facility.id, "notice", source, key, name, period, digest, len(parsed.notices), entered_by
    )
    if row is None:
        assert other is not None
        return ImportOutcome(other.id, True, 0, errors=errors)
    notice_ids = [n.notice_id for n in parsed.notices]
    earlier = select(Notice.id).where(
        Notice.facility_id == facility.id, Notice.current.is_(True), Notice.notice_id.in_(notice_ids)
    )
    session.execute(update(Allocation).where(Allocation.notice_pk.in_(earlier)).values(current=False))
    session.execute(
        update(Notice)
        .where(and_(Notice.facility_id == facility.id, Notice.current.is_(True), Notice.notice_id.in_(notice_ids)))
        .values(current=False)
    )
    ids = _insert_returning_ids(
        session, Notice, [_notice_row(row.id, facility.id, n, entered_by) for n in parsed.notices]
    )
    allocations = [
        {"notice_pk": pk, "facility_id": facility.id, "period": n.period, "ma_lk": ma_lk, "amount": amount,
         "paid": 0, "current": True, "match": "pending"}
        for pk, n in zip(ids, parsed.notices, strict=True)
        for ma_lk, amount in _allocation_pairs(n)
    ]  # fmt: skip
    if allocations:
        session.execute(insert(Allocation), allocations)
    audit.record(
        session, actor, "remittance_import", row.id, "import",
        {"kind": "notice", "source": source, "records": len(ids), "allocations": len(allocations),
         "errors": len(errors), "entered_by": entered_by, "supersedes": other.id if other else None,
         "sha256": digest},
        facility_id=facility.id,
    )  # fmt: skip
    return ImportOutcome(row.id, False, len(ids), other.id if other else None, errors)


def _allocation_pairs(n: NoticeRecord) -> list[tuple[str, Any]]:
    if n.allocations:
        return list(n.allocations)
    if n.kind == "settlement":
        return [(ma_lk, None) for ma_lk in dict.fromkeys(n.ma_lks)]
    return []


def _notice_row(import_id: int, facility_id: int, n: NoticeRecord, entered_by: str | None) -> dict[str, Any]:
    return {
        "import_id": import_id, "facility_id": facility_id, "notice_id": n.notice_id[:64], "period": n.period,
        "kind": n.kind, "issued_on": n.issued_on, "claims": n.claims, "claimed": n.claimed, "approved": n.approved,
        "disallowed": n.disallowed, "advances": n.advances, "amount": n.amount, "ma_lks": list(n.ma_lks),
        "entered_by": (n.entered_by or entered_by), "current": True,
    }  # fmt: skip


__all__ = ["ImportOutcome", "ImportRefused", "RecordError", "content_hash", "import_assessments", "import_notices"]
