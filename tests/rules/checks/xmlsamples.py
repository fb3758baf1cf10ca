"""Minimal safe reader of XML 130 envelopes into the plain-mapping input of `rules.checks`.

Test helper only (the real reader is `claims.exchange.reader`, built elsewhere). Handles inline,
base64 and wrapped base64 `NOIDUNGFILE`; entities and network access are off.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from lxml import etree

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)


def shared_dir() -> Path:
    env = os.environ.get("CLAIMS_SHARED_DIR")
    if env:
        return Path(env)
    root = Path(__file__).resolve().parents[3]
    # `../shared` relative to the repo root; worktrees live one level deeper.
    for base in (root, *root.parents):
        candidate = base.parent / "shared"
        if (candidate / "spec").is_dir():
            return candidate
    return root / ".." / "shared"


def samples_dir() -> Path:
    return shared_dir() / "samples" / "xml130"


_SINGLE_RECORD = {"XML1", "XML7", "XML8", "XML10", "XML11", "XML13", "XML14"}


def _records(kind: str, table_root: etree._Element) -> list[dict[str, str]]:
    """A table is either a single record (fields are direct children) or a list of records."""
    children = [c for c in table_root if isinstance(c.tag, str)]
    if kind in _SINGLE_RECORD:
        return [{c.tag: (c.text or "") for c in children}]
    out: list[dict[str, str]] = []
    for lst in children:
        for rec in lst:
            if isinstance(rec.tag, str):
                out.append({f.tag: (f.text or "") for f in rec if isinstance(f.tag, str)})
    return out


def read_envelope(data: bytes) -> list[dict[str, list[dict[str, str]]]]:
    """Return one `{table: [record, ...]}` mapping per HOSO of the envelope."""
    root = etree.fromstring(data, _PARSER)
    claims: list[dict[str, list[dict[str, str]]]] = []
    for hoso in root.iter("HOSO"):
        tables: dict[str, list[dict[str, str]]] = {}
        for fh in hoso.iter("FILEHOSO"):
            kind = (fh.findtext("LOAIHOSO") or "").strip()
            content = fh.find("NOIDUNGFILE")
            if content is None or not kind:
                continue
            inner = [c for c in content if isinstance(c.tag, str)]
            if inner:
                table_root = inner[0]
            else:
                text = "".join((content.text or "").split())
                if not text:
                    continue
                raw = text.encode() if text.startswith("<") else base64.b64decode(text)
                # Known exporter typo (samples README): a space instead of a hyphen in the xsi URI.
                raw = raw.replace(b"XMLSchema instance", b"XMLSchema-instance")
                table_root = etree.fromstring(raw, _PARSER)
            tables[kind] = _records(kind, table_root)
        claims.append(tables)
    return claims


def read_file(path: Path) -> list[dict[str, list[dict[str, str]]]]:
    return read_envelope(path.read_bytes())
