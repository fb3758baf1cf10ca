"""Typed model of an XML 130 claim: table records, the claim file (``HOSO``) and the envelope.

Records are frozen, slotted dataclasses whose attributes are the snake_case field names (``ma_lk``,
``t_tongchi_bv``). Money and other decimals are ``Decimal``; small codes typed integer by the standard are
``int``; dates stay the exact strings the file carries (``yyyyMMdd`` / ``yyyyMMddHHmm``), parse them with
:func:`as_date` / :func:`as_datetime`. An element we did not expect is kept in the record's ``extras``;
a value we could not type (e.g. letters in an amount) is kept raw in ``unparsed`` and its attribute is empty.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from claims.exchange.spec import Extra, FieldSpec, TableSpec
from claims.exchange.tables import (
    RECORD_CLASSES,
    SPECS,
    ChiTietCls,
    ChiTietDvkt,
    ChiTietThuoc,
    DienBienBenh,
    DieuTriBenhLao,
    GiamDinhYKhoa,
    GiayChungSinh,
    GiayChuyenTuyen,
    GiayHenKhamLai,
    GiayNghiDuongThai,
    GiayNghiViecBhxh,
    GiayRaVien,
    HoSoHivAids,
    TomTatHoSoBenhAn,
    TongHop,
    TrangThaiKcb,
)

VERSIONS = ("4750", "3176")
#: 3176 applies to encounters from this day (QĐ 3176/QĐ-BYT, applied by all facilities from 1 Jan 2025).
V3176_FROM = "20250101"
#: Claim tables in envelope order (XML0 is sent alone, never in a HOSO).
CLAIM_TABLES = tuple(f"XML{i}" for i in range(1, 16))
#: Tables holding one record directly under their root.
SINGLE_TABLES = frozenset(t for t, s in SPECS["4750"].items() if s.single)

Record = (
    TrangThaiKcb
    | TongHop
    | ChiTietThuoc
    | ChiTietDvkt
    | ChiTietCls
    | DienBienBenh
    | HoSoHivAids
    | GiayRaVien
    | TomTatHoSoBenhAn
    | GiayChungSinh
    | GiayNghiDuongThai
    | GiayNghiViecBhxh
    | GiamDinhYKhoa
    | GiayChuyenTuyen
    | GiayHenKhamLai
    | DieuTriBenhLao
)


@dataclass(frozen=True, slots=True)
class ExtraFile:
    """A ``FILEHOSO`` we could not place (unknown ``LOAIHOSO``); kept with its raw content."""

    loaihoso: str
    content: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Hoso:
    """One treatment episode (``HOSO``): the tables of one claim, by name.

    Single-record tables are the record or ``None``; list tables are tuples of records (empty = absent).
    ``version`` is the shape the reader saw (``4750``/``3176``) or ``None`` for a claim built in code.
    """

    xml1: TongHop | None = None
    xml2: tuple[ChiTietThuoc, ...] = ()
    xml3: tuple[ChiTietDvkt, ...] = ()
    xml4: tuple[ChiTietCls, ...] = ()
    xml5: tuple[DienBienBenh, ...] = ()
    xml6: tuple[HoSoHivAids, ...] = ()
    xml7: GiayRaVien | None = None
    xml8: TomTatHoSoBenhAn | None = None
    xml9: tuple[GiayChungSinh, ...] = ()
    xml10: GiayNghiDuongThai | None = None
    xml11: GiayNghiViecBhxh | None = None
    xml12: tuple[GiamDinhYKhoa, ...] = ()
    xml13: GiayChuyenTuyen | None = None
    xml14: GiayHenKhamLai | None = None
    xml15: tuple[DieuTriBenhLao, ...] = ()
    version: str | None = None
    extra_files: tuple[ExtraFile, ...] = ()

    @property
    def ma_lk(self) -> str:
        return self.xml1.ma_lk if self.xml1 is not None else ""

    def records(self, table: str) -> tuple[Any, ...]:
        """The records of ``table`` (``"XML3"``) as a tuple (empty when the table is absent)."""
        value = getattr(self, table.lower())
        if value is None:
            return ()
        return value if isinstance(value, tuple) else (value,)

    def tables(self) -> dict[str, tuple[Any, ...]]:
        """Present tables in envelope order: ``{"XML1": (TongHop,), "XML2": (...), ...}``."""
        out: dict[str, tuple[Any, ...]] = {}
        for t in CLAIM_TABLES:
            recs = self.records(t)
            if recs:
                out[t] = recs
        return out


#: Another name for one claim file (one ``HOSO``).
ClaimFile = Hoso


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    """The ``GIAMDINHHS`` submission envelope.

    ``chukydonvi`` is the raw inner XML of the signature block ("" when unsigned).
    """

    macskcb: str
    ngaylap: str
    hoso: tuple[Hoso, ...] = ()
    soluonghoso: int | None = None
    chukydonvi: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckIn:
    """The XML0 check-in document (``CHI_TIEU_TRANG_THAI_KCB``), sent alone."""

    records: tuple[TrangThaiKcb, ...] = ()
    chukydonvi: str = ""
    version: str | None = None


# ------------------------------------------------------------------------------------------------ helpers
def as_date(value: str) -> date | None:
    """``yyyyMMdd`` (or the date part of ``yyyyMMddHHmm``) as a date; None when empty or not a real date."""
    if len(value) < 8 or not value[:8].isdigit():
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return None


def as_datetime(value: str) -> datetime | None:
    """``yyyyMMddHHmm`` (Vietnam local time, naive) as a datetime; a bare ``yyyyMMdd`` gives midnight."""
    d = as_date(value)
    if d is None:
        return None
    if len(value) == 8:
        return datetime(d.year, d.month, d.day)
    if len(value) != 12 or not value.isdigit():
        return None
    try:
        return datetime(d.year, d.month, d.day, int(value[8:10]), int(value[10:12]))
    except ValueError:
        return None


def split_list(value: str) -> list[str]:
    """A ``;``-joined field as its items (``"K01;K18"`` → ``["K01", "K18"]``); empty → ``[]``."""
    return value.split(";") if value else []


def table_spec(version: str, table: str) -> TableSpec:
    """The field list of ``table`` in ``version``."""
    return SPECS[version][table]


def record_fields(record: Any) -> dict[str, Any]:
    """All attributes of a record (including ``extras`` and ``unparsed``), for comparisons and dumps."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def version_for_date(ngay: str) -> str:
    """The standard in force for an encounter ending (or starting) on ``ngay`` (``yyyyMMdd…``)."""
    return "3176" if ngay[:8] >= V3176_FROM else "4750"


def choose_version(hoso: Hoso) -> str:
    """The version to write: the shape read (if any), else by the encounter's discharge/admission date."""
    if hoso.version in VERSIONS:
        return hoso.version
    x1 = hoso.xml1
    ngay = (x1.ngay_ra or x1.ngay_vao) if x1 is not None else ""
    return version_for_date(ngay) if ngay else "3176"


__all__ = [
    "CLAIM_TABLES",
    "RECORD_CLASSES",
    "SINGLE_TABLES",
    "SPECS",
    "V3176_FROM",
    "VERSIONS",
    "CheckIn",
    "ChiTietCls",
    "ChiTietDvkt",
    "ChiTietThuoc",
    "ClaimFile",
    "DienBienBenh",
    "DieuTriBenhLao",
    "Envelope",
    "Extra",
    "ExtraFile",
    "FieldSpec",
    "GiamDinhYKhoa",
    "GiayChungSinh",
    "GiayChuyenTuyen",
    "GiayHenKhamLai",
    "GiayNghiDuongThai",
    "GiayNghiViecBhxh",
    "GiayRaVien",
    "HoSoHivAids",
    "Hoso",
    "Record",
    "TableSpec",
    "TomTatHoSoBenhAn",
    "TongHop",
    "TrangThaiKcb",
    "as_date",
    "as_datetime",
    "choose_version",
    "record_fields",
    "split_list",
    "table_spec",
    "version_for_date",
]
