"""Attachments: a file is accepted only when its content is one of the allowed kinds (PDF,
HWP, HWPX, DOCX, XLSX, PNG, JPEG) and matches its name; it is stored outside the web root under
a random name. Until the form is saved it is held by the form's key; a draft then holds it."""

from __future__ import annotations

import hashlib
import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath

import filetype
import olefile
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import Attachment, Proposal, Role, State, User

from .engine import is_proposer
from .errors import InvalidInput, PermissionDenied

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "hwp": "application/x-hwp",
    "hwpx": "application/hwp+zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpeg": "image/jpeg",
}
EXTENSIONS = {
    "pdf": {"pdf"},
    "hwp": {"hwp"},
    "hwpx": {"hwpx"},
    "docx": {"docx"},
    "xlsx": {"xlsx"},
    "png": {"png"},
    "jpeg": {"jpg", "jpeg"},
}
ALLOWED_LABEL = "PDF, HWP, HWPX, DOCX, XLSX, PNG, JPEG"
# Staff who handle proposals may open their attachments; other staff need not see them.
DOWNLOAD_ROLES = frozenset({Role.REVIEWER, Role.CHAIR, Role.PANEL_MEMBER})


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_count: int
    max_uncompressed: int


class AttachmentRefused(InvalidInput):
    """A file that is not accepted, with the reason in Korean and English."""

    def __init__(self, filename: str, rule: str, message_ko: str, message_en: str) -> None:
        super().__init__(
            f"attachment.{rule}", f"{filename}: {message_ko}", f"{filename}: {message_en}"
        )
        self.filename = filename


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}MB" if size >= 1024 * 1024 else f"{size / 1024:.0f}KB"


def _zip_kind(data: bytes, filename: str, limits: Limits) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            # A zip bomb declares far more than it carries: refuse before anything is inflated.
            declared = sum(member.file_size for member in members)
            if declared > limits.max_uncompressed or len(members) > 10_000:
                raise AttachmentRefused(
                    filename,
                    "zip_bomb",
                    f"압축을 풀면 {_megabytes(limits.max_uncompressed)}를 넘는 파일은 받을 수"
                    " 없습니다",
                    f"files that expand beyond {_megabytes(limits.max_uncompressed)} are refused",
                )
            names = {member.filename for member in members}
            if (
                "mimetype" in names
                and archive.getinfo("mimetype").file_size < 100
                and archive.read("mimetype").strip() == b"application/hwp+zip"
            ):
                return "hwpx"
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return "docx"
                if "xl/workbook.xml" in names:
                    return "xlsx"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, EOFError, ValueError):
        return None
    return None


def _is_hwp(data: bytes) -> bool:
    """An HWP 5 document is an OLE compound file with a FileHeader stream naming itself."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if not ole.exists("FileHeader"):
                return False
            header: bytes = ole.openstream("FileHeader").read(32)
            return header.startswith(b"HWP Document File")
    except (OSError, ValueError, IndexError):
        return False


def sniff(data: bytes, filename: str, limits: Limits) -> str | None:
    """The kind the content is (one of ``CONTENT_TYPES``), or None for anything else."""
    if data.startswith(OLE_MAGIC):
        return "hwp" if _is_hwp(data) else None
    if data.startswith(ZIP_MAGIC):
        return _zip_kind(data, filename, limits)
    guess = filetype.guess(data)
    mime = guess.mime if guess is not None else None
    return {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpeg"}.get(mime or "")


def check_file(data: bytes, filename: str, limits: Limits) -> str:
    """Refuse an empty, oversized, forbidden or misnamed file; return its kind otherwise."""
    if not data:
        raise AttachmentRefused(filename, "empty", "빈 파일입니다", "the file is empty")
    if len(data) > limits.max_bytes:
        raise AttachmentRefused(
            filename,
            "too_large",
            f"파일이 너무 큽니다 ({_megabytes(len(data))}). 한 파일은"
            f" {_megabytes(limits.max_bytes)}까지 올릴 수 있습니다",
            f"the file is too large ({_megabytes(len(data))}); the limit is"
            f" {_megabytes(limits.max_bytes)} per file",
        )
    kind = sniff(data, filename, limits)
    if kind is None:
        raise AttachmentRefused(
            filename,
            "forbidden_type",
            f"허용되지 않는 파일 형식입니다. {ALLOWED_LABEL} 파일만 올릴 수 있습니다",
            f"this kind of file is not accepted; only {ALLOWED_LABEL} files are",
        )
    extension = PurePath(filename).suffix.lower().lstrip(".")
    if extension not in EXTENSIONS[kind]:
        raise AttachmentRefused(
            filename,
            "name_mismatch",
            f"파일 이름(.{extension or '?'})과 실제 내용({kind.upper()})이 다릅니다",
            f"the name (.{extension or '?'}) does not match the content ({kind.upper()})",
        )
    return kind


def held_by_form(
    session: Session, owner: User, form_key: str | None, proposal: Proposal | None
) -> list[Attachment]:
    """The attachments a form shows: those uploaded under its key and those of its draft."""
    conditions = []
    if form_key:
        conditions.append(Attachment.form_key == form_key)
    if proposal is not None and proposal.id is not None:
        conditions.append(Attachment.proposal_id == proposal.id)
    if not conditions:
        return []
    return list(
        session.scalars(
            select(Attachment)
            .where(Attachment.owner_id == owner.id, or_(*conditions))
            .order_by(Attachment.id)
        )
    )


def of_proposal(session: Session, proposal: Proposal) -> list[Attachment]:
    return list(
        session.scalars(
            select(Attachment).where(Attachment.proposal_id == proposal.id).order_by(Attachment.id)
        )
    )


def _check_writable(actor: User, proposal: Proposal | None) -> None:
    if proposal is None:
        return
    if proposal.state is not State.DRAFT or not is_proposer(actor, proposal):
        raise PermissionDenied(
            "attachment.not_draft",
            "제출한 제안에는 첨부파일을 더하거나 뺄 수 없습니다",
            "Attachments can be changed only while the proposal is a draft",
        )


def add_attachment(
    session: Session,
    actor: User,
    *,
    data: bytes,
    filename: str,
    form_key: str,
    proposal: Proposal | None,
    directory: Path,
    limits: Limits,
) -> Attachment:
    """Check the file and store it under a random name; it is held by the form's key (and by
    the draft, when there is one) until the form is saved."""
    _check_writable(actor, proposal)
    name = PurePath(filename.replace("\\", "/")).name.strip() or "file"
    name = name[-255:]
    if len(held_by_form(session, actor, form_key, proposal)) >= limits.max_count:
        raise AttachmentRefused(
            name,
            "too_many",
            f"첨부파일은 {limits.max_count}개까지 올릴 수 있습니다",
            f"at most {limits.max_count} attachments",
        )
    kind = check_file(data, name, limits)
    directory.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    path = directory / stored_name
    with open(path, "xb") as handle:
        handle.write(data)
    path.chmod(0o600)
    attachment = Attachment(
        proposal_id=proposal.id if proposal is not None else None,
        owner_id=actor.id,
        form_key=form_key,
        original_name=name,
        stored_name=stored_name,
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    session.add(attachment)
    session.flush()
    return attachment


def attach_pending(session: Session, actor: User, proposal: Proposal, form_key: str) -> int:
    """Give the attachments uploaded under the form's key to the proposal it was saved as."""
    count = 0
    for attachment in held_by_form(session, actor, form_key, None):
        if attachment.proposal_id is None:
            attachment.proposal_id = proposal.id
            count += 1
    session.flush()
    return count


def remove_attachment(
    session: Session, actor: User, attachment: Attachment, directory: Path
) -> None:
    """The uploader takes a file off a form or a draft; the stored file is deleted."""
    if attachment.owner_id != actor.id:
        raise PermissionDenied(
            "attachment.owner_only",
            "올린 사람만 첨부파일을 뺄 수 있습니다",
            "Only the uploader may remove an attachment",
        )
    _check_writable(actor, attachment.proposal)
    session.delete(attachment)
    session.flush()
    (directory / attachment.stored_name).unlink(missing_ok=True)


def can_download(viewer: User | None, attachment: Attachment) -> bool:
    """The uploader and the proposer always; office staff once the proposal is submitted."""
    if viewer is None or not viewer.active:
        return False
    if viewer.id == attachment.owner_id:
        return True
    proposal = attachment.proposal
    if proposal is None:
        return False
    if is_proposer(viewer, proposal):
        return True
    return viewer.role in DOWNLOAD_ROLES and proposal.state is not State.DRAFT


def stored_path(directory: Path, attachment: Attachment) -> Path:
    return directory / attachment.stored_name
