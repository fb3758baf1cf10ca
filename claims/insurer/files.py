"""Assessment results and payment notices as JSON documents and CSV files (format: ``docs/office-files.md``).

Amounts are written exactly as stored (``str(Decimal)``, dot decimal separator, no thousands separator).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from claims.insurer.schemas import AssessedLine, AssessmentResult, DisallowanceReason, PaymentNotice, Refusal

FORMAT_VERSION = "1"

CLAIM_COLUMNS = (
    "facility_code", "period", "ma_lk", "transaction_id", "version", "envelope_sha256", "status",
    "assessed_at", "claimed", "approved", "disallowed", "reason_codes", "reasons",
)  # fmt: skip
LINE_COLUMNS = (
    "facility_code", "period", "ma_lk", "transaction_id", "version", "table", "line_no", "item_code",
    "claimed", "approved", "disallowed", "reason_codes", "reasons", "reasons_en", "rules", "tariff_rows",
)  # fmt: skip
NOTICE_COLUMNS = (
    "notice_id", "facility_code", "period", "kind", "issued_on", "claims", "claimed", "approved",
    "disallowed", "advances", "amount", "ma_lks",
)  # fmt: skip


def _money(value: Decimal) -> str:
    return str(value)


def _reason(reason: DisallowanceReason) -> dict[str, Any]:
    return {
        "code": reason.code,
        "message": reason.message,
        "message_en": reason.message_en,
        "legal_ref": reason.legal_ref,
        "rule": reason.rule,
        "tariff_row": reason.tariff_row,
        "amount": None if reason.amount is None else _money(reason.amount),
    }


def _line(line: AssessedLine) -> dict[str, Any]:
    return {
        "table": line.table,
        "line_no": line.line_no,
        "item_code": line.item_code,
        "claimed": _money(line.claimed),
        "approved": _money(line.approved),
        "disallowed": _money(line.disallowed),
        "reasons": [_reason(r) for r in line.reasons],
    }


def assessment_json(result: AssessmentResult) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "facility_code": result.facility_code,
        "period": result.period,
        "ma_lk": result.ma_lk,
        "transaction_id": result.transaction_id,
        "version": result.version,
        "envelope_sha256": result.envelope_sha256,
        "status": result.status,
        "assessed_at": result.assessed_at.isoformat(),
        "claimed": _money(result.claimed),
        "approved": _money(result.approved),
        "disallowed": _money(result.disallowed),
        "reasons": [_reason(r) for r in result.reasons],
        "lines": [_line(line) for line in result.lines],
    }


def notice_json(notice: PaymentNotice) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "notice_id": notice.notice_id,
        "facility_code": notice.facility_code,
        "period": notice.period,
        "kind": notice.kind,
        "issued_on": notice.issued_on.isoformat(),
        "claims": notice.claims,
        "claimed": _money(notice.claimed),
        "approved": _money(notice.approved),
        "disallowed": _money(notice.disallowed),
        "advances": _money(notice.advances),
        "amount": _money(notice.amount),
        "ma_lks": list(notice.ma_lks),
    }


def refusal_json(refusal: Refusal) -> dict[str, Any]:
    return {
        "kind": refusal.kind,
        "facility_code": refusal.facility_code,
        "ma_lk": refusal.key,
        "envelope_sha256": refusal.envelope_sha256,
        "code": refusal.code,
        "message": refusal.message,
        "refused_at": refusal.refused_at.isoformat(),
    }


def _codes(reasons: Iterable[DisallowanceReason]) -> tuple[str, str]:
    items = list(reasons)
    return ";".join(r.code for r in items), " | ".join(r.message for r in items)


def _csv(columns: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def assessments_csv(results: Iterable[AssessmentResult]) -> str:
    """One row per claim."""

    def row(r: AssessmentResult) -> dict[str, Any]:
        codes, messages = _codes(r.reasons)
        return {
            "facility_code": r.facility_code, "period": r.period, "ma_lk": r.ma_lk,
            "transaction_id": r.transaction_id, "version": r.version, "envelope_sha256": r.envelope_sha256,
            "status": r.status, "assessed_at": r.assessed_at.isoformat(), "claimed": _money(r.claimed),
            "approved": _money(r.approved), "disallowed": _money(r.disallowed),
            "reason_codes": codes, "reasons": messages,
        }  # fmt: skip

    return _csv(CLAIM_COLUMNS, (row(r) for r in results))


def assessment_lines_csv(results: Iterable[AssessmentResult]) -> str:
    """One row per assessed cost line."""

    def rows() -> Iterable[dict[str, Any]]:
        for r in results:
            for line in r.lines:
                codes, messages = _codes(line.reasons)
                yield {
                    "reasons_en": " | ".join(r.message_en for r in line.reasons),
                    "rules": ";".join(r.rule for r in line.reasons),
                    "tariff_rows": ";".join(r.tariff_row or "" for r in line.reasons),
                    "facility_code": r.facility_code, "period": r.period, "ma_lk": r.ma_lk,
                    "transaction_id": r.transaction_id, "version": r.version, "table": line.table,
                    "line_no": line.line_no, "item_code": line.item_code, "claimed": _money(line.claimed),
                    "approved": _money(line.approved), "disallowed": _money(line.disallowed),
                    "reason_codes": codes, "reasons": messages,
                }  # fmt: skip

    return _csv(LINE_COLUMNS, rows())


def notices_csv(notices: Iterable[PaymentNotice]) -> str:
    def row(n: PaymentNotice) -> dict[str, Any]:
        return {
            "notice_id": n.notice_id, "facility_code": n.facility_code, "period": n.period, "kind": n.kind,
            "issued_on": n.issued_on.isoformat(), "claims": n.claims, "claimed": _money(n.claimed),
            "approved": _money(n.approved), "disallowed": _money(n.disallowed), "advances": _money(n.advances),
            "amount": _money(n.amount), "ma_lks": ";".join(n.ma_lks),
        }  # fmt: skip

    return _csv(NOTICE_COLUMNS, (row(n) for n in notices))
