"""Template filters and globals: Seoul time, labels in the current language, number format."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, g, request
from markupsafe import Markup, escape

from models import as_utc
from models.masking import mask_text
from workflows.numbering import SEOUL


def seoul(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return as_utc(value).astimezone(SEOUL).strftime(fmt)


def label(value: Any) -> str:
    """The label of an enum member or a reference row in the current language."""
    if value is None:
        return ""
    english = getattr(g, "lang", "ko") == "en"
    if hasattr(value, "label_en") and hasattr(value, "label"):
        return str(value.label_en if english else value.label)
    if hasattr(value, "label_ko"):
        return str(value.label_en if english else value.label_ko)
    return str(value)


def number(value: int | None) -> str:
    return f"{value or 0:,}"


def nl2br(value: str | None) -> Markup:
    return Markup("<br>").join(escape(value or "").splitlines())


def query_with(**changes: str) -> str:
    """This page's query string with some parameters replaced (the language links keep the
    filters and the page a visitor is on)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in changes]
    return "?" + urlencode([*args, *changes.items()])


def register(app: Flask) -> None:
    app.add_template_global(query_with)
    app.add_template_filter(seoul)
    app.add_template_filter(label)
    app.add_template_filter(number)
    app.add_template_filter(nl2br)
    app.add_template_filter(mask_text, name="mask")
