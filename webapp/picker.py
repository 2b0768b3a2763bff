"""The picker forms (a vote round's candidates, an announcement's decisions): a filtered, capped
page of a large set with checkboxes, moved through without JavaScript.

The filter, "next" and "clear" are submit buttons of the form that is finally saved, so every
move posts what was typed and every box ticked so far (the ticked boxes outside the page shown
are listed again, still ticked); the view answers a move with the form again and changes
nothing. Only the form's own save button changes data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import request

from workflows.errors import InvalidInput

from .i18n import refusal_text

# The ``picker`` button values; "next" is the button named ``after`` (its value the key the
# next page starts after).
SEARCH = "search"
CLEAR = "clear"
NEXT = "next"


def move() -> str | None:
    """``SEARCH``, ``NEXT`` or ``CLEAR`` when one of the picker's buttons submitted the form;
    None for a GET and for the form's own save button."""
    if request.method != "POST":
        return None
    if "after" in request.form:
        return NEXT
    chosen = request.form.get("picker")
    return chosen if chosen in (SEARCH, CLEAR) else None


def param(name: str) -> str:
    """A filter value: from the posted form (which carries the filter fields), else from the
    address (a link, or a form posted to an address that kept the filter)."""
    if request.method == "POST" and name in request.form:
        return request.form.get(name, "")
    return request.args.get(name, "")


def page_key() -> int | None:
    """The key the page to show starts after: the "next" button's, none after a new search, else
    the page shown when the form was posted (kept in ``page_after``) or the address's ``after``."""
    current = move()
    if current == SEARCH:
        return None
    if current == NEXT:
        raw = request.form.get("after", "")
    elif request.method == "POST" and "page_after" in request.form:
        raw = request.form.get("page_after", "")
    else:
        raw = request.args.get("after", "")
    try:
        key = int(raw)
    except ValueError:
        return None
    return key if key > 0 else None


def keep_ticks(field: Any, cap: int, check: Callable[[list[int]], object]) -> None:
    """What a move does to the ticked boxes (``field``): "clear" unticks them all; more than
    ``cap`` get the refusal that ``check`` (the save's own loader) raises, on the field, since
    the boxes past the cap cannot all be listed again."""
    current = move()
    if current == CLEAR:
        field.data = []
    elif current and len(set(field.data or [])) > cap:
        try:
            check(field.data or [])
        except InvalidInput as exc:
            field.errors = [refusal_text(exc)]


def drop_gone(
    field: Any, cap: int, still_there: Iterable[int], message: Callable[[int], str]
) -> None:
    """On a move, the ticked boxes whose item is no longer in the set (another member of staff
    announced it, or it was withdrawn, meanwhile) cannot be listed again: they are unticked and
    the field says how many, rather than losing them unsaid. On the save the save's own refusal
    names them (nothing is dropped from what is saved), and past the cap ``keep_ticks`` has
    said so already (the boxes past it were not looked up)."""
    ticked = set(field.data or [])
    if move() is None or len(ticked) > cap:
        return
    gone = ticked - set(still_there)
    if gone:
        field.data = [i for i in field.data if i not in gone]
        field.errors = [message(len(gone))]
