"""The English catalog covers every interface string and its compiled form is current."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "webapp" / "translations"
# As the Makefile `translations` target: Babel default keywords plus -k _l -k lazy_gettext.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def _english_catalog():
    with open(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale="en")


def _translations(catalog):  # type: ignore[no-untyped-def]
    return {m.id: m.string for m in catalog if m.id and not m.fuzzy}


def test_english_catalog_is_complete_and_compiled():
    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        template = read_po(f)
    catalog = _english_catalog()
    untranslated = [
        m.id for m in template if m.id and not (catalog.get(m.id) and catalog.get(m.id).string)
    ]
    assert untranslated == []
    assert [m.id for m in catalog if m.fuzzy and m.id] == []  # fuzzy entries are not compiled
    # Compare what the compiled file translates, not its bytes: its header names the Babel
    # version that wrote it, which changes with every Babel release.
    with open(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo", "rb") as f:
        compiled = read_mo(f)
    assert _translations(compiled) == _translations(catalog)


def test_every_string_in_the_source_tree_has_an_english_translation():
    """Extract afresh (not from the checked-in .pot), so a new Korean string must be translated."""
    with open(ROOT / "webapp" / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, filename=str(f.name))
    extracted = {
        (message, context)
        for _filename, _lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS
        )
    }
    assert len(extracted) > 100, "extraction found suspiciously few messages"
    catalog = _english_catalog()
    missing = []
    for message, context in sorted(extracted, key=repr):
        msgid = message[0] if isinstance(message, tuple) else message
        if not msgid:
            continue
        entry = catalog.get(msgid, context=context)
        if entry is None or entry.fuzzy:
            missing.append(msgid)
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(strings):
            missing.append(msgid)
    assert missing == [], "run `make translations` and translate these in en/messages.po"


def test_templates_translate_in_the_request_s_language_and_follow_a_forced_one(app):
    """The templates' gettext keeps the catalogue per request and locale (webapp/i18n.py): a
    forced locale (an e-mail in its recipient's language) and the request's own after it, and
    a second request in another language, each get theirs."""
    from flask import render_template_string
    from flask_babel import force_locale, refresh

    page = "{{ _('검토') }}|{{ ngettext('%(num)s건', '%(num)s건', 2) }}"
    with app.test_request_context("/?lang=en"):
        assert render_template_string(page).startswith("Review|")
        with force_locale("ko"):
            assert render_template_string(page) == "검토|2건"
        assert render_template_string(page).startswith("Review|")
        refresh()
        assert render_template_string(page).startswith("Review|")
    with app.test_request_context("/?lang=ko"):
        assert render_template_string(page) == "검토|2건"
    with app.test_request_context("/?lang=en"), force_locale("ko"):
        assert render_template_string(page) == "검토|2건"
