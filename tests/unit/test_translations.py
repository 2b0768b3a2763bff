"""The English catalog covers every interface string and its compiled form is current."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "webapp" / "translations"


def test_english_catalog_is_complete_and_compiled():
    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        template = read_po(f)
    with open(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f, locale="en")
    untranslated = [
        m.id for m in template if m.id and not (catalog.get(m.id) and catalog.get(m.id).string)
    ]
    assert untranslated == []
    assert [m.id for m in catalog if m.fuzzy and m.id] == []  # fuzzy entries are not compiled
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    assert (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo").read_bytes() == compiled.getvalue()
