"""Bed-days and examinations against the length of stay (Circular 39/2018 Art. 5–6 as amended by Circular
13/2019, carried into Circular 22/2023 and Circular 35/2016 as amended by Circular 39/2024; checks.md §6)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise

from rules.checks._common import BED_GROUPS, EXAM_GROUP, INPATIENT_TYPES, care_type, discharge, ward_admission
from rules.checks.base import Context, Hit, check
from rules.checks.findings import Severity
from rules.checks.model import Claim, Record

B, W = Severity.BLOCKING, Severity.WARNING
BED_REF = "TT 39/2018/TT-BYT Điều 6 (sửa đổi bởi TT 13/2019, TT 22/2023; TT 35/2016 Điều 4c sửa đổi bởi TT 39/2024)"
TOLERANCE = Decimal("0.01")  # quantities carry 0.5 / 0.33 splits


def _beds(claim: Claim) -> list[Record]:
    return [r for r in claim.services if r.group in BED_GROUPS]


def _bed_days(claim: Claim) -> Decimal:
    return sum((r.decimal("SO_LUONG") or Decimal(0) for r in _beds(claim)), Decimal(0))


@check(
    "BED_DAY_OUTPATIENT", B, "XML3", "MA_NHOM MA_DICH_VU",
    vi="Tính tiền giường cho lượt khám/điều trị ngoại trú (loại KCB {type}).",
    en="Bed-day billed for a consultation/outpatient visit (care type {type}).",
    hint="Bỏ dòng giường hoặc sửa loại KCB nếu người bệnh đã vào điều trị nội trú/ban ngày. / "
    "Remove the bed line or correct the care type.",
    ref=f"{BED_REF}; checks.md §6 (XML3_OUTPATIENT_BED_DAY_ERROR)",
)
def bed_day_outpatient(claim: Claim, ctx: Context) -> Iterator[Hit]:
    t = care_type(claim)
    if t not in ("01", "02", "07", "09"):
        return
    for r in _beds(claim):
        if (r.decimal("SO_LUONG") or 0) > 0:
            yield Hit(r, "MA_DICH_VU", r.text("MA_DICH_VU"), {"type": t})


def allowed_bed_days(claim: Claim) -> Decimal | None:
    """Bed-days the stay allows: ≤ 4 h: 0; < 24 h: 1; else discharge date − admission date, + 1 when the patient
    was severe and not improved and died, was taken home or transferred (KET_QUA_DTRI 3–6 with MA_LOAI_RV 2–4)."""
    vao, ra = ward_admission(claim), discharge(claim)
    if vao is None or ra is None or ra < vao:
        return None
    span = ra - vao
    if span <= timedelta(hours=4):
        return Decimal(0)
    if span < timedelta(hours=24):
        return Decimal(1)
    days = Decimal((ra.date() - vao.date()).days)
    x = claim.xml1
    if x.text("KET_QUA_DTRI") in ("3", "4", "5", "6") and x.text("MA_LOAI_RV") in ("2", "3", "4"):
        days += 1
    return days


@check(
    "BED_DAYS_EXCEED_STAY", B, "XML3", "SO_LUONG",
    vi="Tổng ngày giường {value} vượt số ngày được tính {allowed} (vào {vao}, ra {ra}).",
    en="Total bed-days {value} exceed the {allowed} the stay allows (in {vao}, out {ra}).",
    hint="Ngày giường = ngày ra − ngày vào (≤ 4 giờ: 0; < 24 giờ: 1; +1 khi nặng xin về/chuyển viện/tử vong). / "
    "Bed-days = discharge date − admission date (≤ 4 h: 0; < 24 h: 1).",
    ref=f"{BED_REF}; checks.md §6 (XMLComplete_INVALID_BED_DAYS, SHORT_INPATIENT_STAY, EXCESS_BED_DAYS)",
)
def bed_days_exceed(claim: Claim, ctx: Context) -> Iterator[Hit]:
    beds = _beds(claim)
    if not beds or care_type(claim) not in INPATIENT_TYPES:
        return
    allowed = allowed_bed_days(claim)
    if allowed is None:
        return
    total = _bed_days(claim)
    if total > allowed + TOLERANCE:
        x = claim.xml1
        vao = x.text("NGAY_VAO_NOI_TRU") or x.text("NGAY_VAO")
        yield Hit(beds[-1], "SO_LUONG", str(total), {"allowed": str(allowed), "vao": vao, "ra": x.text("NGAY_RA")})


@check(
    "BED_DAY_QTY_EXCEEDS_PERIOD", B, "XML3", "SO_LUONG NGAY_YL NGAY_KQ",
    vi="Dòng giường tính {value} ngày nhưng khoảng {yl} – {kq} chỉ có {days} ngày.",
    en="Bed line bills {value} days but its period {yl} – {kq} spans only {days} days.",
    hint="Số lượng ngày giường của một dòng không vượt số ngày từ y lệnh đến kết thúc giường. / "
    "A bed line cannot bill more days than its own period.",
    ref=f"{BED_REF}; checks.md §6 (XML3_BED_DAY_QUANTITY_ERROR)",
)
def bed_day_qty(claim: Claim, ctx: Context) -> Iterator[Hit]:
    ra = discharge(claim)
    for r in _beds(claim):
        qty = r.decimal("SO_LUONG")
        yl = r.moment("NGAY_YL")
        end = r.moment("NGAY_KQ") or ra
        if qty is None or yl is None or end is None or end < yl:
            continue
        # Calendar days touched by the line: a transfer day may carry a half day on either side.
        span = Decimal((end.date() - yl.date()).days + 1)
        if qty > span + TOLERANCE:
            kq = r.text("NGAY_KQ") or claim.xml1.text("NGAY_RA")
            yield Hit(r, "SO_LUONG", r.text("SO_LUONG"), {"yl": r.text("NGAY_YL"), "kq": kq, "days": str(span)})


@check(
    "BED_OVERLAP", W, "XML3", "MA_GIUONG NGAY_YL NGAY_KQ",
    vi="Hai dòng giường chồng thời gian ({value}).",
    en="Two bed lines overlap in time ({value}).",
    hint="Mỗi thời điểm người bệnh chỉ nằm một giường; sửa thời gian bắt đầu/kết thúc. / "
    "A patient occupies one bed at a time; fix start/end times.",
    ref=f"{BED_REF}; checks.md §6 (XML3_OVERLAPPING_BED_USAGE)",
)
def bed_overlap(claim: Claim, ctx: Context) -> Iterator[Hit]:
    spans = []
    for r in _beds(claim):
        s, e = r.moment("NGAY_YL"), r.moment("NGAY_KQ")
        # Half-day splits (quantity < 1) legitimately share a day between departments.
        if s and e and e > s and (r.decimal("SO_LUONG") or 0) >= 1:
            spans.append((s, e, r))
    spans.sort(key=lambda t: t[0])
    for (_s1, e1, r1), (s2, _e2, r2) in pairwise(spans):
        if s2 < e1 - timedelta(hours=4):
            yield Hit(r2, "NGAY_YL", r2.text("NGAY_YL"), {"value": f"STT {r1.stt} / STT {r2.stt}"})


def _exams(claim: Claim) -> list[Record]:
    return [r for r in claim.services if r.group == EXAM_GROUP]


@check(
    "EXAM_FEE_MULTIPLE_INPATIENT", B, "XML3", "MA_NHOM SO_LUONG",
    vi="Đợt điều trị nội trú có {count} lần công khám được thanh toán (chỉ 1).",
    en="Inpatient episode bills {count} examination fees (only one is payable).",
    hint="Chỉ giữ công khám tại khoa khám bệnh trước khi nhập viện. / Keep only the exam before admission.",
    ref="TT 39/2018/TT-BYT Điều 5 (TT 22/2023; TT 35/2016 sửa đổi bởi TT 39/2024); checks.md §6 "
    "(XMLComplete_ERROR_MULTIPLE_EXAMINATION_FEES_INPATIENT)",
)
def exam_multiple_inpatient(claim: Claim, ctx: Context) -> Iterator[Hit]:
    if care_type(claim) not in INPATIENT_TYPES:
        return
    paid = [r for r in _exams(claim) if (r.decimal("THANH_TIEN_BH") or 0) > 0]
    count = sum((r.decimal("SO_LUONG") or Decimal(0) for r in paid), Decimal(0))
    if count > 1:
        yield Hit(paid[-1], "MA_DICH_VU", paid[-1].text("MA_DICH_VU"), {"count": str(count.normalize())})


_EXAM_RATIOS = (Decimal(100), Decimal(30), Decimal(30), Decimal(30), Decimal(10))


@check(
    "EXAM_FEE_RATIO", W, "XML3", "TYLE_TT_DV",
    vi="Lần khám thứ {nth} ghi tỷ lệ {value}% (tối đa {expected}%).",
    en="Examination no. {nth} billed at {value}% (at most {expected}%).",
    hint="Trong một lượt khám: lần 1 100%, lần 2–4 30%, lần 5 10%, từ lần 6 0%. / 100, 30, 30, 30, 10, then 0.",
    ref="TT 39/2018/TT-BYT Điều 5 (TT 22/2023; TT 35/2016 sửa đổi bởi TT 39/2024); QĐ 4750 bảng 3 (TYLE_TT_DV)",
)
def exam_fee_ratio(claim: Claim, ctx: Context) -> Iterator[Hit]:
    exams = sorted(_exams(claim), key=lambda r: (r.text("NGAY_YL"), r.stt))
    nth = 0
    for r in exams:
        qty = r.decimal("SO_LUONG") or Decimal(0)
        if qty <= 0:
            continue
        nth += 1
        ratio = r.decimal("TYLE_TT_DV")
        expected = _EXAM_RATIOS[nth - 1] if nth <= len(_EXAM_RATIOS) else Decimal(0)
        if ratio is not None and ratio > expected:
            yield Hit(r, "TYLE_TT_DV", r.text("TYLE_TT_DV"), {"nth": str(nth), "expected": str(expected)})
