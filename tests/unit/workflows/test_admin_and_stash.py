"""Admin operations refuse non-administrators and audit only real changes; a form stash is
given back once, to the right page, within its day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import AdminAuditEntry, OrganisationKind, Role, db, utcnow
from tests import factories
from workflows import admin, assisted, logins, stash
from workflows.errors import PermissionDenied
from workflows.intake import FieldErrors


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_an_administrator_may_change_records(ctx, role):
    actor = factories.user(role)
    with pytest.raises(PermissionDenied):
        admin.create_organisation(
            db.session, actor, code="x_org", name="x", kind=OrganisationKind.DISTRICT
        )
    with pytest.raises(PermissionDenied):
        admin.set_user_active(db.session, actor, factories.user(Role.CITIZEN), active=False)
    assert db.session.scalar(select(func.count(AdminAuditEntry.id))) == 0


def test_an_edit_that_changes_nothing_is_not_audited(ctx):
    chief = factories.user(Role.ADMIN)
    org = admin.create_organisation(
        db.session, chief, code="seocho", name="서초구", kind=OrganisationKind.DISTRICT
    )
    admin.update_organisation(db.session, chief, org, name="서초구", kind=OrganisationKind.DISTRICT)
    assert db.session.scalar(select(func.count(AdminAuditEntry.id))) == 1


def test_a_deactivated_user_loses_every_session(ctx):
    chief = factories.user(Role.ADMIN)
    reviewer = factories.user(Role.REVIEWER)
    phone, laptop = (
        logins.start(db.session, reviewer, address="203.0.113.7", user_agent="")[0]
        for _ in range(2)
    )
    admin.set_user_active(db.session, chief, reviewer, active=False)
    assert not reviewer.active
    db.session.expire_all()
    assert phone.ended_at is not None and laptop.ended_at is not None


def test_a_stash_is_claimed_once_for_its_page_and_expires(ctx):
    key = stash.stash_form(
        db.session, form="proposal", target="/my/proposals/new", data={"title": "제목"}
    )
    assert stash.claim_stash(db.session, key, form="proposal", target="/other") is None
    assert (
        stash.claim_stash(db.session, "wrong", form="proposal", target="/my/proposals/new") is None
    )
    assert stash.claim_stash(db.session, key, form="proposal", target="/my/proposals/new") == {
        "title": "제목"
    }
    assert stash.claim_stash(db.session, key, form="proposal", target="/my/proposals/new") is None
    old = stash.stash_form(db.session, form="proposal", target="/t", data={})
    later = utcnow() + stash.KEEP_FOR + timedelta(minutes=1)
    assert stash.claim_stash(db.session, old, form="proposal", target="/t", at=later) is None


def test_only_reviewers_and_officials_enter_proposals_for_citizens(ctx):
    for role in (Role.CITIZEN, Role.AGENCY_STAFF, Role.PANEL_MEMBER, Role.CHAIR, Role.ADMIN):
        with pytest.raises(PermissionDenied):
            assisted.enter_proposal(
                db.session,
                factories.user(role),
                factories.fields(),
                citizen_name="김민원",
                citizen_phone="010-1234-5678",
                citizen_email=None,
                channel_code="petition_desk",
                consent_method="written",
            )
    with pytest.raises(FieldErrors) as refused:
        assisted.enter_proposal(
            db.session,
            factories.user(Role.OFFICIAL),
            factories.fields(),
            citizen_name="김민원",
            citizen_phone="010-1234-5678",
            citizen_email=None,
            channel_code="petition_desk",
            consent_method="nodded",
        )
    assert set(refused.value.errors) == {"consent_method"}
