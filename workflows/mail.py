"""Outgoing e-mail: a text + HTML message, written to a local mailbox file in embedded mode and
sent over SMTP in production."""

from __future__ import annotations

import hashlib
import io
import mailbox
import mmap
import os
import smtplib
import threading
import time
from dataclasses import dataclass
from email import policy
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

_FILE_LOCK = threading.Lock()


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


def stable_message_id(sender: str, *parts: object) -> str:
    """The same Message-ID every time the same notice is sent (a job that runs again after a
    crash): the mailbox keeps one copy, and receiving mail systems can recognise the repeat."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f"<{digest}@{sender.rpartition('@')[2].rstrip('>') or 'localhost'}>"


def build_message(
    *, sender: str, to: str, subject: str, text: str, html: str, message_id: str | None = None
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id or make_msgid(
        domain=sender.rpartition("@")[2].rstrip(">") or None
    )
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


@dataclass
class FileMailer:
    """Appends every message to an mbox file (readable with any mail client)."""

    path: Path

    def send(self, message: EmailMessage) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _FILE_LOCK:
            box = mailbox.mbox(self.path)
            try:
                for attempt in range(50):
                    try:
                        box.lock()  # also guards against other processes (workers)
                        break
                    except mailbox.ExternalClashError:
                        if attempt == 49:
                            raise
                        time.sleep(0.1)
                try:
                    # A job that ran again after a crash between sending and recording it
                    # sends the same Message-ID: the mailbox keeps one copy.
                    if not _already_in(self.path, message["Message-ID"]):
                        _append(self.path, message)
                finally:
                    box.unlock()
            finally:
                box.close()

    def messages(self) -> list[EmailMessage]:
        """Every message written so far, parsed (for operators and tests)."""
        if not self.path.exists():
            return []
        parser = BytesParser(policy=policy.default)
        box = mailbox.mbox(self.path)
        try:
            parsed = [parser.parsebytes(box.get_bytes(key)) for key in box.iterkeys()]
        finally:
            box.close()
        return [m for m in parsed if isinstance(m, EmailMessage)]


def _already_in(path: Path, message_id: str | None) -> bool:
    if not message_id or not path.exists() or not path.stat().st_size:
        return False
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return data.find(f"\nMessage-ID: {message_id}\n".encode()) != -1


def _append(path: Path, message: EmailMessage) -> None:
    """Append ``message`` in mbox form, as ``mailbox.mbox.add`` writes it, but without reading
    the whole mailbox first (``add`` lists every message in the file before it appends: the
    time of a send grew with the mailbox, ~100 ms at 10 MB)."""
    buffer = io.BytesIO()
    BytesGenerator(buffer, mangle_from_=True, maxheaderlen=0).flatten(message)
    data = buffer.getvalue()
    if not data.endswith(b"\n"):
        data += b"\n"
    from_line = b"From MAILER-DAEMON " + time.asctime(time.gmtime()).encode()
    with path.open("ab") as file:
        file.write(from_line + b"\n" + data + b"\n")
        file.flush()
        os.fsync(file.fileno())


@dataclass
class SMTPMailer:
    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = 30.0

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)
