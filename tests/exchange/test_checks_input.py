"""The exchange model → the checks' plain input: every field by its code, values as text, raw where kept."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from decimal import Decimal

from claims.exchange.checks_input import hoso_of_tables, tables_of_hoso, tables_of_read
from claims.exchange.reader import EnvelopeReader
from claims.exchange.spec import Extra
from claims.exchange.synthetic import make_claim
from claims.exchange.synthetic_checks import claim_tables
from tests.rules.checks.xmlsamples import samples_dir


def test_round_trip_of_plain_tables() -> None:
    rng = random.Random(3)
    for i in range(20):
        tables = claim_tables(i, rng, date(2025, 3, 1))
        # empty elements are left out: the checks treat absent and empty alike
        expected = {t: [{k: v for k, v in r.items() if v} for r in rows] for t, rows in tables.items()}
        assert tables_of_hoso(hoso_of_tables(tables)) == expected


def test_values_are_plain_text() -> None:
    hoso = make_claim(lines=3)
    x1 = replace(hoso.xml1, t_thuoc=Decimal("1E+3"), can_nang="", gioi_tinh=2)
    x1 = replace(x1, unparsed=(Extra("T_VTYT", "12a"),), extras=(Extra("GHI_CHU_LA", "x"),))
    out = tables_of_hoso(replace(hoso, xml1=x1))
    rec = out["XML1"][0]
    assert rec["T_THUOC"] == "1000" and rec["GIOI_TINH"] == "2" and "CAN_NANG" not in rec
    assert rec["T_VTYT"] == "12a" and rec["GHI_CHU_LA"] == "x"
    assert set(out) == {"XML1", "XML2", "XML3", "XML4", "XML5"} & set(hoso.tables())
    assert [r["STT"] for r in out["XML3"]] == [str(r.stt) for r in hoso.xml3]


def test_read_items_keep_the_raw_text() -> None:
    [item] = list(EnvelopeReader(samples_dir() / "qd130_94999_inpatient_hyponatremia_xml1-2-3-4-5-7-8-14.xml"))
    raw = tables_of_read(item)
    typed = tables_of_hoso(item.hoso)
    assert raw["XML2"][0]["T_BHTT"] == "2073,6" and typed["XML2"][0]["T_BHTT"] == "2073.6"
    assert set(raw) == set(typed)


def _generic(hoso) -> dict[str, list[dict[str, str]]]:  # type: ignore[no-untyped-def]
    """The adapter's rule written plainly: each field by type; None and "" left out; raw and extras after."""
    from claims.exchange.reader import FIELDS

    def text(v: object) -> str:
        if isinstance(v, Decimal) and v.__class__ is Decimal:
            s = str(v)
            return format(v, "f") if "E" in s else s
        return str(v)

    out = {}
    for table, recs in hoso.tables().items():
        rows = []
        for r in recs:
            row = {n: (v if v.__class__ is str else text(v)) for n, f in FIELDS[table].items()
                   if (v := getattr(r, f.attr)) is not None and (v.__class__ is not str or v)}
            for x in r.unparsed:
                row[x.name] = x.text
            for x in r.extras:
                row.setdefault(x.name, x.text)
            rows.append(row)
        out[table] = rows
    return out


def test_compiled_adapter_renders_odd_types_as_the_plain_rule() -> None:
    hoso = make_claim(lines=4)
    x1 = replace(hoso.xml1, t_thuoc=7, gioi_tinh=True, can_nang=Decimal("-0.50"), ho_ten=0,  # type: ignore[arg-type]
                 t_vtyt=Decimal("2E+2"), ma_the_bhyt="", dia_chi=" x ")
    line = replace(hoso.xml3[0], so_luong="3", stt=False, don_gia_bv=1.5)  # type: ignore[arg-type]
    odd = replace(hoso, xml1=x1, xml3=(line, *hoso.xml3[1:]))
    for h in (hoso, odd):
        assert tables_of_hoso(h) == _generic(h)
    got = tables_of_hoso(odd)
    assert got["XML1"][0]["T_THUOC"] == "7" and got["XML1"][0]["GIOI_TINH"] == "True"
    assert got["XML1"][0]["HO_TEN"] == "0" and got["XML1"][0]["T_VTYT"] == "200"
    assert got["XML3"][0]["STT"] == "False" and got["XML3"][0]["DON_GIA_BV"] == "1.5"
