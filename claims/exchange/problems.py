"""A problem found in an XML 130 file: where (table, record, field), what (value), why (vi + en)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

#: structural = the file breaks our schema or cannot be read as sent; arithmetic = amounts do not add up;
#: tolerated = a known real-world deviation we accepted (reported, never fatal).
Category = Literal["structural", "arithmetic", "tolerated"]
Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    category: Category
    code: str
    table: str
    field: str
    value: str
    message_vi: str
    message_en: str
    stt: str = ""
    ma_lk: str = ""
    hoso: int = 0
    record: int = 0
    severity: Severity = "error"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def where(self) -> str:
        rec = f" STT {self.stt}" if self.stt else ""
        fld = f" {self.field}" if self.field else ""
        return f"HOSO {self.hoso + 1} {self.table}{rec}{fld}".strip()

    def __str__(self) -> str:
        val = f" = {self.value!r}" if self.value else ""
        head = f"[{self.severity} {self.category}/{self.code}] {self.where()}{val}"
        return f"{head}: {self.message_en} / {self.message_vi}"
