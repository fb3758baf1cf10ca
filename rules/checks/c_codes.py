"""Code lists and tender-information format (QĐ 824/2023, QĐ 3276/2025, QĐ 1804/2026; catalogues.md §2.4)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from rules.checks._common import BLOOD_GROUPS, SUPPLY_GROUPS
from rules.checks.base import Context, Hit, check
from rules.checks.findings import Severity
from rules.checks.model import Claim, Record

B, W = Severity.BLOCKING, Severity.WARNING

# QĐ 3276/2025 list plus older codes still valid in archives (QĐ 824/2023, QĐ 2010/2025), xml130.md §8.2.
_DOITUONG = frozenset(
    [f"1.{i}" for i in range(1, 19)]
    + ["2"]
    + [f"3.{i}" for i in range(1, 8)]
    + ["7", "7.1", "7.2", "7.3", "7.4", "8", "9", "10"]
)


@check(
    "MA_DOITUONG_KCB_UNKNOWN", W, "XML1", "MA_DOITUONG_KCB",
    vi="Mã đối tượng KCB '{value}' không có trong danh mục dùng chung.",
    en="Patient category '{value}' is not in the shared code list.",
    hint="Ghi đúng mã theo QĐ 3276/QĐ-BYT, không thêm số 0 đứng đầu (cấp cứu là '2'). / "
    "Use the QĐ 3276 code without a leading zero (emergency is '2').",
    ref="QĐ 3276/QĐ-BYT (2025) danh mục mã đối tượng KCB; QĐ 4750 Phụ lục bảng 1 (MA_DOITUONG_KCB)",
)
def ma_doituong_unknown(claim: Claim, ctx: Context) -> Iterator[Hit]:
    v = claim.xml1.text("MA_DOITUONG_KCB")
    if v and v not in _DOITUONG:
        yield Hit(claim.xml1, "MA_DOITUONG_KCB", v)


_LOAI_KCB = frozenset(f"{i:02d}" for i in range(1, 11))
_LOAI_KCB_1804 = frozenset(f"{i:02d}" for i in range(11, 17))
_QD1804_FROM = date(2026, 8, 1)


@check(
    "MA_LOAI_KCB_UNKNOWN", B, "XML1", "MA_LOAI_KCB",
    vi="Mã loại KCB '{value}' không hợp lệ vào ngày {day}.",
    en="Care type '{value}' is not valid on {day}.",
    hint="Dùng mã 01–10 (11–16 chỉ từ 01/08/2026). / Use 01–10 (11–16 only from 2026-08-01).",
    ref="QĐ 824/QĐ-BYT (2023) phụ lục 1; QĐ 1804/QĐ-BYT (2026)",
)
def ma_loai_kcb_unknown(claim: Claim, ctx: Context) -> Iterator[Hit]:
    v = claim.xml1.text("MA_LOAI_KCB")
    if not v or v in _LOAI_KCB:
        return
    day = claim.reference_date
    if v in _LOAI_KCB_1804 and (day is None or day >= _QD1804_FROM):
        return
    yield Hit(claim.xml1, "MA_LOAI_KCB", v, {"day": day.isoformat() if day else "?"})


_DRUG_PKG = re.compile(r"^G([1-9]\d?)$")
_DRUG_GRP = re.compile(r"^N([1-9]\d?)$")
_SUP_PKG = re.compile(r"^G(\d{1,2})$")
_SUP_GRP = re.compile(r"^N(\d{1,2})$")
_YEAR = re.compile(r"^\d{4}$")
_EXTRA = re.compile(r"^(\d{2}|\d{5}|G\d{1,2}\.\d{2})$")
_IN_HOUSE = re.compile(r"^(HD|CP|VT)\.", re.IGNORECASE)


def tender_problem(value: str, *, supply: bool, in_house: bool = False) -> str:
    """'' when `decision;Gx;Nx;yyyy[;extra]` is well formed, else the name of the faulty part."""
    parts = [p.strip() for p in value.split(";")]
    if in_house and len(parts) == 2 and parts[0] and _YEAR.match(parts[1]):
        return ""
    if len(parts) < 4 or not all(parts[:4]):
        return "parts"
    pkg, grp = (_SUP_PKG, _SUP_GRP) if supply else (_DRUG_PKG, _DRUG_GRP)
    if not pkg.match(parts[1]):
        return "package"
    if not grp.match(parts[2]):
        return "group"
    if not _YEAR.match(parts[3]):
        return "year"
    if any(not _EXTRA.match(p) for p in parts[4:]):
        return "extra"
    return ""


def _tender_lines(claim: Claim) -> Iterator[tuple[Record, bool]]:
    for rec in claim.drugs:
        yield rec, False
    for rec in claim.services:
        if rec.group in SUPPLY_GROUPS:
            yield rec, True


@check(
    "TT_THAU_FORMAT", B, "XML2 XML3", "TT_THAU",
    vi="Thông tin thầu '{value}' sai cấu trúc 'số QĐ;Gx;Nx;năm' (lỗi ở phần: {part}).",
    en="Tender information '{value}' is not 'decision;Gx;Nx;yyyy' (faulty part: {part}).",
    hint="Ghi đúng số quyết định trúng thầu; gói G1–G99 (vật tư G0–G99); nhóm N1–N99 (vật tư N0–N99); năm 4 số. / "
    "Decision;package;group;4-digit year as in the award decision.",
    ref="QĐ 4750 Phụ lục bảng 2 (TT_THAU), bảng 3 (TT_THAU); catalogues.md §2.4",
)
def tt_thau_format(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec, supply in _tender_lines(claim):
        v = rec.text("TT_THAU")
        if not v:
            continue
        in_house = bool(_IN_HOUSE.match(rec.text("SO_DANG_KY")))
        problem = tender_problem(v, supply=supply, in_house=in_house)
        if problem:
            yield Hit(rec, "TT_THAU", v, {"part": problem})


@check(
    "TT_THAU_MISSING", B, "XML2 XML3", "TT_THAU",
    vi="Thiếu thông tin thầu cho thuốc/vật tư.",
    en="Tender information missing for a drug or supply line.",
    hint="Ghi thông tin thầu của lô thuốc/vật tư đã dùng (không bắt buộc với máu, chế phẩm máu). / "
    "Give the tender reference of the item used (not needed for blood and blood products).",
    ref="QĐ 4750 Phụ lục bảng 2 (TT_THAU: bắt buộc trừ nhóm 7, 17), bảng 3 (TT_THAU khi MA_NHOM = 10)",
)
def tt_thau_missing(claim: Claim, ctx: Context) -> Iterator[Hit]:
    for rec in claim.drugs:
        if not rec.has("TT_THAU") and rec.group not in BLOOD_GROUPS:
            code = rec.text("MA_THUOC")
            if code not in ("40.17", "40.573"):
                yield Hit(rec, "TT_THAU", "")
    for rec in claim.services:
        if rec.group == "10" and not rec.has("TT_THAU"):
            yield Hit(rec, "TT_THAU", "")
