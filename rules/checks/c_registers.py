"""Codes that must exist in a register: practitioners, equipment, departments, facilities, ICD-10
(checks.md §5; catalogues.md §5–8; Circular 12/2026/TT-BTC Art. 10(c), (e), (g)). Skipped without a register."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from rules.checks._common import line_day
from rules.checks.base import Context, Hit, check
from rules.checks.findings import Severity
from rules.checks.lookup import CodeList
from rules.checks.model import Claim, Record

B, W = Severity.BLOCKING, Severity.WARNING

_STAFF_FIELDS = {
    "XML1": ("MA_TTDV",),
    "XML2": ("MA_BAC_SI",),
    "XML3": ("MA_BAC_SI", "NGUOI_THUC_HIEN"),
    "XML4": ("MA_BS_DOC_KQ",),
    "XML5": ("NGUOI_THUC_HIEN",),
}


def _unknown(
    claim: Claim, ctx: Context, kind: CodeList, fields: dict[str, tuple[str, ...]]
) -> Iterator[Hit]:
    reg = ctx.code_lists
    facility = claim.xml1.text("MA_CSKCB")
    if reg is None or not reg.is_loaded(kind, facility):
        return
    admission = claim.xml1.day("NGAY_VAO")
    for table, names in fields.items():
        recs: tuple[Record, ...] = (claim.xml1,) if table == "XML1" else claim.table(table)
        for rec in recs:
            on: date | None = line_day(rec, claim) if table in ("XML2", "XML3") else admission
            if on is None:
                continue
            for name in names:
                for code in rec.items(name):
                    # Mobilised staff write "CODE.C.xxxxx" / supervisors "CODE(staff)": check the leading code.
                    base = code.split("(", 1)[0].strip()
                    if base and not reg.is_valid(kind, base, facility, on):
                        yield Hit(rec, name, code, {"kind": kind.value})


@check(
    "REG_STAFF_UNKNOWN", B, "XML1 XML2 XML3 XML4 XML5", "MA_TTDV MA_BAC_SI NGUOI_THUC_HIEN MA_BS_DOC_KQ",
    vi="Mã người hành nghề '{value}' không có trong danh sách nhân lực đã gửi BHXH (tại ngày thực hiện).",
    en="Practitioner code '{value}' is not in the staff list sent to BHXH (on the service date).",
    hint="Kiểm tra mã CCHN/GPHN hoặc cập nhật danh mục nhân lực trên cổng. / Check the licence code or the staff list.",
    ref="TT 12/2026/TT-BTC Điều 10(g); QĐ 4750 Phụ lục; catalogues.md §6; checks.md §5",
    needs="code_lists",
)
def reg_staff_unknown(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return _unknown(claim, ctx, CodeList.STAFF, _STAFF_FIELDS)


@check(
    "REG_EQUIPMENT_UNKNOWN", B, "XML3", "MA_MAY",
    vi="Mã máy '{value}' không có trong danh mục trang thiết bị của cơ sở.",
    en="Equipment code '{value}' is not in the facility's equipment list.",
    hint="Dùng mã máy đã khai báo (Mẫu 06/DM). / Use a registered equipment code.",
    ref="catalogues.md §7; checks.md §5 (XML3_INFO_ERROR_MA_MAY_NOT_FOUND)",
    needs="code_lists",
)
def reg_equipment_unknown(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return _unknown(claim, ctx, CodeList.EQUIPMENT, {"XML3": ("MA_MAY",)})


@check(
    "REG_DEPARTMENT_UNKNOWN", B, "XML1 XML2 XML3", "MA_KHOA",
    vi="Mã khoa '{value}' không có trong danh mục khoa phòng của cơ sở.",
    en="Department code '{value}' is not in the facility's department list.",
    hint="Dùng mã khoa theo danh mục đã gửi BHXH (QĐ 2010/1804). / Use a registered department code.",
    ref="catalogues.md §5; Cổng tiếp nhận BHXH, bảng kiểm tra QĐ 4750 (MA_KHOA: check list)",
    needs="code_lists",
)
def reg_department_unknown(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return _unknown(claim, ctx, CodeList.DEPARTMENT, {"XML1": ("MA_KHOA",), "XML2": ("MA_KHOA",), "XML3": ("MA_KHOA",)})


@check(
    "REG_FACILITY_UNKNOWN", B, "XML1 XML13", "MA_DKBD MA_NOI_DI MA_NOI_DEN MA_CSKCB_DEN",
    vi="Mã cơ sở KCB '{value}' không có trong danh mục cơ sở KCB.",
    en="Facility code '{value}' is not in the facility list.",
    hint="Kiểm tra mã nơi đăng ký/nơi chuyển đi/nơi chuyển đến (5 ký tự). / Check the 5-character facility code.",
    ref="checks.md §5 (MA_DKBD/MA_NOI_DI/MA_NOI_DEN/MA_CSKCB_DEN_NOT_FOUND)",
    needs="code_lists",
)
def reg_facility_unknown(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return _unknown(
        claim, ctx, CodeList.FACILITY,
        {"XML1": ("MA_DKBD", "MA_NOI_DI", "MA_NOI_DEN"), "XML13": ("MA_NOI_DEN", "MA_CSKCB_DEN")},
    )


@check(
    "REG_ICD_UNKNOWN", B, "XML1 XML3", "MA_BENH_CHINH MA_BENH_KT MA_BENH",
    vi="Mã bệnh '{value}' không có trong danh mục ICD-10.",
    en="Diagnosis code '{value}' is not in the ICD-10 list.",
    hint="Chọn mã từ danh mục ICD-10 của Bộ Y tế. / Pick the code from the MOH ICD-10 list.",
    ref="QĐ 4469/QĐ-BYT (ICD-10); checks.md §5 (MA_BENH_CHINH / MA_BENH_INVALID)",
    needs="code_lists",
)
def reg_icd_unknown(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return _unknown(claim, ctx, CodeList.ICD10, {"XML1": ("MA_BENH_CHINH", "MA_BENH_KT"), "XML3": ("MA_BENH",)})
