"""Translations: every UI message has its Vietnamese text, catalogues load from the .po of a fresh clone,
and the extraction finds what the templates use."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from claims.web import i18n, messages


def test_every_message_is_translated_into_vietnamese() -> None:
    extracted = {m.id for m in messages.extract() if m.id}
    with (i18n.LOCALE_DIR / "vi" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="vi")
    translated = {m.id for m in catalog if m.id and m.string}
    assert "Work queue" in extracted and "needs fix" in extracted and "billing" in extracted
    missing = sorted(str(m) for m in extracted - translated)
    assert missing == [], f"run `claims ui-messages` and translate: {missing}"


def test_catalogue_loads_from_po_without_mo(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "vi" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                                        'msgid "Work queue"\nmsgstr "Danh sách hồ sơ"\n', encoding="utf-8")  # fmt: skip
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        assert i18n.translations("vi").gettext("Work queue") == "Danh sách hồ sơ"
        assert i18n.translations("en").gettext("Work queue") == "Work queue"
    finally:
        i18n.translations.cache_clear()


def test_compiled_catalogue_is_used_when_fresh(tmp_path: Path, monkeypatch) -> None:
    import shutil

    folder = tmp_path / "vi" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(i18n.LOCALE_DIR / "vi" / "LC_MESSAGES" / "messages.po", folder / "messages.po")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(messages, "LOCALE_DIR", tmp_path)
    assert messages.compile_all() == [folder / "messages.mo"]
    i18n.translations.cache_clear()
    try:
        assert i18n.translations("vi").gettext("Sign in") == "Đăng nhập"
    finally:
        i18n.translations.cache_clear()


def test_language_choice() -> None:
    assert i18n.pick_language(None, None, "vi") == "vi"
    assert i18n.pick_language("en", "vi", "vi") == "en"
    assert i18n.pick_language("fr", "en", "vi") == "en"
    assert i18n.pick_language("xx", "yy", "zz") == "vi"
