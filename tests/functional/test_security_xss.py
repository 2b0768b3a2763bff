"""XSS: hostile text in the proposer's name, the proposal's text and an attachment's file name
is inert on every page for every role, in the e-mails, the exports and the API."""

from __future__ import annotations

import csv
import io
import mailbox
from pathlib import Path

import pytest
from flask import Flask

from tests.functional.security_world import World, build
from tests.functional.test_security_walks import client_as, fill, rules_with

HOSTILE = "<script>alert('xss')</script><img src=x onerror=alert(1)>\"'&"
LIVE = ("<script>alert", "<img src=x", "onerror=alert(1)>")


@pytest.fixture
def world(app: Flask) -> World:
    return build(app, hostile=HOSTILE)


def test_the_hostile_text_is_stored_as_typed(app: Flask, world: World) -> None:
    """The test is about rendering: nothing strips the text on the way in."""
    client = client_as(app, world, "citizen")
    page = client.get(f"/my/proposals/{world.ids['submitted']}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    "role", ["anonymous", "citizen", "reviewer", "panel_member", "chair", "admin", "official"]
)
def test_hostile_text_is_escaped_on_every_page(app: Flask, world: World, role: str) -> None:
    client = client_as(app, world, role)
    live = []
    for rule in rules_with(app, {"GET"}):
        if rule.endpoint == "static":
            continue
        path = fill(rule, world.ids)
        response = client.get(path)
        body = response.get_data(as_text=True) if response.mimetype.startswith("text/") else ""
        if response.mimetype == "text/html" and any(marker in body for marker in LIVE):
            live.append(path)
        if response.mimetype == "application/json":
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        response.close()
    assert live == []


def test_hostile_file_names_download_as_attachments_with_a_safe_header(
    app: Flask, world: World
) -> None:
    client = client_as(app, world, "citizen")
    response = client.get(f"/attachments/{world.ids['attachment']}")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "<script>" not in disposition and "\n" not in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"
    response.close()


def test_hostile_text_is_escaped_in_the_html_e_mails(app: Flask, world: World) -> None:
    box = mailbox.mbox(Path(app.config["MAIL_FILE"]))
    html_parts = [
        part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        for message in box
        for part in message.walk()
        if part.get_content_type() == "text/html"
    ]
    box.close()
    assert html_parts, "the submissions sent no e-mail"
    mentioning = [html for html in html_parts if "alert(" in html]
    assert mentioning, "no e-mail carries the hostile title"
    for html in mentioning:
        assert not any(marker in html for marker in LIVE)


def test_hostile_text_cannot_become_a_formula_or_markup_in_the_exports(
    app: Flask, world: World
) -> None:
    client = client_as(app, world, "reviewer")
    for name in ("proposals", "staff_proposals"):
        response = client.get(f"/open-data/{name}.csv")
        assert response.status_code == 200, name
        assert response.headers["Content-Disposition"].startswith("attachment;")
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        cells = [cell for row in rows for cell in row]
        assert any("alert(" in cell for cell in cells), name
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), name
        response.close()


def test_the_api_returns_hostile_text_as_json_data(app: Flask, world: World) -> None:
    client = app.test_client()
    response = client.get("/api/v1/repeals")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    titles = [item["title"] for item in response.get_json()]
    assert HOSTILE in titles


def test_no_template_turns_escaping_off() -> None:
    templates = Path(__file__).resolve().parents[2] / "templates"
    offenders = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if any(
            marker in path.read_text(encoding="utf-8")
            for marker in ("|safe", "| safe", "autoescape false", "|unsafe")
        )
    ]
    assert offenders == []
