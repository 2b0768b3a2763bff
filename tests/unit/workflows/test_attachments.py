"""Attachments are accepted by what their content is, within the size and count limits, and
stored under random names; only the uploader, the proposer and office staff may open them."""

from __future__ import annotations

from pathlib import Path

import pytest

from models import Attachment, Role, State, db
from tests import factories, samples
from workflows import attachments
from workflows.attachments import AttachmentRefused, Limits

LIMITS = Limits(max_bytes=200_000, max_count=3, max_uncompressed=1_000_000)


@pytest.mark.parametrize("kind", sorted(samples.SAMPLES))
def test_every_allowed_kind_is_recognised_by_its_content(kind):
    name, make = samples.SAMPLES[kind]
    assert attachments.check_file(make(), name, LIMITS) == kind


@pytest.mark.parametrize(
    ("name", "data", "rule"),
    [
        ("script.pdf", b"#!/bin/sh\nrm -rf /\n", "forbidden_type"),
        ("program.exe", b"MZ\x90\x00" + b"\0" * 100, "forbidden_type"),
        ("notes.hwp", samples.ole_file("WordDocument", b"not hwp"), "forbidden_type"),
        ("archive.docx", samples.zip_file({"readme.txt": b"hello"}), "forbidden_type"),
        ("사진.pdf", samples.png(), "name_mismatch"),
        ("문서.docx", samples.xlsx(), "name_mismatch"),
        ("empty.pdf", b"", "empty"),
        ("big.pdf", samples.pdf() + b"\0" * 200_001, "too_large"),
        ("bomb.docx", samples.zip_bomb(2_000_000), "zip_bomb"),
    ],
)
def test_forbidden_misnamed_oversized_and_bomb_files_are_refused_with_a_reason(name, data, rule):
    with pytest.raises(AttachmentRefused) as refused:
        attachments.check_file(data, name, LIMITS)
    assert refused.value.rule == f"attachment.{rule}"
    assert refused.value.message_ko.startswith(name) and refused.value.message_en


def test_a_zip_bomb_is_refused_without_being_inflated():
    bomb = samples.zip_bomb(50_000_000)
    assert len(bomb) < 100_000  # small on the wire, 50 MB declared
    with pytest.raises(AttachmentRefused, match="압축을 풀면"):
        attachments.check_file(bomb, "bomb.docx", LIMITS)


def _add(owner, tmp_path: Path, key: str = "k1", kind: str = "pdf", proposal=None):  # type: ignore[no-untyped-def]
    name, make = samples.SAMPLES[kind]
    return attachments.add_attachment(
        db.session,
        owner,
        data=make(),
        filename=name,
        form_key=key,
        proposal=proposal,
        directory=tmp_path,
        limits=LIMITS,
    )


def test_stored_under_a_random_name_and_held_by_the_form_until_saved(ctx, tmp_path):
    owner = factories.user(Role.CITIZEN)
    first = _add(owner, tmp_path, kind="hwp")
    assert first.stored_name != first.original_name and "." not in first.stored_name
    assert (tmp_path / first.stored_name).read_bytes() == samples.ole_file()
    assert first.content_type == "application/x-hwp" and first.proposal_id is None
    draft = factories.proposal_in(State.DRAFT, proposer=owner)
    assert attachments.attach_pending(db.session, owner, draft, "k1") == 1
    assert [a.id for a in attachments.of_proposal(db.session, draft)] == [first.id]


def test_count_limit_counts_what_the_form_already_holds(ctx, tmp_path):
    owner = factories.user(Role.CITIZEN)
    for kind in ("pdf", "png", "jpeg"):
        _add(owner, tmp_path, kind=kind)
    with pytest.raises(AttachmentRefused, match="3개까지"):
        _add(owner, tmp_path, kind="docx")
    _add(owner, tmp_path, key="another-form", kind="docx")  # another form has its own count


def test_submitted_proposal_takes_no_new_attachment_and_loses_none(ctx, tmp_path):
    proposer = factories.user(Role.CITIZEN)
    proposal = factories.submitted(proposer)
    with pytest.raises(attachments.PermissionDenied):
        _add(proposer, tmp_path, proposal=proposal)
    held = _add(proposer, tmp_path)
    held.proposal_id = proposal.id
    db.session.flush()
    with pytest.raises(attachments.PermissionDenied):
        attachments.remove_attachment(db.session, proposer, held, tmp_path)
    assert db.session.get(Attachment, held.id) is not None


def test_uploader_may_remove_from_a_form_and_the_file_goes(ctx, tmp_path):
    owner = factories.user(Role.CITIZEN)
    held = _add(owner, tmp_path)
    other = factories.user(Role.CITIZEN)
    with pytest.raises(attachments.PermissionDenied):
        attachments.remove_attachment(db.session, other, held, tmp_path)
    path = tmp_path / held.stored_name
    attachments.remove_attachment(db.session, owner, held, tmp_path)
    assert not path.exists()


def test_who_may_download(ctx, tmp_path):
    proposer = factories.user(Role.CITIZEN)
    draft = factories.proposal_in(State.DRAFT, proposer=proposer)
    held = _add(proposer, tmp_path, proposal=draft)
    reviewer = factories.user(Role.REVIEWER)
    assert attachments.can_download(proposer, held)
    assert not attachments.can_download(reviewer, held)  # a draft is the proposer's alone
    proposal = factories.submitted(proposer)
    held.proposal_id = proposal.id
    db.session.flush()
    db.session.refresh(held)
    assert attachments.can_download(reviewer, held)
    assert attachments.can_download(factories.user(Role.CHAIR), held)
    for role in (Role.CITIZEN, Role.OFFICIAL, Role.AGENCY_STAFF, Role.ADMIN):
        assert not attachments.can_download(factories.user(role), held), role
    assert not attachments.can_download(None, held)
