"""Bulk intake: an agency uploads a CSV or XLSX of proposals; a job imports it row by row.
Rows carry the agency's own id (external_id), so the same file uploaded twice adds nothing."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import BulkImport, Proposal, User

from .errors import WorkflowError
from .intake import FieldErrors, ProposalFields, create_draft, submit_proposal

COLUMNS = (
    "external_id",
    "title",
    "current_regulation",
    "legal_basis",
    "problem",
    "proposed_change",
    "expected_effect",
    "sector",
    "regulation_type",
)
LABELS = (
    "외부 ID (기관 관리번호, 필수)",
    "제목",
    "현행 규제",
    "근거 법령·조문 (선택)",
    "문제점",
    "개선안",
    "기대효과",
    "분야 코드 (선택)",
    "규제 유형 코드 (선택)",
)
EXAMPLE = (
    "TF-2025-001",
    "소규모 건축물 용적률 완화",
    "소규모 건축물 용적률을 200%로 제한",
    "서울특별시 도시계획 조례 제55조",
    "노후 건축물 정비가 지연됩니다",
    "용적률을 250%까지 완화합니다",
    "소규모 재건축이 활성화됩니다",
    "construction_housing",
    "economic",
)
MAX_ROWS = 5_000
MAX_BYTES = 5 * 1024 * 1024


class UploadError(ValueError):
    """The file itself cannot be imported (wrong type, too big, wrong columns)."""


def template_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(EXAMPLE)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "제안"
    sheet.append(list(COLUMNS))
    sheet.append(list(EXAMPLE))
    guide = book.create_sheet("안내")
    guide.append(["열", "설명"])
    for column, label in zip(COLUMNS, LABELS, strict=True):
        guide.append([column, label])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sniff_format(data: bytes) -> str:
    """By content, not by name: XLSX is a ZIP with a workbook inside; CSV is UTF-8 text."""
    if len(data) > MAX_BYTES:
        raise UploadError(f"파일이 너무 큽니다 (최대 {MAX_BYTES // (1024 * 1024)}MB)")
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
                unpacked = sum(info.file_size for info in archive.infolist())
        except zipfile.BadZipFile:
            raise UploadError("손상된 XLSX 파일입니다") from None
        if "xl/workbook.xml" not in names:
            raise UploadError("XLSX 파일이 아닙니다")
        if unpacked > 50 * MAX_BYTES:
            raise UploadError("압축을 풀면 너무 커지는 파일입니다")
        return "xlsx"
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError("CSV는 UTF-8로 저장해 주십시오 (엑셀: 'CSV UTF-8' 형식)") from None
    if b"\x00" in data:
        raise UploadError("CSV 또는 XLSX 파일만 올릴 수 있습니다")
    return "csv"


def read_rows(path: Path, fmt: str) -> list[dict[str, str]]:
    """Rows as dicts keyed by COLUMNS; the header must name the template's columns."""
    table: list[list[str]]
    if fmt == "csv":
        text = path.read_bytes().decode("utf-8-sig")
        table = [list(row) for row in csv.reader(io.StringIO(text))]
    else:
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            table = [
                ["" if v is None else str(v) for v in row]
                for row in book.worksheets[0].iter_rows(values_only=True)
            ]
        finally:
            book.close()
    header = [h.strip() for h in table[0]] if table else []
    optional = ("legal_basis", "sector", "regulation_type")
    missing = [c for c in COLUMNS if c not in header and c not in optional]
    if missing:
        raise UploadError("양식의 열이 없습니다: " + ", ".join(missing))
    index = {name: header.index(name) for name in COLUMNS if name in header}
    return [
        {name: values[i].strip() if i < len(values) else "" for name, i in index.items()}
        for values in table[1:]
        if any(v.strip() for v in values)
    ]


def import_rows(
    session: Session, upload: BulkImport, uploader: User, channel_code: str, progress: Any = None
) -> None:
    """Import every row in its own savepoint; record accepted, already imported and refused."""
    report: list[dict[str, Any]] = []
    path = Path(upload.stored_name)
    rows = read_rows(path, upload.format)
    if len(rows) > MAX_ROWS:
        raise UploadError(f"한 번에 {MAX_ROWS:,}행까지 올릴 수 있습니다 ({len(rows):,}행)")
    # Progress is written by the caller through its own connection; touching ``upload`` here
    # before the end would lock its row in this transaction and block that writer.
    if progress is not None:
        progress(0, len(rows))
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        external_id = row.get("external_id", "")[:100]
        entry: dict[str, Any] = {"row": number, "external_id": external_id}
        if not external_id:
            entry.update(status="refused", reason="외부 ID가 없습니다")
        elif external_id in seen:
            entry.update(status="refused", reason="파일 안에서 외부 ID가 중복됩니다")
        else:
            seen.add(external_id)
            existing = session.scalar(
                select(Proposal).where(
                    Proposal.organisation_id == uploader.organisation_id,
                    Proposal.external_id == external_id,
                    Proposal.receipt_no.is_not(None),
                )
            )
            if existing is not None:
                entry.update(status="already", receipt_no=existing.receipt_no)
            else:
                entry.update(_import_one(session, uploader, channel_code, external_id, row))
        report.append(entry)
        if progress is not None and number % 100 == 0:
            progress(number - 1, len(rows))
    upload.report = report
    upload.accepted = sum(1 for e in report if e["status"] == "accepted")
    upload.already = sum(1 for e in report if e["status"] == "already")
    upload.refused = sum(1 for e in report if e["status"] == "refused")
    upload.rows_total = upload.rows_done = len(rows)


def _import_one(
    session: Session, uploader: User, channel_code: str, external_id: str, row: dict[str, str]
) -> dict[str, Any]:
    fields = ProposalFields(
        title=row.get("title", ""),
        current_regulation=row.get("current_regulation", ""),
        problem=row.get("problem", ""),
        proposed_change=row.get("proposed_change", ""),
        expected_effect=row.get("expected_effect", ""),
        legal_basis=row.get("legal_basis"),
        sector_code=row.get("sector") or None,
        regulation_type_code=row.get("regulation_type") or None,
    )
    savepoint = session.begin_nested()
    try:
        proposal = create_draft(session, uploader, fields, channel_code=channel_code)
        proposal.external_id = external_id
        submit_proposal(session, uploader, proposal, consent=True)
    except FieldErrors as exc:
        savepoint.rollback()
        return {
            "status": "refused",
            "reason": "; ".join(
                f"{_label(name)}: {message}" for name, message in exc.errors.items()
            ),
        }
    except (WorkflowError, IntegrityError) as exc:
        savepoint.rollback()
        message = exc.message_ko if isinstance(exc, WorkflowError) else "중복된 외부 ID입니다"
        return {"status": "refused", "reason": message}
    savepoint.commit()
    return {"status": "accepted", "receipt_no": proposal.receipt_no}


def _label(name: str) -> str:
    column = {"sector_code": "sector", "regulation_type_code": "regulation_type"}.get(name, name)
    return LABELS[COLUMNS.index(column)].split(" (")[0] if column in COLUMNS else name
