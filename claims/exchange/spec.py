"""Field specifications of the XML 130 tables (what the generated ``tables`` module is made of)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["str", "int", "dec", "date", "datetime", "date_or_datetime", "dates"]


@dataclass(frozen=True, slots=True)
class Extra:
    """An element we did not expect (kept, never dropped) or a value we could not type (kept raw)."""

    name: str
    text: str


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One element of a table record: XML name, model attribute, logical kind, size, requiredness."""

    name: str
    attr: str
    kind: Kind
    max_length: int | None
    required: bool
    scale: int | None
    is_list: bool


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One table in one version: tags and fields in the order they are written."""

    table: str
    version: str
    root: str
    list_tag: str | None
    record: str
    fields: tuple[FieldSpec, ...]

    @property
    def single(self) -> bool:
        """True for tables holding one record directly under the root (XML1, 7, 8, 10, 11, 13, 14)."""
        return self.list_tag is None
