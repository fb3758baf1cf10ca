"""Money: XML1 totals against line sums, the XML1 balance and per-line formulas (QĐ 4750 appendix §§ bảng 1–3;
benefits.md §6; checks.md §4). Sums compare within 1 VND because lines are rounded one by one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal

from rules.checks._common import HUNDRED, ONE_VND, SUPPLY_GROUPS, card_periods, is_armed_forces, round2
from rules.checks.base import Context, Hit, check
from rules.checks.findings import Severity
from rules.checks.model import Claim, Record

B, W = Severity.BLOCKING, Severity.WARNING
APPX = "QĐ 130/QĐ-BYT sửa đổi bởi QĐ 4750/QĐ-BYT, Phụ lục"
ZERO = Decimal(0)


def _sum(records: tuple[Record, ...] | list[Record], name: str) -> Decimal:
    total = ZERO
    for r in records:
        total += r.amount(name)
    return total


def _lines(claim: Claim) -> tuple[Record, ...]:
    return (*claim.drugs, *claim.services)


_NGUON_PARTS = ("T_NGUONKHAC_NSNN", "T_NGUONKHAC_VTNN", "T_NGUONKHAC_VTTN", "T_NGUONKHAC_CL")


def line_sums(claim: Claim) -> dict[str, Decimal]:
    """Every line sum the XML1 totals are compared with, in one pass (memoised per claim)."""
    got = claim.memo("line_sums")
    if isinstance(got, dict):
        return got
    # Local accumulators (this runs for every claim); each sum adds the same values in the same order as
    # a loop over the lines would, so the results (and their exponents) are the same.
    bv = bh = bntt = bncct = bhtt = other = ZERO
    drugs_bv = supplies_bv = gdv = ZERO
    for rec in (*claim.drugs, *claim.services):
        n = rec.numbers
        v = n["THANH_TIEN_BV"]
        if v is not None:
            bv += v
            if rec.table == "XML2":
                drugs_bv += v or ZERO
            elif rec.group in SUPPLY_GROUPS:
                supplies_bv += v or ZERO
        if (v := n["THANH_TIEN_BH"]) is not None:
            bh += v
        if (v := n["T_BNTT"]) is not None:
            bntt += v
        if (v := n["T_BNCCT"]) is not None:
            bncct += v
        if (v := n["T_BHTT"]) is not None:
            bhtt += v
        if (v := n["T_NGUONKHAC"]) is not None:
            other += v
        if rec.values.get("MA_PTTT") == "1":
            gdv += n["T_BHTT"] or ZERO
    sums = {
        "THANH_TIEN_BV": bv, "THANH_TIEN_BH": bh, "T_BNTT": bntt, "T_BNCCT": bncct, "T_BHTT": bhtt,
        "T_NGUONKHAC": other, "T_THUOC": drugs_bv, "T_VTYT": supplies_bv, "T_BHTT_GDV": gdv,
    }
    return claim.remember("line_sums", sums)  # type: ignore[no-any-return]


def _total_check(
    code: str, total: str, what_vi: str, what_en: str, fn: Callable[[Claim], Decimal], severity: Severity = B
) -> None:
    @check(
        code, severity, "XML1", total,
        vi=f"{total} = {{value}} khác {what_vi} = {{expected}} (lệch {{diff}}).",
        en=f"{total} = {{value}} differs from {what_en} = {{expected}} (difference {{diff}}).",
        hint=f"Tính lại {total} từ các dòng chi tiết. / Recompute {total} from the detail lines.",
        ref=f"{APPX} bảng 1 ({total}); benefits.md §6.4",
    )
    def _fn(claim: Claim, ctx: Context) -> Iterator[Hit]:
        x = claim.xml1
        if not x.has(total):
            return
        stated = x.amount(total)
        expected = fn(claim)
        if abs(stated - expected) > ONE_VND:
            yield Hit(x, total, x.text(total), {"expected": str(expected), "diff": str(stated - expected)})


_total_check("TOTAL_T_THUOC", "T_THUOC", "tổng THANH_TIEN_BV bảng 2", "the sum of XML2 THANH_TIEN_BV",
             lambda c: line_sums(c)["T_THUOC"])
_total_check("TOTAL_T_VTYT", "T_VTYT", "tổng THANH_TIEN_BV vật tư (nhóm 10, 11) bảng 3",
             "the sum of XML3 supply-line THANH_TIEN_BV (groups 10, 11)",
             lambda c: line_sums(c)["T_VTYT"])
_total_check("TOTAL_T_TONGCHI_BV", "T_TONGCHI_BV", "tổng THANH_TIEN_BV bảng 2 + 3", "the sum of THANH_TIEN_BV",
             lambda c: line_sums(c)["THANH_TIEN_BV"])
_total_check("TOTAL_T_TONGCHI_BH", "T_TONGCHI_BH", "tổng THANH_TIEN_BH bảng 2 + 3", "the sum of THANH_TIEN_BH",
             lambda c: line_sums(c)["THANH_TIEN_BH"])
_total_check("TOTAL_T_BNTT", "T_BNTT", "tổng T_BNTT các dòng", "the sum of line T_BNTT",
             lambda c: line_sums(c)["T_BNTT"])
_total_check("TOTAL_T_BNCCT", "T_BNCCT", "tổng T_BNCCT các dòng", "the sum of line T_BNCCT",
             lambda c: line_sums(c)["T_BNCCT"])
_total_check("TOTAL_T_BHTT", "T_BHTT", "tổng T_BHTT các dòng", "the sum of line T_BHTT",
             lambda c: line_sums(c)["T_BHTT"])
_total_check("TOTAL_T_NGUONKHAC", "T_NGUONKHAC", "tổng T_NGUONKHAC các dòng", "the sum of line T_NGUONKHAC",
             lambda c: line_sums(c)["T_NGUONKHAC"])
_total_check("TOTAL_T_BHTT_GDV", "T_BHTT_GDV", "tổng T_BHTT các dòng có MA_PTTT = 1",
             "the sum of line T_BHTT with MA_PTTT = 1",
             lambda c: line_sums(c)["T_BHTT_GDV"],
             severity=W)  # informative split of capitation/DRG payment; some HIS export 0 for all-fee-for-service


@check(
    "TOTAL_BALANCE", B, "XML1", "T_TONGCHI_BV T_BHTT T_BNCCT T_BNTT T_NGUONKHAC",
    vi="T_TONGCHI_BV = {value} khác T_BHTT + T_BNCCT + T_BNTT + T_NGUONKHAC = {expected}.",
    en="T_TONGCHI_BV = {value} differs from T_BHTT + T_BNCCT + T_BNTT + T_NGUONKHAC = {expected}.",
    hint="Các phần quỹ trả, cùng chi trả, tự trả và nguồn khác phải cộng bằng tổng chi. / The shares must add up.",
    ref=f"{APPX} bảng 1; xml130.md §7.5; checks.md §4 (balance within 1 VND)",
)
def total_balance(claim: Claim, ctx: Context) -> Iterator[Hit]:
    x = claim.xml1
    if not x.has("T_TONGCHI_BV"):
        return
    parts = x.amount("T_BHTT") + x.amount("T_BNCCT") + x.amount("T_BNTT") + x.amount("T_NGUONKHAC")
    if abs(x.amount("T_TONGCHI_BV") - parts) > ONE_VND:
        yield Hit(x, "T_TONGCHI_BV", x.text("T_TONGCHI_BV"), {"expected": str(parts)})


@check(
    "TOTAL_BH_ABOVE_BV", B, "XML1", "T_TONGCHI_BH T_BHTT",
    vi="{field} = {value} lớn hơn T_TONGCHI_BV = {bv}.",
    en="{field} = {value} exceeds T_TONGCHI_BV = {bv}.",
    hint="Phần BHYT không thể vượt tổng chi phí. / The insured part cannot exceed the total cost.",
    ref=f"{APPX} bảng 1; checks.md §4",
)
def total_bh_above_bv(claim: Claim, ctx: Context) -> Iterator[Hit]:
    x = claim.xml1
    if not x.has("T_TONGCHI_BV"):
        return
    bv = x.amount("T_TONGCHI_BV")
    for name in ("T_TONGCHI_BH", "T_BHTT"):
        if x.has(name) and x.amount(name) > bv + ONE_VND:
            yield Hit(x, name, x.text(name), {"field": name, "bv": x.text("T_TONGCHI_BV")})


def _amount_bv_main(rec: Record) -> Decimal | None:
    """THANH_TIEN_BV by the standard formula (XML2: qty × price; XML3: qty × price × TYLE_TT_DV / 100)."""
    n = rec.numbers
    qty = n["SO_LUONG"]
    if qty is None:
        return None
    if rec.table == "XML2":
        price = n["DON_GIA"]
        return None if price is None else round2(qty * price)
    bv, dv = n["DON_GIA_BV"], n["TYLE_TT_DV"]
    if bv is None:
        return None
    if dv is None or dv == HUNDRED:
        return round2(qty * bv)
    return round2(qty * bv * dv / HUNDRED)


def _amount_bv(rec: Record) -> tuple[Decimal, ...] | None:
    """Acceptable THANH_TIEN_BV values of a line (XML2: qty × price; XML3: 4750 formula, or the variant where the
    hospital does not charge the ratio difference)."""
    qty = rec.decimal("SO_LUONG")
    if qty is None:
        return None
    if rec.table == "XML2":
        price = rec.decimal("DON_GIA")
        return None if price is None else (round2(qty * price),)
    bv, bh, dv = rec.decimal("DON_GIA_BV"), rec.decimal("DON_GIA_BH"), rec.decimal("TYLE_TT_DV")
    if bv is None:
        return None
    dv = HUNDRED if dv is None else dv
    options = [round2(qty * bv * dv / HUNDRED)]
    if bh is not None:
        options.append(round2(qty * bv - qty * bh * (HUNDRED - dv) / HUNDRED))
    return tuple(options)


@check(
    "LINE_THANH_TIEN_BV", B, "XML2 XML3", "THANH_TIEN_BV SO_LUONG DON_GIA DON_GIA_BV TYLE_TT_DV",
    vi="Thành tiền BV {value} khác số lượng × đơn giá{dv} = {expected}.",
    en="THANH_TIEN_BV {value} differs from quantity × price{dv} = {expected}.",
    hint="Thành tiền = số lượng × đơn giá (× tỷ lệ TT dịch vụ), làm tròn 2 số lẻ. / Recompute the line amount.",
    ref=f"{APPX} bảng 2 (THANH_TIEN_BV), bảng 3 (THANH_TIEN_BV, sửa đổi 4750); benefits.md §6.1",
    valid_from=date(2024, 7, 1),  # the 4750 formula (with TYLE_TT_DV) applies from 1 Jul 2024
)
def line_thanh_tien_bv(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return iter(line_issues(claim, ctx).get("LINE_THANH_TIEN_BV", ()))


def _expected_bh(rec: Record) -> Decimal | None:
    qty, bh_ratio = rec.decimal("SO_LUONG"), rec.decimal("TYLE_TT_BH")
    if qty is None or bh_ratio is None:
        return None
    if rec.table == "XML2":
        price = rec.decimal("DON_GIA")
        return None if price is None else round2(qty * price * bh_ratio / HUNDRED)
    price, dv = rec.decimal("DON_GIA_BH"), rec.decimal("TYLE_TT_DV")
    if price is None:
        return None
    dv = HUNDRED if dv is None else dv
    return round2(qty * price * dv / HUNDRED * bh_ratio / HUNDRED)


@check(
    "LINE_THANH_TIEN_BH", B, "XML2 XML3", "THANH_TIEN_BH SO_LUONG DON_GIA DON_GIA_BH TYLE_TT_DV TYLE_TT_BH",
    vi="Thành tiền BH {value} khác công thức = {expected}.",
    en="THANH_TIEN_BH {value} differs from the formula = {expected}.",
    hint="Thành tiền BH = số lượng × đơn giá BH (× tỷ lệ dịch vụ) × tỷ lệ TT BH. / Recompute the insured amount.",
    ref=f"{APPX} bảng 2, 3 (THANH_TIEN_BH); benefits.md §6.1",
)
def line_thanh_tien_bh(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return iter(line_issues(claim, ctx).get("LINE_THANH_TIEN_BH", ()))


@check(
    "LINE_BALANCE", B, "XML2 XML3", "THANH_TIEN_BV T_BHTT T_BNCCT T_BNTT T_NGUONKHAC",
    vi="Thành tiền BV {value} khác T_BHTT + T_BNCCT + T_BNTT + T_NGUONKHAC = {expected}.",
    en="THANH_TIEN_BV {value} differs from T_BHTT + T_BNCCT + T_BNTT + T_NGUONKHAC = {expected}.",
    hint="Các phần chi trả của dòng phải cộng bằng thành tiền. / The line shares must add up to the line amount.",
    ref=f"{APPX} bảng 2, 3; xml130.md §7.3",
)
def line_balance(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return iter(line_issues(claim, ctx).get("LINE_BALANCE", ()))


@check(
    "LINE_SPLIT", B, "XML2 XML3", "T_BNCCT T_BNTT",
    vi="Phân chia chi phí sai: T_BNCCT {value} phải là THANH_TIEN_BH − T_BHTT = {expected} "
    "(T_BNTT chỉ gồm phần ngoài phạm vi BHYT).",
    en="Wrong split: T_BNCCT {value} should be THANH_TIEN_BH − T_BHTT = {expected} "
    "(T_BNTT holds only the part outside the insurance scope).",
    hint="Cùng chi trả ghi vào T_BNCCT; T_BNTT = THANH_TIEN_BV − THANH_TIEN_BH. / "
    "Put the co-payment in T_BNCCT; T_BNTT is the out-of-scope part.",
    ref=f"{APPX} bảng 2, 3 (T_BNCCT, T_BNTT); benefits.md §6.1",
)
def line_split(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return iter(line_issues(claim, ctx).get("LINE_SPLIT", ()))


@check(
    "LINE_BHTT_ABOVE_BENEFIT", B, "XML2 XML3", "T_BHTT MUC_HUONG THANH_TIEN_BH",
    vi="Quỹ thanh toán {value} vượt THANH_TIEN_BH × mức hưởng = {expected}.",
    en="Fund share {value} exceeds THANH_TIEN_BH × benefit level = {expected}.",
    hint="T_BHTT = THANH_TIEN_BH × MUC_HUONG/100. / T_BHTT = THANH_TIEN_BH × MUC_HUONG / 100.",
    ref=f"{APPX} bảng 2, 3 (T_BHTT); benefits.md §6.1",
)
def line_bhtt_above_benefit(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return iter(line_issues(claim, ctx).get("LINE_BHTT_ABOVE_BENEFIT", ()))




@check(
    "LINE_NGUONKHAC_SUM", B, "XML2 XML3", "T_NGUONKHAC T_NGUONKHAC_NSNN T_NGUONKHAC_VTNN T_NGUONKHAC_VTTN",
    vi="T_NGUONKHAC {value} khác tổng bốn nguồn = {expected}.",
    en="T_NGUONKHAC {value} differs from the sum of its four sources = {expected}.",
    hint="T_NGUONKHAC = NSNN + VTNN + VTTN + CL. / T_NGUONKHAC is the sum of the four funding fields.",
    ref=f"{APPX} bảng 2, 3 (T_NGUONKHAC); benefits.md §6.2",
)
def line_nguonkhac_sum(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return iter(line_issues(claim, ctx).get("LINE_NGUONKHAC_SUM", ()))


@check(
    "SUPPLY_PACKAGE_CEILING", B, "XML3", "T_TRANTT T_BHTT GOI_VTYT",
    vi="Quỹ trả cho gói vật tư {goi} = {value} vượt trần {ceiling}.",
    en="Fund share of supply package {goi} = {value} exceeds the ceiling {ceiling}.",
    hint="Giới hạn phần quỹ trả của gói vật tư ở mức trần (45 tháng lương cơ sở). / Cap the package at T_TRANTT.",
    ref="TT 04/2017/TT-BYT (trần thanh toán VTYT); QĐ 4750 Phụ lục bảng 3 (T_TRANTT); checks.md §4",
)
def supply_package_ceiling(claim: Claim, ctx: Context) -> Iterator[Hit]:
    packages: dict[tuple[str, Decimal], list[Record]] = {}
    for rec in claim.services:
        ceiling = rec.decimal("T_TRANTT")
        if ceiling is not None and ceiling > 0 and rec.group in SUPPLY_GROUPS:
            packages.setdefault((rec.text("GOI_VTYT"), ceiling), []).append(rec)
    for (goi, ceiling), recs in packages.items():
        paid = _sum(recs, "T_BHTT")
        if paid > ceiling + ONE_VND:
            yield Hit(recs[-1], "T_BHTT", str(paid), {"goi": goi or "-", "ceiling": str(ceiling)})


@check(
    "ZERO_PRICE_PAID", B, "XML2 XML3", "DON_GIA DON_GIA_BH T_BHTT",
    vi="Đơn giá bằng 0 nhưng quỹ BHYT thanh toán {value}.",
    en="Unit price is zero but the fund pays {value}.",
    hint="Kiểm tra đơn giá (dịch vụ chưa có giá '.0000' hoặc '_TB' không được thanh toán). / "
    "Unpriced or interrupted services are not paid.",
    ref=f"{APPX} bảng 3 (MA_DICH_VU '.0000', '_TB'); checks.md §4",
)
def zero_price_paid(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return iter(line_issues(claim, ctx).get("ZERO_PRICE_PAID", ()))


@check(
    "PHAM_VI_OUT_OF_LIST_PAID", B, "XML2 XML3", "PHAM_VI THANH_TIEN_BH",
    vi="Ngoài danh mục (PHAM_VI = 2) nhưng có thành tiền BH {value}.",
    en="Outside the list (PHAM_VI = 2) but THANH_TIEN_BH is {value}.",
    hint="Ngoài danh mục BHYT thì TYLE_TT_BH = 0 và người bệnh tự trả. / Out-of-list items are self-paid.",
    ref=f"{APPX} bảng 2, 3 (PHAM_VI); benefits.md §6.1",
)
def pham_vi_out_of_list_paid(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return iter(line_issues(claim, ctx).get("PHAM_VI_OUT_OF_LIST_PAID", ()))


@check(
    "PHAM_VI_ARMED_FORCES", W, "XML2", "PHAM_VI",
    vi="Phạm vi {value} không khớp loại thẻ {card} (3 chỉ dùng cho thẻ CA, QN, CY và bắt buộc cho thuốc ngoài danh "
    "mục của các thẻ này).",
    en="Scope {value} does not fit card {card} (3 is only for CA, QN, CY cards and required for their out-of-list "
    "drugs).",
    hint="Thẻ quân đội/công an/cơ yếu: thuốc ngoài danh mục ghi PHAM_VI = 3; thẻ khác không dùng 3. / "
    "Use scope 3 only for armed-forces cards.",
    ref="NĐ 70/2015/NĐ-CP; QĐ 4750 Phụ lục bảng 2 (PHAM_VI); checks.md §4 (XML2_PHAM_VI_INVALID)",
)
def pham_vi_armed_forces(claim: Claim, ctx: Context) -> Iterator[Hit]:
    cards = card_periods(claim)
    if not cards:
        return
    armed = is_armed_forces(cards[0].number)
    for rec in claim.drugs:
        v = rec.text("PHAM_VI")
        if (v == "3" and not armed) or (v == "2" and armed):
            yield Hit(rec, "PHAM_VI", v, {"card": cards[0].number[:2]})


#: Every value the per-line money rules read: two lines (of one table) alike in these give the same issues.
_LINE_INPUTS = (
    "SO_LUONG", "DON_GIA", "DON_GIA_BV", "DON_GIA_BH", "TYLE_TT_DV", "TYLE_TT_BH", "THANH_TIEN_BV", "THANH_TIEN_BH",
    "T_BHTT", "T_BNCCT", "T_BNTT", "T_NGUONKHAC", "MUC_HUONG", *_NGUON_PARTS, "PHAM_VI",
)
_Issue = tuple[str, str, tuple[tuple[str, str], ...]]  # (check code, field, params)


def line_issues(claim: Claim, ctx: Context | None = None) -> dict[str, list[Hit]]:
    """All per-line money rules in one pass over the lines (memoised per claim), keyed by check code.

    The issues of a line depend only on its values (`_LINE_INPUTS`); lines repeat (same item, quantity and
    price), so they are worked out once per distinct line per run (``ctx.memo``).
    """
    got = claim.memo("line_issues")
    if isinstance(got, dict):
        return got
    out: dict[str, list[Hit]] = {}
    memo: dict[object, object] = ctx.memo if ctx is not None else {}
    for rec in _lines(claim):
        v = rec.values
        key = ("line_issues", rec.table, *map(v.get, _LINE_INPUTS))
        issues = memo.get(key)
        if issues is None:
            issues = memo[key] = _line_problems(rec)
        for code, name, params in issues:  # type: ignore[attr-defined]
            out.setdefault(code, []).append(Hit(rec, name, v.get(name, ""), dict(params)))
    return claim.remember("line_issues", out)  # type: ignore[no-any-return]


def _line_problems(rec: Record) -> tuple[_Issue, ...]:
    """The per-line money rules on one line: (code, field, params) of each rule it breaks, in rule order."""
    out: list[_Issue] = []

    def add(code: str, name: str, params: dict[str, str] | None = None) -> None:
        out.append((code, name, tuple((params or {}).items())))

    n = rec.numbers
    v = rec.values
    drug = rec.table == "XML2"
    bv_stated, bh_stated = n["THANH_TIEN_BV"], n["THANH_TIEN_BH"]
    bhtt, bncct, bntt, other = (n["T_BHTT"] or ZERO, n["T_BNCCT"] or ZERO, n["T_BNTT"] or ZERO,
                                n["T_NGUONKHAC"] or ZERO)
    # THANH_TIEN_BV = quantity × price (× service ratio)
    if bv_stated is not None:
        expected_bv = _amount_bv_main(rec)
        if expected_bv is not None and abs(bv_stated - expected_bv) > ONE_VND:
            # Only then try the variant where the hospital does not charge the ratio difference.
            options = _amount_bv(rec)
            if options is not None and all(abs(bv_stated - o) > ONE_VND for o in options):
                add("LINE_THANH_TIEN_BV", "THANH_TIEN_BV",
                    {"expected": str(expected_bv), "dv": "" if drug else " × TYLE_TT_DV/100"})
    # THANH_TIEN_BH; other funding of type (b) changes the base (benefits.md §6.2)
    if bh_stated is not None and other == 0:
        expected = _expected_bh(rec)
        if expected is not None and abs(bh_stated - expected) > ONE_VND:
            add("LINE_THANH_TIEN_BH", "THANH_TIEN_BH", {"expected": str(expected)})
    if bv_stated is not None:
        parts = bhtt + bncct + bntt + other
        if abs(bv_stated - parts) > ONE_VND:
            add("LINE_BALANCE", "THANH_TIEN_BV", {"expected": str(parts)})
    if bh_stated is not None and other == 0:
        expected_cct = bh_stated - bhtt
        if abs(bncct - expected_cct) > ONE_VND:
            add("LINE_SPLIT", "T_BNCCT", {"expected": str(expected_cct)})
    mh = n["MUC_HUONG"]
    if mh is not None and n["T_BHTT"] is not None:
        cap = round2((bh_stated or ZERO) * mh / HUNDRED)
        if bhtt > cap + ONE_VND:
            add("LINE_BHTT_ABOVE_BENEFIT", "T_BHTT", {"expected": str(cap)})
    funded = ZERO
    for name in _NGUON_PARTS:
        funded += n[name] or ZERO
    if abs(other - funded) > ONE_VND:
        add("LINE_NGUONKHAC_SUM", "T_NGUONKHAC", {"expected": str(funded)})
    price = n["DON_GIA" if drug else "DON_GIA_BH"]
    if price is not None and price == 0 and bhtt > 0:
        add("ZERO_PRICE_PAID", "T_BHTT")
    if v.get("PHAM_VI") == "2" and (bh_stated or ZERO) > 0:
        add("PHAM_VI_OUT_OF_LIST_PAID", "THANH_TIEN_BH")
    return tuple(out)
