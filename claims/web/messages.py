"""Maintaining the UI catalogues: extract the msgids of templates and code, update each language's
``.po`` (new msgids added empty, vanished ones marked obsolete), compile ``.mo`` files."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from claims.web.i18n import DOMAIN, LANGUAGES, LOCALE_DIR

WEB_DIR = Path(__file__).parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2.ext:babel_extract")]


def extract() -> Catalog:
    """Every translatable message of the web package."""
    template = Catalog(project="bhyt-claims", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(WEB_DIR), METHODS, keywords=KEYWORDS, strip_comment_tags=True
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def update(template: Catalog) -> dict[str, int]:
    """Merge ``template`` into each language's ``.po``; returns the untranslated count per language."""
    missing: dict[str, int] = {}
    for lang in LANGUAGES:
        po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        po.parent.mkdir(parents=True, exist_ok=True)
        if po.exists():
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=lang)
        else:
            catalog = Catalog(locale=lang, project="bhyt-claims", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        with po.open("wb") as handle:
            write_po(handle, catalog, width=120, omit_header=False, ignore_obsolete=True)
        missing[lang] = sum(1 for m in catalog if m.id and not m.string)
    return missing


def compile_all() -> list[Path]:
    """Write ``messages.mo`` next to each ``messages.po``."""
    written = []
    for po in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parent.parent.name)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(mo)
    return written
