"""Cross-table consistency within one claim (checks.md §3; QĐ 4750 appendix, table joins on MA_LK)."""

from __future__ import annotations

from collections.abc import Iterator

from rules.checks._common import INPATIENT_TYPES, SUPPLY_GROUPS, care_type
from rules.checks.base import Context, Hit, check
from rules.checks.findings import Severity
from rules.checks.model import Claim

B, W = Severity.BLOCKING, Severity.WARNING
APPX = "QĐ 4750/QĐ-BYT Phụ lục"


@check(
    "XML1_MISSING", B, "XML1", "MA_LK",
    vi="Hồ sơ phải có đúng một bản ghi bảng 1 (có {value}).",
    en="A claim needs exactly one XML1 record (found {value}).",
    hint="Xuất lại hồ sơ với bảng tổng hợp XML1. / Export the claim again with its XML1 summary.",
    ref=f"{APPX} bảng 1; xml130.md §5",
)
def xml1_missing(claim: Claim, ctx: Context) -> Iterator[Hit]:
    if claim.xml1_count != 1 or not claim.xml1.has("MA_LK"):
        yield Hit(claim.xml1, "MA_LK", str(claim.xml1_count))


@check(
    "MA_LK_MISMATCH", B, "XML2 XML3 XML4 XML5 XML7 XML8 XML13 XML14", "MA_LK",
    vi="MA_LK '{value}' của bản ghi khác MA_LK bảng 1 '{lk}'.",
    en="Record MA_LK '{value}' differs from the XML1 MA_LK '{lk}'.",
    hint="Mọi bảng của một đợt điều trị dùng cùng một MA_LK. / Every table of an episode carries its MA_LK.",
    ref=f"{APPX} (MA_LK liên kết các bảng); checks.md §3 (XMLComplete_*_MA_LK)",
)
def ma_lk_mismatch(claim: Claim, ctx: Context) -> Iterator[Hit]:
    lk = claim.ma_lk
    if not lk:
        return
    for recs in claim.tables.values():
        for rec in recs:
            v = rec.text("MA_LK")
            if v != lk:
                yield Hit(rec, "MA_LK", v, {"lk": lk})


_REPEATED = ("HO_TEN", "NGAY_SINH", "GIOI_TINH", "MA_THE_BHYT", "GT_THE_DEN", "NGAY_VAO", "NGAY_VAO_NOI_TRU",
             "NGAY_RA", "MA_BENH_CHINH", "MA_BENH_KT", "MA_DOITUONG_KCB", "MA_LOAI_RV", "MA_CSKCB", "MA_NOI_DEN")


@check(
    "REPEATED_FIELD_MISMATCH", B, "XML13 XML14", "HO_TEN NGAY_SINH MA_THE_BHYT NGAY_VAO NGAY_RA MA_BENH_CHINH …",
    vi="{field} = '{value}' khác bảng 1 ('{xml1}').",
    en="{field} = '{value}' differs from XML1 ('{xml1}').",
    hint="Các trường lặp lại phải giống bảng 1 (hoặc để trống). / Repeated fields must equal XML1 or be empty.",
    ref="Cổng tiếp nhận BHXH, bảng kiểm tra QĐ 4750 (bảng 13, 14: trường trùng bảng 1)",
)
def repeated_field_mismatch(claim: Claim, ctx: Context) -> Iterator[Hit]:
    x = claim.xml1
    for table in ("XML13", "XML14"):
        for rec in claim.table(table):
            for name in _REPEATED:
                v = rec.text(name)
                ref = x.text(name)
                if name == "MA_NOI_DEN" and not v:
                    v = rec.text("MA_CSKCB_DEN")
                if v and ref and v != ref:
                    yield Hit(rec, name, v, {"field": name, "xml1": ref})


@check(
    "XML8_NOT_ALLOWED", B, "XML8", "MA_LOAI_KCB",
    vi="Có bảng 8 (tóm tắt bệnh án) nhưng loại KCB là {value}.",
    en="XML8 (record summary) sent for care type {value}.",
    hint="Bảng 8 chỉ gửi khi MA_LOAI_KCB là 03, 04 hoặc 06. / XML8 only for care types 03, 04, 06.",
    ref="Cổng tiếp nhận BHXH, bảng kiểm tra QĐ 4750 (bảng 8); xml130.md §5",
)
def xml8_not_allowed(claim: Claim, ctx: Context) -> Iterator[Hit]:
    t = care_type(claim)
    if claim.has_table("XML8") and t and t not in INPATIENT_TYPES:
        rec = claim.table("XML8")[0]
        yield Hit(rec, "MA_LOAI_KCB", t)


@check(
    "XML7_MISSING_INPATIENT", W, "XML7", "",
    vi="Điều trị loại {value} nhưng thiếu giấy ra viện (bảng 7).",
    en="Care type {value} without a discharge paper (XML7).",
    hint="Gửi kèm dữ liệu giấy ra viện. / Send the discharge paper with the claim.",
    ref=f"{APPX} bảng 7; xml130.md §5; checks.md §3 (XMLComplete_INFO_ERROR_XML_COMPLETE_MISSING_XML7)",
)
def xml7_missing(claim: Claim, ctx: Context) -> Iterator[Hit]:
    t = care_type(claim)
    if t in ("03", "04") and not claim.has_table("XML7") and claim.xml1.text("MA_LOAI_RV") == "1":
        yield Hit(claim.xml1, "MA_LOAI_KCB", t)


@check(
    "XML5_MISSING_INPATIENT", W, "XML5", "DIEN_BIEN_LS",
    vi="Điều trị loại {value} nhưng không có diễn biến lâm sàng (bảng 5).",
    en="Care type {value} without progress notes (XML5).",
    hint="Gửi kèm diễn biến lâm sàng của đợt điều trị. / Send the progress notes.",
    ref=f"{APPX} bảng 5; xml130.md §5; checks.md §6 (XML5_INFO_ERROR_DIEN_BIEN_LS)",
)
def xml5_missing(claim: Claim, ctx: Context) -> Iterator[Hit]:
    t = care_type(claim)
    if t in INPATIENT_TYPES and not any(r.has("DIEN_BIEN_LS") for r in claim.table("XML5")):
        yield Hit(claim.xml1, "MA_LOAI_KCB", t)


@check(
    "XML4_SERVICE_NOT_IN_XML3", B, "XML4", "MA_DICH_VU",
    vi="Chỉ số kết quả thuộc dịch vụ {value} không có trong bảng 3.",
    en="Result index belongs to service {value}, which is not billed in XML3.",
    hint="Kết quả cận lâm sàng phải gắn với dịch vụ đã chỉ định ở bảng 3. / Results must match an XML3 service.",
    ref=f"{APPX} bảng 4 (MA_DICH_VU); checks.md §3 (XML4_INFO_ERROR_MA_DICH_VU_NOT_FOUND)",
)
def xml4_service_not_in_xml3(claim: Claim, ctx: Context) -> Iterator[Hit]:
    xml4 = claim.table("XML4")
    if not xml4:
        return
    codes = {r.text("MA_DICH_VU") for r in claim.services}
    for rec in xml4:
        code = rec.text("MA_DICH_VU")
        if code and code not in codes:
            yield Hit(rec, "MA_DICH_VU", code)


@check(
    "XML4_IMAGING_NO_CONCLUSION", W, "XML4", "KET_LUAN",
    vi="Kết quả chẩn đoán hình ảnh {value} không có kết luận.",
    en="Imaging result {value} has no conclusion.",
    hint="Ghi kết luận của người đọc kết quả. / Give the reader's conclusion.",
    ref=f"{APPX} bảng 4 (KET_LUAN); checks.md §3 (XML4 KET_LUAN_EMPTY)",
)
def xml4_imaging_no_conclusion(claim: Claim, ctx: Context) -> Iterator[Hit]:
    imaging = {r.text("MA_DICH_VU") for r in claim.services if r.group == "2"}
    if not imaging:
        return
    by_code: dict[str, list[bool]] = {}
    for rec in claim.table("XML4"):
        code = rec.text("MA_DICH_VU")
        if code in imaging:
            by_code.setdefault(code, []).append(rec.has("KET_LUAN"))
    for rec in claim.table("XML4"):
        code = rec.text("MA_DICH_VU")
        if code in by_code and not any(by_code[code]):
            by_code[code] = [True]  # report once per service
            yield Hit(rec, "KET_LUAN", code)


@check(
    "SUPPLY_WITHOUT_SERVICE", W, "XML3", "MA_DICH_VU NGAY_YL",
    vi="Vật tư dùng cho dịch vụ {value} nhưng không có dòng dịch vụ đó cùng ngày y lệnh.",
    en="Supply used for service {value}, but no line of that service has the same order date.",
    hint="Kiểm tra mã dịch vụ và ngày y lệnh của vật tư. / Check the supply's service code and order date.",
    ref=f"{APPX} bảng 3 (MA_DICH_VU trên dòng vật tư); checks.md §3 (XML3_DATE_MISMATCH)",
)
def supply_without_service(claim: Claim, ctx: Context) -> Iterator[Hit]:
    users = [r for r in claim.services if r.group in SUPPLY_GROUPS and "MA_DICH_VU" in r.values]
    if not users:
        return
    services = {(r.text("MA_DICH_VU"), r.day("NGAY_YL")) for r in claim.services if r.group not in SUPPLY_GROUPS}
    for rec in users:
        key = (rec.text("MA_DICH_VU"), rec.day("NGAY_YL"))
        if key not in services:
            yield Hit(rec, "MA_DICH_VU", rec.text("MA_DICH_VU"))


@check(
    "TRANSFER_DESTINATION_MISSING", B, "XML1", "MA_NOI_DEN",
    vi="Người bệnh chuyển viện nhưng thiếu mã nơi chuyển đến.",
    en="Patient transferred but the destination facility code is missing.",
    hint="Ghi mã cơ sở KCB nơi chuyển đến (5 ký tự) ở bảng 1 và giấy chuyển tuyến. / "
    "Give the destination facility code in XML1 and in the referral paper.",
    ref=f"{APPX} bảng 1 (MA_NOI_DEN), bảng 13 (MA_NOI_DEN / MA_CSKCB_DEN)",
)
def transfer_destination_missing(claim: Claim, ctx: Context) -> Iterator[Hit]:
    x = claim.xml1
    transferred = x.text("MA_LOAI_RV") in ("2", "5") or claim.has_table("XML13")
    if transferred and not x.has("MA_NOI_DEN"):
        yield Hit(x, "MA_NOI_DEN", "")
    for rec in claim.table("XML13"):
        if not rec.has("MA_NOI_DEN") and not rec.has("MA_CSKCB_DEN"):
            yield Hit(rec, "MA_NOI_DEN", "")


@check(
    "XML13_DISCHARGE_TYPE", W, "XML1", "MA_LOAI_RV",
    vi="Có giấy chuyển tuyến (bảng 13) nhưng loại ra viện là {value} (cần 2 hoặc 5).",
    en="Referral paper (XML13) present but the discharge type is {value} (expected 2 or 5).",
    hint="Ghi MA_LOAI_RV = 2 (chuyển tuyến theo chuyên môn) hoặc 5 (theo yêu cầu). / Use discharge type 2 or 5.",
    ref=f"{APPX} bảng 13 (MA_LOAI_RV: chỉ gửi khi 2 hoặc 5), bảng 1 (MA_LOAI_RV)",
)
def xml13_discharge_type(claim: Claim, ctx: Context) -> Iterator[Hit]:
    v = claim.xml1.text("MA_LOAI_RV")
    if claim.has_table("XML13") and v and v not in ("2", "5"):
        yield Hit(claim.xml1, "MA_LOAI_RV", v)


@check(
    "ICD_SECONDARY_WITHOUT_MAIN", B, "XML1", "MA_BENH_CHINH MA_BENH_KT",
    vi="Có mã bệnh kèm theo nhưng thiếu mã bệnh chính.",
    en="Secondary diagnoses given without a main diagnosis.",
    hint="Ghi đúng một mã ICD-10 bệnh chính. / Give exactly one main ICD-10 code.",
    ref=f"{APPX} bảng 1 (MA_BENH_CHINH); checks.md §5",
)
def icd_secondary_without_main(claim: Claim, ctx: Context) -> Iterator[Hit]:
    x = claim.xml1
    if x.has("MA_BENH_KT") and not x.has("MA_BENH_CHINH"):
        yield Hit(x, "MA_BENH_CHINH", "")
