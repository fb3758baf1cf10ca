"""Our XSD schemas for the XML 130 family (4750 and 3176 versions) and a loader of compiled schemas.

Only lxml and xmlschema are imported here.
"""

from xsd.loader import (
    ENVELOPE,
    TABLES,
    VERSIONS,
    UnknownSchemaError,
    field_table,
    lxml_schema,
    schema_path,
    xmlschema_schema,
)

__all__ = [
    "ENVELOPE",
    "TABLES",
    "VERSIONS",
    "UnknownSchemaError",
    "field_table",
    "lxml_schema",
    "schema_path",
    "xmlschema_schema",
]
