"""Spreadsheet exports (open data, staff lists): CSV for Excel and XLSX, streamed row by row.

Rows may come from a generator over a million records, so neither writer ever builds a list of
them: the CSV writer encodes in blocks of ``PROGRESS_EVERY`` rows and the XLSX writer uses
openpyxl's write-only mode, which spools each sheet to a temporary file.

Every text cell goes through :func:`neutralise` (formula injection, a.k.a. CSV injection), and
in XLSX it is also stored explicitly as text, so no value ever becomes a formula or an error
code. Times are shown in Korea time; a naive datetime is taken to be UTC, as everywhere in this
project (``models.as_utc``: SQLite hands back naive UTC values).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import BinaryIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

__all__ = [
    "PROGRESS_EVERY",
    "SEOUL",
    "Cell",
    "Sheet",
    "neutralise",
    "sheet_title",
    "write_csv",
    "write_xlsx",
]

Cell = str | int | float | bool | date | datetime | None

SEOUL = ZoneInfo("Asia/Seoul")
PROGRESS_EVERY = 1_000
BOM = b"\xef\xbb\xbf"

# A leading one of these makes Excel, LibreOffice or Google Sheets read the cell as a formula
# (tab and carriage return are OWASP's additions: some importers strip them and then see "=").
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot carry; openpyxl refuses them (tab, LF and CR are allowed).
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Excel's rules for sheet titles: at most 31 characters, none of []:*?/\ and no leading or
# trailing apostrophe; titles are compared case-insensitively, and "History" is reserved.
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_TITLE_MAX = 31
_RESERVED_TITLES = frozenset({"history"})


@dataclass(frozen=True)
class Sheet:
    """One table: ``rows`` is consumed once, lazily (a generator is fine and expected)."""

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[Cell]]


def neutralise(value: Cell) -> Cell:
    """Spreadsheet formula injection (CSV injection) defence: a str starting with '=', '+', '-',
    '@', tab or carriage return (after leading whitespace too) is prefixed with a single quote
    ("'"); other values are returned unchanged. Numbers stay numbers (a negative int is fine)."""
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(_FORMULA_TRIGGERS) or value.lstrip().startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def _seoul(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(SEOUL)


def _csv_text(value: Cell) -> str:
    # Order matters: bool is an int, datetime is a date.
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, datetime):
        return _seoul(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        text = neutralise(value)
        assert isinstance(text, str)
        return text
    return str(value)


class _Progress:
    """Counts data rows and reports every ``PROGRESS_EVERY`` of them (cumulative count)."""

    def __init__(self, callback: Callable[[int], None] | None) -> None:
        self.count = 0
        self._callback = callback

    def step(self, flush: Callable[[], None] | None = None) -> None:
        """Count one row; at each block of ``PROGRESS_EVERY`` rows, ``flush`` then report."""
        self.count += 1
        if self.count % PROGRESS_EVERY:
            return
        if flush is not None:
            flush()
        if self._callback is not None:
            self._callback(self.count)


def write_csv(sheet: Sheet, out: BinaryIO, *, progress: Callable[[int], None] | None = None) -> int:
    """UTF-8 with BOM (so Excel opens Korean correctly), CRLF line ends, every str cell
    neutralised, datetimes as ISO 8601 in Asia/Seoul with offset, dates ISO, None as empty,
    bools as 'Y'/'N'. Returns the number of data rows; calls progress(n) every 1,000 rows.

    ``out`` only needs ``write(bytes)``; it is neither flushed nor closed here.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def drain() -> None:
        out.write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()

    out.write(BOM)
    writer.writerow([_csv_text(title) for title in sheet.header])
    counter = _Progress(progress)
    for row in sheet.rows:
        writer.writerow([_csv_text(value) for value in row])
        counter.step(drain)
    drain()
    return counter.count


def sheet_title(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique XLSX sheet title for ``name``: forbidden characters become '_', the
    title is cut to 31 characters (UTF-16 units, as Excel counts) and numbered if ``taken``
    already holds it (case-insensitively, as Excel compares)."""
    base = _TITLE_FORBIDDEN.sub("_", name).strip().strip("'").strip() or "Sheet"
    used = {title.casefold() for title in taken} | _RESERVED_TITLES
    title = _cut(base, _TITLE_MAX)
    number = 1
    while title.casefold() in used:
        number += 1
        suffix = f" ({number})"
        title = _cut(base, _TITLE_MAX - len(suffix)).rstrip().rstrip("'") + suffix
    return title


def _cut(text: str, units: int) -> str:
    """``text`` cut to at most ``units`` UTF-16 code units (never splitting a character)."""
    while len(text.encode("utf-16-le")) // 2 > units:
        text = text[:-1]
    return text


def _xlsx_cell(ws: object, value: Cell, font: Font | None = None) -> object:
    if isinstance(value, str):
        text = neutralise(_XML_ILLEGAL.sub("", value))
        cell = WriteOnlyCell(ws, value=text)
        # Text, always: never a formula ("=…") nor an error code ("#N/A").
        cell.data_type = "s"
        if font is not None:
            cell.font = font
        return cell
    if isinstance(value, datetime):
        # Excel has no time zones: show Korea time.
        return _seoul(value).replace(tzinfo=None)
    return value


def write_xlsx(
    sheets: Sequence[Sheet], out: BinaryIO, *, progress: Callable[[int], None] | None = None
) -> int:
    """openpyxl in write_only mode (constant memory), bold header row, header frozen
    (freeze_panes 'A2'), every str cell neutralised and written as a string (never interpreted
    as a formula), timezone-aware datetimes converted to Asia/Seoul then made naive (Excel has
    no time zones; a naive datetime is taken as UTC first), numbers as numbers. Returns total
    data rows; progress every 1,000 rows, counted across all sheets.

    Characters XML cannot carry (control characters other than tab, LF and CR) are dropped from
    text cells. ``out`` must accept ``write(bytes)``; it is not closed here.
    """
    if not sheets:
        raise ValueError("an XLSX workbook needs at least one sheet")
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    counter = _Progress(progress)
    titles: list[str] = []
    for sheet in sheets:
        title = sheet_title(sheet.name, titles)
        titles.append(title)
        ws = workbook.create_sheet(title=title)
        ws.freeze_panes = "A2"
        ws.append([_xlsx_cell(ws, title_cell, bold) for title_cell in sheet.header])
        for row in sheet.rows:
            ws.append([_xlsx_cell(ws, value) for value in row])
            counter.step()
    workbook.save(out)
    return counter.count
