"""The reader's language at the edge: the workflows' messages come in Korean and English (a
``Bilingual`` field message, a refusal's ``message_ko``/``message_en``), and the page or API answer
shows the one the reader chose (``?lang=en`` or the language switch)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, g, has_app_context, has_request_context
from flask_babel import get_locale, get_translations

from workflows.errors import Bilingual, WorkflowError
from workflows.korean import particle


def english() -> bool:
    """Whether the reader of this request chose English."""
    if not has_request_context():
        return False
    locale = get_locale()
    return locale is not None and locale.language == "en"


def localised(message: str) -> str:
    """A message in the reader's language (Korean when it has no English)."""
    if isinstance(message, Bilingual) and english():
        return message.en
    return str(message)


def localised_errors(errors: Mapping[str, str]) -> dict[str, str]:
    """One message per field, each in the reader's language; the field names are unchanged."""
    return {name: localised(message) for name, message in errors.items()}


def refusal_text(exc: WorkflowError) -> str:
    """What a refused operation says to the reader."""
    return exc.message_en if english() else exc.message_ko


def topic(label: str) -> str:
    """A field's name as the subject of a message: in Korean with its particle 은/는 ("분야는",
    "쪽 번호는"), in English as it is. ``label`` is a lazy gettext string of the Korean name; the
    message is ``_("%(label)s …", label=topic(...))`` with the same placeholder in English."""
    return str(label) if english() else particle(str(label), "은", "는")


def _translations() -> Any:
    """The current locale's catalogue, looked up once per request and locale. Flask-Babel's own
    lookup (the domain, the locale, its name, the cache) costs about 16 µs a call, and a page
    translates a few hundred strings (322 on a reviewer's queue page: 5 ms of it). Kept beside
    Flask-Babel's own state for the request, with the locale it is for, so that ``force_locale``
    (an e-mail in its recipient's language) and a refreshed locale are followed."""
    state = g.get("_flask_babel") if has_app_context() else None
    if state is not None:
        held = getattr(state, "regrepeal_translations", None)
        if held is not None and held[0] is getattr(state, "babel_locale", None):
            return held[1]
    translations = get_translations()
    state = g.get("_flask_babel") if has_app_context() else None
    locale = getattr(state, "babel_locale", None) if state is not None else None
    if locale is not None:
        state.regrepeal_translations = (locale, translations)
    return translations


def install_template_gettext(app: Flask) -> None:
    """The templates' ``_``/``gettext``/``ngettext`` through ``_translations`` (Flask-Babel
    installs the same callables over its per-call lookup)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
