"""The database side of imports. Never commits.

Encounter versions are written a batch at a time: one multi-row INSERT (with the audit events and, for
XML 130, the claims as declared) inside a SAVEPOINT; when that fails, the batch is written again one
record per SAVEPOINT, so a bad record fails alone with its reason. The newest stored version of every key
of the batch is read in one query; equal content hash → unchanged, nothing written. Every batch queues
its pricing (or, for claims declared by an XML 130 file, price verification) through the outbox.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Text, bindparam, cast, func, insert, select, tuple_
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from claims.audit.models import AuditEvent
from claims.audit.service import AUDITED_FLAG
from claims.auth.scope import Principal
from claims.catalogue.models import Facility
from claims.claim.models import Claim
from claims.claim.status import ClaimStatus
from claims.claim.tables import insert_new_claims, store_claim
from claims.encounter.models import EncounterRecord
from claims.encounter.schemas import LineGroup
from claims.intake.findings import store_intake_findings
from claims.intake.mapping import CodeMapping
from claims.intake.models import CodeMap
from claims.intake.records import Finding
from claims.intake.report import Outcome
from claims.intake.service import PreparedRecord, StoreResult
from claims.kit.types import utcnow
from claims.submission import outbox

PRICE_ACTOR = "price_imported"  # workers.intake.price_imported
VERIFY_ACTOR = "verify_declared"  # workers.intake.verify_declared


@dataclass(frozen=True, slots=True)
class _Newest:
    id: int
    version: int
    content_hash: str


@dataclass(slots=True)
class _Plan:
    index: int
    record: PreparedRecord
    facility_id: int
    previous: _Newest | None = None

    @property
    def outcome(self) -> Outcome:
        return Outcome.UPDATED if self.previous is not None else Outcome.IMPORTED


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:300]


def finding_dicts(findings: Iterable[Finding]) -> list[dict[str, str]]:
    return [asdict(finding) for finding in findings]


class DbRepository:
    """Stores imported encounters for ``actor`` (facility-bound users import for their own facility only)."""

    def __init__(
        self, session: Session, actor: Principal, *, import_id: int | None = None, source: str = "import"
    ) -> None:
        self.session = session
        self.actor = actor
        self.import_id = import_id
        self.source = source[:32]
        self._facilities: dict[str, int | None] = {}

    # ---------------------------------------------------------------------------------------- lookups
    def facility_id(self, code: str) -> int | None:
        if code not in self._facilities:
            self._facilities[code] = self.session.scalar(select(Facility.id).where(Facility.ma_cskcb == code))
        return self._facilities[code]

    def _newest(self, plans: Sequence[_Plan]) -> dict[tuple[int, str], _Newest]:
        keys = {(plan.facility_id, plan.record.encounter.claim_key) for plan in plans}
        if not keys:
            return {}
        newest = (
            select(EncounterRecord.facility_id, EncounterRecord.ma_lk, func.max(EncounterRecord.version).label("v"))
            .where(tuple_(EncounterRecord.facility_id, EncounterRecord.ma_lk).in_(list(keys)))
            .group_by(EncounterRecord.facility_id, EncounterRecord.ma_lk)
            .subquery()
        )
        rows = self.session.execute(
            select(EncounterRecord.id, EncounterRecord.facility_id, EncounterRecord.ma_lk, EncounterRecord.version,
                   EncounterRecord.content_hash)
            .join(newest, (EncounterRecord.facility_id == newest.c.facility_id)
                  & (EncounterRecord.ma_lk == newest.c.ma_lk) & (EncounterRecord.version == newest.c.v))
        )  # fmt: skip
        return {(fid, ma_lk): _Newest(id_, version, digest) for id_, fid, ma_lk, version, digest in rows}

    # ------------------------------------------------------------------------------------------ store
    def store_batch(self, records: Sequence[PreparedRecord]) -> list[StoreResult]:
        results: list[StoreResult | None] = [None] * len(records)
        plans: list[_Plan] = []
        for index, record in enumerate(records):
            code = record.encounter.facility_code
            fid = self.facility_id(code)
            if fid is None or not self.actor.can_see(fid):
                # the same words for both: a facility-bound user learns nothing about other facilities
                results[index] = f"facility_code (MA_CSKCB) {code}: not a facility you may import for"
                continue
            plans.append(_Plan(index, record, fid))
        newest = self._newest(plans)
        to_write: list[_Plan] = []
        for plan in plans:
            previous = newest.get((plan.facility_id, plan.record.encounter.claim_key))
            if previous is not None and previous.content_hash == plan.record.content_hash:
                results[plan.index] = Outcome.UNCHANGED
                continue
            plan.previous = previous
            to_write.append(plan)
        written: list[tuple[_Plan, int, int | None]] = []
        if to_write:
            try:
                with self.session.begin_nested():
                    written = self._write(to_write)
            except Exception:  # find the record at fault: write them again one by one
                written = []
                for plan in to_write:
                    try:
                        with self.session.begin_nested():
                            written += self._write([plan])
                    except Exception as exc:
                        results[plan.index] = f"could not be stored: {_short(exc)}"
            for plan, _id, _claim in written:
                results[plan.index] = plan.outcome
        self._queue(written)
        return [result if result is not None else "not stored" for result in results]

    def _write(self, plans: Sequence[_Plan]) -> list[tuple[_Plan, int, int | None]]:
        now = utcnow()
        rows: list[dict[str, Any]] = [
            {
                "facility_id": plan.facility_id,
                "ma_lk": plan.record.encounter.claim_key,
                "source": self.source,
                "received_at": now,
                "payload_text": plan.record.payload or plan.record.encounter.model_dump_json(),
                "content_hash": plan.record.content_hash,
                "version": plan.previous.version + 1 if plan.previous else 1,
                "supersedes_id": plan.previous.id if plan.previous else None,
                "import_id": self.import_id,
                "findings": finding_dicts(plan.record.findings) or None,
            }
            for plan in plans
        ]
        self.session.execute(self._insert_encounters(), rows)
        ids = self._ids_of([(row["facility_id"], row["ma_lk"], row["version"]) for row in rows])
        events = [
            {
                "at": now, "actor": self.actor.username, "actor_id": self.actor.user_id,
                "facility_id": plan.facility_id, "entity": "encounter", "entity_id": str(id_),
                "action": "receive" if plan.previous is None else "new_version",
                "summary": {"source": self.source, "version": row["version"], "import_id": self.import_id,
                            "content_hash": plan.record.content_hash},
            }
            for plan, id_, row in zip(plans, ids, rows, strict=True)
        ]  # fmt: skip
        self.session.execute(insert(AuditEvent), events)
        self.session.info[AUDITED_FLAG] = self.session.info.get(AUDITED_FLAG, 0) + len(events)
        claim_ids: dict[int, int] = {}
        declared = [(plan, id_) for plan, id_ in zip(plans, ids, strict=True) if plan.record.declared is not None]
        if declared:
            claim_ids = self._store_declared(declared)
        return [(plan, id_, claim_ids.get(id_)) for plan, id_ in zip(plans, ids, strict=True)]

    def _store_declared(self, declared: list[tuple[_Plan, int]]) -> dict[int, int]:
        """The hospital's own claims, stored as declared (amounts kept; our pricing only verifies them): first
        versions with no finding in one multi-row INSERT, the others one by one through the claim service."""
        keys = {(plan.facility_id, plan.record.encounter.claim_key) for plan, _id in declared}
        existing = {
            (fid, ma_lk)
            for fid, ma_lk in self.session.execute(
                select(Claim.facility_id, Claim.ma_lk).where(tuple_(Claim.facility_id, Claim.ma_lk).in_(list(keys)))
            )
        }
        bulk = [
            (plan, id_)
            for plan, id_ in declared
            if (plan.facility_id, plan.record.encounter.claim_key) not in existing and not plan.record.findings
        ]
        chosen = {id_ for _plan, id_ in bulk}
        new_ids = insert_new_claims(
            self.session, self.actor, [(plan.facility_id, plan.record.declared, id_) for plan, id_ in bulk]
        )
        claim_ids = {id_: claim_id for (_plan, id_), claim_id in zip(bulk, new_ids, strict=True)}
        with_findings: list[tuple[Claim, tuple[Finding, ...]]] = []
        for plan, id_ in declared:
            if id_ in chosen:
                continue
            claim = store_claim(
                self.session, self.actor, plan.facility_id, plan.record.declared,
                encounter_id=id_, status=ClaimStatus.priced,
            )  # fmt: skip
            claim_ids[id_] = claim.id
            with_findings.append((claim, plan.record.findings))
        if with_findings:
            store_intake_findings(self.session, self.actor, with_findings)
        return claim_ids

    def _insert_encounters(self) -> Any:
        """INSERT of encounter versions whose payload is given as JSON text (serialised once, when hashed):
        PostgreSQL casts it to JSONB, SQLite keeps the text as its JSON column does."""
        table: Any = EncounterRecord.__table__
        text_param: Any = bindparam("payload_text", type_=Text)
        payload = cast(text_param, JSONB) if self.session.get_bind().dialect.name == "postgresql" else text_param
        return insert(table).values(payload=payload)

    def _ids_of(self, keys: list[tuple[int, str, int]]) -> list[int]:
        """Ids of the versions just inserted, by their unique key: one SELECT (an INSERT … RETURNING that keeps
        the rows' order runs row by row on SQLite)."""
        found = {
            (fid, ma_lk, version): id_
            for id_, fid, ma_lk, version in self.session.execute(
                select(EncounterRecord.id, EncounterRecord.facility_id, EncounterRecord.ma_lk, EncounterRecord.version)
                .where(tuple_(EncounterRecord.facility_id, EncounterRecord.ma_lk, EncounterRecord.version).in_(keys))
            )
        }
        return [found[key] for key in keys]

    def _queue(self, written: Sequence[tuple[_Plan, int, int | None]]) -> None:
        """One outbox message per batch: pricing for encounters, price verification for declared claims."""
        to_price = [id_ for _plan, id_, claim_id in written if claim_id is None]
        to_verify = [claim_id for _plan, _id, claim_id in written if claim_id is not None]
        if to_price:
            self._enqueue(PRICE_ACTOR, "encounter_ids", to_price)
        if to_verify:
            self._enqueue(VERIFY_ACTOR, "claim_ids", to_verify)

    def _enqueue(self, actor: str, name: str, ids: list[int]) -> None:
        digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:24]
        outbox.enqueue(self.session, actor, {name: ids}, f"intake.{actor}:{digest}", requested_by=self.actor.username)


class DbMappings:
    """Each facility's code mapping read from the database once per import (``facility_code -> CodeMapping``)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[str, CodeMapping] = {}

    def __call__(self, facility_code: str) -> CodeMapping:
        if facility_code not in self._cache:
            self._cache[facility_code] = self._load(facility_code)
        return self._cache[facility_code]

    def _load(self, facility_code: str) -> CodeMapping:
        items: dict[str, str] = {}
        diagnoses: dict[str, str] = {}
        kinds: dict[str, tuple[LineGroup, int]] = {}
        rows = self.session.execute(
            select(CodeMap.kind, CodeMap.his_code, CodeMap.insurer_code, CodeMap.line_group, CodeMap.cost_group)
            .join(Facility, Facility.id == CodeMap.facility_id)
            .where(Facility.ma_cskcb == facility_code)
        )
        for kind, his, insurer, group, cost_group in rows:
            if kind == "diagnosis":
                diagnoses[his] = insurer
                continue
            items[his] = insurer
            if group and cost_group:
                kinds[his] = (LineGroup(group), int(cost_group))
        return CodeMapping(facility_code=facility_code, items=items, diagnoses=diagnoses, kinds=kinds)


def mapping_rows(session: Session, facility_id: int) -> list[CodeMap]:
    return list(session.scalars(select(CodeMap).where(CodeMap.facility_id == facility_id).order_by(CodeMap.id)))
