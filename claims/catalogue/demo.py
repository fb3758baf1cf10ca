"""Demo catalogue built from the codes and BH prices of the six real QĐ 130 sample files.

``regenerate(shared_dir)`` reads every FILEHOSO of XML2/XML3 (inline, base64 or wrapped base64) with the
safe reader of :mod:`claims.catalogue.samples` and returns the CSV text cached in ``data/demo_tariff.csv``
(``python -m claims.catalogue.demo --write`` rewrites it). ``demo_items()`` and ``demo_tariff()`` read the
cached file only, so they work without ``shared/``.
"""

from __future__ import annotations

import argparse
import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path

from claims.catalogue.samples import read_envelope
from rules import Tariff, TariffRow

#: the sample files' dates were shifted during de-identification; the demo rows are valid from this date on
DEMO_VALID_FROM = date(2020, 1, 1)
COLUMNS = (
    "code",
    "variant",
    "name",
    "group",
    "ma_nhom",
    "unit",
    "price_bh",
    "price_bv",
    "payment_ratio",
    "source",
)
_GROUP_BY_NHOM = {
    "13": "exam",
    "14": "bed",
    "15": "bed",
    "16": "bed",
    "10": "supply",
    "11": "supply",
    "12": "transport",
}


@dataclass(frozen=True)
class DemoItem:
    """One catalogue item seen in the real samples: code, name, line group, MA_NHOM, unit, prices, ratio."""

    code: str
    variant: str
    name: str
    group: str
    ma_nhom: str
    unit: str
    price_bh: Decimal
    price_bv: Decimal
    payment_ratio: Decimal
    source: str


def _dec(text: str) -> Decimal:
    return Decimal((text or "0").strip().replace(",", ".") or "0")


def _norm(value: Decimal) -> str:
    return str(value.quantize(Decimal(1))) if value == value.to_integral_value() else str(value.normalize())


def extract(files: list[Path]) -> list[DemoItem]:
    """Distinct items (code, variant, name, group, prices, ratio) of the XML2/XML3 lines of ``files``.

    The variant is what tells rows of one code apart in a real catalogue: registration number, strength and
    tender for drugs, tender for supplies (catalogues.md §2.7, §3.5); ``#n`` is added when that is not enough.
    """
    seen: dict[tuple[str, str, str, str, str, str, str], str] = {}
    for path in sorted(files):
        tables = read_envelope(path)
        short = path.name.split("_xml")[0].removesuffix(".xml")
        for row in tables["XML2"]:
            variant = "|".join((row.get("SO_DANG_KY", ""), row.get("HAM_LUONG", ""), row.get("TT_THAU", "")))
            price = _norm(_dec(row.get("DON_GIA", "")))
            key = (
                "drug",
                row.get("MA_THUOC", ""),
                variant,
                row.get("TEN_THUOC", ""),
                price,
                price,
                _norm(_dec(row.get("TYLE_TT_BH") or "100")),
            )
            seen.setdefault(key, f"{short}|{row.get('MA_NHOM', '')}|{row.get('DON_VI_TINH', '')}")
        for row in tables["XML3"]:
            nhom = row.get("MA_NHOM", "")
            group = _GROUP_BY_NHOM.get(nhom, "service")
            code = row.get("MA_DICH_VU") or row.get("MA_VAT_TU", "")
            name = row.get("TEN_DICH_VU") or row.get("TEN_VAT_TU", "")
            variant = row.get("TT_THAU", "") if group == "supply" else ""
            key = (
                group,
                code,
                variant,
                name,
                _norm(_dec(row.get("DON_GIA_BH", ""))),
                _norm(_dec(row.get("DON_GIA_BV", ""))),
                _norm(_dec(row.get("TYLE_TT_BH") or "100")),
            )
            seen.setdefault(key, f"{short}|{nhom}|{row.get('DON_VI_TINH', '')}")
    items: list[DemoItem] = []
    counters: dict[tuple[str, str], int] = {}
    for key in sorted(seen, key=lambda k: (k[1], k[2], k[0], k[3], Decimal(k[4]), Decimal(k[5]), k[6])):
        group, code, variant, name, bh, bv, ratio = key
        if not code:
            continue
        source, nhom, unit = seen[key].split("|", 2)
        n = counters[(code, variant)] = counters.get((code, variant), 0) + 1
        if n > 1:
            variant = f"{variant}#{n}"
        items.append(
            DemoItem(
                code,
                variant,
                " ".join(name.split()),
                group,
                nhom,
                unit,
                Decimal(bh),
                Decimal(bv),
                Decimal(ratio),
                source,
            )
        )
    return items


def to_csv(items: list[DemoItem]) -> str:
    """The cached CSV text for ``items``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for it in items:
        writer.writerow(
            [
                it.code,
                it.variant,
                it.name,
                it.group,
                it.ma_nhom,
                it.unit,
                _norm(it.price_bh),
                _norm(it.price_bv),
                _norm(it.payment_ratio),
                it.source,
            ]
        )
    return buf.getvalue()


def regenerate(shared_dir: Path) -> str:
    """Re-extract the demo catalogue from ``shared_dir/samples/xml130`` and return the CSV text."""
    return to_csv(extract(sorted((shared_dir / "samples" / "xml130").glob("*.xml"))))


@cache
def demo_items() -> tuple[DemoItem, ...]:
    """Items of the cached demo catalogue (``claims/catalogue/data/demo_tariff.csv``)."""
    text = resources.files("claims.catalogue.data").joinpath("demo_tariff.csv").read_text(encoding="utf-8")
    out = []
    for rec in csv.DictReader(io.StringIO(text)):
        out.append(
            DemoItem(
                rec["code"],
                rec["variant"],
                rec["name"],
                rec["group"],
                rec["ma_nhom"],
                rec["unit"],
                Decimal(rec["price_bh"]),
                Decimal(rec["price_bv"]),
                Decimal(rec["payment_ratio"]),
                rec["source"],
            )
        )
    return tuple(out)


@cache
def demo_tariff() -> Tariff:
    """A :class:`rules.Tariff` of the demo items, valid from :data:`DEMO_VALID_FROM` with no end."""
    return Tariff(
        TariffRow(
            code=it.code,
            name=it.name,
            group=it.group,
            price_bh=it.price_bh,
            valid_from=DEMO_VALID_FROM,
            payment_ratio=it.payment_ratio,
            unit=it.unit,
            row_id=f"demo_tariff.csv:{it.code}#{it.variant}",
            variant=it.variant,
        )
        for it in demo_items()
    )


def main() -> None:  # pragma: no cover - maintenance command
    ap = argparse.ArgumentParser(description="Regenerate claims/catalogue/data/demo_tariff.csv")
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / ".." / "shared")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    text = regenerate(args.shared)
    if args.write:
        (Path(__file__).parent / "data" / "demo_tariff.csv").write_text(text, encoding="utf-8")
    else:
        print(text, end="")


if __name__ == "__main__":  # pragma: no cover
    main()
