"""The office's assessment of one claim (*giám định*): re-price with its own tariff, apply the check
catalogue, disallow (*xuất toán*) what is not payable, with a reason for every amount.

For each XML2/XML3 line the amount asked of the fund (``T_BHTT`` as sent) is compared with what the office
computes with the pure engine (``rules.price``) over **its** tariff as of the service date:

- a blocking finding of the check catalogue on the line (``claims.review.service.check_hoso``, the same
  implementation the hospital runs: quantity over the length of stay, a drug not in the catalogue …) → the
  whole line, reason = the check's code and messages;
- a line the engine refuses (code not in the office tariff on that date → ``CODE_NOT_IN_TARIFF``; a bed day on
  a stay under 4 hours, a card not valid on the day …) → the whole line, reason = the engine's field and text;
- a unit price above the tariff → the difference (``PRICE_ABOVE_TARIFF``), naming the tariff row used;
- any other excess over the engine's amount (benefit level, ceilings) → ``AMOUNT_ABOVE_RULES``, naming the
  engine rule of the last step.

Never more than asked is approved. A blocking finding on the claim as a whole (or a file the office cannot
read as a claim) disallows every line. Amounts are exact; the engine's amounts already carry two decimals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import rules
from claims.exchange.reader import EnvelopeReader, HosoRead, ReadError
from claims.exchange.tables import ChiTietDvkt, ChiTietThuoc
from claims.insurer.assessment import ZERO, status_of
from claims.insurer.schemas import AssessedLine, AssessmentResult, DisallowanceReason, ReceivedDocument
from rules import checks

_SUPPLY_GROUPS = frozenset({10, 11})
#: Catalogue checks whose finding the re-pricing settles (catalogue price or ratio used): only the difference
#: is disallowed, not the whole line.
REPRICED_CHECKS = frozenset({"CAT_PRICE_ABOVE", "CAT_RATIO_MISMATCH"})
_CENT = Decimal("0.01")


def _reason_of_check(finding: checks.Finding, amount: Decimal | None) -> DisallowanceReason:
    return DisallowanceReason(
        code=finding.code,
        message=finding.message_vi,
        legal_ref=finding.legal_ref or None,
        message_en=finding.message_en,
        rule=finding.code,
        amount=amount,
    )


def _reason_of_rejection(rejected: rules.RejectedLine, amount: Decimal) -> DisallowanceReason:
    if rejected.field == "code" and "not in the catalogue" in rejected.reason:
        return DisallowanceReason(
            "CODE_NOT_IN_TARIFF",
            f"Mã {rejected.code} không có trong danh mục giá BHYT của cơ quan BHXH tại ngày thực hiện",
            "Thông tư 39/2018/TT-BYT Điều 12",
            f"Code {rejected.code} is not in the office's tariff on the service date",
            "TARIFF.LOOKUP",
            None,
            amount,
        )
    field = rejected.field.split(".")[-1].split("[")[0] or "line"
    return DisallowanceReason(
        f"LINE_REFUSED_{field.upper()}",
        f"Dòng không được thanh toán theo quy định ({field}): {rejected.reason}",
        None,
        f"Line not payable under the rules ({field}): {rejected.reason}",
        f"ENGINE.{field}",
        None,
        amount,
    )


def _tariff_step(line: rules.PricedLine) -> rules.TraceStep | None:
    return next((s for s in line.trace if s.tariff_row), None)


def _excess_reason(
    line: rules.PricedLine, row_price: Decimal | None, price_above: bool, amount: Decimal
) -> DisallowanceReason:
    step = _tariff_step(line)
    if price_above and step is not None:
        return DisallowanceReason(
            "PRICE_ABOVE_TARIFF",
            f"Đơn giá {row_price} vượt giá BHYT {line.don_gia_bh} ({step.tariff_row}); xuất toán phần chênh lệch",
            "Thông tư 39/2018/TT-BYT Điều 4",
            f"Unit price {row_price} above the tariff price {line.don_gia_bh} ({step.tariff_row}); the difference "
            "is disallowed",
            step.rule_id,
            step.tariff_row,
            amount,
        )
    last = next((s for s in reversed(line.trace) if s.field == "t_bhtt"), None)
    rule = last.rule_id if last is not None else "LINE.T_BHTT"
    legal = last.legal_ref if last is not None else None
    return DisallowanceReason(
        "AMOUNT_ABOVE_RULES",
        f"Số tiền đề nghị quỹ BHYT thanh toán vượt mức tính theo quy định ({rule})",
        legal,
        f"The amount asked of the fund is above what the rules give ({rule})",
        rule,
        step.tariff_row if step is not None else None,
        amount,
    )


def _unreadable(document: ReceivedDocument, at: datetime, why: str) -> AssessmentResult:
    claimed = document.fund_amount or ZERO
    reason = DisallowanceReason(
        "CLAIM_UNREADABLE",
        f"Hồ sơ không đọc được để giám định: {why}",
        None,
        f"The claim cannot be read for assessment: {why}",
        "OFFICE.READ",
        None,
        claimed,
    )
    return AssessmentResult(
        document.facility_code, document.key, document.period or f"{at:%Y-%m}", document.transaction_id,
        document.version, document.envelope_sha256, "rejected", at, claimed, ZERO, claimed, (reason,),
    )  # fmt: skip


@dataclass
class TariffAssessor:
    """An :class:`~claims.insurer.assessment.Assessor` over the office's tariff.

    ``facility_for(code)`` gives the engine's view of a facility (levels and hospital class, which set the
    price class); ``catalogue`` the check catalogue's lookup (``None``: the tariff as a catalogue).
    """

    tariff: rules.Tariff
    facility_for: Callable[[str], rules.Facility]
    catalogue: checks.CatalogueLookup | None = None
    enabled: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.catalogue is None:
            from claims.review.catalogue import TariffCatalogue

            self.catalogue = TariffCatalogue.of_tariff(self.tariff)

    def __call__(self, document: ReceivedDocument, at: datetime) -> AssessmentResult:
        try:
            items = list(EnvelopeReader(document.envelope))
        except ReadError as exc:
            return _unreadable(document, at, str(exc))
        item = next((i for i in items if i.hoso.ma_lk == document.key), items[0] if items else None)
        if item is None or item.hoso.xml1 is None:
            return _unreadable(document, at, "no HOSO with XML1")
        return self.assess(document, item, at)

    def assess(self, document: ReceivedDocument, item: HosoRead, at: datetime) -> AssessmentResult:
        from claims.exchange.to_encounter import EncounterMappingError, hoso_to_encounter
        from claims.pricing.adapter import to_pricing_encounter
        from claims.review.service import check_hoso

        hoso = item.hoso
        rows: list[tuple[str, ChiTietThuoc | ChiTietDvkt]] = [("XML2", r) for r in hoso.xml2]
        rows += [("XML3", r) for r in hoso.xml3]
        try:
            encounter = hoso_to_encounter(hoso)
        except (EncounterMappingError, ValueError) as exc:
            return _unreadable(document, at, str(exc))
        priced = rules.price(to_pricing_encounter(encounter, self.facility_for(document.facility_code)), self.tariff)
        by_stt = {line.stt: line for line in priced.lines}
        refused = {r.stt: r for r in priced.rejected}
        price_above = {f.stt for f in priced.findings if f.code == "price_above"}

        line_findings: dict[tuple[str, str], list[checks.Finding]] = {}
        claim_findings: list[checks.Finding] = []
        for finding in check_hoso(item, self.catalogue, enabled=self.enabled):
            if finding.severity is not checks.Severity.BLOCKING or finding.code in REPRICED_CHECKS:
                continue
            if finding.table in ("XML2", "XML3") and finding.stt:
                line_findings.setdefault((finding.table, finding.stt.strip()), []).append(finding)
            else:
                claim_findings.append(finding)

        lines: list[AssessedLine] = []
        for position, (table, row) in enumerate(rows, start=1):
            claimed = row.t_bhtt if row.t_bhtt is not None else ZERO
            if isinstance(row, ChiTietThuoc):
                code, sent_price = row.ma_thuoc, row.don_gia
            else:
                supply = row.ma_nhom in _SUPPLY_GROUPS
                code = (row.ma_vat_tu if supply else row.ma_dich_vu) or row.ma_dich_vu or row.ma_vat_tu
                sent_price = row.don_gia_bh
            stt = row.stt if row.stt is not None else position
            reasons: tuple[DisallowanceReason, ...] = ()
            approved = claimed
            found = line_findings.get((table, str(stt)), [])
            if claim_findings:
                approved = ZERO
                reasons = tuple(_reason_of_check(f, claimed if i == 0 else None) for i, f in enumerate(claim_findings))
            elif found:
                approved = ZERO
                reasons = tuple(_reason_of_check(f, claimed if i == 0 else None) for i, f in enumerate(found))
            elif position in refused:
                approved = ZERO
                reasons = (_reason_of_rejection(refused[position], claimed),)
            elif position in by_stt:
                result = by_stt[position]
                repriced = result.t_bhtt.quantize(_CENT)  # the engine's amounts have 2 decimals; storage checks it
                if repriced < claimed:
                    approved = repriced
                    reasons = (_excess_reason(result, sent_price, position in price_above, claimed - repriced),)
            if approved and approved < ZERO:
                approved = ZERO
            lines.append(AssessedLine(table, int(stt), code, claimed, approved, claimed - approved, reasons))

        asked = hoso.xml1.t_bhtt if hoso.xml1 is not None and hoso.xml1.t_bhtt is not None else None
        lines_claimed = sum((line.claimed for line in lines), ZERO)
        claimed_total = asked if asked is not None else lines_claimed
        claim_reasons: list[DisallowanceReason] = []
        if claim_findings:
            claim_reasons += [_reason_of_check(f, None) for f in claim_findings]
        if claimed_total > lines_claimed:
            claim_reasons.append(
                DisallowanceReason(
                    "TOTAL_ABOVE_LINES",
                    "T_BHTT của XML1 lớn hơn tổng T_BHTT các dòng chi phí; xuất toán phần chênh lệch",
                    "QĐ 130/QĐ-BYT (XML1 T_BHTT)",
                    "XML1 T_BHTT exceeds the sum of the cost lines' T_BHTT; the difference is disallowed",
                    "OFFICE.TOTALS",
                    None,
                    claimed_total - lines_claimed,
                )
            )
        approved_total = min(sum((line.approved for line in lines), ZERO), claimed_total)
        return AssessmentResult(
            facility_code=document.facility_code,
            ma_lk=document.key,
            period=document.period or f"{at:%Y-%m}",
            transaction_id=document.transaction_id,
            version=document.version,
            envelope_sha256=document.envelope_sha256,
            status=status_of(claimed_total, approved_total),
            assessed_at=at,
            claimed=claimed_total,
            approved=approved_total,
            disallowed=claimed_total - approved_total,
            reasons=tuple(claim_reasons),
            lines=tuple(lines),
        )


def facility_profile(code: str, level: str | None, hospital_class: str | None) -> rules.Facility:
    """The engine's view of a registered facility, read as the hospital reads its own record."""
    from claims.catalogue.models import Facility
    from claims.pricing.service import engine_facility

    return engine_facility(Facility(ma_cskcb=code, level=level, hospital_class=hospital_class))
