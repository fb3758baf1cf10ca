"""The import behaviour, written against small repository protocols so the database plugs in later.

Each record is validated on its own and stored in its own unit of work (a savepoint in the database
implementation: the service never commits). One bad record becomes a failure naming the record and
the reason; the rest go on. Importing an encounter whose ``MA_LK`` is already stored makes a new
version when its content changed and nothing when it did not. The input is consumed as a stream.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from claims.encounter.schemas import Encounter
from claims.intake.mapping import EMPTY_MAPPING, CodeMapping, map_codes
from claims.intake.records import DeclaredCount, Finding, Ignored, IntakeItem, ParsedRecord
from claims.intake.report import ImportReport, Outcome


@dataclass(frozen=True, slots=True)
class StoredVersion:
    version: int
    content_hash: str


class EncounterRepository(Protocol):
    """Where imported encounters are kept, one row per (facility, MA_LK) version."""

    def latest(self, facility_code: str, claim_key: str) -> StoredVersion | None:
        """The newest stored version of this encounter, if any."""
        ...

    def add_version(
        self, encounter: Encounter, content_hash: str, findings: tuple[Finding, ...], replaces: int | None
    ) -> int:
        """Store a new version (``replaces`` is the version it supersedes) and return its number."""
        ...

    def record_scope(self) -> AbstractContextManager[None]:
        """A unit of work for one record; leaving it by an exception undoes that record's writes only."""
        ...


class ImportLog(Protocol):
    """Where import reports are kept."""

    def keep(self, report: ImportReport) -> None: ...


MappingLookup = Callable[[str], CodeMapping]


def content_hash(encounter: Encounter) -> str:
    """SHA-256 of the encounter's canonical JSON (keys sorted), the test for "nothing changed"."""
    payload = json.dumps(encounter.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def import_items(
    items: Iterable[IntakeItem],
    repository: EncounterRepository,
    report: ImportReport,
    mappings: MappingLookup | None = None,
    log: ImportLog | None = None,
) -> ImportReport:
    """Store every parsed record of ``items`` (a stream) and fill ``report``."""
    declared: DeclaredCount | None = None
    seen: set[tuple[str, str]] = set()
    for item in items:
        if isinstance(item, DeclaredCount):
            declared = item
            continue
        if isinstance(item, Ignored):
            report.ignored += 1
            report.notes.append(f"{item.label}: {item.reason}")
            continue
        _import_one(item, repository, report, mappings, seen)
    if declared is not None:
        report.declared_count = declared.count
        held = declared.counted if declared.counted is not None else report.records
        if declared.count != held:
            text = f"{declared.where} declares {declared.count} {declared.unit}; the file holds {held}"
            report.file_errors.append(text)
    if log is not None:
        log.keep(report)
    return report


def _import_one(
    item: ParsedRecord,
    repository: EncounterRepository,
    report: ImportReport,
    mappings: MappingLookup | None,
    seen: set[tuple[str, str]],
) -> None:
    if item.encounter is None:
        report.fail(item.label, item.error or "unreadable record")
        return
    encounter = item.encounter
    key = (encounter.facility_code, encounter.claim_key)
    if key in seen:
        report.fail(item.label, f"MA_LK {encounter.claim_key} appears more than once in this file")
        return
    seen.add(key)
    mapping = mappings(encounter.facility_code) if mappings is not None else EMPTY_MAPPING
    encounter, mapping_findings = map_codes(encounter, mapping)
    findings = item.findings + mapping_findings
    digest = content_hash(encounter)
    try:
        with repository.record_scope():
            previous = repository.latest(*key)
            if previous is not None and previous.content_hash == digest:
                outcome = Outcome.UNCHANGED
            else:
                repository.add_version(encounter, digest, findings, previous.version if previous else None)
                outcome = Outcome.UPDATED if previous is not None else Outcome.IMPORTED
    except Exception as exc:  # one record's storage error must not sink the batch
        report.fail(item.label, f"could not be stored: {type(exc).__name__}: {exc}")
        return
    report.count(outcome)
    if outcome is not Outcome.UNCHANGED:
        report.add_findings(findings)


@dataclass(slots=True)
class _Stored:
    encounter: Encounter
    content_hash: str
    findings: tuple[Finding, ...]
    replaces: int | None


@dataclass(slots=True)
class InMemoryRepository:
    """A repository kept in a dict: used by tests and by `claims import` until the database is wired."""

    versions: dict[tuple[str, str], list[_Stored]] = field(default_factory=dict)
    keep_encounters: bool = True
    reports: list[ImportReport] = field(default_factory=list)
    _journal: list[tuple[str, str]] = field(default_factory=list)

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
