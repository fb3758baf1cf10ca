"""Value formats the schema cannot express: calendar validity, numbers, codes with inner structure.

Sources: QĐ 130/QĐ-BYT as amended by QĐ 4750/QĐ-BYT (appendix, §3 encoding rules); checks.md §1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rules.checks._common import HUNDRED, ZERO
from rules.checks._fields import BIRTH_TABLES, DATE_LISTS, MOMENTS
from rules.checks._values import is_valid_birth, parse_decimal, parse_moment
from rules.checks.base import Context, Hit, check
from rules.checks.findings import Severity
from rules.checks.model import Claim, Record

B, W = Severity.BLOCKING, Severity.WARNING
APPX = "QĐ 130/QĐ-BYT sửa đổi bởi QĐ 4750/QĐ-BYT, Phụ lục"

_NUMBER_TABLES = ("XML1", "XML2", "XML3")


def _records(claim: Claim, table: str) -> tuple[Record, ...]:
    return (claim.xml1,) if table == "XML1" else claim.table(table)


@check(
    "FMT_DATE", B, "XML1 XML2 XML3 XML4 XML5 XML7 XML10 XML11 XML13 XML14",
    "NGAY_VAO NGAY_RA NGAY_YL NGAY_KQ GT_THE_TU …",
    vi="Ngày/giờ không hợp lệ: '{value}' (cần {expected}).",
    en="Invalid date/time '{value}' (expected {expected}).",
    hint="Sửa ngày theo dạng yyyyMMddHHmm (12 số) hoặc yyyyMMdd (8 số), giờ ≤ 23, phút ≤ 59. / "
    "Write the date as yyyyMMddHHmm or yyyyMMdd with a real calendar day.",
    ref=f"{APPX} mục quy định chung: ngày giờ 12 ký tự, ngày 8 ký tự",
)
def fmt_date(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for table, fields in MOMENTS.items():
        for rec in _records(claim, table):
            for name in rec.bad_moments:
                yield Hit(rec, name, rec.text(name), {"expected": _expected(fields[name])})
    for table, names in DATE_LISTS.items():
        for rec in _records(claim, table):
            for name in names:
                for v in rec.items(name):
                    if len(v) != 8 or parse_moment(v) is None:
                        yield Hit(rec, name, v, {"expected": "yyyyMMdd"})
    for table in BIRTH_TABLES:
        for rec in _records(claim, table):
            raw = rec.text("NGAY_SINH")
            if raw and (len(raw) != 12 or not is_valid_birth(raw)):
                yield Hit(rec, "NGAY_SINH", raw, {"expected": "yyyyMMddHHmm"})


def _expected(widths: tuple[int, ...]) -> str:
    return " hoặc / or ".join("yyyyMMddHHmm" if w == 12 else "yyyyMMdd" for w in widths)


@check(
    "FMT_NUMBER", B, "XML1 XML2 XML3", "SO_LUONG DON_GIA THANH_TIEN_BV T_BHTT …",
    vi="Giá trị số không hợp lệ: '{value}'.",
    en="Not a number: '{value}'.",
    hint="Ghi số với dấu chấm thập phân, không dấu phân cách hàng nghìn. / "
    "Write digits with a decimal point and no thousands separator.",
    ref=f"{APPX} mục quy định chung: số thập phân dùng dấu chấm",
)
def fmt_number(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for table in _NUMBER_TABLES:
        for rec in _records(claim, table):
            for name in rec.bad_numbers:
                yield Hit(rec, name, rec.text(name))


@check(
    "FMT_DECIMAL_COMMA", W, "XML1 XML2 XML3", "SO_LUONG T_BHTT T_BNCCT …",
    vi="Số viết bằng dấu phẩy thập phân: '{value}'.",
    en="Decimal comma instead of a decimal point: '{value}'.",
    hint="Dùng dấu chấm làm dấu thập phân (ví dụ 2073.6). / Use a dot as the decimal separator.",
    ref=f"{APPX} mục quy định chung: dấu thập phân là dấu chấm",
)
def fmt_decimal_comma(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for table in _NUMBER_TABLES:
        for rec in _records(claim, table):
            for name in rec.comma_numbers:
                yield Hit(rec, name, rec.text(name))


@check(
    "AMOUNT_NEGATIVE", B, "XML1 XML2 XML3", "SO_LUONG DON_GIA THANH_TIEN_BV T_BHTT …",
    vi="Giá trị âm không được phép: {value}.",
    en="Negative value not allowed: {value}.",
    hint="Số lượng, đơn giá và số tiền phải ≥ 0; hoàn trả thì gửi lại hồ sơ đã sửa. / "
    "Quantities, prices and amounts must be ≥ 0; correct and resend instead.",
    ref="checks.md §4 (no negative amounts); QĐ 4750 Phụ lục bảng 1–3",
)
def amount_negative(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for table in _NUMBER_TABLES:
        for rec in _records(claim, table):
            for name, v in rec.numbers.items():
                if v is not None and v < ZERO:  # a Decimal operand: no int conversion per value
                    yield Hit(rec, name, rec.text(name))


@check(
    "PERCENT_RANGE", B, "XML2 XML3", "TYLE_TT_BH TYLE_TT_DV MUC_HUONG",
    vi="Tỷ lệ phải trong khoảng 0–100: {value}.",
    en="Percentage must be within 0–100: {value}.",
    hint="Sửa tỷ lệ thanh toán / mức hưởng về giá trị 0–100. / Use a percentage between 0 and 100.",
    ref=f"{APPX} bảng 2 (TYLE_TT_BH, MUC_HUONG), bảng 3 (TYLE_TT_DV, TYLE_TT_BH, MUC_HUONG)",
)
def percent_range(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.drugs:
        for name in ("TYLE_TT_BH", "MUC_HUONG"):
            v = rec.decimal(name)
            if v is not None and not (ZERO <= v <= HUNDRED):
                yield Hit(rec, name, rec.text(name))
    for rec in claim.services:
        for name in ("TYLE_TT_DV", "TYLE_TT_BH", "MUC_HUONG"):
            v = rec.decimal(name)
            if v is not None and not (ZERO <= v <= HUNDRED):
                yield Hit(rec, name, rec.text(name))


_CARD = re.compile(r"^[A-Z]{2}[1-5]\d{12}$")


@check(
    "CARD_FORMAT", B, "XML1", "MA_THE_BHYT",
    vi="Mã thẻ BHYT '{value}' không đúng cấu trúc 15 ký tự (2 chữ + mức hưởng + 2 số tỉnh + 10 số).",
    en="Card number '{value}' is not 15 characters (2 letters, benefit digit, 2-digit province, 10 digits).",
    hint="Nhập lại mã thẻ đúng như kết quả tra cứu trên cổng BHXH. / Copy the card number from the portal lookup.",
    ref="QĐ 1351/QĐ-BHXH (cấu trúc mã thẻ); QĐ 4750 Phụ lục bảng 1 (MA_THE_BHYT)",
)
def card_format(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for n in claim.xml1.items("MA_THE_BHYT"):
        if not _CARD.match(n):
            yield Hit(claim.xml1, "MA_THE_BHYT", n)


@check(
    "CARD_LIST_MISMATCH", B, "XML1 XML13", "MA_THE_BHYT MA_DKBD GT_THE_TU GT_THE_DEN",
    vi="Số phần tử phân tách bằng ';' không khớp: thẻ {cards}, nơi ĐKBĐ {dkbd}, từ ngày {frm}, đến ngày {to}.",
    en="';' lists not aligned: cards {cards}, registration {dkbd}, valid-from {frm}, valid-to {to}.",
    hint="Mỗi thẻ cần đủ một nơi ĐKBĐ, một ngày bắt đầu và một ngày kết thúc, theo đúng thứ tự. / "
    "Give one registration facility and one validity period per card, in card order.",
    ref="QĐ 4750 Phụ lục bảng 1 (MA_THE_BHYT, MA_DKBD, GT_THE_TU, GT_THE_DEN: nhiều thẻ cách nhau ';')",
)
def card_list_mismatch(claim: Claim, ctx: Context) -> Iterator[Hit]:
    x = claim.xml1
    n = len(x.items("MA_THE_BHYT"))
    if n:
        counts = {k: len(x.items(k)) for k in ("MA_DKBD", "GT_THE_TU", "GT_THE_DEN")}
        if any(c != n for c in counts.values()):
            yield Hit(
                x,
                "MA_THE_BHYT",
                x.text("MA_THE_BHYT"),
                {"cards": str(n), "dkbd": str(counts["MA_DKBD"]), "frm": str(counts["GT_THE_TU"]),
                 "to": str(counts["GT_THE_DEN"])},
            )
    for rec in claim.table("XML13"):
        # The referral paper repeats the cards with their valid-to dates only (XML13_INFO_ERROR_MISMATCH_COUNT).
        m, k = len(rec.items("MA_THE_BHYT")), len(rec.items("GT_THE_DEN"))
        if m and k and m != k:
            yield Hit(rec, "MA_THE_BHYT", rec.text("MA_THE_BHYT"), {"cards": str(m), "dkbd": "-", "frm": "-",
                                                                    "to": str(k)})


_CCCD = re.compile(r"^(\d{9}|\d{12}|[A-Z]\d{7})$")


@check(
    "SO_CCCD_FORMAT", B, "XML1", "SO_CCCD",
    vi="Số CCCD/CMND/hộ chiếu '{value}' không hợp lệ (9 hoặc 12 số, hoặc 1 chữ hoa + 7 số).",
    en="ID number '{value}' is not 9 or 12 digits or a passport number (letter + 7 digits).",
    hint="Kiểm tra lại số định danh của người bệnh. / Re-check the patient's ID number.",
    ref="Cổng tiếp nhận BHXH, bảng kiểm tra QĐ 4750 (SO_CCCD)",
)
def so_cccd_format(claim: Claim, ctx: Context) -> Iterator[Hit]:
    v = claim.xml1.text("SO_CCCD")
    if v and not _CCCD.match(v):
        yield Hit(claim.xml1, "SO_CCCD", v)


@check(
    "MA_BENH_KT_TOO_MANY", B, "XML1 XML13 XML14", "MA_BENH_KT",
    vi="Quá 12 mã bệnh kèm theo ({count}).",
    en="More than 12 secondary diagnosis codes ({count}).",
    hint="Giữ tối đa 12 mã bệnh kèm theo quan trọng nhất. / Keep at most 12 secondary codes.",
    ref="QĐ 4750 Phụ lục bảng 1, 13, 14 (MA_BENH_KT: tối đa 12 mã)",
)
def ma_benh_kt_too_many(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in (claim.xml1, *claim.table("XML13"), *claim.table("XML14")):
        codes = [c for c in rec.items("MA_BENH_KT") if c]
        if len(codes) > 12:
            yield Hit(rec, "MA_BENH_KT", rec.text("MA_BENH_KT"), {"count": str(len(codes))})


# Dagger/asterisk codes of the MOH list (A17.0†, G01*) are allowed.
_ICD = re.compile(r"^[A-Z]\d{2}(\.?[0-9A-Z]{1,4})?[*†+]?$")


@check(
    "ICD_FORMAT", B, "XML1 XML3", "MA_BENH_CHINH MA_BENH_KT MA_BENH",
    vi="Mã ICD-10 '{value}' không đúng cấu trúc (chữ cái + 2 số, ví dụ K92.2).",
    en="ICD-10 code '{value}' is malformed (letter + 2 digits, e.g. K92.2).",
    hint="Chọn mã từ danh mục ICD-10 của Bộ Y tế. / Pick the code from the MOH ICD-10 list.",
    ref="QĐ 4750 Phụ lục bảng 1 (MA_BENH_CHINH, MA_BENH_KT), bảng 3 (MA_BENH); QĐ 4469/QĐ-BYT (ICD-10)",
)
def icd_format(claim: Claim, ctx: Context) -> Iterator[Hit]:
    x = claim.xml1
    main = x.text("MA_BENH_CHINH")
    if main and not _ICD.match(main):
        yield Hit(x, "MA_BENH_CHINH", main)
    for c in x.items("MA_BENH_KT"):
        if c and not _ICD.match(c):
            yield Hit(x, "MA_BENH_KT", c)
    for rec in claim.services:
        for c in rec.items("MA_BENH"):
            if c and not _ICD.match(c):
                yield Hit(rec, "MA_BENH", c)


@check(
    "CAN_NANG_INVALID", B, "XML1", "CAN_NANG",
    vi="Cân nặng '{value}' không hợp lệ (số kg > 0 và ≤ 200).",
    en="Weight '{value}' is invalid (kg, > 0 and ≤ 200).",
    hint="Ghi cân nặng bằng kg, dấu chấm thập phân, tối đa 2 số lẻ. / Weight in kg with a decimal point.",
    ref="QĐ 4750 Phụ lục bảng 1 (CAN_NANG)",
)
def can_nang_invalid(claim: Claim, ctx: Context) -> Iterator[Hit]:
    raw = claim.xml1.text("CAN_NANG")
    if not raw:
        return
    v = parse_decimal(raw)
    if v is None or "," in raw or v <= 0 or v > 200:
        yield Hit(claim.xml1, "CAN_NANG", raw)


_BED = re.compile(r"^[HTCK]\d{3}$")


@check(
    "MA_GIUONG_FORMAT", B, "XML3", "MA_GIUONG",
    vi="Mã giường '{value}' sai cấu trúc (H/T/C/K + 3 số, ví dụ H005).",
    en="Bed code '{value}' is malformed (H/T/C/K + 3 digits, e.g. H005).",
    hint="Dùng mã giường đã khai trong danh mục khoa-phòng-giường. / Use the registered bed code.",
    ref="QĐ 4750 Phụ lục bảng 3 (MA_GIUONG)",
)
def ma_giuong_format(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.services:
        for b in rec.items("MA_GIUONG"):
            if b and not _BED.match(b):
                yield Hit(rec, "MA_GIUONG", b)


_GOI = re.compile(r"^G([1-9]\d{0,2})$")


@check(
    "GOI_VTYT_FORMAT", B, "XML3", "GOI_VTYT",
    vi="Gói vật tư '{value}' sai cấu trúc (G1…G999).",
    en="Supply package '{value}' is malformed (G1…G999).",
    hint="Đánh số gói vật tư G1, G2… trong một lần sử dụng dịch vụ. / Number packages G1, G2, …",
    ref="Cổng tiếp nhận BHXH, bảng kiểm tra QĐ 4750 (GOI_VTYT)",
)
def goi_vtyt_format(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.services:
        v = rec.text("GOI_VTYT")
        if v and not _GOI.match(v):
            yield Hit(rec, "GOI_VTYT", v)


@check(
    "FLAG_VALUE", B, "XML2 XML3", "VET_THUONG_TP TAI_SU_DUNG",
    vi="Trường chỉ được để trống hoặc ghi 1: '{value}'.",
    en="Field must be empty or 1: '{value}'.",
    hint="Chỉ ghi 1 khi đúng trường hợp (vết thương tái phát, vật tư tái sử dụng), còn lại để trống. / "
    "Write 1 only when it applies, otherwise leave empty.",
    ref="Cổng tiếp nhận BHXH, bảng kiểm tra QĐ 4750 (VET_THUONG_TP, TAI_SU_DUNG)",
)
def flag_value(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.drugs:
        v = rec.text("VET_THUONG_TP")
        if v and v != "1":
            yield Hit(rec, "VET_THUONG_TP", v)
    for rec in claim.services:
        for name in ("VET_THUONG_TP", "TAI_SU_DUNG"):
            v = rec.text(name)
            if v and v != "1":
                yield Hit(rec, name, v)


_MAY = re.compile(r"^[A-Z]{2,4}\.[1-3]\.(\d{5}\.)?[A-Za-z0-9\-]+$")


@check(
    "MA_MAY_FORMAT", W, "XML3", "MA_MAY",
    vi="Mã máy '{value}' sai cấu trúc XX.n.YYYYY.Z.",
    en="Equipment code '{value}' does not follow XX.n.YYYYY.Z.",
    hint="Dùng mã máy đã khai trong danh mục trang thiết bị gửi BHXH. / Use the registered equipment code.",
    ref="QĐ 4750 Phụ lục bảng 3 (MA_MAY); QĐ 3176 (bỏ mã cơ sở trong mã máy)",
)
def ma_may_format(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.services:
        for m in rec.items("MA_MAY"):
            if m and not _MAY.match(m):
                yield Hit(rec, "MA_MAY", m)


_TTDV = re.compile(r"^(\d{10}|[0-9A-Za-z.]+/[0-9A-Za-zĐđ]+-[A-Za-zĐđ]+)$")


@check(
    "MA_TTDV_FORMAT", W, "XML1", "MA_TTDV",
    vi="Mã thủ trưởng đơn vị '{value}' không phải mã BHXH 10 số (4750) hay mã chứng chỉ hành nghề (3176).",
    en="Signer code '{value}' is neither a 10-digit insurance number (4750) nor a licence code (3176).",
    hint="Ghi mã CCHN/GPHN của người ký (QĐ 3176) hoặc mã BHXH 10 số (QĐ 4750). / "
    "Use the signer's licence code (3176) or 10-digit insurance number (4750).",
    ref="QĐ 4750 Phụ lục bảng 1 (MA_TTDV); QĐ 3176/QĐ-BYT",
)
def ma_ttdv_format(claim: Claim, ctx: Context) -> Iterator[Hit]:
    v = claim.xml1.text("MA_TTDV")
    if v and not _TTDV.match(v):
        yield Hit(claim.xml1, "MA_TTDV", v)


def _valid_groups() -> frozenset[str]:
    return frozenset(str(i) for i in range(1, 20))


_GROUPS_XML2 = frozenset({"4", "5", "6", "7", "17"})
_GROUPS_XML3 = _valid_groups() - _GROUPS_XML2


@check(
    "MA_NHOM_TABLE", B, "XML2 XML3", "MA_NHOM",
    vi="Mã nhóm {value} không thuộc bảng này (XML2: 4, 5, 6, 7, 17; XML3: các nhóm còn lại).",
    en="Cost group {value} does not belong in this table (XML2: 4, 5, 6, 7, 17; XML3: the others).",
    hint="Chuyển dòng sang đúng bảng hoặc sửa mã nhóm chi phí. / Move the line or fix the cost group.",
    ref="QĐ 5937/QĐ-BYT phụ lục 3 (mã nhóm chi phí); QĐ 4750 Phụ lục bảng 2, 3",
)
def ma_nhom_table(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.drugs:
        g = rec.group
        if g and g not in _GROUPS_XML2:
            yield Hit(rec, "MA_NHOM", g)
    for rec in claim.services:
        g = rec.group
        if g and g not in _GROUPS_XML3:
            yield Hit(rec, "MA_NHOM", g)
