"""Cached compiled schemas: lxml (libxml2) for speed, xmlschema where a readable error path is needed."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import xmlschema
from lxml import etree

HERE = Path(__file__).resolve().parent
VERSIONS = ("4750", "3176")
TABLES = tuple(f"XML{i}" for i in range(16))
ENVELOPE = "ENVELOPE"


class UnknownSchemaError(KeyError):
    """No schema for this (version, table)."""


def schema_path(version: str, table: str) -> Path:
    """Path of the XSD for ``table`` (``XML0``…``XML15`` or ``ENVELOPE``) in ``version`` (4750 or 3176)."""
    if version not in VERSIONS or (table not in TABLES and table != ENVELOPE):
        raise UnknownSchemaError(f"no schema for version {version!r}, table {table!r}")
    return HERE / f"v{version}" / f"{table}.xsd"


@cache
def lxml_schema(version: str, table: str) -> etree.XMLSchema:
    """The compiled libxml2 schema (fast; use for bulk validation)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(schema_path(version, table)), parser))


@cache
def xmlschema_schema(version: str, table: str) -> xmlschema.XMLSchema10:
    """The xmlschema schema (slow; readable error paths and reasons)."""
    return xmlschema.XMLSchema10(str(schema_path(version, table)))


@cache
def field_table() -> dict[str, Any]:
    """The normalised field list the schemas were generated from (``fields.json``)."""
    with (HERE / "fields.json").open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data
