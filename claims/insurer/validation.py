"""How the office validates what it receives, before it stores it.

A validator takes the parsed document and its probed facts and returns findings; any finding refuses the file
(``maKetQua`` 201 for a structural problem, 202 for a content problem — the worst one wins), naming where.

- :func:`minimal_validator` only adds envelope-level sanity to what the probe checks (for small test files);
- :class:`OfficeValidator` is the real one: our XSD schemas, the reader's problems, the episode key and the
  arithmetic of ``claims.exchange.validation``, then the **same check catalogue the hospital runs**
  (``claims.review.service.check_hoso``, one implementation for both sides) against the office's own
  catalogue. Blocking findings about the claim as a whole refuse it; blocking findings about one cost line
  are left to the assessment, which disallows that line (``claims.insurer.assessment``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import structlog
from lxml import etree

from claims.exchange.envelope_probe import EnvelopeFacts
from claims.portal import protocol as p
from rules import checks

log = structlog.get_logger("claims.insurer")

#: Tables whose findings name a cost line (the assessment disallows the line instead of refusing the file).
LINE_TABLES = frozenset({"XML2", "XML3"})


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    where: str  # table.record.field or element path
    message: str
    result_code: str = p.XML_CONTENT_ERROR  # 201 structure / 202 content


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


def result_code_of(findings: list[Finding]) -> str:
    """A structural problem (201) outranks a content problem (202)."""
    return p.XML_FORMAT_ERROR if any(f.result_code == p.XML_FORMAT_ERROR for f in findings) else p.XML_CONTENT_ERROR


@dataclass
class OfficeValidator:
    """Schemas + arithmetic + the check catalogue, on each ``HOSO`` of a received claim envelope.

    ``catalogue`` is the office's own catalogue (``None``: the demo tariff's). ``enabled`` limits the
    checks run (``None``: all of the catalogue's default set).
    """

    catalogue: checks.CatalogueLookup | None = None
    enabled: frozenset[str] | None = None
    max_findings: int = 50
    _catalogue: checks.CatalogueLookup | None = field(default=None, init=False, repr=False)

    def _lookup(self) -> checks.CatalogueLookup:
        if self._catalogue is None:
            if self.catalogue is not None:
                self._catalogue = self.catalogue
            else:
                from claims.review.catalogue import demo_catalogue

                self._catalogue = demo_catalogue()
        return self._catalogue

    def _hoso_findings(self, element: etree._Element, index: int) -> list[Finding]:
        from claims.exchange.reader import read_hoso
        from claims.exchange.validation import validate_item
        from claims.review.service import check_hoso

        findings: list[Finding] = []
        item = read_hoso(element, index)
        for problem in validate_item(item):
            if problem.severity != "error":
                continue
            code = p.XML_FORMAT_ERROR if problem.category == "structural" else p.XML_CONTENT_ERROR
            findings.append(Finding(problem.code, problem.where(), problem.message_vi, code))
        if any(f.result_code == p.XML_FORMAT_ERROR for f in findings):
            return findings  # the checks read what the schema refused: their findings would only repeat it
        for finding in check_hoso(item, self._lookup(), enabled=self.enabled):
            if finding.severity is not checks.Severity.BLOCKING or finding.table in LINE_TABLES:
                continue
            where = ".".join(x for x in (finding.table, f"STT {finding.stt}" if finding.stt else "",
                                         finding.field) if x)  # fmt: skip
            findings.append(Finding(finding.code, where, finding.message_vi))
        return findings

    def __call__(self, tree: etree._ElementTree, facts: EnvelopeFacts) -> list[Finding]:
        findings = minimal_validator(tree, facts)
        if facts.kind != "claim":
            return findings
        for index, element in enumerate(tree.getroot().iter("HOSO")):
            try:
                findings += self._hoso_findings(element, index)
            except Exception as exc:  # an input the readers did not foresee: refused, never a server error
                log.exception("office.validation_failed", hoso=index)
                findings.append(Finding("UNREADABLE", f"HOSO {index + 1}", type(exc).__name__, p.XML_FORMAT_ERROR))
            if len(findings) >= self.max_findings:
                break
        return findings
