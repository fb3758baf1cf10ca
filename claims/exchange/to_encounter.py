"""Claim tables read from a hospital's XML 130 file → the canonical encounter.

The hospital's own export is taken as the encounter's source: its lines, prices and codes become the
canonical lines so that the claim can be checked, re-priced and sent. What the canonical model has no
field for is kept (XML1 ``extras``; the clinical tables XML4–XML15 as field → text records), so nothing
the hospital wrote is lost. A record that cannot become an encounter raises :class:`EncounterMappingError`
naming the table, record and field.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from claims.encounter.schemas import Card, Encounter, EncounterLine, LineGroup, Patient, Route
from claims.exchange.model import Hoso, as_date, as_datetime, split_list
from claims.exchange.tables import ChiTietDvkt, ChiTietThuoc, TongHop

#: MA_NHOM (QĐ 5937 appendix 3) → what the line is.
_GROUP_OF_COST_GROUP: dict[int, LineGroup] = {
    1: LineGroup.SERVICE, 2: LineGroup.SERVICE, 3: LineGroup.SERVICE, 8: LineGroup.SERVICE,
    9: LineGroup.SERVICE, 18: LineGroup.SERVICE, 13: LineGroup.EXAM, 14: LineGroup.BED,
    15: LineGroup.BED, 16: LineGroup.BED, 10: LineGroup.SUPPLY, 11: LineGroup.SUPPLY,
    12: LineGroup.TRANSPORT, 4: LineGroup.DRUG, 5: LineGroup.DRUG, 6: LineGroup.DRUG,
    7: LineGroup.BLOOD, 17: LineGroup.BLOOD, 19: LineGroup.OTHER,
}  # fmt: skip
_MAPPED_XML1 = frozenset(
    """ma_lk stt ma_bn ho_ten so_cccd ngay_sinh gioi_tinh nhom_mau ma_quoctich ma_dantoc ma_nghe_nghiep
    dia_chi matinh_cu_tru mahuyen_cu_tru maxa_cu_tru dien_thoai ma_the_bhyt ma_dkbd gt_the_tu gt_the_den
    ngay_mien_cct ly_do_vv ly_do_vnt ma_ly_do_vnt chan_doan_vao chan_doan_rv ma_benh_chinh ma_benh_kt
    ma_doituong_kcb ma_noi_di ma_noi_den
    ma_tai_nan ngay_vao ngay_vao_noi_tru ngay_ra giay_chuyen_tuyen pp_dieu_tri ket_qua_dtri ma_loai_rv ghi_chu
    ngay_ttoan ma_loai_kcb ma_khoa ma_cskcb ma_khuvuc can_nang nam_nam_lien_tuc ngay_tai_kham ma_hsba
    ma_ttdv extras unparsed""".split()
)
_EMERGENCY_CATEGORIES = frozenset({"2", "02"})


class EncounterMappingError(ValueError):
    """A claim record that cannot become a canonical encounter; says where."""

    def __init__(self, table: str, stt: object, field: str, reason: str) -> None:
        self.table, self.stt, self.field, self.reason = table, stt, field, reason
        where = f"{table}" + (f" STT {stt}" if stt not in (None, "") else "") + (f" {field}" if field else "")
        super().__init__(f"{where}: {reason}")


def _required_datetime(value: str, table: str, stt: object, field: str) -> datetime:
    moment = as_datetime(value)
    if moment is None:
        raise EncounterMappingError(table, stt, field, f"not a date-time yyyyMMddHHmm: {value!r}")
    return moment


def _route(category: str, x1: TongHop) -> Route:
    """The route fact behind MA_DOITUONG_KCB (QĐ 3276/QĐ-BYT; older codes of QĐ 824/2023 accepted)."""
    if category in _EMERGENCY_CATEGORIES:
        return Route.EMERGENCY
    if category == "1.3" or (x1.ma_noi_di and not category):
        return Route.REFERRAL
    if category == "1.5":
        return Route.APPOINTMENT
    if category.startswith("3") or category in {"1.11", "1.12", "1.13", "1.14", "1.15", "1.16", "1.17", "1.18"}:
        return Route.SELF_REFERRAL
    return Route.REGISTERED_FACILITY


def _cards(x1: TongHop) -> tuple[Card, ...]:
    codes = split_list(x1.ma_the_bhyt)
    registered = split_list(x1.ma_dkbd)
    starts = split_list(x1.gt_the_tu)
    ends = split_list(x1.gt_the_den)
    cards = []
    for i, code in enumerate(codes):
        start = as_date(starts[i]) if i < len(starts) else None
        if start is None:
            raise EncounterMappingError("XML1", x1.stt, "GT_THE_TU", f"card {i + 1} has no valid start date")
        end = as_date(ends[i]) if i < len(ends) else None
        cards.append(
            Card(
                code=code,
                registered_facility=registered[i] if i < len(registered) else (registered[-1] if registered else ""),
                valid_from=start,
                valid_to=end,
                area_code=x1.ma_khuvuc or None,
            )
        )
    if not cards:
        raise EncounterMappingError("XML1", x1.stt, "MA_THE_BHYT", "no card number")
    return tuple(sorted(cards, key=lambda card: card.valid_from))


def _patient(x1: TongHop) -> Patient:
    birth = as_date(x1.ngay_sinh)
    if birth is None:
        raise EncounterMappingError("XML1", x1.stt, "NGAY_SINH", f"not a date: {x1.ngay_sinh!r}")
    birth_time = x1.ngay_sinh[8:12] if len(x1.ngay_sinh) == 12 and x1.ngay_sinh[8:12] != "0000" else None
    return Patient(
        patient_id=x1.ma_bn,
        full_name=x1.ho_ten,
        birth_date=birth,
        birth_time=birth_time,
        sex=x1.gioi_tinh or 3,
        national_id=x1.so_cccd or None,
        nationality=x1.ma_quoctich or "000",
        ethnicity=x1.ma_dantoc or "01",
        occupation=x1.ma_nghe_nghiep or "00000",
        blood_group=x1.nhom_mau or None,
        address=x1.dia_chi,
        province_code=x1.matinh_cu_tru,
        district_code=x1.mahuyen_cu_tru,
        commune_code=x1.maxa_cu_tru,
        phone=x1.dien_thoai or None,
    )


def _line_common(row: ChiTietThuoc | ChiTietDvkt, table: str) -> dict[str, Any]:
    if row.ma_nhom not in _GROUP_OF_COST_GROUP:
        raise EncounterMappingError(table, row.stt, "MA_NHOM", f"unknown cost group {row.ma_nhom!r}")
    return {
        "stt": row.stt,
        "group": _GROUP_OF_COST_GROUP[row.ma_nhom],
        "cost_group": row.ma_nhom,
        "unit": row.don_vi_tinh,
        "quantity": row.so_luong if row.so_luong is not None else Decimal(0),
        "pham_vi": row.pham_vi or 1,
        "listed_payment_ratio": int(row.tyle_tt_bh) if row.tyle_tt_bh is not None else 100,
        "department_code": row.ma_khoa,
        "practitioner_code": row.ma_bac_si or None,
        "ordered_at": _required_datetime(row.ngay_yl, table, row.stt, "NGAY_YL"),
        "performed_at": as_datetime(row.ngay_th_yl),
        "payment_method": row.ma_pttt or 1,
        "tender_info": row.tt_thau or None,
        "other_funding": row.t_nguonkhac or Decimal(0),
    }


def _drug_line(row: ChiTietThuoc) -> EncounterLine:
    return EncounterLine(
        **_line_common(row, "XML2"),
        code=row.ma_thuoc,
        name=row.ten_thuoc,
        unit_price_bv=row.don_gia if row.don_gia is not None else Decimal(0),
        unit_price_bh=row.don_gia,
        registration_no=row.so_dang_ky or None,
        strength=row.ham_luong or None,
        administration_route=row.duong_dung or None,
        dosage=row.lieu_dung or None,
        dosage_form=row.dang_bao_che or None,
        funding_source=row.nguon_ctra or 1,
        related_service_code=row.ma_dich_vu or None,
    )


def _service_line(row: ChiTietDvkt) -> EncounterLine:
    supply = row.ma_nhom in (10, 11)
    return EncounterLine(
        **_line_common(row, "XML3"),
        code=(row.ma_vat_tu if supply else row.ma_dich_vu) or row.ma_dich_vu or row.ma_vat_tu,
        name=(row.ten_vat_tu if supply else row.ten_dich_vu) or row.ten_dich_vu or row.ten_vat_tu,
        unit_price_bv=row.don_gia_bv if row.don_gia_bv is not None else Decimal(0),
        unit_price_bh=row.don_gia_bh,
        service_ratio=int(row.tyle_tt_dv) if row.tyle_tt_dv is not None else 100,
        bed_code=row.ma_giuong or None,
        performer_codes=row.nguoi_thuc_hien or None,
        diagnosis_code=row.ma_benh or None,
        result_at=as_datetime(row.ngay_kq),
        related_service_code=row.ma_dich_vu if supply and row.ma_dich_vu else None,
        supply_package=row.goi_vtyt or None,
        payment_ceiling=row.t_trantt or None,
        machine_code=row.ma_may or None,
        anaesthesia_method=row.pp_vo_cam,
    )


def _lines(hoso: Hoso) -> tuple[EncounterLine, ...]:
    lines: list[EncounterLine] = []
    rows: list[tuple[str, ChiTietThuoc | ChiTietDvkt]] = [("XML2", row) for row in hoso.xml2]
    rows += [("XML3", row) for row in hoso.xml3]
    for table, row in rows:
        try:
            lines.append(_drug_line(row) if isinstance(row, ChiTietThuoc) else _service_line(row))
        except ValidationError as exc:
            first = exc.errors()[0]
            raise EncounterMappingError(table, row.stt, ".".join(map(str, first["loc"])), first["msg"]) from exc
    return tuple(lines)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):  # extras / unparsed: (name, value) pairs
        return ";".join(f"{getattr(item, 'name', '')}={getattr(item, 'text', '')}" for item in value)
    return str(value)


def _filled(record: Any) -> list[tuple[str, Any]]:
    return [(f.name, getattr(record, f.name)) for f in fields(record) if getattr(record, f.name) not in ("", None, ())]


def _clinical_tables(hoso: Hoso) -> dict[str, tuple[dict[str, str], ...]]:
    out: dict[str, tuple[dict[str, str], ...]] = {}
    for table, records in hoso.tables().items():
        if table in ("XML1", "XML2", "XML3"):
            continue
        out[table] = tuple(
            {
                f.name: _text(getattr(record, f.name))
                for f in fields(record)
                if getattr(record, f.name) not in ("", None, ())
            }
            for record in records
        )
    return out


def hoso_to_encounter(hoso: Hoso) -> Encounter:
    """The canonical encounter of one claim read from a file (see the module docstring)."""
    x1 = hoso.xml1
    if x1 is None:
        raise EncounterMappingError("XML1", None, "", "the claim has no summary table (XML1)")
    try:
        extras = {
            f.name: _text(getattr(x1, f.name))
            for f in fields(x1)
            if f.name not in _MAPPED_XML1 and getattr(x1, f.name) not in ("", None)
        }
        for extra in (*x1.extras, *x1.unparsed):
            extras[str(getattr(extra, "name", ""))] = str(getattr(extra, "text", ""))
        category = x1.ma_doituong_kcb
        settled = as_datetime(x1.ngay_ttoan)
        return Encounter(
            claim_key=x1.ma_lk,
            facility_code=x1.ma_cskcb,
            patient=_patient(x1),
            cards=_cards(x1),
            visit_type=x1.ma_loai_kcb,
            route=_route(category, x1),
            emergency=category in _EMERGENCY_CATEGORIES,
            patient_category=category or None,
            admitted_at=_required_datetime(x1.ngay_vao, "XML1", x1.stt, "NGAY_VAO"),
            inpatient_at=as_datetime(x1.ngay_vao_noi_tru),
            discharged_at=_required_datetime(x1.ngay_ra, "XML1", x1.stt, "NGAY_RA"),
            settled_at=settled,
            department_code=x1.ma_khoa,
            reason_for_visit=x1.ly_do_vv,
            inpatient_reason=x1.ly_do_vnt or None,
            inpatient_reason_code=x1.ma_ly_do_vnt or None,
            admission_diagnosis=x1.chan_doan_vao,
            discharge_diagnosis=x1.chan_doan_rv,
            main_icd=x1.ma_benh_chinh,
            secondary_icds=tuple(split_list(x1.ma_benh_kt)),
            referred_from=x1.ma_noi_di or None,
            referred_to=x1.ma_noi_den or None,
            referral_paper=x1.giay_chuyen_tuyen or None,
            outcome=x1.ket_qua_dtri or 1,
            discharge_type=x1.ma_loai_rv or 1,
            accident_code=x1.ma_tai_nan,
            co_payment_exempt_from=as_date(x1.ngay_mien_cct),
            continuous_years_since=as_date(x1.nam_nam_lien_tuc),
            weight_kg=x1.can_nang,
            record_number=x1.ma_hsba,
            attending_code=x1.ma_ttdv or None,
            treatment_method=x1.pp_dieu_tri or None,
            follow_up=x1.ngay_tai_kham or None,
            notes=x1.ghi_chu or None,
            lines=_lines(hoso),
            extras=extras,
            clinical_tables=_clinical_tables(hoso),
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        location = first["loc"]
        raise EncounterMappingError("XML1", x1.stt, ".".join(map(str, location)), first["msg"]) from exc


def as_of_admission(encounter: Encounter) -> date:
    """The anchor date of the encounter's rules (admission)."""
    return encounter.admitted_at.date()
