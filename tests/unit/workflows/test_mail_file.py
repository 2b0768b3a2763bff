"""The embedded mailer's mailbox file: appended in the form ``mailbox.mbox`` writes, readable by
it, one copy per Message-ID, and without reading the whole file before each send."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from workflows.mail import FileMailer, build_message


def _message(number: int, body: str = "본문"):  # type: ignore[no-untyped-def]
    return build_message(
        sender="센터 <no-reply@regrepeal.example>",
        to=f"citizen{number}@example.org",
        subject=f"[규제철폐 제안 2025-{number:05d}] 제안이 접수되었습니다",
        text=body,
        html=f"<p>{body}</p>",
        message_id=f"<m{number}@regrepeal.example>",
    )


def _without_from_lines(data: bytes) -> list[bytes]:
    return [line for line in data.split(b"\n") if not line.startswith(b"From MAILER-DAEMON")]


def test_the_file_is_what_mailbox_writes_and_reads_back(tmp_path: Path) -> None:
    ours, reference = tmp_path / "ours.mbox", tmp_path / "reference.mbox"
    messages = [_message(1), _message(2, "From 서울시 안내\n둘째 줄"), _message(3)]
    for message in messages:
        FileMailer(ours).send(message)
    box = mailbox.mbox(reference)
    for message in messages:
        box.add(message)
    box.close()

    # The same bytes but for the envelope lines' time; a body line starting "From " is quoted.
    assert _without_from_lines(ours.read_bytes()) == _without_from_lines(reference.read_bytes())
    assert b"\n>From " in ours.read_bytes()
    read = FileMailer(ours).messages()
    assert [m["To"] for m in read] == [m["To"] for m in messages]
    assert [m["Subject"] for m in read] == [m["Subject"] for m in messages]
    assert "둘째 줄" in read[1].get_body(("plain",)).get_content()


def test_a_message_sent_again_is_kept_once(tmp_path: Path) -> None:
    path = tmp_path / "outbox.mbox"
    FileMailer(path).send(_message(1))
    FileMailer(path).send(_message(2))
    FileMailer(path).send(_message(1))
    assert [m["Message-ID"] for m in FileMailer(path).messages()] == [
        "<m1@regrepeal.example>",
        "<m2@regrepeal.example>",
    ]


def test_a_send_does_not_list_the_messages_already_in_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``mailbox.mbox.add`` reads every message's place in the file before appending (its table
    of contents): with a large mailbox each send slowed down. The send must not need it."""
    path = tmp_path / "outbox.mbox"
    FileMailer(path).send(_message(1))

    def listed(self: mailbox.mbox) -> None:
        raise AssertionError("the mailbox was read through to list its messages")

    monkeypatch.setattr(mailbox.mbox, "_generate_toc", listed)
    FileMailer(path).send(_message(2))
    monkeypatch.undo()
    assert len(FileMailer(path).messages()) == 2
