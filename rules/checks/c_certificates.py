"""Certificates issued with the claim: pregnancy rest (XML10) and sick leave (XML11) (QĐ 4750 appendix
tables 10–11; Circular 18/2022/TT-BYT; checks.md §1–2)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from rules.checks.base import Context, Hit, check
from rules.checks.findings import Severity
from rules.checks.model import Claim

B, W = Severity.BLOCKING, Severity.WARNING
APPX = "QĐ 4750/QĐ-BYT Phụ lục"


@check(
    "XML11_LEAVE_DATES", B, "XML11", "TU_NGAY DEN_NGAY",
    vi="Giấy nghỉ việc hưởng BHXH: {rule} ({value}).",
    en="Sick-leave certificate: {rule_en} ({value}).",
    hint="Nghỉ từ ngày ≤ ngày ra; đến ngày ≥ ngày vào và ≥ từ ngày. / From ≤ discharge; to ≥ admission and ≥ from.",
    ref=f"{APPX} bảng 11 (TU_NGAY, DEN_NGAY); checks.md §2 (XML11 TU_NGAY_GREATER_NGAY_RA, DATE_RANGE)",
)
def xml11_leave_dates(claim: Claim, ctx: Context) -> Iterator[Hit]:
    vao, ra = claim.xml1.day("NGAY_VAO"), claim.xml1.day("NGAY_RA")
    for rec in claim.table("XML11"):
        tu, den = rec.day("TU_NGAY"), rec.day("DEN_NGAY")
        if tu and ra and tu > ra:
            yield Hit(rec, "TU_NGAY", rec.text("TU_NGAY"),
                      {"rule": "từ ngày sau ngày ra", "rule_en": "starts after discharge"})
        if den and vao and den < vao:
            yield Hit(rec, "DEN_NGAY", rec.text("DEN_NGAY"),
                      {"rule": "đến ngày trước ngày vào", "rule_en": "ends before admission"})
        if tu and den and den < tu:
            yield Hit(rec, "DEN_NGAY", rec.text("DEN_NGAY"),
                      {"rule": "đến ngày trước từ ngày", "rule_en": "ends before it starts"})


@check(
    "XML11_SO_NGAY_NGHI", B, "XML11", "SO_NGAY_NGHI",
    vi="Số ngày nghỉ '{value}' phải là số nguyên.",
    en="Sick-leave days '{value}' must be a whole number.",
    hint="Ghi số ngày nghỉ là số nguyên. / Write the number of days as an integer.",
    ref=f"{APPX} bảng 11 (SO_NGAY_NGHI); checks.md §2 (XML11_INFO_ERROR_SO_NGAY_NGHI_NOT_INT)",
)
def xml11_so_ngay_nghi(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.table("XML11"):
        v = rec.text("SO_NGAY_NGHI")
        if v and not v.isdigit():
            yield Hit(rec, "SO_NGAY_NGHI", v)


@check(
    "XML11_MAU_SO", B, "XML11", "MAU_SO",
    vi="Mẫu số '{value}' không hợp lệ (chỉ CT07 hoặc để trống).",
    en="Form number '{value}' is invalid (CT07 or empty).",
    hint="Ghi CT07 hoặc để trống. / Write CT07 or leave empty.",
    ref="Cổng tiếp nhận BHXH, bảng kiểm tra QĐ 4750 (bảng 11: MAU_SO)",
)
def xml11_mau_so(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.table("XML11"):
        v = rec.text("MAU_SO")
        if v and v != "CT07":
            yield Hit(rec, "MAU_SO", v)


@check(
    "REQ_XML11_DINH_CHI_THAI", B, "XML11", "NGUYENNHAN_DINHCHI TUOI_THAI",
    vi="Có đình chỉ thai nghén nhưng thiếu {field}.",
    en="Pregnancy terminated but {field} is missing.",
    hint="Ghi nguyên nhân đình chỉ và tuổi thai (1–42 tuần). / Give the cause and the gestational age.",
    ref=f"{APPX} bảng 11 (khi MA_DINH_CHI_THAI = 1)",
)
def req_xml11_dinh_chi(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.table("XML11"):
        if rec.text("MA_DINH_CHI_THAI") == "1":
            for name in ("NGUYENNHAN_DINHCHI", "TUOI_THAI"):
                if not rec.has(name):
                    yield Hit(rec, name, "", {"field": name})


@check(
    "XML10_REST_DAYS", B, "XML10", "SO_NGAY",
    vi="Số ngày nghỉ dưỡng thai {value} vượt 180 ngày.",
    en="Pregnancy-rest days {value} exceed 180.",
    hint="Mỗi giấy nghỉ dưỡng thai tối đa 180 ngày. / At most 180 days per certificate.",
    ref=f"{APPX} bảng 10 (SO_NGAY); checks.md §2 (XML10_INFO_ERROR_SO_NGAY_EXCEEDS)",
)
def xml10_rest_days(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.table("XML10"):
        v = rec.decimal("SO_NGAY")
        if v is not None and v > 180:
            yield Hit(rec, "SO_NGAY", rec.text("SO_NGAY"))


@check(
    "LINE_DEPARTMENT_NOT_IN_EPISODE", W, "XML2 XML3", "MA_KHOA",
    vi="Khoa {value} của dòng chi phí không có trong danh sách khoa của đợt điều trị ({episode}).",
    en="Department {value} of the line is not among the episode's departments ({episode}).",
    hint="Bổ sung khoa vào MA_KHOA bảng 1 (theo thứ tự) hoặc sửa khoa của dòng. / "
    "Add the department to XML1 MA_KHOA or fix the line.",
    ref=f"{APPX} bảng 1 (MA_KHOA: các khoa điều trị), bảng 2, 3 (MA_KHOA); checks.md §3",
)
def line_department(claim: Claim, ctx: Context) -> Iterator[Hit]:
    depts = set(claim.xml1.items("MA_KHOA"))
    if not depts:
        return
    for rec in (*claim.drugs, *claim.services):
        for k in rec.items("MA_KHOA"):
            if k and k not in depts:
                yield Hit(rec, "MA_KHOA", k, {"episode": claim.xml1.text("MA_KHOA")})


@check(
    "SURGERY_TOO_SHORT", W, "XML3", "NGAY_TH_YL NGAY_KQ",
    vi="Phẫu thuật kéo dài dưới 15 phút ({value} – {kq}).",
    en="Surgery lasted less than 15 minutes ({value} – {kq}).",
    hint="Kiểm tra giờ bắt đầu (NGAY_TH_YL) và kết thúc (NGAY_KQ) cuộc mổ. / Check the start and end times.",
    ref="checks.md §6 (R: surgery shorter than 15 min flagged); QĐ 4750 bảng 3 (NGAY_KQ: giờ kết thúc PTTT)",
)
def surgery_too_short(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.services:
        if rec.group != "8":
            continue
        start, end = rec.moment("NGAY_TH_YL"), rec.moment("NGAY_KQ")
        if start and end and end >= start and end - start < timedelta(minutes=15):
            yield Hit(rec, "NGAY_TH_YL", rec.text("NGAY_TH_YL"), {"kq": rec.text("NGAY_KQ")})
