"""Refusals raised by the workflow operations; each names the rule in Korean and English."""

from __future__ import annotations


class WorkflowError(Exception):
    """An operation was refused; nothing was changed."""

    status = 409

    def __init__(self, rule: str, message_ko: str, message_en: str) -> None:
        super().__init__(f"{message_ko} / {message_en}")
        self.rule = rule
        self.message_ko = message_ko
        self.message_en = message_en

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "message": self.message_ko, "message_en": self.message_en}


class PermissionDenied(WorkflowError):
    """The actor's role or relation to the object does not allow the operation."""

    status = 403


class TransitionNotAllowed(WorkflowError):
    """The object's current state does not allow the operation."""

    status = 409


class InvalidInput(WorkflowError):
    """A value given to the operation breaks a rule (missing reason, unknown code, ...)."""

    status = 422


class ConcurrentChange(WorkflowError):
    """Someone else changed the object since the actor loaded it."""

    status = 409


class InvalidInputs(InvalidInput):
    """Several values are invalid at once: one message per field (the first one leads)."""

    def __init__(self, errors: list[InvalidInput]) -> None:
        first = errors[0]
        super().__init__(first.rule, first.message_ko, first.message_en)
        self.errors = errors


class Bilingual(str):
    """A message for a person, in Korean and English. Its value as a string is the Korean (what
    is stored, logged and compared, as before); ``en`` is the English, which the web and the API
    show to a reader who chose English (``webapp.i18n.localised``). The workflows know no request:
    the reader's language is chosen at the edge."""

    en: str

    def __new__(cls, ko: str, en: str | None = None) -> Bilingual:
        text = super().__new__(cls, ko)
        text.en = ko if en is None else en
        return text
