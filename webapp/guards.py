"""Role guards applied to whole blueprints (object checks live in the workflows' ``can_*``)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, abort
from flask_login import current_user

from models import Role

from .extensions import login_manager


def require_roles(bp: Blueprint, roles: Iterable[Role]) -> None:
    """Every route of ``bp`` needs a logged-in user with one of ``roles``; others get 403."""
    allowed = frozenset(roles)

    @bp.before_request
    def _guard() -> object | None:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in allowed:
            abort(403)
        return None
