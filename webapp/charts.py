"""Server-rendered, accessible SVG charts for the public dashboard.

Every chart is a single ``<svg>`` element that needs no JavaScript, no external asset and no inline
style (so it renders under a Content-Security-Policy without ``'unsafe-inline'``): colours and
font sizes are presentation attributes and the CSS hooks are classes (``chart-bar``,
``chart-label``, ``chart-value``). Each chart carries a ``<title>`` and a ``<desc>`` that states
the data in words, and the ``<svg>`` is ``role="img"`` labelled by that title, so a screen reader
announces the numbers rather than the shapes.

All functions are pure: the same input gives the identical string.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from flask_babel import gettext as _
from markupsafe import Markup, escape

__all__ = ["EMPTY_TEXT", "PALETTE", "Bar", "bar_chart", "format_number", "funnel", "stacked_bar"]

# Colours with a contrast ratio of at least 3:1 against white (WCAG 1.4.11, non-text contrast),
# in an order that keeps neighbouring segments distinguishable.
PALETTE: tuple[str, ...] = (
    "#1f5fa8",  # blue        6.4:1
    "#b35900",  # orange      4.8:1
    "#2e7d32",  # green       5.1:1
    "#c62828",  # red         5.6:1
    "#6a3d9a",  # purple      7.6:1
    "#546e7a",  # blue grey   5.4:1
    "#8a6d00",  # olive       4.9:1
    "#ad1457",  # magenta     7.0:1
)

EMPTY_TEXT = "자료 없음"

_CHART_ID = re.compile(r"[a-z][a-z0-9-]*")
_TEXT_COLOUR = "#1a1a1a"
_MUTED_COLOUR = "#595959"  # 7.0:1 against white
_TRACK_COLOUR = "#e6e6e6"
_FONT_SIZE = 14
_SMALL_FONT_SIZE = 12
_PAD = 8
_HEADER = 24  # room for the "(단위: 건)" note above the rows
_ROW = 30
_BAR_HEIGHT = 20
_GAP = 8
_LABEL_COLUMN = 200  # at the default width: about 13 Korean characters at 14px
_MIN_WIDTH = 240
_ELLIPSIS = "…"


@dataclass(frozen=True)
class Bar:
    """One value of a chart."""

    label: str  # shown text (Korean), XML-escaped on output
    value: float
    code: str = ""  # stable identifier, emitted as a data-code attribute


# --- helpers -----------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Drop characters XML 1.0 forbids (control characters, surrogates, U+FFFE/U+FFFF), which
    escaping alone would leave in and which would make the SVG ill-formed."""
    return "".join(
        ch
        for ch in str(text)
        if ch in "\t\n\r"
        or (ord(ch) >= 0x20 and not 0xD800 <= ord(ch) <= 0xDFFF and ch not in "\ufffe\uffff")
    )


def _esc(text: str) -> str:
    return str(escape(_clean(text)))


def _num(x: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def format_number(value: float) -> str:
    """Thousands separators; whole numbers without decimals (2507 -> "2,507", 2.5 -> "2.5")."""
    if float(value).is_integer():
        return f"{int(value):,}"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _percent(part: float, whole: float) -> str:
    return f"{part / whole * 100:.1f}%"


def _char_units(ch: str) -> int:
    """Display width in half-em units: wide (Hangul, CJK) characters count 2, combining marks 0."""
    if unicodedata.combining(ch):
        return 0
    # Ambiguous characters (such as "…") are drawn wide by Korean fonts.
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 1


def _truncate(label: str, max_units: int) -> str:
    """Shorten ``label`` to at most ``max_units`` half-em units, ending in "…" when cut."""
    if sum(_char_units(ch) for ch in label) <= max_units:
        return label
    budget = max_units - _char_units(_ELLIPSIS)
    out: list[str] = []
    for ch in label:
        budget -= _char_units(ch)
        if budget < 0:
            break
        out.append(ch)
    return "".join(out).rstrip() + _ELLIPSIS


def _text_width(text: str, font_size: int) -> float:
    """A generous estimate of the rendered width of ``text``."""
    return sum(_char_units(ch) for ch in text) * font_size * 0.55


def _check_args(items: Sequence[Bar], chart_id: str, width: int) -> list[Bar]:
    """Validate the common arguments; return the bars with their values as floats (so an ``int``
    or a ``Decimal`` from the database is accepted)."""
    if not isinstance(chart_id, str) or not _CHART_ID.fullmatch(chart_id):
        raise ValueError(f"chart_id must match ^[a-z][a-z0-9-]*$, got {chart_id!r}")
    if isinstance(width, bool) or not isinstance(width, int) or width < _MIN_WIDTH:
        raise ValueError(f"width must be an integer of at least {_MIN_WIDTH}, got {width!r}")
    checked: list[Bar] = []
    for item in items:
        value = item.value
        if isinstance(value, bool) or not isinstance(value, numbers.Real | Decimal):
            raise ValueError(f"value of {item.label!r} must be a number, got {value!r}")
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"value of {item.label!r} must be finite, got {value!r}")
        if number < 0:
            raise ValueError(f"value of {item.label!r} must not be negative, got {value!r}")
        checked.append(replace(item, value=number))
    return checked


def _phrase(item: Bar, unit: str) -> str:
    return f"{item.label} {format_number(item.value)}{unit}"


def _data_code(item: Bar) -> str:
    return f' data-code="{_esc(item.code)}"' if item.code else ""


def _text(
    text: str,
    *,
    x: float,
    y: float,
    css: str,
    anchor: str = "start",
    size: int = _FONT_SIZE,
    fill: str = _TEXT_COLOUR,
) -> str:
    return (
        f'<text class="{css}" x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" '
        f'font-size="{size}" fill="{fill}">{_esc(text)}</text>'
    )


def _baseline(row_top: float, box_height: float = _BAR_HEIGHT, size: int = _FONT_SIZE) -> float:
    """The text baseline that centres a line of ``size`` on a box starting at ``row_top``."""
    return row_top + box_height / 2 + size * 0.35


def _unit_note(unit: str, width: int) -> str:
    if not unit.strip():
        return ""
    return _text(
        _("(단위: %(unit)s)", unit=unit.strip()),
        x=width - _PAD,
        y=_HEADER - _GAP,
        css="chart-unit",
        anchor="end",
        size=_SMALL_FONT_SIZE,
        fill=_MUTED_COLOUR,
    )


def _svg(
    body: Sequence[str], *, kind: str, title: str, desc: str, chart_id: str, width: int, height: int
) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc">'
        f'<title id="{chart_id}-title">{_esc(title)}</title>'
        f'<desc id="{chart_id}-desc">{_esc(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - every part is escaped above


def _empty(*, kind: str, title: str, chart_id: str, width: int) -> Markup:
    height = 60
    note = _text(
        _("자료 없음"),
        x=width / 2,
        y=height / 2 + _FONT_SIZE * 0.35,
        css="chart-empty",
        anchor="middle",
        fill=_MUTED_COLOUR,
    )
    return _svg(
        [note],
        kind=kind,
        title=title,
        desc=_("자료 없음"),
        chart_id=chart_id,
        width=width,
        height=height,
    )


def _label_column(width: int) -> int:
    return min(_LABEL_COLUMN, round(width * 0.32))


def _label_units(column: int) -> int:
    """How many half-em units of label text fit a label column."""
    return max(4, int((column - _GAP) / (_FONT_SIZE / 2)))


# --- charts ------------------------------------------------------------------------------------


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    chart_id: str,
    unit: str = "건",
    max_value: float | None = None,
    width: int = 640,
) -> Markup:
    """Horizontal bar chart. One row per bar: label on the left, bar, value (formatted with
    thousands separators, e.g. 2,507) at the bar's end. Height grows with the number of bars.

    ``max_value`` fixes the value that spans the whole bar area, so several charts can share a
    scale; it must not be smaller than any value. Without it the largest value spans the area.
    """
    bars = _check_args(bars, chart_id, width)
    scale: float | None = None
    if max_value is not None:
        if isinstance(max_value, bool) or not isinstance(max_value, numbers.Real | Decimal):
            raise ValueError(f"max_value must be a number, got {max_value!r}")
        scale = float(max_value)
        if not math.isfinite(scale) or scale < 0:
            raise ValueError(f"max_value must be finite and not negative, got {max_value!r}")
    if not bars:
        return _empty(kind="bars", title=title, chart_id=chart_id, width=width)
    largest = max(bar.value for bar in bars)
    if scale is not None and largest > scale:
        raise ValueError(f"a value ({format_number(largest)}) exceeds max_value ({max_value!r})")
    scale_max = largest if scale is None else scale

    values = [format_number(bar.value) for bar in bars]
    label_col = _label_column(width)
    units = _label_units(label_col)
    if scale is None:
        value_col = max(_text_width(v, _FONT_SIZE) for v in values)
    else:
        # Depend on max_value only, so charts sharing it share the bar area too: a value no
        # larger than max_value has no more integer digits, plus at most ".dd".
        value_col = _text_width(format_number(math.floor(scale)) + ".00", _FONT_SIZE)
    value_col = max(40.0, value_col + _GAP)
    bar_x = label_col
    area = max(0.0, width - bar_x - value_col - _PAD)

    body = [_unit_note(unit, width)]
    for index, (bar, value_text) in enumerate(zip(bars, values, strict=True)):
        top = _HEADER + index * _ROW + (_ROW - _BAR_HEIGHT) / 2
        bar_w = area * bar.value / scale_max if scale_max > 0 else 0.0
        base = _baseline(top)
        body.append(
            f'<g class="chart-row"{_data_code(bar)}>'
            f"<title>{_esc(_phrase(bar, unit))}</title>"
            + _text(
                _truncate(bar.label, units),
                x=label_col - _GAP,
                y=base,
                css="chart-label",
                anchor="end",
            )
            + f'<rect class="chart-bar" x="{_num(bar_x)}" y="{_num(top)}" width="{_num(bar_w)}" '
            f'height="{_BAR_HEIGHT}" fill="{PALETTE[0]}"/>'
            + _text(value_text, x=bar_x + bar_w + _GAP / 2, y=base, css="chart-value")
            + "</g>"
        )
    height = _HEADER + len(bars) * _ROW + _PAD
    desc = ", ".join(_phrase(bar, unit) for bar in bars)
    return _svg(
        body, kind="bars", title=title, desc=desc, chart_id=chart_id, width=width, height=height
    )


def stacked_bar(
    segments: Sequence[Bar],
    *,
    title: str,
    chart_id: str,
    unit: str = "건",
    width: int = 640,
) -> Markup:
    """One horizontal bar split into segments (e.g. outcomes), with a legend below.

    Segments take the palette colours in order (repeating after the last). The legend gives
    each segment's label, value and share of the total.
    """
    segments = _check_args(segments, chart_id, width)
    if not segments:
        return _empty(kind="stacked", title=title, chart_id=chart_id, width=width)
    total = sum(segment.value for segment in segments)
    area = width - 2 * _PAD
    bar_top = _HEADER

    body = [
        _unit_note(unit, width),
        f'<rect class="chart-track" x="{_PAD}" y="{bar_top}" width="{_num(area)}" '
        f'height="{_BAR_HEIGHT}" fill="{_TRACK_COLOUR}"/>',
    ]
    x = float(_PAD)
    for index, segment in enumerate(segments):
        seg_w = area * segment.value / total if total > 0 else 0.0
        body.append(
            f'<g class="chart-segment"{_data_code(segment)}>'
            f"<title>{_esc(_share_phrase(segment, unit, total))}</title>"
            f'<rect class="chart-bar" x="{_num(x)}" y="{bar_top}" width="{_num(seg_w)}" '
            f'height="{_BAR_HEIGHT}" fill="{PALETTE[index % len(PALETTE)]}"/></g>'
        )
        x += seg_w

    columns = max(1, min(len(segments), (width - 2 * _PAD) // 300))
    column_w = (width - 2 * _PAD) / columns
    legend_top = bar_top + _BAR_HEIGHT + 12
    legend_row = 24
    swatch = 12
    for index, segment in enumerate(segments):
        row, column = divmod(index, columns)
        left = _PAD + column * column_w
        top = legend_top + row * legend_row
        share = f" ({_percent(segment.value, total)})" if total > 0 else ""
        value_text = f" {format_number(segment.value)}{share}"
        room = column_w - swatch - 6 - _text_width(value_text, _FONT_SIZE) - _GAP
        label = _truncate(segment.label, max(4, int(room / (_FONT_SIZE / 2))))
        body.append(
            f'<g class="chart-legend-item"{_data_code(segment)}>'
            f"<title>{_esc(_share_phrase(segment, unit, total))}</title>"
            f'<rect class="chart-swatch" x="{_num(left)}" y="{_num(top + 3)}" width="{swatch}" '
            f'height="{swatch}" fill="{PALETTE[index % len(PALETTE)]}"/>'
            f'<text class="chart-label" x="{_num(left + swatch + 6)}" '
            f'y="{_num(_baseline(top, 18))}" text-anchor="start" font-size="{_FONT_SIZE}" '
            f'fill="{_TEXT_COLOUR}">{_esc(label)}'
            f'<tspan class="chart-value">{_esc(value_text)}</tspan></text></g>'
        )
    rows = math.ceil(len(segments) / columns)
    height = legend_top + rows * legend_row + _PAD
    desc = f"{_('합계')} {format_number(total)}{unit}: " + ", ".join(
        _share_phrase(segment, unit, total) for segment in segments
    )
    return _svg(
        body, kind="stacked", title=title, desc=desc, chart_id=chart_id, width=width, height=height
    )


def _share_phrase(item: Bar, unit: str, whole: float) -> str:
    phrase = _phrase(item, unit)
    return f"{phrase} ({_percent(item.value, whole)})" if whole > 0 else phrase


def funnel(
    steps: Sequence[Bar],
    *,
    title: str,
    chart_id: str,
    unit: str = "건",
    width: int = 640,
) -> Markup:
    """Centred, decreasing bars for a funnel (접수 → 검토 → 심의 → 결정 → 발표 → 시행),
    each with its value and its share of the first step in percent (e.g. "123 (4.9%)").

    Bars are scaled to the largest step, so an out-of-order step cannot overflow. When the first
    step is zero no percentages are shown.
    """
    steps = _check_args(steps, chart_id, width)
    if not steps:
        return _empty(kind="funnel", title=title, chart_id=chart_id, width=width)
    first = steps[0].value
    largest = max(step.value for step in steps)

    def shown(step: Bar) -> str:
        value = format_number(step.value)
        return f"{value} ({_percent(step.value, first)})" if first > 0 else value

    values = [shown(step) for step in steps]
    label_col = _label_column(width)
    units = _label_units(label_col)
    value_col = max(40.0, max(_text_width(v, _FONT_SIZE) for v in values) + _GAP)
    area = max(0.0, width - label_col - value_col - _PAD)
    centre = label_col + area / 2

    body = [_unit_note(unit, width)]
    for index, (step, value_text) in enumerate(zip(steps, values, strict=True)):
        top = _HEADER + index * _ROW + (_ROW - _BAR_HEIGHT) / 2
        bar_w = area * step.value / largest if largest > 0 else 0.0
        base = _baseline(top)
        body.append(
            f'<g class="chart-row"{_data_code(step)}>'
            f"<title>{_esc(_share_phrase(step, unit, first))}</title>"
            + _text(
                _truncate(step.label, units),
                x=label_col - _GAP,
                y=base,
                css="chart-label",
                anchor="end",
            )
            + f'<rect class="chart-bar" x="{_num(centre - bar_w / 2)}" y="{_num(top)}" '
            f'width="{_num(bar_w)}" height="{_BAR_HEIGHT}" fill="{PALETTE[0]}"/>'
            + _text(value_text, x=width - _PAD, y=base, css="chart-value", anchor="end")
            + "</g>"
        )
    height = _HEADER + len(steps) * _ROW + _PAD
    desc = ", ".join(_share_phrase(step, unit, first) for step in steps)
    return _svg(
        body, kind="funnel", title=title, desc=desc, chart_id=chart_id, width=width, height=height
    )
