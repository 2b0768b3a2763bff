"""A small world for the security walks: one object of each kind owned by someone, and an
account for each role, plus a second citizen who owns nothing of the first's."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select, text

from models import TWO_FACTOR_ROLES, Export, Role, State, User, db
from tests import factories, samples
from tests.functional.helpers import _HASH, TOTP_SECRET
from workflows import attachments, voting
from workflows.dispatch import commit


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)


def _login_ready(role: Role, name: str | None = None) -> User:
    user = factories.user(role, password_hash=_HASH, name=name)
    if role in TWO_FACTOR_ROLES:  # enrolled: the login helper types the authenticator's code
        user.totp_secret = TOTP_SECRET
    return user


def build(app: Flask, hostile: str | None = None) -> World:
    """Citizen A's draft (with an attachment), submitted and announced proposals; a panel
    session with two members; a decided proposal; an open vote; an export by the reviewer."""
    world = World()
    with app.app_context():
        office = factories.Office()
        for user in (office.reviewer, office.chair, *office.panel):
            user.password_hash = _HASH
            user.totp_secret = TOTP_SECRET
        # The proposer's name is hostile too, but not the very text of the title: a name that
        # appears in the texts is masked there (models/masking.mask_text), which would hide
        # the hostile title these walks look for.
        a = _login_ready(Role.CITIZEN, name=f"{hostile}홍길동" if hostile else None)
        b = _login_ready(Role.CITIZEN)
        overrides = {"title": hostile, "problem": hostile} if hostile else {}
        draft = factories.proposal_in(State.DRAFT, proposer=a, office=office)
        submitted = factories.submitted(a, **overrides)
        announced = factories.proposal_in(State.ANNOUNCED, proposer=a, office=office)
        deliberating = factories.proposal_in(
            State.IN_DELIBERATION, proposer=a, office=office, panel=office.panel[:2]
        )
        decided = factories.proposal_in(State.DECIDED, proposer=a, office=office)
        if hostile:  # the public pages show announced proposals: give one the hostile text too
            announced.title = announced.problem = hostile
        attachment = attachments.add_attachment(
            db.session,
            a,
            data=samples.pdf(),
            filename=f"{hostile or '근거'}.pdf",
            form_key="k" * 32,
            proposal=draft,
            directory=Path(app.config["ATTACHMENT_DIR"]),
            limits=attachments.Limits(10_000_000, 5, 100_000_000),
        )
        admin = _login_ready(Role.ADMIN)
        now = datetime.now(UTC)
        vote = voting.open_round(
            db.session,
            admin,
            title="투표",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=7),
            max_picks=1,
            candidates=[announced],
        )
        export = Export(
            token="staff-export-token-" + hashlib.sha256(b"x").hexdigest()[:16],
            dataset="staff_proposals",
            format="csv",
            filters={},
            requested_by_id=office.reviewer.id,
        )
        db.session.add(export)
        world.users = {
            "citizen": a,
            "other_citizen": b,
            "official": _login_ready(Role.OFFICIAL),
            "agency_staff": _login_ready(Role.AGENCY_STAFF),
            "reviewer": office.reviewer,
            "panel_member": office.panel[0],
            "outside_panel_member": office.panel[2],
            "chair": office.chair,
            "admin": admin,
        }
        db.session.flush()
        panel_id = db.session.scalar(text("SELECT max(id) FROM panel_session"))
        item_id = db.session.scalar(text("SELECT max(id) FROM agenda_item"))
        world.ids = {
            "draft": draft.id,
            "submitted": submitted.id,
            "submitted_receipt": submitted.receipt_no,
            "announced": announced.id,
            "announced_receipt": announced.receipt_no,
            "deliberating": deliberating.id,
            "decided": decided.id,
            "repeal_no": announced.repeal_no,
            "attachment": attachment.id,
            "panel": panel_id,
            "item": item_id,
            "vote": vote.id,
            "export_token": export.token,
            "announcement": db.session.scalar(text("SELECT max(id) FROM announcement")),
            "admin_user": admin.id,
            "organisation": a.organisation_id or office.reviewer.organisation_id,
        }
        commit(db.session)
        for user in world.users.values():
            db.session.refresh(user)
            db.session.expunge(user)
    return world


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (call inside an app context): equal snapshots, nothing changed."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table)).all()
        state[table.name] = sorted((tuple(map(repr, row)) for row in rows), key=repr)
    db.session.rollback()
    return state
