r"""A typed pre-check of the records we write against the facets of our XSDs (no parsing of the output).

The writer emits every element of a table's field list, in order, with text made by fixed rules (an int as
its digits, money at 2 decimals, a string escaped so it parses back to itself). So a written table is valid
under our schema exactly when every value's text satisfies its element's simple type. This module reads the
checked-in XSD (``xsd/v*/XML*.xsd``), confirms that its record sequence is the writer's field list (names,
order, occurrences, nothing fixed or nillable), and turns each simple type into a rule that can only say
"valid" when libxml2 would too:

- text fields (``xs:string``, or ``xs:token`` with a pattern that cannot match white space, so the token
  collapse changes nothing): length facets, the pattern and "only characters XML allows" on the value,
  which is what the element holds once parsed;
- decimals: length facets and the pattern on the written text (digits, sign, point);
- ints: a range keeping ``str(v)`` within ``maxLength`` (``-?\d+`` holds for any int).

Patterns are translated only when made of ``\d``, ``[^;]``, ``\.``, ``-``, ``;``, groups and quantifiers,
which mean the same in both languages (``\d`` becomes ``[0-9]``, a subset of XSD's Unicode digits). Anything
else (another facet or base, a pattern outside that grammar, a sequence unlike the writer's) makes the table
"not pre-checkable" and every document of it goes to libxml2. The writer applies the rules through its text
caches (``claims.exchange.writer``); a record it cannot vouch for (a value failing a rule, a raw value the
reader could not type, an int field holding something else) sends its table document to libxml2, which
then names the problems. So the outcome is libxml2's in every case; only vouched-for documents skip parsing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from lxml import etree

from claims.exchange.model import SPECS
from claims.exchange.spec import FieldSpec
from xsd import schema_path

XS = "{http://www.w3.org/2001/XMLSchema}"
#: Characters XML 1.0 does not allow (C0 controls other than TAB, LF, CR; U+FFFE, U+FFFF; lone surrogates).
ILLEGAL_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
#: The pattern grammar we translate: these tokens only, each meaning the same in XSD and Python regexes.
_PATTERN_TOKEN = re.compile(r"\\d|\\\.|\[\^;\]|\{\d+(?:,\d+)?\}|[()?*+;-]")
_INT_PATTERNS = (r"-?\d+", r"(-?\d+)?")


@dataclass(frozen=True, slots=True)
class SimpleType:
    """One ``xs:simpleType`` of our schemas: base, length bounds and pattern (None when absent)."""

    name: str
    base: str
    max_length: int | None
    min_length: int | None
    pattern: str | None


class Unsupported(ValueError):
    """The schema uses something the pre-check does not model: leave the table to libxml2."""


def _python_pattern(pattern: str, token: bool) -> str:
    """The Python regex matching a subset of what the XSD pattern matches (the whole value), or Unsupported."""
    pos = 0
    out: list[str] = []
    for m in _PATTERN_TOKEN.finditer(pattern):
        if m.start() != pos:
            raise Unsupported(f"pattern {pattern!r}: {pattern[pos:m.start()]!r}")
        tok = m.group()
        if tok == "[^;]" and token:
            raise Unsupported(f"pattern {pattern!r} may match white space in a token type")
        out.append("[0-9]" if tok == r"\d" else tok)
        pos = m.end()
    if pos != len(pattern):
        raise Unsupported(f"pattern {pattern!r}: {pattern[pos:]!r}")
    return "".join(out)


def simple_types(root: etree._Element) -> dict[str, SimpleType]:
    """The named simple types of one schema document."""
    out: dict[str, SimpleType] = {}
    for st in root.iterchildren(f"{XS}simpleType"):
        restrictions = list(st.iterchildren(f"{XS}restriction"))
        if len(restrictions) != 1:
            raise Unsupported(f"simple type {st.get('name')}: not one restriction")
        r = restrictions[0]
        facets: dict[str, str] = {}
        for facet in r:
            if not isinstance(facet.tag, str):
                continue
            tag = facet.tag.removeprefix(XS)
            if tag not in ("maxLength", "minLength", "pattern") or tag in facets:
                raise Unsupported(f"simple type {st.get('name')}: facet {tag}")
            facets[tag] = str(facet.get("value"))
        name = str(st.get("name"))
        out[name] = SimpleType(
            name,
            str(r.get("base")),
            int(facets["maxLength"]) if "maxLength" in facets else None,
            int(facets["minLength"]) if "minLength" in facets else None,
            facets.get("pattern"),
        )
    return out


def _sequence(parent: etree._Element) -> list[etree._Element]:
    """The ``xs:element`` children of the one ``xs:sequence`` of a complex type (nothing else allowed)."""
    seqs = list(parent.iterchildren(f"{XS}sequence"))
    if len(seqs) != 1 or [c for c in parent if isinstance(c.tag, str) and c.tag != f"{XS}sequence"]:
        raise Unsupported("complex type is not one sequence")
    kids = [c for c in seqs[0] if isinstance(c.tag, str)]
    if any(c.tag != f"{XS}element" for c in kids):
        raise Unsupported("sequence holds something other than elements")
    return kids


def record_elements(version: str, table: str) -> tuple[list[etree._Element], dict[str, SimpleType]]:
    """The record's element declarations (in order) and the simple types, after checking the tags."""
    spec = SPECS[version][table]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.parse(str(schema_path(version, table)), parser).getroot()
    tops = list(root.iterchildren(f"{XS}element"))
    if len(tops) != 1:
        raise Unsupported("not one top element")
    top = tops[0]
    if spec.list_tag is None:
        if top.get("name") != spec.record:
            raise Unsupported("root is not the record")
        fields = _sequence(top.find(f"{XS}complexType"))  # type: ignore[arg-type]
    else:
        if top.get("name") != spec.root:
            raise Unsupported("root element name")
        outer = _sequence(top.find(f"{XS}complexType"))  # type: ignore[arg-type]
        if outer[0].get("name") != spec.list_tag or any(e.get("minOccurs") != "0" for e in outer[1:]):
            raise Unsupported("list element")  # anything after the list must be optional (CHUKYDONVI)
        inner = _sequence(outer[0].find(f"{XS}complexType"))  # type: ignore[arg-type]
        if (
            len(inner) != 1
            or inner[0].get("name") != spec.record
            or inner[0].get("maxOccurs") != "unbounded"
            or inner[0].get("minOccurs") not in (None, "0", "1")
        ):
            raise Unsupported("record element")
        rec_types = [t for t in root.iterchildren(f"{XS}complexType") if t.get("name") == inner[0].get("type")]
        if len(rec_types) != 1:
            raise Unsupported("record type")
        fields = _sequence(rec_types[0])
    if [e.get("name") for e in fields] != [f.name for f in spec.fields]:
        raise Unsupported("the schema's record sequence is not the writer's field list")
    if any(e.get("maxOccurs") not in (None, "1") or e.get("minOccurs") not in (None, "0", "1") for e in fields):
        raise Unsupported("occurrence bounds")
    if any(set(e.attrib) - {"name", "type", "minOccurs", "maxOccurs"} for e in fields):
        raise Unsupported("a field element with a fixed or default value, or nillable")
    return fields, simple_types(root)


# ------------------------------------------------------------------------------------------- acceptance
def _text_ok(st: SimpleType, text: str, rx: re.Pattern[str] | None) -> bool:
    if st.max_length is not None and len(text) > st.max_length:
        return False
    if st.min_length is not None and len(text) < st.min_length:
        return False
    return rx is None or rx.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class IntRule:
    """An int field: the written text (``str(v)``, "" for None) is valid when ``v`` is an int within
    ``lo < v < hi`` (or None when ``none_ok``)."""

    lo: int | None
    hi: int | None
    none_ok: bool


def _accept_text(st: SimpleType, token: bool) -> Callable[[Any, str], bool]:
    rx = re.compile(_python_pattern(st.pattern, token)) if st.pattern is not None else None

    def accept(v: Any, text: str) -> bool:
        # the element's content after parsing is the value itself ("" for a falsy value): escaping undone
        s = v if v else ""
        return s.__class__ is str and ILLEGAL_XML_CHAR.search(s) is None and _text_ok(st, s, rx)

    return accept


def _accept_number(st: SimpleType) -> Callable[[Any, str], bool]:
    rx = re.compile(_python_pattern(st.pattern, True)) if st.pattern is not None else None
    return lambda v, text: _text_ok(st, text, rx)  # the text is digits, sign and point: no escaping, no space


Rule = IntRule | Callable[[Any, str], bool]


def field_rule(f: FieldSpec, st: SimpleType) -> Rule:
    """How to tell that the text the writer makes of a value of ``f`` satisfies ``st``.

    Ints: an :class:`IntRule` on the value (the writer formats them inline). Everything else: a function of
    (value, written text) used by the writer's text caches (see ``claims.exchange.writer``): decimals are
    judged on their text, strings on their value (which is what the element holds once parsed).
    """
    if f.kind in ("int", "dec"):
        if st.base != "xs:token" or st.min_length is not None:
            raise Unsupported(f"{f.name}: numeric field of base {st.base}")
        if f.kind == "dec":
            return _accept_number(st)
        optional = st.pattern == _INT_PATTERNS[1]
        if st.pattern not in _INT_PATTERNS:
            raise Unsupported(f"{f.name}: pattern {st.pattern!r}")
        if st.max_length is None:
            return IntRule(None, None, optional)
        # str(v) has at most N characters: N digits, or a sign and N - 1 digits
        return IntRule(-(10 ** (st.max_length - 1)), 10**st.max_length, optional)
    token = st.base == "xs:token"
    if st.base not in ("xs:string", "xs:token") or (token and st.min_length is not None):
        raise Unsupported(f"{f.name}: base {st.base}")  # (a token's length is taken after white space collapse)
    return _accept_text(st, token)


@cache
def record_rules(version: str, table: str) -> tuple[tuple[Rule, SimpleType], ...] | None:
    """Per field of ``table`` (the writer's order) its rule and simple type; None when the schema is outside
    what the pre-check models."""
    try:
        elements, types = record_elements(version, table)
        out = []
        for f, el in zip(SPECS[version][table].fields, elements, strict=True):
            st = types.get(str(el.get("type")))
            if st is None:
                raise Unsupported(f"{f.name}: type {el.get('type')} is not a local simple type")
            out.append((field_rule(f, st), st))
    except Unsupported:
        return None
    return tuple(out)


__all__ = ["ILLEGAL_XML_CHAR", "IntRule", "SimpleType", "Unsupported", "field_rule", "record_elements", "record_rules"]
