"""Findings are data, never exceptions (ARCHITECTURE.md, Errors)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Finding", "Severity"]


class Severity(StrEnum):
    BLOCKING = "blocking"  # the office refuses or cuts the claim: fix before sending
    WARNING = "warning"  # likely to be questioned: review


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    table: str
    stt: str
    ma_lk: str
    field: str
    value: str
    message_vi: str
    message_en: str
    hint: str
    legal_ref: str

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "table": self.table,
            "stt": self.stt,
            "ma_lk": self.ma_lk,
            "field": self.field,
            "value": self.value,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
            "hint": self.hint,
            "legal_ref": self.legal_ref,
        }
