"""The reader's language at the edge: the workflows' messages come in Korean and English (a
``Bilingual`` field message, a refusal's ``message_ko``/``message_en``), and the page or API answer
shows the one the reader chose (``?lang=en`` or the language switch)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import has_request_context
from flask_babel import get_locale

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
