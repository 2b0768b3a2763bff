"""What the panel's and the chair's views share: the current user and refusals shown on a form."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from models import RegulationType, Sector, User, db
from workflows.errors import WorkflowError

from ..i18n import refusal_text

# Workflow rules that concern one field: their message is shown next to that field.
FIELD_OF_RULE = {
    "title_required": "title",
    "members_required": "members",
    "members_role": "members",
    "quorum": "quorum",
    "vote": "vote",
    "score": "score",
    "outcome": "outcome",
    "reasons_required": "reasons",
    "responsible_official_required": "responsible_official",
    "reason_code_required": "reason_code",
    "implementation_stage": "stage",
    "effective_on_required": "effective_on",
    "ordinance_contradiction": "ordinance_change_needed",
}


def me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def place_refusal(form: FlaskForm, exc: WorkflowError) -> str | None:
    """Put a field's refusal next to the field; return the message when it concerns the form."""
    name = FIELD_OF_RULE.get(exc.rule)
    target = getattr(form, name, None) if name else None
    if target is not None and exc.status == 422:
        target.errors = [*target.errors, refusal_text(exc)]
        return None
    return refusal_text(exc)


def as_version(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def reference_lists() -> dict[str, Any]:
    """Sector and regulation-type rows by code, for labels in the current language."""
    return {
        "sector_of": {s.code: s for s in db.session.scalars(select(Sector))},
        "type_of": {t.code: t for t in db.session.scalars(select(RegulationType))},
    }
