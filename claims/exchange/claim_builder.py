"""A priced canonical encounter → the claim tables (XML1 summary, XML2 drugs, XML3 services and supplies).

Amounts come from the pricing engine, never recomputed here; descriptive fields come from the encounter.
Clinical tables the encounter carries through (results, notes, discharge paper …) are not rebuilt here:
they stay with the encounter as received.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import rules
from claims.encounter.schemas import VIETNAM_TZ, Encounter, EncounterLine
from claims.exchange.model import Hoso
from claims.exchange.tables import ChiTietDvkt, ChiTietThuoc, TongHop
from claims.pricing.adapter import PricedEncounter

_SUPPLY_GROUPS = frozenset({10, 11})
_ZERO = Decimal(0)


def _stamp(moment: datetime | None) -> str:
    """yyyyMMddHHmm in Vietnam local time."""
    return moment.astimezone(VIETNAM_TZ).strftime("%Y%m%d%H%M") if moment is not None else ""


def _day(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value is not None else ""


def _percent(value: Decimal | None) -> int | None:
    return int(value) if value is not None else None


def treatment_days(encounter: Encounter) -> int:
    """SO_NGAY_DTRI as QĐ 130/QĐ-BYT XML1 (rewritten by QĐ 4750/QĐ-BYT) defines it by MA_LOAI_KCB.

    0 for a consultation, a drug pick-up or an inpatient stay shorter than 4 hours (01, 07, 09);
    NGAY_RA − NGAY_VAO + 1 (calendar days) for outpatient courses and inpatient care (02, 03, 04, 06);
    the days with dispensed drugs (05) or with services (08), counted as distinct order days of the lines.
    """
    kind = encounter.visit_type
    if kind in ("01", "07", "09"):
        return 0
    if kind in ("05", "08"):
        wanted = (
            (lambda line: line.group.is_drug_table) if kind == "05" else (lambda line: not line.group.is_drug_table)
        )
        return len({line.ordered_at.astimezone(VIETNAM_TZ).date() for line in encounter.lines if wanted(line)})
    start = encounter.admitted_at.astimezone(VIETNAM_TZ).date()
    end = encounter.discharged_at.astimezone(VIETNAM_TZ).date()
    return (end - start).days + 1


def _xml1(encounter: Encounter, priced: rules.PricedClaim) -> TongHop:
    totals = priced.totals
    patient = encounter.patient
    settled = (encounter.settled_at or encounter.discharged_at).astimezone(VIETNAM_TZ)
    birth = patient.birth_date.strftime("%Y%m%d") + (patient.birth_time or "0000")
    category = encounter.patient_category or priced.parameters.ma_doituong_kcb or ""
    return TongHop(
        ma_lk=encounter.claim_key,
        stt=1,
        ma_bn=patient.patient_id,
        ho_ten=patient.full_name,
        so_cccd=patient.national_id or "",
        ngay_sinh=birth,
        gioi_tinh=patient.sex,
        nhom_mau=patient.blood_group or "",
        ma_quoctich=patient.nationality,
        ma_dantoc=patient.ethnicity,
        ma_nghe_nghiep=patient.occupation,
        dia_chi=patient.address,
        matinh_cu_tru=patient.province_code,
        mahuyen_cu_tru=patient.district_code,
        maxa_cu_tru=patient.commune_code,
        dien_thoai=patient.phone or "",
        ma_the_bhyt=";".join(card.code for card in encounter.cards),
        ma_dkbd=";".join(card.registered_facility for card in encounter.cards),
        gt_the_tu=";".join(_day(card.valid_from) for card in encounter.cards),
        gt_the_den=";".join(_day(card.valid_to) for card in encounter.cards),
        ngay_mien_cct=_day(encounter.co_payment_exempt_from),
        ly_do_vv=encounter.reason_for_visit,
        ly_do_vnt=encounter.inpatient_reason or "",
        ma_ly_do_vnt=encounter.inpatient_reason_code or "",
        chan_doan_vao=encounter.admission_diagnosis,
        chan_doan_rv=encounter.discharge_diagnosis,
        ma_benh_chinh=encounter.main_icd,
        ma_benh_kt=";".join(encounter.secondary_icds),
        ma_doituong_kcb=category,
        ma_noi_di=encounter.referred_from or "",
        ma_noi_den=encounter.referred_to or "",
        ma_tai_nan=encounter.accident_code,
        ngay_vao=_stamp(encounter.admitted_at),
        ngay_vao_noi_tru=_stamp(encounter.inpatient_at),
        ngay_ra=_stamp(encounter.discharged_at),
        giay_chuyen_tuyen=encounter.referral_paper or "",
        so_ngay_dtri=treatment_days(encounter),
        pp_dieu_tri=encounter.treatment_method or "",
        ket_qua_dtri=encounter.outcome,
        ma_loai_rv=encounter.discharge_type,
        ghi_chu=encounter.notes or "",
        ngay_ttoan=_stamp(encounter.settled_at),
        t_thuoc=totals.t_thuoc,
        t_vtyt=totals.t_vtyt,
        t_tongchi_bv=totals.t_tongchi_bv,
        t_tongchi_bh=totals.t_tongchi_bh,
        t_bntt=totals.t_bntt,
        t_bncct=totals.t_bncct,
        t_bhtt=totals.t_bhtt,
        t_nguonkhac=totals.t_nguonkhac,
        t_bhtt_gdv=totals.t_bhtt_gdv,
        nam_qt=settled.year,
        thang_qt=settled.month,
        ma_loai_kcb=encounter.visit_type,
        ma_khoa=encounter.department_code,
        ma_cskcb=encounter.facility_code,
        ma_khuvuc=encounter.cards[-1].area_code or "",
        can_nang=encounter.weight_kg,
        nam_nam_lien_tuc=_day(encounter.continuous_years_since),
        ngay_tai_kham=encounter.follow_up or "",
        ma_hsba=encounter.record_number,
        ma_ttdv=encounter.attending_code or "",
    )


def _drug(encounter: Encounter, line: EncounterLine, result: rules.PricedLine) -> ChiTietThuoc:
    return ChiTietThuoc(
        ma_lk=encounter.claim_key,
        stt=line.stt,
        ma_thuoc=line.code,
        ma_nhom=line.cost_group,
        ten_thuoc=line.name,
        don_vi_tinh=line.unit,
        ham_luong=line.strength or "",
        duong_dung=line.administration_route or "",
        dang_bao_che=line.dosage_form or "",
        lieu_dung=line.dosage or "",
        so_dang_ky=line.registration_no or "",
        tt_thau=line.tender_info or "",
        pham_vi=line.pham_vi,
        tyle_tt_bh=_percent(result.tyle_tt_bh),
        so_luong=line.quantity,
        don_gia=line.unit_price_bv,
        thanh_tien_bv=result.thanh_tien_bv,
        thanh_tien_bh=result.thanh_tien_bh,
        t_nguonkhac_nsnn=_ZERO,
        t_nguonkhac_vtnn=_ZERO,
        t_nguonkhac_vttn=_ZERO,
        t_nguonkhac_cl=result.t_nguonkhac,
        t_nguonkhac=result.t_nguonkhac,
        muc_huong=result.muc_huong,
        t_bntt=result.t_bntt,
        t_bncct=result.t_bncct,
        t_bhtt=result.t_bhtt,
        ma_khoa=line.department_code,
        ma_bac_si=line.practitioner_code or "",
        ma_dich_vu=line.related_service_code or "",
        ngay_yl=_stamp(line.ordered_at),
        ngay_th_yl=_stamp(line.performed_at),
        ma_pttt=line.payment_method,
        nguon_ctra=line.funding_source,
    )


def _service(encounter: Encounter, line: EncounterLine, result: rules.PricedLine) -> ChiTietDvkt:
    supply = line.cost_group in _SUPPLY_GROUPS
    return ChiTietDvkt(
        ma_lk=encounter.claim_key,
        stt=line.stt,
        ma_dich_vu=(line.related_service_code or "") if supply else line.code,
        ma_vat_tu=line.code if supply else "",
        ma_nhom=line.cost_group,
        goi_vtyt=line.supply_package or "",
        ten_vat_tu=line.name if supply else "",
        ten_dich_vu="" if supply else line.name,
        don_vi_tinh=line.unit,
        pham_vi=line.pham_vi,
        so_luong=line.quantity,
        don_gia_bv=line.unit_price_bv,
        don_gia_bh=result.don_gia_bh,
        tt_thau=line.tender_info or "",
        tyle_tt_dv=_percent(result.tyle_tt_dv),
        tyle_tt_bh=_percent(result.tyle_tt_bh),
        thanh_tien_bv=result.thanh_tien_bv,
        thanh_tien_bh=result.thanh_tien_bh,
        t_trantt=line.payment_ceiling,
        muc_huong=result.muc_huong,
        t_nguonkhac_nsnn=_ZERO,
        t_nguonkhac_vtnn=_ZERO,
        t_nguonkhac_vttn=_ZERO,
        t_nguonkhac_cl=result.t_nguonkhac,
        t_nguonkhac=result.t_nguonkhac,
        t_bntt=result.t_bntt,
        t_bncct=result.t_bncct,
        t_bhtt=result.t_bhtt,
        ma_khoa=line.department_code,
        ma_giuong=line.bed_code or "",
        ma_bac_si=line.practitioner_code or "",
        nguoi_thuc_hien=line.performer_codes or "",
        ma_benh=line.diagnosis_code or encounter.main_icd,
        ngay_yl=_stamp(line.ordered_at),
        ngay_th_yl=_stamp(line.performed_at),
        ngay_kq=_stamp(line.result_at),
        ma_pttt=line.payment_method,
        pp_vo_cam=line.anaesthesia_method,
        ma_may=line.machine_code or "",
    )


def build_hoso(priced_encounter: PricedEncounter) -> Hoso:
    """The claim tables of a priced encounter. Lines the engine rejected are left out of the claim."""
    encounter, priced = priced_encounter.encounter, priced_encounter.priced
    drugs: list[ChiTietThuoc] = []
    services: list[ChiTietDvkt] = []
    for index, line in enumerate(encounter.lines):
        result = priced_encounter.line_result(index)
        if result is None:
            continue
        if line.group.is_drug_table:
            drugs.append(_drug(encounter, line, result))
        else:
            services.append(_service(encounter, line, result))
    return Hoso(xml1=_xml1(encounter, priced), xml2=tuple(drugs), xml3=tuple(services))
