"""The report every import returns: what was imported, updated, left unchanged, and what failed and why."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from claims.intake.records import Finding

#: Findings listed one by one in a report; beyond this they are only counted by code.
MAX_LISTED_FINDINGS = 10_000


class Outcome(StrEnum):
    IMPORTED = "imported"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Failure:
    """One record that could not be imported: where it is in the file and why."""

    record: str
    reason: str


@dataclass(slots=True)
class ImportReport:
    """Counts per outcome, each failure with its reason, and the findings raised on imported lines.

    Successful records are only counted; failures and file-level errors are listed one by one, findings up
    to :data:`MAX_LISTED_FINDINGS` and counted by code beyond, so the report of a large file stays small.
    """

    source: str
    format: str
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    ignored: int = 0
    failures: list[Failure] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    declared_count: int | None = None
    finding_counts: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def records(self) -> int:
        """Encounter records the file holds (whatever became of them)."""
        return self.imported + self.updated + self.unchanged + self.failed

    @property
    def ok(self) -> bool:
        return not self.failures and not self.file_errors

    def count(self, outcome: Outcome) -> None:
        if outcome is Outcome.IMPORTED:
            self.imported += 1
        elif outcome is Outcome.UPDATED:
            self.updated += 1
        elif outcome is Outcome.UNCHANGED:
            self.unchanged += 1
        else:  # pragma: no cover - failures are added with their reason
            raise ValueError("add failures with fail()")

    def add_findings(self, findings: tuple[Finding, ...]) -> None:
        for finding in findings:
            self.finding_counts[finding.code] = self.finding_counts.get(finding.code, 0) + 1
            if len(self.findings) < MAX_LISTED_FINDINGS:
                self.findings.append(finding)

    def fail(self, record: str, reason: str) -> None:
        self.failures.append(Failure(record, reason))

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "records": self.records,
            "declared_count": self.declared_count,
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "ignored": self.ignored,
            "failures": [asdict(failure) for failure in self.failures],
            "finding_counts": dict(self.finding_counts),
            "findings": [asdict(finding) for finding in self.findings],
            "file_errors": list(self.file_errors),
            "notes": list(self.notes),
        }

    def summary(self) -> str:
        text = (
            f"{self.source} ({self.format}): {self.records} records — imported {self.imported}, "
            f"updated {self.updated}, unchanged {self.unchanged}, failed {self.failed}"
        )
        if self.ignored:
            text += f", ignored {self.ignored}"
        if self.finding_counts:
            text += f"; {sum(self.finding_counts.values())} findings"
        return text
