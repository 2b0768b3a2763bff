"""Deliberation, decision and announcement pages: ``/panel`` for panel sessions (agenda, opinions,
conflicts, consensus, minutes) and ``/chair`` for decisions, announcements and implementation."""

from __future__ import annotations

from .chair import bp as chair_bp
from .panel import bp as panel_bp

__all__ = ["chair_bp", "panel_bp"]
