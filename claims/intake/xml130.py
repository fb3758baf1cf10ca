"""XML 130 envelopes exported by a hospital's own system → records, one per claim, read with the exchange reader.

Each claim becomes a canonical encounter (for checking and re-pricing) and carries its tables as the file
declares them, so the claim is stored with the hospital's amounts as declared; our own pricing only verifies
them later (a difference is a finding). Problems the reader found (other than tolerated formatting) are
findings of the record; a claim
that cannot become an encounter fails with the reason naming its table, record and field. The envelope is
read one claim at a time (constant memory).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from claims.exchange.problems import Problem
from claims.exchange.reader import EnvelopeReader, ReadError, UnsafeXmlError
from claims.exchange.to_encounter import EncounterMappingError, hoso_to_encounter
from claims.intake.records import DeclaredCount, Finding, IntakeFileError, IntakeItem, ParsedRecord

#: Largest envelope read (the reader refuses more); a month of a large hospital fits.
MAX_XML130_BYTES = 4 << 30


def _finding(problem: Problem, ma_lk: str) -> Finding:
    return Finding(
        code=f"XML130_{problem.code.upper()}"[:64],
        message=problem.message_en,
        severity="warning" if problem.severity == "warning" else "error",
        table=problem.table,
        record=f"{ma_lk} {problem.table}" + (f" STT {problem.stt}" if problem.stt else ""),
        field=problem.field,
    )


def read_xml130(handle: IO[bytes], *, source: str = "xml130", facility_code: str | None = None) -> Iterator[IntakeItem]:
    """Records of the envelope read from ``handle``, then the count its header declares."""
    reader = EnvelopeReader(handle, MAX_XML130_BYTES, keep_documents=False)
    try:
        for item in reader:
            hoso = item.hoso
            ma_lk = hoso.ma_lk
            label = f"record {item.index + 1}" + (f" MA_LK {ma_lk}" if ma_lk else "")
            blocking = [p for p in item.problems if p.severity == "error" and p.category == "structural"]
            if blocking:
                yield ParsedRecord(label, error="; ".join(f"{p.where()}: {p.message_en}" for p in blocking[:5]))
                continue
            try:
                encounter = hoso_to_encounter(hoso)
            except EncounterMappingError as exc:
                yield ParsedRecord(label, error=str(exc))
                continue
            if facility_code and encounter.facility_code != facility_code:
                yield ParsedRecord(
                    label,
                    error=f"XML1 MA_CSKCB: the claim is of facility {encounter.facility_code}, not {facility_code}",
                )
                continue
            # tolerated deviations (inline tables, the xsi typo …) are formatting, nothing for a clerk to fix
            findings = tuple(_finding(p, ma_lk) for p in item.problems if p.category != "tolerated")
            yield ParsedRecord(label, encounter=encounter, findings=findings, declared=hoso)
    except (ReadError, UnsafeXmlError) as exc:
        raise IntakeFileError(f"{source}: {exc}") from exc
    if reader.soluonghoso is not None:
        yield DeclaredCount(reader.soluonghoso, f"{source} SOLUONGHOSO", "claims", counted=reader.count)
