"""The import behaviour, written against a small repository protocol (in memory here, the database in
``claims.intake.repository``).

Records are validated one by one and handed to the repository in batches; the repository stores each
record as its own unit of work (a savepoint in the database: the service never commits), so one bad
record becomes a failure naming the record and the reason and the rest go on. Importing an encounter
whose ``MA_LK`` is already stored makes a new version when its content changed and nothing when it did
not. The input is consumed as a stream; after each batch ``progress`` is called (the caller commits there).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from claims.encounter.schemas import Encounter
from claims.intake.mapping import EMPTY_MAPPING, CodeMapping, map_codes
from claims.intake.records import DeclaredCount, Finding, Ignored, IntakeItem, ParsedRecord
from claims.intake.report import ImportReport, Outcome

#: Records handed to the repository at once (one multi-row INSERT; a failure retries them one by one).
BATCH_SIZE = 500


@dataclass(frozen=True, slots=True)
class StoredVersion:
    version: int
    content_hash: str


@dataclass(frozen=True, slots=True)
class PreparedRecord:
    """A record ready to store: codes mapped, content hashed, findings gathered."""

    label: str
    encounter: Encounter
    content_hash: str
    findings: tuple[Finding, ...] = ()
    declared: Any = None
    #: The encounter as JSON text: what is hashed and what is stored (serialised once).
    payload: str = ""


#: What became of one record: its outcome, or the reason it could not be stored.
StoreResult = Outcome | str


class EncounterRepository(Protocol):
    """Where imported encounters are kept, one row per (facility, MA_LK) version."""

    def store_batch(self, records: Sequence[PreparedRecord]) -> list[StoreResult]:
        """Store each record — a new version, or nothing when its hash is that of the newest stored one —
        each as its own unit of work; return, in order, each record's outcome or why it failed."""
        ...


class ImportLog(Protocol):
    """Where import reports are kept."""

    def keep(self, report: ImportReport) -> None: ...


MappingLookup = Callable[[str], CodeMapping]
Progress = Callable[[ImportReport], None]


def content_hash(encounter: Encounter) -> str:
    """SHA-256 of the encounter's canonical JSON, the test for "nothing changed".

    Fields come in the order the model declares them (pydantic's own serializer, fast); the free-form maps
    (``extras``, clinical table records) are put in key order first, so the order a source wrote them in
    does not count as a change."""
    return _canonical(encounter)[0]


def _canonical(encounter: Encounter) -> tuple[str, str]:
    """The content hash and the JSON text stored (maps in key order), from one serialisation."""
    text = _with_sorted_maps(encounter).model_dump_json()
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), text


def _sorted_map(values: dict[str, Any]) -> dict[str, Any] | None:
    """``values`` in key order, or None when they already are."""
    keys = list(values)
    return None if keys == sorted(keys) else {key: values[key] for key in sorted(keys)}


def _with_sorted_maps(encounter: Encounter) -> Encounter:
    update: dict[str, Any] = {}
    extras = _sorted_map(encounter.extras)
    if extras is not None:
        update["extras"] = extras
    tables = encounter.clinical_tables
    if tables and (
        _sorted_map(tables) is not None or any(_sorted_map(r) is not None for rs in tables.values() for r in rs)
    ):
        update["clinical_tables"] = {
            name: tuple({k: r[k] for k in sorted(r)} for r in tables[name]) for name in sorted(tables)
        }
    lines = encounter.lines
    if any(line.extras and _sorted_map(line.extras) is not None for line in lines):
        update["lines"] = tuple(
            line.model_copy(update={"extras": dict(sorted(line.extras.items()))}) if line.extras else line
            for line in lines
        )
    return encounter.model_copy(update=update) if update else encounter


def import_items(
    items: Iterable[IntakeItem],
    repository: EncounterRepository,
    report: ImportReport,
    mappings: MappingLookup | None = None,
    log: ImportLog | None = None,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> ImportReport:
    """Store every parsed record of ``items`` (a stream) and fill ``report``."""
    declared: DeclaredCount | None = None
    seen: set[tuple[str, str]] = set()
    batch: list[PreparedRecord] = []
    for item in items:
        if isinstance(item, DeclaredCount):
            declared = item
            continue
        if isinstance(item, Ignored):
            report.ignored += 1
            report.notes.append(f"{item.label}: {item.reason}")
            continue
        prepared = _prepare(item, report, mappings, seen)
        if prepared is not None:
            batch.append(prepared)
        if len(batch) >= batch_size:
            _store(batch, repository, report, progress)
            batch = []
    if batch:
        _store(batch, repository, report, progress)
    if declared is not None:
        report.declared_count = declared.count
        held = declared.counted if declared.counted is not None else report.records
        if declared.count != held:
            text = f"{declared.where} declares {declared.count} {declared.unit}; the file holds {held}"
            report.file_errors.append(text)
    if log is not None:
        log.keep(report)
    return report


def _prepare(
    item: ParsedRecord, report: ImportReport, mappings: MappingLookup | None, seen: set[tuple[str, str]]
) -> PreparedRecord | None:
    if item.encounter is None:
        report.fail(item.label, item.error or "unreadable record")
        return None
    encounter = item.encounter
    key = (encounter.facility_code, encounter.claim_key)
    if key in seen:
        report.fail(item.label, f"MA_LK {encounter.claim_key} appears more than once in this file")
        return None
    seen.add(key)
    mapping = mappings(encounter.facility_code) if mappings is not None else EMPTY_MAPPING
    encounter, mapping_findings = map_codes(encounter, mapping)
    digest, payload = _canonical(encounter)
    return PreparedRecord(item.label, encounter, digest, item.findings + mapping_findings, item.declared, payload)


def _store(
    batch: list[PreparedRecord], repository: EncounterRepository, report: ImportReport, progress: Progress | None
) -> None:
    try:
        results = repository.store_batch(batch)
    except Exception as exc:  # the repository isolates records; this is the last line of defence
        results = [f"could not be stored: {type(exc).__name__}: {exc}"] * len(batch)
    for record, result in zip(batch, results, strict=True):
        if isinstance(result, Outcome):
            report.count(result)
            if result is not Outcome.UNCHANGED:
                report.add_findings(record.findings)
        else:
            report.fail(record.label, result)
    if progress is not None:
        progress(report)


@dataclass(slots=True)
class _Stored:
    encounter: Encounter
    content_hash: str
    findings: tuple[Finding, ...]
    replaces: int | None


@dataclass(slots=True)
class InMemoryRepository:
    """A repository kept in a dict (tests, and `claims import --dry-run`)."""

    versions: dict[tuple[str, str], list[_Stored]] = field(default_factory=dict)
    keep_encounters: bool = True
    reports: list[ImportReport] = field(default_factory=list)
    _journal: list[tuple[str, str]] = field(default_factory=list)

    def store_batch(self, records: Sequence[PreparedRecord]) -> list[StoreResult]:
        results: list[StoreResult] = []
        for record in records:
            key = (record.encounter.facility_code, record.encounter.claim_key)
            try:
                with self.record_scope():
                    previous = self.latest(*key)
                    if previous is not None and previous.content_hash == record.content_hash:
                        results.append(Outcome.UNCHANGED)
                        continue
                    self.add_version(
                        record.encounter, record.content_hash, record.findings, previous.version if previous else None
                    )
                    results.append(Outcome.UPDATED if previous is not None else Outcome.IMPORTED)
            except Exception as exc:  # one record's storage error must not sink the batch
                results.append(f"could not be stored: {type(exc).__name__}: {exc}")
        return results

    def latest(self, facility_code: str, claim_key: str) -> StoredVersion | None:
        stored = self.versions.get((facility_code, claim_key))
        if not stored:
            return None
        return StoredVersion(len(stored), stored[-1].content_hash)

    def add_version(
        self, encounter: Encounter, content_hash: str, findings: tuple[Finding, ...], replaces: int | None
    ) -> int:
        kept = encounter if self.keep_encounters else None
        stored = self.versions.setdefault((encounter.facility_code, encounter.claim_key), [])
        stored.append(_Stored(kept, content_hash, findings, replaces))  # type: ignore[arg-type]
        self._journal.append((encounter.facility_code, encounter.claim_key))
        return len(stored)

    @contextmanager
    def record_scope(self) -> Iterator[None]:
        self._journal.clear()
        try:
            yield
        except BaseException:
            for key in reversed(self._journal):  # undo this record's writes only
                self.versions[key].pop()
                if not self.versions[key]:
                    del self.versions[key]
            raise
        finally:
            self._journal.clear()

    def keep(self, report: ImportReport) -> None:
        self.reports.append(report)

    def encounter(self, facility_code: str, claim_key: str, version: int = 0) -> Encounter:
        """The stored encounter (``version`` 1-based; 0 for the newest)."""
        stored = self.versions[(facility_code, claim_key)]
        found = stored[version - 1 if version else -1].encounter
        if found is None:
            raise LookupError("this repository does not keep encounters")
        return found
