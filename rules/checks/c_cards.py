"""Card validity against the visit and against the card-lookup result (Law on Health Insurance Art. 28;
Decree 146/2018 Art. 27(9) / Decree 188/2025 Art. 50(4); Circular 12/2026 Art. 4 and 10(a))."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

from rules.checks._common import card_periods, care_type, is_armed_forces, line_day
from rules.checks.base import Context, Hit, check
from rules.checks.findings import Severity
from rules.checks.model import Claim

B, W = Severity.BLOCKING, Severity.WARNING

GRACE_DAYS = 15  # Decree 146/2018 Art. 27(9); Decree 188/2025 Art. 50(4)
_STAY_TYPES = frozenset({"02", "03", "04", "06"})


@check(
    "CARD_NOT_VALID_AT_ADMISSION", B, "XML1", "GT_THE_TU GT_THE_DEN NGAY_VAO",
    vi="Không thẻ nào còn hạn vào ngày vào {vao} (thẻ: {periods}).",
    en="No card is valid on the admission date {vao} (cards: {periods}).",
    hint="Tra cứu lại thẻ trên cổng BHXH; kiểm tra hạn thẻ và ngày vào. / Look the card up again; check validity.",
    ref="Luật BHYT Điều 28; TT 12/2026/TT-BTC Điều 10(a); QĐ 4750 Phụ lục bảng 1 (GT_THE_TU, GT_THE_DEN)",
)
def card_not_valid_at_admission(claim: Claim, ctx: Context) -> Iterator[Hit]:
    cards = card_periods(claim)
    vao = claim.xml1.day("NGAY_VAO")
    if not cards or vao is None:
        return
    if any(c.valid_from is None and c.valid_to is None for c in cards):
        return  # armed-forces cards not found on the gateway leave the dates empty
    if not any(c.covers(vao) for c in cards):
        periods = ", ".join(f"{c.valid_from or '?'}..{c.valid_to or '?'}" for c in cards)
        yield Hit(claim.xml1, "GT_THE_DEN", claim.xml1.text("GT_THE_DEN"), {"vao": str(vao), "periods": periods})


@check(
    "CARD_GAP_DURING_STAY", W, "XML1", "GT_THE_TU GT_THE_DEN NGAY_RA",
    vi="Ngày {value} của đợt điều trị không thuộc hạn thẻ nào (quá {grace} ngày sau khi thẻ hết hạn).",
    en="Day {value} of the stay is covered by no card (more than {grace} days after expiry).",
    hint="Bổ sung thẻ mới (nối bằng ';') hoặc tách phần chi phí sau ngày hết hạn. / "
    "Add the new card (';'-joined) or separate costs after expiry.",
    ref="NĐ 146/2018 Điều 27(9); NĐ 188/2025 Điều 50(4) (thẻ hết hạn khi đang điều trị: tối đa 15 ngày)",
)
def card_gap_during_stay(claim: Claim, ctx: Context) -> Iterator[Hit]:
    cards = card_periods(claim)
    vao, ra = claim.xml1.day("NGAY_VAO"), claim.xml1.day("NGAY_RA")
    if not cards or vao is None or ra is None or ra < vao:
        return
    if any(c.valid_from is None and c.valid_to is None for c in cards):
        return
    if not any(c.covers(vao) for c in cards):
        return  # CARD_NOT_VALID_AT_ADMISSION reports it
    grace = GRACE_DAYS if care_type(claim) in _STAY_TYPES else 0
    d = vao
    last_end = None
    while d <= ra:
        covering = [c for c in cards if c.covers(d)]
        if covering:
            ends = [c.valid_to for c in covering if c.valid_to is not None]
            last_end = max(ends) if ends else None
        elif last_end is None or d > last_end + timedelta(days=grace):
            yield Hit(claim.xml1, "GT_THE_DEN", str(d), {"grace": str(grace)})
            return
        d += timedelta(days=1)


# Portal result codes that mean the card cannot be used (checks.md §5, tracnn config `hein_card_invalid`).
INVALID_LOOKUP_CODES = frozenset(
    {"003", "010", "050", "051", "052", "053", "060", "061", "070", "110", "120", "121", "122", "123", "124", "130"}
)


@check(
    "CARD_LOOKUP_REJECTED", B, "XML1", "MA_THE_BHYT",
    vi="Tra cứu thẻ {value} trả mã {result}: thẻ không hợp lệ để thanh toán.",
    en="Card lookup for {value} returned {result}: card not usable.",
    hint="Tra cứu lại thẻ; nếu vẫn lỗi, chuyển sang người bệnh tự trả hoặc liên hệ BHXH. / "
    "Look up again; otherwise bill as self-pay or contact BHXH.",
    ref="TT 12/2026/TT-BTC Điều 4, 10(a); NĐ 188/2025 Điều 21",
    needs="cards",
)
def card_lookup_rejected(claim: Claim, ctx: Context) -> Iterator[Hit]:
    if ctx.cards is None:
        return
    on = claim.xml1.day("NGAY_VAO")
    if on is None:
        return
    for c in card_periods(claim):
        if is_armed_forces(c.number):
            continue
        res = ctx.cards.lookup(c.number, on)
        if res is not None and res.result_code in INVALID_LOOKUP_CODES:
            yield Hit(claim.xml1, "MA_THE_BHYT", c.number, {"result": res.result_code})


@check(
    "CARD_LOOKUP_MISSING", W, "XML1", "MA_THE_BHYT",
    vi="Không có kết quả tra cứu thẻ {value}.",
    en="No card-lookup result for {value}.",
    hint="Tra cứu thẻ trên cổng BHXH khi tiếp đón và trước khi ra viện. / Look the card up at reception.",
    ref="TT 12/2026/TT-BTC Điều 4 (tra cứu thẻ khi tiếp đón)",
    needs="cards",
)
def card_lookup_missing(claim: Claim, ctx: Context) -> Iterator[Hit]:
    if ctx.cards is None:
        return
    on = claim.xml1.day("NGAY_VAO")
    if on is None:
        return
    for c in card_periods(claim):
        if not is_armed_forces(c.number) and ctx.cards.lookup(c.number, on) is None:
            yield Hit(claim.xml1, "MA_THE_BHYT", c.number)


@check(
    "CARD_LOOKUP_MISMATCH", W, "XML1", "GT_THE_TU GT_THE_DEN MA_DKBD GIOI_TINH",
    vi="{field} trên hồ sơ ('{value}') khác kết quả tra cứu thẻ ('{looked_up}').",
    en="{field} in the claim ('{value}') differs from the card lookup ('{looked_up}').",
    hint="Cập nhật thông tin thẻ theo kết quả tra cứu mới nhất. / Copy the card data from the latest lookup.",
    ref="TT 12/2026/TT-BTC Điều 10(a); checks.md §5 (card check codes 01–09)",
    needs="cards",
)
def card_lookup_mismatch(claim: Claim, ctx: Context) -> Iterator[Hit]:
    if ctx.cards is None:
        return
    on = claim.xml1.day("NGAY_VAO")
    if on is None:
        return
    sex = claim.xml1.text("GIOI_TINH")
    for c in card_periods(claim):
        if is_armed_forces(c.number):
            continue
        res = ctx.cards.lookup(c.number, on)
        if res is None or res.result_code in INVALID_LOOKUP_CODES:
            continue
        pairs = (
            ("GT_THE_TU", str(c.valid_from or ""), str(res.valid_from or "")),
            ("GT_THE_DEN", str(c.valid_to or ""), str(res.valid_to or "")),
            ("MA_DKBD", c.registration, res.registration_facility),
            ("GIOI_TINH", sex, res.sex),
        )
        for name, mine, theirs in pairs:
            if theirs and mine != theirs:
                yield Hit(claim.xml1, name, mine, {"field": name, "looked_up": theirs})


_CARD_LEVEL = {"1": Decimal(100), "2": Decimal(100), "5": Decimal(100), "3": Decimal(95), "4": Decimal(80)}


@check(
    "MUC_HUONG_ABOVE_CARD", W, "XML2 XML3", "MUC_HUONG",
    vi="Mức hưởng {value}% cao hơn mức của thẻ {card} ({level}%) trong khi tổng chi BHYT {total} không dưới ngưỡng.",
    en="Benefit level {value}% exceeds card {card} level ({level}%) while the insured total {total} is not below "
    "the threshold.",
    hint="Kiểm tra mức hưởng theo chữ số thứ 3 của thẻ, ngưỡng 15% lương cơ sở và miễn cùng chi trả. / "
    "Check the card digit, the 15%-of-base-salary threshold and co-payment exemption.",
    ref="Luật BHYT Điều 22; QĐ 4750 Phụ lục bảng 2, 3 (MUC_HUONG); benefits.md §2.2",
)
def muc_huong_above_card(claim: Claim, ctx: Context) -> Iterator[Hit]:
    x = claim.xml1
    if x.has("NGAY_MIEN_CCT") or x.text("MA_DOITUONG_KCB") == "1.2":
        return  # exemption, or primary-level care paid at 100 % whatever the card (QĐ 3276 code 1.2)
    total = x.decimal("T_TONGCHI_BH")
    threshold = _threshold(claim)
    if total is None or threshold is None or total < threshold:
        return
    cards = card_periods(claim)
    if not cards:
        return
    levels = [_CARD_LEVEL.get(c.number[2:3]) for c in cards]
    if None in levels:
        return
    lowest = min(lv for lv in levels if lv is not None)
    for rec in (*claim.drugs, *claim.services):
        mh = rec.numbers.get("MUC_HUONG")
        if mh is None or mh <= lowest:
            continue  # cheap exit: within every card's level
        d = line_day(rec, claim)
        card = next((c for c in cards if d is not None and c.covers(d)), cards[0])
        level = _CARD_LEVEL.get(card.number[2:3])
        if level is not None and mh > level:
            yield Hit(rec, "MUC_HUONG", rec.text("MUC_HUONG"), {"card": card.number[:3], "level": str(level),
                                                                 "total": str(total)})


# 15 % of the statutory base salary (Decree 24/2023: 1,800,000 from 2023-07-01; Decree 73/2024: 2,340,000 from
# 2024-07-01). Before 2023-07-01 the check is skipped (older salaries not needed for 130-family claims).
_THRESHOLDS = ((2024, 7, 1, Decimal(351000)), (2023, 7, 1, Decimal(270000)))


def _threshold(claim: Claim) -> Decimal | None:
    d = claim.xml1.day("NGAY_VAO")
    if d is None:
        return None
    for y, m, dd, value in _THRESHOLDS:
        if (d.year, d.month, d.day) >= (y, m, dd):
            return value
    return None
