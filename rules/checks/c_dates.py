"""Dates and sequences within a claim (checks.md §2; QĐ 4750 appendix field rules)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from rules.checks._common import admission, care_type, discharge
from rules.checks.base import Context, Hit, check
from rules.checks.findings import Severity
from rules.checks.model import Claim

B, W = Severity.BLOCKING, Severity.WARNING
APPX = "QĐ 4750/QĐ-BYT Phụ lục"


@check(
    "DATE_RA_BEFORE_VAO", B, "XML1", "NGAY_RA NGAY_VAO",
    vi="Ngày ra {value} trước ngày vào {vao}.",
    en="Discharge {value} is before admission {vao}.",
    hint="Kiểm tra lại thời điểm vào và ra viện. / Re-check the admission and discharge times.",
    ref=f"{APPX} bảng 1 (NGAY_VAO, NGAY_RA)",
)
def date_ra_before_vao(claim: Claim, ctx: Context) -> Iterator[Hit]:
    vao, ra = admission(claim), discharge(claim)
    if vao and ra and ra < vao:
        yield Hit(claim.xml1, "NGAY_RA", claim.xml1.text("NGAY_RA"), {"vao": claim.xml1.text("NGAY_VAO")})


@check(
    "DATE_VAO_NOI_TRU_OUTSIDE_STAY", B, "XML1", "NGAY_VAO_NOI_TRU",
    vi="Ngày vào nội trú {value} nằm ngoài khoảng ngày vào {vao} – ngày ra {ra}.",
    en="Inpatient order time {value} is outside admission {vao} – discharge {ra}.",
    hint="Thời điểm vào nội trú phải sau ngày vào và trước ngày ra. / Must lie between admission and discharge.",
    ref=f"{APPX} bảng 1 (NGAY_VAO_NOI_TRU); bảng kiểm tra cổng BHXH (NGAY_VAO_NOI_TRU ≥ NGAY_VAO)",
)
def date_vao_noi_tru(claim: Claim, ctx: Context) -> Iterator[Hit]:
    x = claim.xml1
    vnt, vao, ra = x.moment("NGAY_VAO_NOI_TRU"), admission(claim), discharge(claim)
    if vnt is None:
        return
    if (vao and vnt < vao) or (ra and vnt > ra):
        params = {"vao": x.text("NGAY_VAO"), "ra": x.text("NGAY_RA")}
        yield Hit(x, "NGAY_VAO_NOI_TRU", x.text("NGAY_VAO_NOI_TRU"), params)


@check(
    "DATE_TH_YL_BEFORE_YL", B, "XML2 XML3", "NGAY_TH_YL NGAY_YL",
    vi="Thời gian thực hiện {value} trước thời gian y lệnh {yl}.",
    en="Execution time {value} is before the order time {yl}.",
    hint="Kiểm tra giờ y lệnh và giờ thực hiện. / Re-check order and execution times.",
    ref=f"{APPX} bảng 2, 3 (NGAY_TH_YL ≥ NGAY_YL)",
)
def date_th_yl_before_yl(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in (*claim.drugs, *claim.services):
        th, yl = rec.moment("NGAY_TH_YL"), rec.moment("NGAY_YL")
        if th and yl and th < yl:
            yield Hit(rec, "NGAY_TH_YL", rec.text("NGAY_TH_YL"), {"yl": rec.text("NGAY_YL")})


@check(
    "DATE_KQ_BEFORE_YL", B, "XML3", "NGAY_KQ NGAY_YL NGAY_TH_YL",
    vi="Thời gian kết quả {value} trước thời gian {ref_name} {ref_value}.",
    en="Result time {value} is before the {ref_name} {ref_value}.",
    hint="Ngày kết quả phải sau y lệnh và sau thực hiện. / The result must follow the order and the execution.",
    ref=f"{APPX} bảng 3 (NGAY_KQ); bảng kiểm tra cổng BHXH (NGAY_KQ ≥ NGAY_YL)",
)
def date_kq_before_yl(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.services:
        kq = rec.moment("NGAY_KQ")
        if kq is None:
            continue
        yl, th = rec.moment("NGAY_YL"), rec.moment("NGAY_TH_YL")
        if yl and kq < yl:
            params = {"ref_name": "y lệnh / order", "ref_value": rec.text("NGAY_YL")}
            yield Hit(rec, "NGAY_KQ", rec.text("NGAY_KQ"), params)
        elif th and kq < th:
            params = {"ref_name": "thực hiện / execution", "ref_value": rec.text("NGAY_TH_YL")}
            yield Hit(rec, "NGAY_KQ", rec.text("NGAY_KQ"), params)


@check(
    "DATE_YL_OUTSIDE_STAY", B, "XML2 XML3", "NGAY_YL",
    vi="Thời gian y lệnh {value} nằm ngoài đợt điều trị ({vao} – {ra}).",
    en="Order time {value} is outside the episode ({vao} – {ra}).",
    hint="Y lệnh phải trong khoảng ngày vào – ngày ra. / Orders must fall between admission and discharge.",
    ref=f"{APPX} bảng 2, 3 (NGAY_YL); checks.md §2 (XML2/XML3_INVALID_ORDER_TIME)",
)
def date_yl_outside_stay(claim: Claim, ctx: Context) -> Iterator[Hit]:
    vao, ra = admission(claim), discharge(claim)
    if vao is None or ra is None:
        return
    p = {"vao": claim.xml1.text("NGAY_VAO"), "ra": claim.xml1.text("NGAY_RA")}
    for rec in (*claim.drugs, *claim.services):
        yl = rec.moment("NGAY_YL")
        if yl and (yl < vao or yl > ra):
            yield Hit(rec, "NGAY_YL", rec.text("NGAY_YL"), p)


@check(
    "DATE_KQ_OUTSIDE_STAY", B, "XML3", "NGAY_KQ",
    vi="Thời gian kết quả {value} nằm ngoài đợt điều trị ({vao} – {ra}).",
    en="Result time {value} is outside the episode ({vao} – {ra}).",
    hint="Kết quả trả sau ra viện quá 7 ngày thì bổ sung trên cổng (≤ 60 ngày), không ghi vào hồ sơ. / "
    "Results arriving later are completed on the portal.",
    ref=f"{APPX} bảng 3 (NGAY_KQ); checks.md §2 (XML3_INVALID_NGAY_KQ)",
)
def date_kq_outside_stay(claim: Claim, ctx: Context) -> Iterator[Hit]:
    vao, ra = admission(claim), discharge(claim)
    if vao is None or ra is None:
        return
    p = {"vao": claim.xml1.text("NGAY_VAO"), "ra": claim.xml1.text("NGAY_RA")}
    for rec in claim.services:
        kq = rec.moment("NGAY_KQ")
        if kq is None:
            continue
        # A sample sent to another facility (".K.") may legitimately report after discharge.
        late_ok = kq > ra and ".K." in rec.text("MA_DICH_VU").upper()
        if (kq < vao or kq > ra) and not late_ok:
            yield Hit(rec, "NGAY_KQ", rec.text("NGAY_KQ"), p)


@check(
    "DATE_XML4_KQ_OUTSIDE_STAY", W, "XML4", "NGAY_KQ",
    vi="Thời gian kết quả chỉ số {value} nằm ngoài đợt điều trị ({vao} – {ra}).",
    en="Result-index time {value} is outside the episode ({vao} – {ra}).",
    hint="Kiểm tra ngày kết quả; kết quả muộn bổ sung trên cổng trong 60 ngày. / Check the result time.",
    ref=f"{APPX} bảng 4 (NGAY_KQ)",
)
def date_xml4_kq(claim: Claim, ctx: Context) -> Iterator[Hit]:
    vao, ra = admission(claim), discharge(claim)
    if vao is None or ra is None:
        return
    p = {"vao": claim.xml1.text("NGAY_VAO"), "ra": claim.xml1.text("NGAY_RA")}
    for rec in claim.table("XML4"):
        kq = rec.moment("NGAY_KQ")
        if kq and (kq < vao or kq > ra):
            yield Hit(rec, "NGAY_KQ", rec.text("NGAY_KQ"), p)


@check(
    "DATE_XML5_OUTSIDE_STAY", W, "XML5", "THOI_DIEM_DBLS",
    vi="Thời điểm diễn biến {value} nằm ngoài đợt điều trị ({vao} – {ra}).",
    en="Progress-note time {value} is outside the episode ({vao} – {ra}).",
    hint="Kiểm tra thời điểm ghi diễn biến lâm sàng. / Check the progress-note time.",
    ref=f"{APPX} bảng 5 (THOI_DIEM_DBLS); checks.md §2 (XML5_INVALID_THOI_DIEM_BDLS)",
)
def date_xml5(claim: Claim, ctx: Context) -> Iterator[Hit]:
    vao, ra = admission(claim), discharge(claim)
    if vao is None or ra is None:
        return
    p = {"vao": claim.xml1.text("NGAY_VAO"), "ra": claim.xml1.text("NGAY_RA")}
    for rec in claim.table("XML5"):
        t = rec.moment("THOI_DIEM_DBLS")
        if t and (t < vao or t > ra):
            yield Hit(rec, "THOI_DIEM_DBLS", rec.text("THOI_DIEM_DBLS"), p)


@check(
    "DATE_HEN_KL_NOT_AFTER_RA", B, "XML14", "NGAY_HEN_KL",
    vi="Ngày hẹn khám lại {value} không sau ngày ra {ra}.",
    en="Follow-up date {value} is not after discharge {ra}.",
    hint="Ngày hẹn phải sau ngày ra viện/kết thúc khám. / The appointment must be after discharge.",
    ref=f"{APPX} bảng 14 (NGAY_HEN_KL); checks.md §2 (XML14_INFO_ERROR_NGAY_HEN_KL_SMALLER_NGAY_RA)",
)
def date_hen_kl(claim: Claim, ctx: Context) -> Iterator[Hit]:
    ra = claim.xml1.day("NGAY_RA")
    if ra is None:
        return
    for rec in claim.table("XML14"):
        hen = rec.day("NGAY_HEN_KL")
        if hen and hen <= ra:
            yield Hit(rec, "NGAY_HEN_KL", rec.text("NGAY_HEN_KL"), {"ra": claim.xml1.text("NGAY_RA")})


@check(
    "DATE_XML14_CT_BEFORE_VAO", B, "XML14", "NGAY_CT",
    vi="Ngày chứng từ giấy hẹn {value} trước ngày vào {vao}.",
    en="Appointment-slip date {value} is before admission {vao}.",
    hint="Ngày chứng từ là ngày cấp giấy hẹn, sau ngày vào. / The issue date follows admission.",
    ref="Cổng tiếp nhận BHXH, bảng kiểm tra QĐ 4750 (bảng 14: NGAY_CT ≥ NGAY_VAO)",
)
def date_xml14_ct(claim: Claim, ctx: Context) -> Iterator[Hit]:
    vao = claim.xml1.day("NGAY_VAO")
    if vao is None:
        return
    for rec in claim.table("XML14"):
        ct = rec.day("NGAY_CT")
        if ct and ct < vao:
            yield Hit(rec, "NGAY_CT", rec.text("NGAY_CT"), {"vao": claim.xml1.text("NGAY_VAO")})


@check(
    "DATE_XML7_CT_NOT_RA", W, "XML7", "NGAY_CT",
    vi="Ngày chứng từ giấy ra viện {value} khác ngày ra {ra}.",
    en="Discharge-paper date {value} differs from the discharge date {ra}.",
    hint="Ngày chứng từ giấy ra viện phải bằng ngày ra viện. / Must equal the discharge date.",
    ref=f"{APPX} bảng 7 (NGAY_CT bằng ngày ra viện)",
)
def date_xml7_ct(claim: Claim, ctx: Context) -> Iterator[Hit]:
    ra = claim.xml1.day("NGAY_RA")
    if ra is None:
        return
    for rec in claim.table("XML7"):
        ct = rec.day("NGAY_CT")
        if ct and ct != ra:
            yield Hit(rec, "NGAY_CT", rec.text("NGAY_CT"), {"ra": claim.xml1.text("NGAY_RA")})


@check(
    "DATE_TTOAN_BEFORE_RA", W, "XML1", "NGAY_TTOAN",
    vi="Ngày thanh toán {value} trước ngày ra {ra}.",
    en="Settlement time {value} is before discharge {ra}.",
    hint="Người bệnh thanh toán khi kết thúc đợt điều trị. / Payment is made at the end of the episode.",
    ref=f"{APPX} bảng 1 (NGAY_TTOAN); checks.md §2",
)
def date_ttoan(claim: Claim, ctx: Context) -> Iterator[Hit]:
    tt, ra = claim.xml1.moment("NGAY_TTOAN"), discharge(claim)
    if tt and ra and tt < ra:
        yield Hit(claim.xml1, "NGAY_TTOAN", claim.xml1.text("NGAY_TTOAN"), {"ra": claim.xml1.text("NGAY_RA")})


_ZERO_DAY_TYPES = frozenset({"01", "07", "09"})
_COUNTED_TYPES = frozenset({"02", "03", "04", "06"})


@check(
    "SO_NGAY_DTRI_MISMATCH", B, "XML1", "SO_NGAY_DTRI",
    vi="Số ngày điều trị {value} khác {expected} (loại KCB {type}).",
    en="Treatment days {value} should be {expected} for care type {type}.",
    hint="Loại 01, 07, 09: ghi 0; loại 02, 03, 04, 06: ngày ra − ngày vào + 1. / "
    "Types 01, 07, 09: 0; types 02, 03, 04, 06: discharge date − admission date + 1.",
    ref=f"{APPX} bảng 1 (SO_NGAY_DTRI)",
)
def so_ngay_dtri(claim: Claim, ctx: Context) -> Iterator[Hit]:
    t = care_type(claim)
    x = claim.xml1
    days = x.decimal("SO_NGAY_DTRI")
    if days is None:
        return
    if t in _ZERO_DAY_TYPES:
        expected = 0
    elif t in _COUNTED_TYPES:
        vao, ra = x.day("NGAY_VAO"), x.day("NGAY_RA")
        if vao is None or ra is None or ra < vao:
            return
        expected = (ra - vao).days + 1
    else:
        return
    if days != expected:
        yield Hit(x, "SO_NGAY_DTRI", x.text("SO_NGAY_DTRI"), {"expected": str(expected), "type": t})


@check(
    "CONSULT_LONGER_THAN_DAY", W, "XML1", "NGAY_VAO NGAY_RA MA_LOAI_KCB",
    vi="Khám bệnh (loại 01) kéo dài hơn 24 giờ ({vao} – {value}).",
    en="Consultation-only visit (type 01) lasts more than 24 hours ({vao} – {value}).",
    hint="Kiểm tra loại KCB (điều trị ngoại trú/nội trú?) hoặc giờ ra. / Check the care type or discharge time.",
    ref="QĐ 824/QĐ-BYT phụ lục 1 (MA_LOAI_KCB 01); checks.md §2 (XML1_LONG_TERM_TREATMENT)",
)
def consult_long(claim: Claim, ctx: Context) -> Iterator[Hit]:
    if care_type(claim) != "01":
        return
    vao, ra = admission(claim), discharge(claim)
    if vao and ra and ra - vao > timedelta(hours=24):
        yield Hit(claim.xml1, "NGAY_RA", claim.xml1.text("NGAY_RA"), {"vao": claim.xml1.text("NGAY_VAO")})
