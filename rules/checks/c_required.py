"""Conditional "required when" rules of QĐ 3176 (as 4750 appendix conditions, xml130_fields.csv column C)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from rules.checks._common import (
    BLOOD_GROUPS,
    INPATIENT_TYPES,
    PERFORMED_GROUPS,
    SUPPLY_GROUPS,
    TRANSPORT_GROUP,
    care_type,
)
from rules.checks.base import Context, Hit, check
from rules.checks.findings import Severity
from rules.checks.model import Claim

B, W = Severity.BLOCKING, Severity.WARNING
QD4750 = date(2024, 7, 1)  # QĐ 4750/QĐ-BYT mandatory from 1 Jul 2024 (xml130.md §1)
APPX = "QĐ 4750/QĐ-BYT Phụ lục (điều kiện bắt buộc), áp dụng theo QĐ 3176/QĐ-BYT"

_NO_REGISTRATION = frozenset({"40.17", "40.573"})


@check(
    "REQ_SO_DANG_KY", B, "XML2", "SO_DANG_KY",
    vi="Thiếu số đăng ký của thuốc {code}.",
    en="Registration number missing for drug {code}.",
    hint="Ghi số đăng ký lưu hành (không dấu cách); không cần cho oxy, NO, máu, chế phẩm máu. / "
    "Give the marketing registration number (not needed for oxygen, NO, blood).",
    ref=f"{APPX} bảng 2 (SO_DANG_KY)",
    valid_from=QD4750,
)
def req_so_dang_ky(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.drugs:
        code = rec.text("MA_THUOC")
        if rec.has("SO_DANG_KY") or code in _NO_REGISTRATION or rec.group in BLOOD_GROUPS:
            continue
        if code.upper().startswith(("VM.", "BB.")):
            continue
        yield Hit(rec, "SO_DANG_KY", "", {"code": code})


@check(
    "REQ_MA_BAC_SI_DRUG", W, "XML2", "MA_BAC_SI",
    vi="Thiếu mã bác sĩ kê đơn của dòng thuốc.",
    en="Prescriber code missing on a drug line.",
    hint="Ghi mã chứng chỉ hành nghề của bác sĩ chỉ định. / Give the prescriber's licence code.",
    ref=f"{APPX} bảng 2 (MA_BAC_SI)",
    valid_from=QD4750,
)
def req_ma_bac_si_drug(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.drugs:
        if not rec.has("MA_BAC_SI"):
            yield Hit(rec, "MA_BAC_SI", "")


@check(
    "REQ_MA_DICH_VU", B, "XML3", "MA_DICH_VU",
    vi="Dòng dịch vụ (nhóm {group}) thiếu mã dịch vụ.",
    en="Service line (group {group}) has no service code.",
    hint="Ghi mã dịch vụ kỹ thuật/khám/giường theo danh mục đã phê duyệt. / Give the approved service code.",
    ref=f"{APPX} bảng 3 (MA_DICH_VU)",
    valid_from=QD4750,
)
def req_ma_dich_vu(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.services:
        g = rec.group
        if g and g not in SUPPLY_GROUPS and not rec.has("MA_DICH_VU"):
            yield Hit(rec, "MA_DICH_VU", "", {"group": g})


@check(
    "REQ_MA_VAT_TU", B, "XML3", "MA_VAT_TU",
    vi="Dòng vật tư (nhóm {group}) thiếu mã vật tư.",
    en="Supply line (group {group}) has no supply code.",
    hint="Ghi mã vật tư do cổng BHXH cấp (QĐ 5086). / Give the supply code issued by the gateway.",
    ref=f"{APPX} bảng 3 (MA_VAT_TU)",
    valid_from=QD4750,
)
def req_ma_vat_tu(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.services:
        g = rec.group
        if g in SUPPLY_GROUPS and not rec.has("MA_VAT_TU"):
            yield Hit(rec, "MA_VAT_TU", "", {"group": g})


@check(
    "REQ_TEN_VAT_TU", B, "XML3", "TEN_VAT_TU",
    vi="Có mã vật tư {code} nhưng thiếu tên vật tư.",
    en="Supply code {code} given without a supply name.",
    hint="Ghi tên vật tư theo quyết định trúng thầu. / Give the supply name from the award decision.",
    ref=f"{APPX} bảng 3 (TEN_VAT_TU)",
    valid_from=QD4750,
)
def req_ten_vat_tu(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.services:
        if rec.has("MA_VAT_TU") and not rec.has("TEN_VAT_TU"):
            yield Hit(rec, "TEN_VAT_TU", "", {"code": rec.text("MA_VAT_TU")})


@check(
    "REQ_TEN_DICH_VU", B, "XML3", "TEN_DICH_VU",
    vi="Có mã dịch vụ {code} nhưng thiếu tên dịch vụ.",
    en="Service code {code} given without a service name.",
    hint="Ghi tên dịch vụ theo danh mục đã phê duyệt. / Give the approved service name.",
    ref=f"{APPX} bảng 3 (TEN_DICH_VU)",
    valid_from=QD4750,
)
def req_ten_dich_vu(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.services:
        if rec.group not in SUPPLY_GROUPS and rec.has("MA_DICH_VU") and not rec.has("TEN_DICH_VU"):
            yield Hit(rec, "TEN_DICH_VU", "", {"code": rec.text("MA_DICH_VU")})


@check(
    "REQ_MA_XANG_DAU", B, "XML3", "MA_XANG_DAU",
    vi="Dòng vận chuyển (nhóm 12) thiếu mã xăng dầu.",
    en="Transport line (group 12) has no fuel code.",
    hint="Ghi mã loại xăng dầu theo QĐ 3276 phụ lục 2. / Give the fuel code (QĐ 3276 appendix 2).",
    ref=f"{APPX} bảng 3 (MA_XANG_DAU)",
    valid_from=QD4750,
)
def req_ma_xang_dau(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.services:
        if rec.group == TRANSPORT_GROUP and not rec.has("MA_XANG_DAU"):
            yield Hit(rec, "MA_XANG_DAU", "")


def _sent_out(code: str) -> bool:
    return ".K." in code.upper()


@check(
    "REQ_NGUOI_THUC_HIEN", B, "XML3", "NGUOI_THUC_HIEN",
    vi="Dịch vụ nhóm {group} thiếu người thực hiện.",
    en="Group {group} service has no performer.",
    hint="Ghi mã CCHN của người thực hiện (xét nghiệm, CĐHA, TDCN, phẫu thuật, thủ thuật). / "
    "Give the performer's licence code.",
    ref=f"{APPX} bảng 3 (NGUOI_THUC_HIEN khi MA_NHOM 1, 2, 3, 8, 18)",
    valid_from=QD4750,
)
def req_nguoi_thuc_hien(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.services:
        g = rec.group
        if g in PERFORMED_GROUPS and not rec.has("NGUOI_THUC_HIEN") and not _sent_out(rec.text("MA_DICH_VU")):
            yield Hit(rec, "NGUOI_THUC_HIEN", "", {"group": g})


@check(
    "REQ_NGAY_TH_YL", B, "XML3", "NGAY_TH_YL",
    vi="Dịch vụ nhóm {group} thiếu thời gian thực hiện y lệnh.",
    en="Group {group} service has no execution time.",
    hint="Ghi thời điểm thực hiện (yyyyMMddHHmm). / Give the execution time (yyyyMMddHHmm).",
    ref=f"{APPX} bảng 3 (NGAY_TH_YL khi MA_NHOM 1, 2, 3, 8, 18; trừ mẫu gửi đi)",
    valid_from=QD4750,
)
def req_ngay_th_yl(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.services:
        g = rec.group
        if g in PERFORMED_GROUPS and not rec.has("NGAY_TH_YL") and not _sent_out(rec.text("MA_DICH_VU")):
            yield Hit(rec, "NGAY_TH_YL", "", {"group": g})


@check(
    "REQ_PP_VO_CAM", W, "XML3", "PP_VO_CAM",
    vi="Phẫu thuật thiếu hoặc sai phương pháp vô cảm ('{value}', cần 1–4).",
    en="Surgery without a valid anaesthesia method ('{value}', expected 1–4).",
    hint="Ghi 1 mê, 2 tê, 3 châm tê, 4 khác. / 1 general, 2 local/regional, 3 acupuncture, 4 other.",
    ref=f"{APPX} bảng 3 (PP_VO_CAM)",
    valid_from=QD4750,
)
def req_pp_vo_cam(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.services:
        if rec.group == "8":
            v = rec.text("PP_VO_CAM")
            if v not in ("1", "2", "3", "4"):
                yield Hit(rec, "PP_VO_CAM", v)


@check(
    "REQ_XML4_NGAY_KQ", B, "XML4", "NGAY_KQ",
    vi="Chỉ số '{name}' có kết quả nhưng thiếu ngày kết quả.",
    en="Result index '{name}' has a value but no result time.",
    hint="Ghi thời điểm có kết quả (yyyyMMddHHmm). / Give the result time.",
    ref=f"{APPX} bảng 4 (NGAY_KQ khi có GIA_TRI)",
    valid_from=QD4750,
)
def req_xml4_ngay_kq(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.table("XML4"):
        if rec.has("GIA_TRI") and not rec.has("NGAY_KQ"):
            yield Hit(rec, "NGAY_KQ", "", {"name": rec.text("TEN_CHI_SO")})


@check(
    "REQ_XML7_DINH_CHI_THAI", B, "XML7", "NGUYENNHAN_DINHCHI THOIGIAN_DINHCHI TUOI_THAI",
    vi="Có đình chỉ thai nghén nhưng thiếu {field}.",
    en="Pregnancy terminated but {field} is missing.",
    hint="Ghi nguyên nhân, thời gian đình chỉ và tuổi thai (1–42 tuần). / Give cause, time and gestational age.",
    ref=f"{APPX} bảng 7 (khi MA_DINH_CHI_THAI = 1)",
    valid_from=QD4750,
)
def req_xml7_dinh_chi(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.table("XML7"):
        if rec.text("MA_DINH_CHI_THAI") != "1":
            continue
        for name in ("NGUYENNHAN_DINHCHI", "THOIGIAN_DINHCHI", "TUOI_THAI"):
            if not rec.has(name):
                yield Hit(rec, name, "", {"field": name})
        weeks = rec.decimal("TUOI_THAI")
        if weeks is not None and not (1 <= weeks <= 42):
            yield Hit(rec, "TUOI_THAI", rec.text("TUOI_THAI"), {"field": "TUOI_THAI (1–42)"})


@check(
    "REQ_INPATIENT_ADMISSION", B, "XML1", "LY_DO_VNT NGAY_VAO_NOI_TRU",
    vi="Điều trị nội trú (loại KCB {type}) nhưng thiếu {field}.",
    en="Inpatient-type care ({type}) without {field}.",
    hint="Ghi lý do và thời điểm vào nội trú. / Give the admission reason and the inpatient order time.",
    ref="QĐ 4750 Phụ lục bảng 1 (LY_DO_VNT, NGAY_VAO_NOI_TRU); checks.md §6 (XML1_SPECIAL_INPATIENT_ERROR_*)",
    valid_from=QD4750,
)
def req_inpatient_admission(claim: Claim, ctx: Context) -> Iterator[Hit]:
    t = care_type(claim)
    if t not in INPATIENT_TYPES:
        return
    for name in ("LY_DO_VNT", "NGAY_VAO_NOI_TRU"):
        if not claim.xml1.has(name):
            yield Hit(claim.xml1, name, "", {"type": t, "field": name})


@check(
    "XML7_REST_DAYS", B, "XML7", "SO_NGAY_NGHI NGOAITRU_TUNGAY NGOAITRU_DENNGAY",
    vi="Số ngày nghỉ ngoại trú ({value}) không khớp khoảng ngày nghỉ {frm}–{to} hoặc thiếu một trong ba trường.",
    en="Outpatient rest days ({value}) do not match the rest period {frm}–{to}, or one of the three is missing.",
    hint="Điền đủ cả ba trường và số ngày = đến ngày − từ ngày + 1. / Fill all three; days = to − from + 1.",
    ref="Cổng tiếp nhận BHXH, bảng kiểm tra QĐ 4750 (bảng 7: SO_NGAY_NGHI, NGOAITRU_TUNGAY, NGOAITRU_DENNGAY)",
)
def xml7_rest_days(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.table("XML7"):
        names = ("SO_NGAY_NGHI", "NGOAITRU_TUNGAY", "NGOAITRU_DENNGAY")
        filled = [rec.has(n) and rec.text(n) != "0" for n in names]
        if not any(filled):
            continue
        params = {"frm": rec.text("NGOAITRU_TUNGAY"), "to": rec.text("NGOAITRU_DENNGAY")}
        if not all(filled):
            yield Hit(rec, "SO_NGAY_NGHI", rec.text("SO_NGAY_NGHI"), params)
            continue
        days = rec.decimal("SO_NGAY_NGHI")
        frm, to = rec.day("NGOAITRU_TUNGAY"), rec.day("NGOAITRU_DENNGAY")
        if days is not None and frm is not None and to is not None and days != (to - frm).days + 1:
            yield Hit(rec, "SO_NGAY_NGHI", rec.text("SO_NGAY_NGHI"), params)
