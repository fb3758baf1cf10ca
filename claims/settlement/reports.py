"""Reports of a period: the 79a/80a-style summaries (gateway.md §8.1, one row per claim, outpatient and
inpatient) with the reconciliation columns, the variance report by reason and department, and the
ageing of outstanding amounts. Each report is a :class:`Report` (keys, Vietnamese labels, rows); the same
figures go out as JSON (API), CSV and XLSX (``claims.settlement.export``). Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from claims.auth.scope import Principal
from claims.claim.models import Claim, ClaimLine
from claims.remittance import categories as cat
from claims.remittance.figures import claim_figures
from claims.remittance.matching import money, zero
from claims.remittance.models import Variance
from claims.submission.models import SubmissionLedger

ZERO = Decimal(0)
# 79a outpatient / 80a inpatient by MA_LOAI_KCB (8.2: 03 inpatient; 04, 09 day treatment count as inpatient).
INPATIENT = ("03", "04", "09")


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    keys: tuple[str, ...]
    labels: dict[str, str]
    rows: list[dict[str, Any]]
    money_keys: frozenset[str]


# gateway.md §8.1 columns, then ours.
COLUMNS_79A = (
    "STT", "MA_LK", "MA_BN", "HO_TEN", "NGAY_SINH", "GIOI_TINH", "DIA_CHI", "MA_THE", "MA_DKBD", "GT_THE_TU",
    "GT_THE_DEN", "MA_BENH", "MA_BENHKHAC", "MA_LYDO_VVIEN", "MA_NOI_CHUYEN", "NGAY_VAO", "NGAY_RA", "SO_NGAY_DTRI",
    "KET_QUA_DTRI", "TINH_TRANG_RV", "T_TONGCHI", "T_XN", "T_CDHA", "T_THUOC", "T_MAU", "T_PTTT", "T_VTYT",
    "T_DVKT_TYLE", "T_THUOC_TYLE", "T_VTYT_TYLE", "T_KHAM", "T_GIUONG", "T_VCHUYEN", "T_BNTT", "T_BHTT", "T_NGOAIDS",
    "MA_KHOA", "NAM_QT", "THANG_QT", "MA_KHUVUC", "MA_LOAIKCB", "MA_CSKCB", "T_NGUONKHAC",
    "DUOC_DUYET", "XUAT_TOAN", "DA_THANH_TOAN", "CON_PHAI_TRA", "CHUA_GIAM_DINH",
)  # fmt: skip
LABELS_79A = {
    "STT": "STT", "MA_LK": "Mã liên kết", "MA_BN": "Mã bệnh nhân", "HO_TEN": "Họ tên", "NGAY_SINH": "Ngày sinh",
    "GIOI_TINH": "Giới tính", "DIA_CHI": "Địa chỉ", "MA_THE": "Mã thẻ", "MA_DKBD": "Mã ĐKBĐ",
    "GT_THE_TU": "Giá trị thẻ từ", "GT_THE_DEN": "Giá trị thẻ đến", "MA_BENH": "Mã bệnh",
    "MA_BENHKHAC": "Mã bệnh khác", "MA_LYDO_VVIEN": "Lý do vào viện", "MA_NOI_CHUYEN": "Nơi chuyển",
    "NGAY_VAO": "Ngày vào", "NGAY_RA": "Ngày ra", "SO_NGAY_DTRI": "Số ngày điều trị",
    "KET_QUA_DTRI": "Kết quả điều trị",
    "TINH_TRANG_RV": "Tình trạng ra viện", "T_TONGCHI": "Tổng chi", "T_XN": "Xét nghiệm", "T_CDHA": "CĐHA",
    "T_THUOC": "Thuốc", "T_MAU": "Máu", "T_PTTT": "PTTT", "T_VTYT": "VTYT", "T_DVKT_TYLE": "DVKT tỷ lệ",
    "T_THUOC_TYLE": "Thuốc tỷ lệ", "T_VTYT_TYLE": "VTYT tỷ lệ", "T_KHAM": "Tiền khám", "T_GIUONG": "Tiền giường",
    "T_VCHUYEN": "Vận chuyển", "T_BNTT": "Người bệnh trả", "T_BHTT": "BHXH thanh toán", "T_NGOAIDS": "Ngoài danh sách",
    "MA_KHOA": "Mã khoa", "NAM_QT": "Năm quyết toán", "THANG_QT": "Tháng quyết toán", "MA_KHUVUC": "Mã khu vực",
    "MA_LOAIKCB": "Loại KCB", "MA_CSKCB": "Mã CSKCB", "T_NGUONKHAC": "Nguồn khác", "DUOC_DUYET": "Được duyệt",
    "XUAT_TOAN": "Xuất toán", "DA_THANH_TOAN": "Đã thanh toán", "CON_PHAI_TRA": "Còn phải trả",
    "CHUA_GIAM_DINH": "Chưa giám định",
}  # fmt: skip
MONEY_79A = frozenset(k for k in COLUMNS_79A if k.startswith("T_")) | frozenset(
    {"DUOC_DUYET", "XUAT_TOAN", "DA_THANH_TOAN", "CON_PHAI_TRA", "CHUA_GIAM_DINH"}
)
# Σ XML3 THANH_TIEN_BH by MA_NHOM (gateway.md §8.1).
GROUPS = {"T_XN": (1,), "T_CDHA": (2,), "T_MAU": (7,), "T_PTTT": (8, 18), "T_KHAM": (13,), "T_GIUONG": (14, 15, 16),
          "T_VCHUYEN": (12,)}  # fmt: skip


def _first(value: Any) -> str:
    return str(value or "").split(";")[0]


def _birth(value: Any) -> str:
    text = str(value or "")
    return text[:8] if len(text) >= 8 and text[4:8] != "0000" else text[:4]


def summary_79a(session: Session, actor: Principal, facility_id: int, period: str, inpatient: bool) -> Report:
    """79a (outpatient) or 80a (inpatient): one row per claim of the period, with what became of it."""
    actor.ensure_visible(facility_id, "facility")
    figures = claim_figures(facility_id, period).subquery("cf")
    group_sums = [
        money(func.coalesce(func.sum(case((ClaimLine.ma_nhom.in_(codes), ClaimLine.thanh_tien_bh), else_=zero())),
                            zero())).label(key)
        for key, codes in GROUPS.items()
    ]  # fmt: skip
    groups = (
        select(ClaimLine.claim_id, *group_sums)
        .where(ClaimLine.table_name == "XML3", ClaimLine.claim_id.in_(select(figures.c.claim_id)))
        .group_by(ClaimLine.claim_id)
        .subquery("groups")
    )
    kinds = (
        Claim.ma_loai_kcb.in_(INPATIENT)
        if inpatient
        else (Claim.ma_loai_kcb.not_in(INPATIENT) | Claim.ma_loai_kcb.is_(None))
    )
    query = (
        select(Claim, figures, *[groups.c[k] for k in GROUPS])
        .join(figures, figures.c.claim_id == Claim.id)
        .outerjoin(groups, groups.c.claim_id == Claim.id)
        .where(kinds)
        .order_by(Claim.ma_lk)
    )
    rows = []
    for n, record in enumerate(session.execute(query).mappings(), start=1):
        claim: Claim = record["Claim"]
        x1 = claim.xml1 or {}
        row: dict[str, Any] = {
            "STT": n, "MA_LK": claim.ma_lk, "MA_BN": claim.ma_bn or "", "HO_TEN": x1.get("ho_ten", ""),
            "NGAY_SINH": _birth(x1.get("ngay_sinh")), "GIOI_TINH": x1.get("gioi_tinh", ""),
            "DIA_CHI": x1.get("dia_chi", ""), "MA_THE": _first(claim.ma_the_bhyt), "MA_DKBD": _first(claim.ma_dkbd),
            "GT_THE_TU": _first(x1.get("gt_the_tu")), "GT_THE_DEN": _first(x1.get("gt_the_den")),
            "MA_BENH": claim.ma_benh_chinh or "", "MA_BENHKHAC": x1.get("ma_benh_kt", ""),
            "MA_LYDO_VVIEN": (claim.ma_doituong_kcb or "")[:1], "MA_NOI_CHUYEN": x1.get("ma_noi_di", ""),
            "NGAY_VAO": x1.get("ngay_vao", ""), "NGAY_RA": x1.get("ngay_ra", ""), "SO_NGAY_DTRI": claim.so_ngay_dtri,
            "KET_QUA_DTRI": x1.get("ket_qua_dtri", ""), "TINH_TRANG_RV": x1.get("ma_loai_rv", ""),
            "T_TONGCHI": claim.t_tongchi_bh, "T_THUOC": claim.t_thuoc, "T_VTYT": claim.t_vtyt,
            "T_DVKT_TYLE": "", "T_THUOC_TYLE": "", "T_VTYT_TYLE": "", "T_BNTT": claim.t_bntt + claim.t_bncct,
            "T_BHTT": claim.t_bhtt, "T_NGOAIDS": "", "MA_KHOA": claim.ma_khoa or "", "NAM_QT": claim.period[:4],
            "THANG_QT": claim.period[4:], "MA_KHUVUC": x1.get("ma_khuvuc", ""), "MA_LOAIKCB": claim.ma_loai_kcb or "",
            "MA_CSKCB": x1.get("ma_cskcb", ""), "T_NGUONKHAC": claim.t_nguonkhac,
            "DUOC_DUYET": record["approved"], "XUAT_TOAN": record["disallowed"], "DA_THANH_TOAN": record["paid"],
            "CON_PHAI_TRA": record["outstanding"], "CHUA_GIAM_DINH": record["not_assessed"],
        }  # fmt: skip
        for key in GROUPS:
            row[key] = record[key] if record[key] is not None else ZERO
        rows.append(row)
    name = "80a" if inpatient else "79a"
    title = f"Mẫu {name}: {'nội trú' if inpatient else 'ngoại trú'} kỳ {period[4:]}/{period[:4]}"
    return Report(name, title, COLUMNS_79A, LABELS_79A, rows, MONEY_79A)


VARIANCE_KEYS = ("category", "category_vi", "reason_code", "ma_khoa", "items", "amount")
VARIANCE_LABELS = {"category": "Loại chênh lệch", "category_vi": "Diễn giải", "reason_code": "Mã lý do",
                   "ma_khoa": "Khoa", "items": "Số mục", "amount": "Số tiền"}  # fmt: skip


def variance_report(session: Session, actor: Principal, facility_id: int, period: str) -> Report:
    """Variances of the period by category, reason code and department."""
    actor.ensure_visible(facility_id, "facility")
    dept = func.coalesce(Variance.ma_khoa, "")
    rows = session.execute(
        select(Variance.category, Variance.reason_code, dept, func.count(), money(func.sum(Variance.amount)))
        .where(Variance.facility_id == facility_id, Variance.period == period)
        .group_by(Variance.category, Variance.reason_code, dept)
        .order_by(Variance.category, Variance.reason_code, dept)
    ).all()
    out = [
        {"category": c, "category_vi": cat.LABELS_VI.get(c, c), "reason_code": r, "ma_khoa": d, "items": int(n),
         "amount": a}
        for c, r, d, n, a in rows
    ]  # fmt: skip
    return Report("variances", f"Chênh lệch kỳ {period[4:]}/{period[:4]}", VARIANCE_KEYS, VARIANCE_LABELS, out,
                  frozenset({"amount"}))  # fmt: skip


BUCKETS = ((30, "0-30"), (60, "31-60"), (90, "61-90"), (None, ">90"))
AGEING_KEYS = ("ma_lk", "sent_on", "age_days", "bucket", "approved_unpaid", "not_assessed", "outstanding")
AGEING_LABELS = {
    "ma_lk": "Mã liên kết", "sent_on": "Ngày gửi", "age_days": "Số ngày", "bucket": "Nhóm tuổi nợ",
    "approved_unpaid": "Đã duyệt chưa trả", "not_assessed": "Chưa giám định", "outstanding": "Còn phải thu",
}  # fmt: skip


def ageing_report(session: Session, actor: Principal, facility_id: int, period: str, as_of: date) -> Report:
    """Outstanding amounts (approved but unpaid, and not yet assessed) by age since the claim was sent."""
    actor.ensure_visible(facility_id, "facility")
    figures = claim_figures(facility_id, period).subquery("cf")
    sent = (
        select(SubmissionLedger.claim_id, func.max(SubmissionLedger.sent_at).label("sent_at"))
        .group_by(SubmissionLedger.claim_id)
        .subquery("sent")
    )
    query = (
        select(figures.c.ma_lk, figures.c.outstanding, figures.c.not_assessed, sent.c.sent_at, Claim.updated_at)
        .join(Claim, Claim.id == figures.c.claim_id)
        .outerjoin(sent, sent.c.claim_id == figures.c.claim_id)
        .where((figures.c.outstanding != zero()) | (figures.c.not_assessed != zero()))
        .order_by(figures.c.ma_lk)
    )
    rows = []
    for ma_lk, outstanding, not_assessed, sent_at, updated_at in session.execute(query).all():
        when: datetime = sent_at or updated_at
        age = (as_of - when.date()).days
        bucket = next(label for limit, label in BUCKETS if limit is None or age <= limit)
        rows.append({"ma_lk": ma_lk, "sent_on": when.date().isoformat(), "age_days": age, "bucket": bucket,
                     "approved_unpaid": outstanding, "not_assessed": not_assessed,
                     "outstanding": outstanding + not_assessed})  # fmt: skip
    return Report("ageing", f"Tuổi nợ kỳ {period[4:]}/{period[:4]} đến {as_of.isoformat()}", AGEING_KEYS,
                  AGEING_LABELS, rows, frozenset({"approved_unpaid", "not_assessed", "outstanding"}))  # fmt: skip
