"""A claim's tables (XML1/XML2/XML3 records, as built or as read) → claim and claim-line rows.

Every field has a place: key fields and amounts are columns, the rest of each record goes to the JSON
column of its row, so what the hospital or the pricing engine produced can always be written out again.
Re-storing a claim that has not left yet replaces its lines; once it has left (frozen), a new version
is created that points at the one sent. Never commits.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, tuple_
from sqlalchemy.orm import Session

from claims.audit import service as audit
from claims.audit.models import AuditEvent
from claims.audit.service import AUDITED_FLAG
from claims.auth.scope import Principal
from claims.claim import service as claim_service
from claims.claim.models import Claim, ClaimLine
from claims.claim.status import FROZEN, ClaimStatus
from claims.encounter.schemas import VIETNAM_TZ
from claims.exchange.model import SINGLE_TABLES, Hoso, as_datetime
from claims.exchange.spec import Extra
from claims.exchange.tables import RECORD_CLASSES, ChiTietDvkt, ChiTietThuoc, TongHop
from claims.kit.types import utcnow

_CLAIM_COLUMNS = frozenset(column.key for column in Claim.__table__.columns)
_LINE_COLUMNS = frozenset(column.key for column in ClaimLine.__table__.columns)
_XML1_DATETIMES = frozenset({"ngay_vao", "ngay_ra"})
_SINGLE = frozenset(table.lower() for table in SINGLE_TABLES)
_LINE_CODE_FIELDS = ("ma_thuoc", "ma_vat_tu", "ma_dich_vu")
_NOT_STORED_AGAIN = frozenset({"stt", "ma_lk"})  # columns of their own


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return [[getattr(item, "name", ""), getattr(item, "text", "")] for item in value]
    return value


def _aware(stamp: str) -> datetime | None:
    moment = as_datetime(stamp)
    return moment.replace(tzinfo=VIETNAM_TZ) if moment is not None else None


def _line_row(table: str, record: Any, trace: list[dict[str, Any]] | None) -> ClaimLine:
    line = ClaimLine(table_name=table, stt=record.stt, trace=trace)
    extra: dict[str, Any] = {}
    for spec in fields(record):
        name, value = spec.name, getattr(record, spec.name)
        if name in _NOT_STORED_AGAIN:
            continue
        if name == "don_gia":  # the drug table's single unit price is the hospital price
            line.don_gia_bv = value
        elif name in _LINE_COLUMNS and name not in ("code", "muc_huong"):
            setattr(line, name, value)
        elif value not in ("", None, ()):
            extra[name] = _json_value(value)
    line.code = next((getattr(record, f) for f in _LINE_CODE_FIELDS if getattr(record, f, "")), "")
    if table == "XML3" and record.ma_nhom in (10, 11) and record.ma_vat_tu:
        line.code = record.ma_vat_tu
    line.muc_huong = format(record.muc_huong.normalize(), "f") if record.muc_huong is not None else None
    line.so_luong = record.so_luong if record.so_luong is not None else Decimal(0)
    line.fields = extra
    return line


def _fill_claim(claim: Claim, hoso: Hoso, muc_huong: Decimal | None) -> None:
    x1 = hoso.xml1
    assert x1 is not None
    xml1: dict[str, Any] = {}
    for spec in fields(x1):
        name, value = spec.name, getattr(x1, spec.name)
        if name in ("ma_lk", "stt"):
            continue
        if name in _XML1_DATETIMES:
            setattr(claim, name, _aware(value))
            xml1[name] = value
        elif name in _CLAIM_COLUMNS and name not in ("id", "version", "status", "period"):
            setattr(claim, name, value if value is not None else Decimal(0) if name.startswith("t_") else None)
        elif value not in ("", None, ()):
            xml1[name] = _json_value(value)
    claim.xml1 = xml1
    claim.period = f"{x1.nam_qt or 0:04d}{x1.thang_qt or 0:02d}"
    claim.muc_huong = format(muc_huong.normalize(), "f") if muc_huong is not None else None
    claim.other_tables = {
        table: [{f.name: _json_value(getattr(r, f.name)) for f in fields(r)} for r in records]
        for table, records in hoso.tables().items()
        if table not in ("XML1", "XML2", "XML3")
    }


def store_claim(
    session: Session,
    actor: Principal,
    facility_id: int,
    hoso: Hoso,
    *,
    encounter_id: int | None = None,
    status: ClaimStatus = ClaimStatus.priced,
    muc_huong: Decimal | None = None,
    traces: dict[tuple[str, int | None], list[dict[str, Any]]] | None = None,
) -> Claim:
    """Store the claim of ``hoso`` for the facility: a new claim, its open version updated, or a new version.

    ``traces`` gives each line's pricing trace by ``(table, STT)``.
    """
    actor.ensure_visible(facility_id, "facility")
    if hoso.xml1 is None:
        raise ValueError("a claim needs its summary table (XML1)")
    ma_lk = hoso.xml1.ma_lk
    latest = session.scalar(
        select(Claim)
        .where(Claim.facility_id == facility_id, Claim.ma_lk == ma_lk)
        .order_by(Claim.version.desc())
        .limit(1)
        .with_for_update()
    )
    if latest is not None and latest.status not in FROZEN:
        claim, action = latest, "reprice"
        claim.lines.clear()
        session.flush()
        if claim.status != status.value:
            claim_service.apply_transition(session, actor, claim, status.value, "re-priced")
    else:
        claim = Claim(
            facility_id=facility_id,
            ma_lk=ma_lk,
            version=(latest.version + 1) if latest is not None else 1,
            supersedes_id=latest.id if latest is not None else None,
            status=status.value,
        )
        action = "create" if latest is None else "new_version"
        session.add(claim)
    claim.encounter_id = encounter_id if encounter_id is not None else claim.encounter_id
    _fill_claim(claim, hoso, muc_huong)
    traces = traces or {}
    claim.lines.extend(_line_row("XML2", record, traces.get(("XML2", record.stt))) for record in hoso.xml2)
    claim.lines.extend(_line_row("XML3", record, traces.get(("XML3", record.stt))) for record in hoso.xml3)
    session.flush()
    audit.record(
        session,
        actor,
        "claim",
        claim.id,
        action,
        {"version": claim.version, "lines": len(claim.lines), "status": claim.status},
        facility_id=facility_id,
    )
    return claim


def _record(cls: type[Any], row: Any, stored: dict[str, Any], overrides: dict[str, Any]) -> Any:
    values: dict[str, Any] = {}
    for spec in fields(cls):
        name = spec.name
        if name in overrides:
            values[name] = overrides[name]
        elif name in stored:
            values[name] = _from_json(name, stored[name], spec.type)
        elif row is not None and hasattr(row, name) and name not in ("id",):
            values[name] = getattr(row, name)
    return cls(**values)


def _from_json(name: str, value: Any, declared: Any) -> Any:
    if name in ("extras", "unparsed"):
        return tuple(Extra(str(n), str(v)) for n, v in value)
    text = str(declared)
    if "Decimal" in text and value is not None:
        return Decimal(str(value))
    return value


def hoso_of_claim(claim: Claim) -> Hoso:
    """The claim tables as stored (the inverse of :func:`store_claim`), ready for the XML writer."""
    xml1_overrides: dict[str, Any] = {"ma_lk": claim.ma_lk, "stt": 1}
    for name in _XML1_DATETIMES:
        xml1_overrides[name] = claim.xml1.get(name, "")
    x1 = _record(TongHop, claim, claim.xml1, xml1_overrides)
    drugs, services = [], []
    for line in sorted(claim.lines, key=lambda item: item.id):  # the order the file or the builder gave
        base = {"ma_lk": claim.ma_lk, "stt": line.stt}
        muc = Decimal(line.muc_huong) if line.muc_huong is not None else None
        if line.table_name == "XML2":
            drugs.append(
                _record(
                    ChiTietThuoc, line, line.fields,
                    {**base, "ma_thuoc": line.code, "don_gia": line.don_gia_bv, "muc_huong": muc},
                )
            )  # fmt: skip
        else:
            supply = line.ma_nhom in (10, 11)
            code_field = "ma_vat_tu" if supply else "ma_dich_vu"
            overrides = {**base, code_field: line.code, "muc_huong": muc}
            services.append(_record(ChiTietDvkt, line, line.fields, overrides))
    others: dict[str, Any] = {}
    for table, records in (claim.other_tables or {}).items():
        cls = RECORD_CLASSES[table]
        built = tuple(_record(cls, None, record, {}) for record in records)
        others[table.lower()] = built if table.lower() not in _SINGLE else built[0]
    return Hoso(xml1=x1, xml2=tuple(drugs), xml3=tuple(services), **others)


def _row_values(obj: Any, table: Any) -> dict[str, Any]:
    """Every column of ``obj`` (a transient row) as a plain value, column defaults filled in."""
    values: dict[str, Any] = {}
    for column in table.columns:
        if column.key == "id":
            continue
        value = getattr(obj, column.key)
        if value is None and column.default is not None:
            default = column.default
            if default.is_scalar:
                value = default.arg
            elif default.is_callable:
                value = default.arg(None)  # SQLAlchemy wraps a plain callable to take the execution context
        values[column.key] = value
    return values


def insert_new_claims(
    session: Session,
    actor: Principal,
    items: list[tuple[int, Hoso, int | None]],
    *,
    status: ClaimStatus = ClaimStatus.priced,
) -> list[int]:
    """Store claims of ``(facility_id, hoso, encounter_id)`` that have no claim yet (version 1), a batch at a
    time: multi-row INSERTs of claims, lines and audit events, no per-claim ORM work. Same rows as
    :func:`store_claim` would write for a first version; returns the claim ids in order."""
    if not items:
        return []
    for facility_id, _hoso, _encounter_id in items:
        actor.ensure_visible(facility_id, "facility")
    now = utcnow()
    claim_rows: list[dict[str, Any]] = []
    line_sets: list[list[dict[str, Any]]] = []
    for facility_id, hoso, encounter_id in items:
        if hoso.xml1 is None:
            raise ValueError("a claim needs its summary table (XML1)")
        claim = Claim(facility_id=facility_id, ma_lk=hoso.xml1.ma_lk, version=1, status=status.value,
                      encounter_id=encounter_id, supersedes_id=None)  # fmt: skip
        _fill_claim(claim, hoso, None)
        claim_rows.append(_row_values(claim, Claim.__table__))
        rows = [_line_row("XML2", record, None) for record in hoso.xml2]
        rows += [_line_row("XML3", record, None) for record in hoso.xml3]
        line_sets.append([_row_values(line, ClaimLine.__table__) for line in rows])
    session.execute(insert(Claim), claim_rows)
    # ids by the unique key, in one SELECT (an INSERT … RETURNING that keeps the order runs row by row on SQLite)
    keys = [(row["facility_id"], row["ma_lk"], 1) for row in claim_rows]
    found = {
        (fid, ma_lk, version): id_
        for id_, fid, ma_lk, version in session.execute(
            select(Claim.id, Claim.facility_id, Claim.ma_lk, Claim.version).where(
                tuple_(Claim.facility_id, Claim.ma_lk, Claim.version).in_(keys)
            )
        )
    }
    ids = [found[key] for key in keys]
    line_rows = []
    for claim_id, lines in zip(ids, line_sets, strict=True):
        for line in lines:
            line["claim_id"] = claim_id
            line_rows.append(line)
    if line_rows:
        session.execute(insert(ClaimLine), line_rows)
    events = [
        {"at": now, "actor": actor.username, "actor_id": actor.user_id, "facility_id": row["facility_id"],
         "entity": "claim", "entity_id": str(claim_id), "action": "create",
         "summary": {"version": 1, "lines": len(lines), "status": status.value}}
        for claim_id, row, lines in zip(ids, claim_rows, line_sets, strict=True)
    ]  # fmt: skip
    session.execute(insert(AuditEvent), events)
    session.info[AUDITED_FLAG] = session.info.get(AUDITED_FLAG, 0) + len(events)
    return ids
