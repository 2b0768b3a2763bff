"""Outgoing e-mail: a text + HTML message, written to a local mailbox file in embedded mode and
sent over SMTP in production."""

from __future__ import annotations

import mailbox
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


def build_message(*, sender: str, to: str, subject: str, text: str, html: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


@dataclass
class FileMailer:
    """Appends every message to an mbox file (readable with any mail client)."""

    path: Path

    def send(self, message: EmailMessage) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        box = mailbox.mbox(self.path)
        box.lock()
        try:
            box.add(message)
            box.flush()
        finally:
            box.unlock()
            box.close()

    def messages(self) -> list[EmailMessage]:
        if not self.path.exists():
            return []
        from email import policy
        from email.parser import BytesParser

        box = mailbox.mbox(self.path, factory=lambda f: BytesParser(policy=policy.default).parse(f))
        try:
            return list(box)
        finally:
            box.close()


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
