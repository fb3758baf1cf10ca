"""Claim lines against the facility catalogue row valid on the service date (catalogues.md §10).

Each line gets at most one finding: the first failing level, in the order code absent → no row valid on the
date → strength → registration → tender → name → price → payment ratio.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from rules.checks._common import DRUG_GROUPS, ONE_VND, SUPPLY_GROUPS, TRANSPORT_GROUP, line_day
from rules.checks.base import Context, Hit, check
from rules.checks.findings import Severity
from rules.checks.lookup import CatalogueKind, CatalogueRow
from rules.checks.model import Claim, Record

B, W = Severity.BLOCKING, Severity.WARNING
REF = "TT 12/2026/TT-BTC Điều 10(c), (d); catalogues.md §10"

_SKIP_DRUGS = frozenset({"40.17", "40.573"})
_SKIP_DRUG_SERIES = ("05V", "05C", "HD")
_SPACES = re.compile(r"\s+")

LEVELS = ("unknown", "not_valid", "strength", "registration", "tender", "name", "price", "ratio")


@dataclass(frozen=True, slots=True)
class Match:
    level: str  # "" when the line matches, else one of LEVELS
    kind: CatalogueKind
    code: str
    detail: str = ""


class _Lookup(NamedTuple):
    loaded: bool
    rows: tuple[CatalogueRow, ...]
    valid: tuple[CatalogueRow, ...]


@lru_cache(maxsize=1 << 14)
def norm(text: str) -> str:
    """catalogues.md §10 step 6: trim, collapse spaces, Unicode case-fold; diacritics kept."""
    return _SPACES.sub(" ", text.strip()).casefold()


@lru_cache(maxsize=1 << 14)
def _tender_parts(value: str) -> tuple[str, ...]:
    parts = [p.strip().casefold() for p in value.split(";")][:4]
    # Loose compare so that "N01" equals "N1" (catalogues.md §2.4).
    return tuple(re.sub(r"^([a-z])0+(\d)", r"\1\2", p) for p in parts)


_NAME_FIELD = {
    CatalogueKind.DRUG: "TEN_THUOC",
    CatalogueKind.SUPPLY: "TEN_VAT_TU",
    CatalogueKind.SERVICE: "TEN_DICH_VU",
}


def _line_kind(rec: Record) -> tuple[CatalogueKind, str] | None:
    """Which catalogue a line is matched against, and the lookup code; None when the line is skipped."""
    g = rec.group
    if rec.table == "XML2":
        code = rec.text("MA_THUOC")
        if g not in DRUG_GROUPS or not code or code in _SKIP_DRUGS or code.upper().startswith(_SKIP_DRUG_SERIES):
            return None
        return CatalogueKind.DRUG, code
    if g in SUPPLY_GROUPS:
        code = rec.text("MA_VAT_TU")
        return (CatalogueKind.SUPPLY, code) if code else None
    code = rec.text("MA_DICH_VU")
    if not code or g == TRANSPORT_GROUP or code.upper().startswith("VC."):
        return None
    return CatalogueKind.SERVICE, code.split("_", 1)[0]


def _price_checked(rec: Record, kind: CatalogueKind) -> bool:
    if kind is not CatalogueKind.SERVICE:
        return True
    code = rec.text("MA_DICH_VU").upper()
    return not (".K." in code or code.endswith("0000") or "_TB" in code)


def _claimed_price(rec: Record, kind: CatalogueKind) -> Decimal | None:
    return rec.decimal("DON_GIA") if kind is CatalogueKind.DRUG else rec.decimal("DON_GIA_BH")


def _match(rec: Record, claim: Claim, ctx: Context, target: tuple[CatalogueKind, str] | None) -> Match | None:
    cat = ctx.catalogue
    if cat is None or target is None:
        return None
    kind, code = target
    facility = claim.xml1.text("MA_CSKCB")
    day = line_day(rec, claim)
    # Lines of a batch repeat the same codes on the same days: look each (code, day) up once per run.
    key = ("cat", kind, code, facility, day)
    got = ctx.memo.get(key)
    if not isinstance(got, _Lookup):
        if cat.is_loaded(kind, facility):
            found = tuple(cat.rows(kind, code, facility))
            got = _Lookup(True, found, tuple(r for r in found if day is None or r.valid_on(day)))
        else:
            got = _Lookup(False, (), ())
        ctx.memo[key] = got
    if not got.loaded:
        return None
    rows, valid = got.rows, got.valid
    if not rows:
        return Match("unknown", kind, code)
    if not valid:
        spans = "; ".join(f"{r.valid_from or '…'}→{r.valid_to or '…'}" for r in rows[:3])
        return Match("not_valid", kind, code, f"{day} ∉ {spans}")
    cands = list(valid)
    if kind is CatalogueKind.DRUG:
        strength = norm(rec.text("HAM_LUONG"))
        cands = [r for r in cands if not r.strength or norm(r.strength) == strength]
        if not cands:
            return Match("strength", kind, code, " | ".join(r.strength for r in valid[:3]))
        reg = norm(rec.text("SO_DANG_KY"))
        by_reg = [r for r in cands if not r.registration or norm(r.registration) == reg]
        if not by_reg:
            return Match("registration", kind, code, " | ".join(r.registration for r in cands[:3]))
        cands = by_reg
    if kind is not CatalogueKind.SERVICE:
        mine = _tender_parts(rec.text("TT_THAU"))
        by_tender = [r for r in cands if not r.tender or _tender_parts(r.tender) == mine]
        if not by_tender:
            return Match("tender", kind, code, " | ".join(r.tender for r in cands[:3]))
        cands = by_tender
    name = norm(rec.text(_NAME_FIELD[kind]))
    if name and not any(norm(r.name) == name for r in valid):
        return Match("name", kind, code, " | ".join(r.name for r in valid[:3]))
    price = _claimed_price(rec, kind)
    prices = [r.unit_price for r in cands if r.unit_price is not None]
    if price is not None and prices and _price_checked(rec, kind) and price > max(prices) + ONE_VND:
        return Match("price", kind, code, str(max(prices)))
    ratio = rec.decimal("TYLE_TT_BH")
    ratios = {r.payment_ratio for r in cands if r.payment_ratio is not None}
    if ratio is not None and ratios and ratio not in ratios:
        return Match("ratio", kind, code, " | ".join(str(r) for r in sorted(ratios)))
    return Match("", kind, code)


def _matches(claim: Claim, ctx: Context) -> list[tuple[Record, Match]]:
    got = claim.memo("catalogue_matches")
    if isinstance(got, list):
        return got
    out: list[tuple[Record, Match]] = []
    if ctx.catalogue is not None:
        out = [(rec, m) for rec, _target, m in _line_results(claim, ctx) if m is not None and m.level]
    return claim.remember("catalogue_matches", out)  # type: ignore[no-any-return]


#: Every line value `_line_kind` and `_match` read besides table, group, facility and day, by table (drug lines
#: are matched as drugs; XML3 lines as supplies or services).
_LINE_INPUTS = {
    "XML2": ("MA_THUOC", "HAM_LUONG", "SO_DANG_KY", "TT_THAU", "TEN_THUOC", "DON_GIA", "TYLE_TT_BH"),
    "XML3": ("MA_VAT_TU", "MA_DICH_VU", "TT_THAU", "TEN_VAT_TU", "TEN_DICH_VU", "DON_GIA_BH", "TYLE_TT_BH"),
}
_LineResult = tuple[Record, tuple[CatalogueKind, str] | None, Match | None]


def _line_results(claim: Claim, ctx: Context) -> list[_LineResult]:
    """Each drug and service line with its catalogue target (`_line_kind`) and match (memoised per claim).

    Lines repeat across a batch (same item, price, tender, day): lines alike in everything `_line_kind` and
    `_match` read share one result per run (``ctx.memo``).
    """
    got = claim.memo("catalogue_lines")
    if isinstance(got, list):
        return got
    facility = claim.xml1.text("MA_CSKCB")
    memo = ctx.memo
    out: list[_LineResult] = []
    for rec in (*claim.drugs, *claim.services):
        table = rec.table
        key = ("catline", table, rec.group, facility, line_day(rec, claim), *map(rec.values.get, _LINE_INPUTS[table]))
        found = memo.get(key)
        if found is None:
            target = _line_kind(rec)
            found = memo[key] = (target, _match(rec, claim, ctx, target))
        out.append((rec, *found))  # type: ignore[misc]
    return claim.remember("catalogue_lines", out)  # type: ignore[no-any-return]


_CODE_FIELD = {CatalogueKind.DRUG: "MA_THUOC", CatalogueKind.SUPPLY: "MA_VAT_TU", CatalogueKind.SERVICE: "MA_DICH_VU"}


def _level_hits(claim: Claim, ctx: Context, level: str) -> Iterator[Hit]:
    for rec, m in _matches(claim, ctx):
        if m.level != level:
            continue
        if level in ("unknown", "not_valid"):
            name = _CODE_FIELD[m.kind]
        elif level == "strength":
            name = "HAM_LUONG"
        elif level == "registration":
            name = "SO_DANG_KY"
        elif level == "tender":
            name = "TT_THAU"
        elif level == "name":
            name = _NAME_FIELD[m.kind]
        elif level == "price":
            name = "DON_GIA" if m.kind is CatalogueKind.DRUG else "DON_GIA_BH"
        else:
            name = "TYLE_TT_BH"
        yield Hit(rec, name, rec.text(name), {"code": m.code, "kind": m.kind.value, "catalogue": m.detail})


@check(
    "CAT_CODE_UNKNOWN", B, "XML2 XML3", "MA_THUOC MA_VAT_TU MA_DICH_VU",
    vi="Mã {value} không có trong danh mục {kind} của cơ sở.",
    en="Code {value} is not in the facility's {kind} catalogue.",
    hint="Kiểm tra mã hoặc bổ sung danh mục đã được BHXH phê duyệt. / Check the code or update the catalogue.",
    ref=REF,
    needs="catalogue",
)
def cat_code_unknown(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return _level_hits(claim, ctx, "unknown")


@check(
    "CAT_CODE_NOT_VALID_ON_DATE", B, "XML2 XML3", "MA_THUOC MA_VAT_TU MA_DICH_VU NGAY_YL",
    vi="Mã {value} không có dòng danh mục còn hiệu lực vào ngày y lệnh ({catalogue}).",
    en="Code {value} has no catalogue row valid on the order date ({catalogue}).",
    hint="Dùng mã/giá còn hiệu lực tại ngày y lệnh, hoặc cập nhật hiệu lực danh mục. / "
    "Use a row valid on the order date.",
    ref=REF,
    needs="catalogue",
)
def cat_code_not_valid(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return _level_hits(claim, ctx, "not_valid")


@check(
    "CAT_DRUG_STRENGTH", B, "XML2", "HAM_LUONG",
    vi="Hàm lượng '{value}' của thuốc {code} khác danh mục ({catalogue}).",
    en="Strength '{value}' of drug {code} differs from the catalogue ({catalogue}).",
    hint="Ghi hàm lượng đúng như kết quả trúng thầu. / Use the strength of the award.",
    ref=REF,
    needs="catalogue",
)
def cat_drug_strength(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return _level_hits(claim, ctx, "strength")


@check(
    "CAT_DRUG_REGISTRATION", B, "XML2", "SO_DANG_KY",
    vi="Số đăng ký '{value}' không thuộc thuốc {code} trong danh mục ({catalogue}).",
    en="Registration '{value}' does not belong to drug {code} in the catalogue ({catalogue}).",
    hint="Ghi số đăng ký của lô thuốc đã trúng thầu. / Use the awarded product's registration number.",
    ref=REF,
    needs="catalogue",
)
def cat_drug_registration(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return _level_hits(claim, ctx, "registration")


@check(
    "CAT_TENDER_MISMATCH", B, "XML2 XML3", "TT_THAU",
    vi="Thông tin thầu '{value}' của {code} không khớp danh mục ({catalogue}).",
    en="Tender information '{value}' of {code} does not match the catalogue ({catalogue}).",
    hint="Ghi đúng 4 phần đầu thông tin thầu như danh mục đã gửi BHXH. / Copy the first four tender parts.",
    ref=f"{REF}; catalogues.md §2.4, §3.4",
    needs="catalogue",
)
def cat_tender_mismatch(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return _level_hits(claim, ctx, "tender")


@check(
    "CAT_NAME_MISMATCH", W, "XML2 XML3", "TEN_THUOC TEN_VAT_TU TEN_DICH_VU",
    vi="Tên '{value}' khác tên trong danh mục của mã {code} ({catalogue}).",
    en="Name '{value}' differs from the catalogue name of {code} ({catalogue}).",
    hint="Ghi tên đúng như danh mục đã phê duyệt. / Use the approved name.",
    ref=REF,
    needs="catalogue",
)
def cat_name_mismatch(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return _level_hits(claim, ctx, "name")


@check(
    "CAT_PRICE_ABOVE", B, "XML2 XML3", "DON_GIA DON_GIA_BH",
    vi="Đơn giá {value} của {code} cao hơn giá được duyệt {catalogue}.",
    en="Unit price {value} of {code} is above the approved price {catalogue}.",
    hint="Ghi đơn giá BHYT không vượt giá trúng thầu/giá được phê duyệt. / Do not exceed the approved price.",
    ref=f"{REF}; TT 12/2026/TT-BTC Điều 10(d)",
    needs="catalogue",
)
def cat_price_above(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return _level_hits(claim, ctx, "price")


@check(
    "CAT_RATIO_MISMATCH", W, "XML2 XML3", "TYLE_TT_BH",
    vi="Tỷ lệ thanh toán BH {value}% của {code} khác danh mục ({catalogue}).",
    en="Payment ratio {value}% of {code} differs from the catalogue ({catalogue}).",
    hint="Áp dụng tỷ lệ thanh toán theo danh mục. / Apply the catalogue payment ratio.",
    ref=f"{REF}; TT 20/2022/TT-BYT cột 8; TT 35/2016/TT-BYT cột 4",
    needs="catalogue",
)
def cat_ratio_mismatch(claim: Claim, ctx: Context) -> Iterator[Hit]:
    return _level_hits(claim, ctx, "ratio")


@check(
    "CAT_NOT_LOADED", W, "XML2 XML3", "MA_CSKCB",
    vi="Chưa nạp danh mục {kind} của cơ sở {value}: bỏ qua đối chiếu danh mục.",
    en="No {kind} catalogue loaded for facility {value}: catalogue checks skipped.",
    hint="Nạp danh mục đã được BHXH phê duyệt để kiểm tra mã, giá, thầu. / Load the approved catalogues.",
    ref="catalogues.md §10 step 2",
    needs="catalogue",
)
def cat_not_loaded(claim: Claim, ctx: Context) -> Iterator[Hit]:
    cat = ctx.catalogue
    if cat is None:
        return
    facility = claim.xml1.text("MA_CSKCB")
    needed: set[CatalogueKind] = set()
    for _rec, t, _m in _line_results(claim, ctx):
        if t is not None:
            needed.add(t[0])
    for kind in sorted(needed):
        if not cat.is_loaded(kind, facility):
            yield Hit(claim.xml1, "MA_CSKCB", facility, {"kind": kind.value})
