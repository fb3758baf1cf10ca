"""UI translations with gettext: Vietnamese by default, English available.

Messages in the templates and code are English msgids; ``locale/<lang>/LC_MESSAGES/messages.po`` holds
the translations. A compiled ``messages.mo`` next to it is used when it is at least as new as the ``.po``
(``pybabel compile -d claims/web/locale``); otherwise the ``.po`` is compiled in memory with Babel, so a
fresh clone works without a build step.
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
DOMAIN = "messages"


def _compile_po(po_path: Path) -> gettext.GNUTranslations:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=po_path.parent.parent.name)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of ``lang`` (a NullTranslations — the msgids themselves — when it has none)."""
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if po.exists():
        return _compile_po(po)
    return gettext.NullTranslations()


def pick_language(requested: str | None, cookie: str | None, default: str) -> str:
    for candidate in (requested, cookie, default):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE
