"""The hook through which the office validates what it receives.

A validator takes the parsed document and its probed facts and returns findings; any finding refuses the file
with ``maKetQua`` 202 (XML content error) naming where. The XML schemas and the check catalogue plug in here
later; :func:`minimal_validator` only adds what the probe does not already check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from lxml import etree

from claims.exchange.envelope_probe import EnvelopeFacts


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    where: str  # table.record.field or element path
    message: str


class Validator(Protocol):
    def __call__(self, tree: etree._ElementTree, facts: EnvelopeFacts) -> list[Finding]: ...


def minimal_validator(tree: etree._ElementTree, facts: EnvelopeFacts) -> list[Finding]:
    """Envelope-level sanity beyond the probe: a usable ``MA_LK`` (≤ 100 characters, xml130.md §3)."""
    findings: list[Finding] = []
    if len(facts.ma_lk) > 100:
        findings.append(Finding("MA_LK_TOO_LONG", "XML1.MA_LK", "MA_LK is longer than 100 characters"))
    if facts.kind == "claim" and facts.total_claimed is not None and facts.total_claimed < 0:
        findings.append(Finding("NEGATIVE_TOTAL", "XML1.T_TONGCHI_BH", "the total is negative"))
    return findings
