"""Generate our XSDs (and the normalised field table) from ``spec/xml130_fields.csv``.

Run ``python -m xsd.generate [path/to/xml130_fields.csv]``. Without an argument the CSV is looked up
in ``$CLAIMS_SHARED_DIR/spec`` or ``../shared/spec`` next to the repository. Output:

- ``xsd/v4750/*.xsd`` and ``xsd/v3176/*.xsd``: one schema per table (``XML0`` … ``XML15``) and
  ``ENVELOPE.xsd``;
- ``xsd/fields.json``: the normalised field list per version and table (read by ``claims.exchange``).

Where a real hospital file and the spec disagree we accept both; each such widening is listed in
``OVERRIDES`` with its reason, so the schemas stay explainable.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VERSIONS = ("4750", "3176")
TABLES = tuple(f"XML{i}" for i in range(16))

# (table or "*", field) -> changes applied to every version, with the reason (kept in the generated docs).
OVERRIDES: dict[tuple[str, str], tuple[dict[str, object], str]] = {
    ("*", "MA_TTDV"): (
        {"max": 255},
        "real 2026 files carry licence codes (000003/CT-CCHN) also in tables of the 4750 shape",
    ),
    ("XML1", "MA_NGHE_NGHIEP"): (
        {"max": 5},
        "3176 size 2 is from one model only; real 2025 files still write 00000",
    ),
    ("*", "MAHUYEN_CU_TRU"): (
        {"required": False},
        "districts were abolished in 2025; every real file leaves it empty",
    ),
    ("XML14", "NGAY_HEN_KL"): (
        {"kind": "date_or_datetime", "max": 12},
        "4750 writes yyyyMMddHHmm, 3176 yyyyMMdd; exporters switched at different times",
    ),
    ("XML13", "GIAY_CHUYEN_TUYEN"): (
        {"max": 100},
        "the BHXH gateway sheet accepts 100; a real 2026 file carries a 55-character dotted form template",
    ),
    ("XML13", "SO_CHUYENTUYEN"): ({"max": 100}, "the BHXH gateway sheet accepts 100 (appendix 50)"),
    ("XML13", "SO_HOSO"): ({"max": 100}, "the BHXH gateway sheet accepts 100 (appendix 50)"),
    ("*", "MUC_HUONG"): (
        {"kind": "dec", "max": 4, "scale": 2},
        "QĐ 1931/2026 widens the benefit level to 4 characters with a decimal (e.g. 47.5)",
    ),
}

KIND_BY_TYPE = {
    "string": "str",
    "integer": "int",
    "decimal": "dec",
    "date": "date",
    "datetime": "datetime",
    "date-or-datetime": "date_or_datetime",
}


def find_csv() -> Path:
    env = os.environ.get("CLAIMS_SHARED_DIR")
    if env:
        return (Path(env) / "spec" / "xml130_fields.csv").resolve()
    # ../shared next to the repository; worktrees sit one level deeper, so look further up too
    for parent in HERE.parents:
        candidate = parent / "shared" / "spec" / "xml130_fields.csv"
        if candidate.is_file():
            return candidate.resolve()
    return (HERE.parent / ".." / "shared" / "spec" / "xml130_fields.csv").resolve()


def _field(row: dict[str, str], table: str) -> dict[str, object]:
    fmt = row["format"]
    kind = KIND_BY_TYPE[row["type"]]
    is_list = "';'-separated" in fmt or "joined with ;" in fmt
    if kind == "str" and fmt.startswith("yyyyMMdd"):
        kind = "dates"  # a ';' list of yyyyMMdd dates
    scale = None
    if kind == "dec":
        m = re.search(r"max (\d) decimals", fmt)
        scale = int(m.group(1)) if m else 2
    mx = None if row["max_length"] == "n" else int(row["max_length"])
    field: dict[str, object] = {
        "name": row["field"],
        "kind": kind,
        "max": mx,
        "required": row["required"] == "Y",
        "scale": scale,
        "list": is_list,
    }
    for key in ((table, row["field"]), ("*", row["field"])):
        if key in OVERRIDES:
            field.update(OVERRIDES[key][0])
    return field


def load_spec(csv_path: Path) -> dict[str, object]:
    """Normalise the CSV into {version: {table: {root, list, record, fields}}} plus the envelope."""
    with csv_path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out: dict[str, object] = {}
    for version in VERSIONS:
        tables: dict[str, object] = {}
        for table in TABLES:
            trs = [r for r in rows if r["version"] == version and r["table"] == table]
            trs.sort(key=lambda r: int(r["order"]))
            tables[table] = {
                "root": trs[0]["root_tag"],
                "list": trs[0]["list_tag"] or None,
                "record": trs[0]["record_tag"],
                "fields": [_field(r, table) for r in trs],
            }
        out[version] = tables
    env = sorted((r for r in rows if r["table"] == "ENVELOPE"), key=lambda r: int(r["order"]))
    out["envelope"] = [
        {"name": r["field"], "kind": KIND_BY_TYPE.get(r["type"], r["type"]), "required": r["required"] == "Y"}
        for r in env
    ]
    out["overrides"] = [
        {"table": t, "field": f, "change": ch, "reason": why} for (t, f), (ch, why) in OVERRIDES.items()
    ]
    return out


# XSD text
XS_HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="unqualified">\n'
)


def _type_name(f: dict[str, object]) -> str:
    parts = [str(f["kind"]), str(f["max"] or "n")]
    if f["scale"] is not None:
        parts.append(f"s{f['scale']}")
    if f["list"]:
        parts.append("list")
    parts.append("req" if f["required"] else "opt")
    return "_".join(parts)


def _simple_type(f: dict[str, object]) -> str:
    kind, mx, req, is_list = f["kind"], f["max"], f["required"], f["list"]
    name = _type_name(f)
    facets: list[str] = []
    base = "xs:string"
    if kind == "str":
        if is_list and mx is not None and int(str(mx)) <= 15:
            # the size is per item: a ';' list of codes, each within the size
            item = f"[^;]{{0,{mx}}}"
            facets.append(f'<xs:pattern value="{item}(;{item})*"/>')
        elif mx is not None:
            facets.append(f'<xs:maxLength value="{mx}"/>')
        # A required text element must be present, but real files leave many of them empty (MA_BENH on
        # every XML3 line, HAM_LUONG, TEN_CHI_SO …): emptiness is reported by validation as a warning.
    else:
        base = "xs:token"
        core = {
            "int": r"-?\d+",
            "dec": r"-?\d+(\.\d{1,SCALE})?".replace("SCALE", str(f["scale"])),
            "date": r"\d{8}",
            "datetime": r"\d{12}",
            "date_or_datetime": r"\d{8}(\d{4})?",
            "dates": r"\d{8}(;\d{8})*",
        }[str(kind)]
        pattern = core if req else f"({core})?"
        facets.append(f'<xs:pattern value="{pattern}"/>')
        if mx is not None and kind in ("int", "dec"):
            facets.append(f'<xs:maxLength value="{mx}"/>')
    body = "".join(f"\n      {x}" for x in facets)
    return (
        f'  <xs:simpleType name="{name}">\n    <xs:restriction base="{base}">{body}\n'
        "    </xs:restriction>\n  </xs:simpleType>\n"
    )


def table_xsd(version: str, table: str, t: dict[str, object]) -> str:
    fields: list[dict[str, object]] = t["fields"]  # type: ignore[assignment]
    lines = [XS_HEAD, f"  <!-- {table}, version {version}; generated by xsd/generate.py, do not edit. -->\n"]
    rec = f'    <xs:sequence>\n{_field_elems(fields)}    </xs:sequence>\n'
    root, lst, record = t["root"], t["list"], t["record"]
    sig = table in ("XML0", "XML12")
    if lst is None:
        lines.append(
            f'  <xs:element name="{root}">\n    <xs:complexType>\n  {rec}'
            "    </xs:complexType>\n  </xs:element>\n"
        )
    else:
        tail = '          <xs:element name="CHUKYDONVI" type="signature" minOccurs="0"/>\n' if sig else ""
        lines.append(
            f'  <xs:element name="{root}">\n    <xs:complexType>\n      <xs:sequence>\n'
            f'        <xs:element name="{lst}">\n          <xs:complexType>\n            <xs:sequence>\n'
            f'              <xs:element name="{record}" type="record" minOccurs="0" maxOccurs="unbounded"/>\n'
            "            </xs:sequence>\n          </xs:complexType>\n        </xs:element>\n"
            f"{tail}      </xs:sequence>\n    </xs:complexType>\n  </xs:element>\n"
            f'  <xs:complexType name="record">\n{rec}  </xs:complexType>\n'
        )
        if sig:
            lines.append(SIGNATURE_TYPE)
    seen: set[str] = set()
    for f in fields:
        n = _type_name(f)
        if n not in seen:
            seen.add(n)
            lines.append(_simple_type(f))
    lines.append("</xs:schema>\n")
    return "".join(lines)


def _field_elems(fields: list[dict[str, object]]) -> str:
    out = []
    for f in fields:
        occurs = "" if f["required"] else ' minOccurs="0"'
        out.append(f'      <xs:element name="{f["name"]}" type="{_type_name(f)}"{occurs}/>\n')
    return "".join(out)


SIGNATURE_TYPE = """  <xs:complexType name="signature" mixed="true">
    <xs:sequence>
      <xs:any processContents="lax" minOccurs="0" maxOccurs="unbounded" namespace="##any"/>
    </xs:sequence>
  </xs:complexType>
"""


def envelope_xsd(version: str) -> str:
    return (
        XS_HEAD
        + f"  <!-- GIAMDINHHS envelope, version {version}; generated by xsd/generate.py, do not edit. -->\n"
        + """  <xs:element name="GIAMDINHHS">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="THONGTINDONVI">
          <xs:complexType>
            <xs:sequence>
              <xs:element name="MACSKCB" type="facility"/>
            </xs:sequence>
          </xs:complexType>
        </xs:element>
        <xs:element name="THONGTINHOSO">
          <xs:complexType>
            <xs:sequence>
              <xs:element name="NGAYLAP" type="date8"/>
              <xs:element name="SOLUONGHOSO" type="xs:positiveInteger"/>
              <xs:element name="DANHSACHHOSO">
                <xs:complexType>
                  <xs:sequence>
                    <xs:element name="HOSO" maxOccurs="unbounded">
                      <xs:complexType>
                        <xs:sequence>
                          <xs:element name="FILEHOSO" maxOccurs="unbounded">
                            <xs:complexType>
                              <xs:sequence>
                                <xs:element name="LOAIHOSO" type="tableName"/>
                                <xs:element name="NOIDUNGFILE" type="base64"/>
                              </xs:sequence>
                            </xs:complexType>
                          </xs:element>
                        </xs:sequence>
                      </xs:complexType>
                    </xs:element>
                  </xs:sequence>
                </xs:complexType>
              </xs:element>
            </xs:sequence>
          </xs:complexType>
        </xs:element>
        <xs:element name="CHUKYDONVI" type="signature" minOccurs="0"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
  <xs:simpleType name="facility">
    <xs:restriction base="xs:string">
      <xs:minLength value="1"/>
      <xs:maxLength value="5"/>
    </xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="date8">
    <xs:restriction base="xs:token">
      <xs:pattern value="\\d{8}"/>
    </xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="tableName">
    <xs:restriction base="xs:token">
      <xs:pattern value="XML([0-9]|1[0-5])"/>
    </xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="base64">
    <xs:restriction base="xs:base64Binary">
      <xs:minLength value="1"/>
      <xs:pattern value="[A-Za-z0-9+/=\\s]+"/>
    </xs:restriction>
  </xs:simpleType>
"""
        + SIGNATURE_TYPE
        + "</xs:schema>\n"
    )


def render(csv_path: Path) -> dict[str, str]:
    """All generated files as {relative path: text}."""
    spec = load_spec(csv_path)
    files: dict[str, str] = {}
    for version in VERSIONS:
        tables: dict[str, dict[str, object]] = spec[version]  # type: ignore[assignment]
        for table, t in tables.items():
            files[f"v{version}/{table}.xsd"] = table_xsd(version, table, t)
        files[f"v{version}/ENVELOPE.xsd"] = envelope_xsd(version)
        files[f"v{version}/__init__.py"] = f'"""Generated XSDs for version {version} (package data)."""\n'
    files["fields.json"] = json.dumps(spec, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    return files


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    csv_path = Path(args[0]) if args else find_csv()
    for rel, text in render(csv_path).items():
        path = HERE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"generated schemas from {csv_path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

__all__ = ["OVERRIDES", "TABLES", "VERSIONS", "find_csv", "load_spec", "main", "render"]
