"""The SVG charts are well-formed, accessible, escaped, CSP-safe and draw the data to scale."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal

import pytest
from markupsafe import Markup

from webapp.charts import (
    EMPTY_TEXT,
    PALETTE,
    Bar,
    bar_chart,
    format_number,
    funnel,
    stacked_bar,
)

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script>"
LONG = "지방자치단체 조례에 근거한 영업시간 제한 규제의 전면 재검토"

Chart = Callable[..., Markup]
CHARTS: list[Chart] = [bar_chart, stacked_bar, funnel]

PROPOSERS = [Bar("시민", 975, "citizen"), Bar("공무원", 753, "official"), Bar("기관", 779, "org")]
STAGES = [
    Bar("접수", 2507, "received"),
    Bar("검토", 1210, "review"),
    Bar("심의", 640, "deliberation"),
    Bar("결정", 301, "decision"),
    Bar("발표", 200, "announcement"),
    Bar("시행", 123, "enforcement"),
]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 - our own output, not untrusted input


def rows(root: ET.Element, css: str = "chart-row") -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == css]


def bar_rects(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == "chart-bar"]


def texts(root: ET.Element, css: str) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text") if t.get("class") == css]


def child_text(element: ET.Element, tag: str) -> str:
    found = element.find(f"{SVG}{tag}")
    assert found is not None, tag
    return "".join(found.itertext())


def view_height(root: ET.Element) -> float:
    return float(root.get("viewBox", "").split()[3])


def contrast_with_white(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 1.05 / (luminance + 0.05)


# --- structure and accessibility ---------------------------------------------------------------


@pytest.mark.parametrize("chart", CHARTS)
def test_svg_root_is_accessible_and_scalable(chart: Chart) -> None:
    svg = chart(PROPOSERS, title="제안자 유형별 제안 수", chart_id="by-proposer", width=640)
    assert isinstance(svg, Markup)
    assert str(svg).startswith("<svg ") and str(svg).endswith("</svg>")
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("height") is None  # the aspect ratio comes from the viewBox
    assert re.fullmatch(r"0 0 640 \d+(\.\d+)?", root.get("viewBox", ""))
    assert root.get("aria-labelledby") == "by-proposer-title"
    assert root.get("aria-describedby") == "by-proposer-desc"

    title, desc = root[0], root[1]
    assert title.tag == f"{SVG}title" and title.get("id") == "by-proposer-title"
    assert title.text == "제안자 유형별 제안 수"
    assert desc.tag == f"{SVG}desc" and desc.get("id") == "by-proposer-desc"
    assert desc.text is not None
    for phrase in ("시민 975건", "공무원 753건", "기관 779건"):
        assert phrase in desc.text


def test_bar_chart_desc_summarises_the_data_in_words() -> None:
    root = parse(bar_chart(PROPOSERS, title="제안자", chart_id="who"))
    assert child_text(root, "desc") == "시민 975건, 공무원 753건, 기관 779건"


def test_unit_is_used_in_desc_and_shown_once() -> None:
    root = parse(bar_chart([Bar("평균 처리일", 12.5)], title="처리", chart_id="days", unit="일"))
    assert child_text(root, "desc") == "평균 처리일 12.5일"
    assert texts(root, "chart-unit") == ["(단위: 일)"]
    root = parse(bar_chart([Bar("비율", 3)], title="t", chart_id="rate", unit=""))
    assert child_text(root, "desc") == "비율 3"
    assert texts(root, "chart-unit") == []


def test_rows_carry_codes_classes_and_first_palette_colour() -> None:
    root = parse(bar_chart(PROPOSERS, title="제안자", chart_id="who"))
    groups = rows(root)
    assert [g.get("data-code") for g in groups] == ["citizen", "official", "org"]
    assert texts(root, "chart-label") == ["시민", "공무원", "기관"]
    assert texts(root, "chart-value") == ["975", "753", "779"]
    assert {r.get("fill") for r in bar_rects(root)} == {PALETTE[0]}
    # every row explains itself in a tooltip
    assert [child_text(g, "title") for g in groups] == [
        "시민 975건",
        "공무원 753건",
        "기관 779건",
    ]


def test_row_without_code_has_no_data_code_attribute() -> None:
    root = parse(bar_chart([Bar("시민", 1)], title="t", chart_id="c"))
    assert "data-code" not in rows(root)[0].attrib


def test_height_grows_with_number_of_bars() -> None:
    heights = [
        view_height(parse(bar_chart(STAGES[:n], title="t", chart_id="grow"))) for n in (1, 3, 6)
    ]
    assert heights[0] < heights[1] < heights[2]
    assert heights[2] - heights[1] == pytest.approx((heights[1] - heights[0]) * 3 / 2)


@pytest.mark.parametrize("chart", CHARTS)
def test_output_is_deterministic(chart: Chart) -> None:
    first = chart(STAGES, title="단계", chart_id="same")
    second = chart(list(STAGES), title="단계", chart_id="same")
    assert str(first) == str(second)


# --- scale -------------------------------------------------------------------------------------


def test_bar_widths_are_proportional_to_values() -> None:
    root = parse(bar_chart(PROPOSERS, title="t", chart_id="prop"))
    widths = [float(r.get("width", "")) for r in bar_rects(root)]
    assert widths[0] > 0
    assert widths[0] / widths[1] == pytest.approx(975 / 753, rel=1e-3)
    assert widths[0] / widths[2] == pytest.approx(975 / 779, rel=1e-3)
    # every bar starts at the same x, after the label column
    assert len({r.get("x") for r in bar_rects(root)}) == 1


def test_bars_and_values_fit_inside_the_viewbox() -> None:
    for width in (320, 640, 1000):
        root = parse(bar_chart(STAGES, title="t", chart_id="fit", width=width))
        for rect in bar_rects(root):
            right = float(rect.get("x", "")) + float(rect.get("width", ""))
            assert right <= width
        for text in root.iter(f"{SVG}text"):
            assert 0 <= float(text.get("x", "")) <= width


def test_max_value_shares_a_scale_between_charts() -> None:
    small = parse(bar_chart([Bar("가", 500)], title="t", chart_id="a", max_value=2000))
    large = parse(bar_chart([Bar("나", 2000)], title="t", chart_id="b", max_value=2000))
    small_w = float(bar_rects(small)[0].get("width", ""))
    large_w = float(bar_rects(large)[0].get("width", ""))
    assert small_w / large_w == pytest.approx(0.25, rel=1e-3)
    # labels and value lengths do not matter: the scale is the same
    odd = parse(bar_chart([Bar("가나다", 1234.5)], title="t", chart_id="d", max_value=2000))
    assert float(bar_rects(odd)[0].get("width", "")) / large_w == pytest.approx(
        1234.5 / 2000, rel=1e-3
    )
    # without max_value the single bar fills the area
    alone = parse(bar_chart([Bar("가", 500)], title="t", chart_id="c"))
    assert float(bar_rects(alone)[0].get("width", "")) > 3.5 * small_w


def test_max_value_below_a_value_or_negative_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_value"):
        bar_chart([Bar("가", 500)], title="t", chart_id="a", max_value=100)
    with pytest.raises(ValueError, match="max_value"):
        bar_chart([Bar("가", 0)], title="t", chart_id="a", max_value=-1)
    with pytest.raises(ValueError, match="max_value"):
        bar_chart([Bar("가", 0)], title="t", chart_id="a", max_value=math.inf)


def test_stacked_segments_are_proportional_contiguous_and_coloured() -> None:
    root = parse(stacked_bar(PROPOSERS, title="결과", chart_id="outcome"))
    rects = bar_rects(root)
    widths = [float(r.get("width", "")) for r in rects]
    xs = [float(r.get("x", "")) for r in rects]
    assert widths[0] / widths[1] == pytest.approx(975 / 753, rel=1e-3)
    for i in range(1, len(rects)):
        assert xs[i] == pytest.approx(xs[i - 1] + widths[i - 1], abs=0.02)
    assert [r.get("fill") for r in rects] == list(PALETTE[:3])
    assert [g.get("data-code") for g in rows(root, "chart-segment")] == [
        "citizen",
        "official",
        "org",
    ]
    legend = rows(root, "chart-legend-item")
    assert len(legend) == 3
    assert child_text(legend[0], "text") == "시민 975 (38.9%)"
    assert child_text(root, "desc") == (
        "합계 2,507건: 시민 975건 (38.9%), 공무원 753건 (30.0%), 기관 779건 (31.1%)"
    )


def test_stacked_colours_cycle_beyond_the_palette() -> None:
    segments = [Bar(f"항목{i}", 1) for i in range(len(PALETTE) + 2)]
    rects = bar_rects(parse(stacked_bar(segments, title="t", chart_id="many")))
    fills = [r.get("fill") for r in rects]
    assert fills[: len(PALETTE)] == list(PALETTE)
    assert fills[len(PALETTE) :] == list(PALETTE[:2])


def test_palette_has_seven_distinct_colours_with_3_to_1_contrast() -> None:
    assert len(PALETTE) >= 7
    assert len(set(PALETTE)) == len(PALETTE)
    for colour in PALETTE:
        assert re.fullmatch(r"#[0-9a-f]{6}", colour)
        assert contrast_with_white(colour) >= 3.0, colour


# --- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (7, "7"),
        (2507, "2,507"),
        (2507.0, "2,507"),
        (1234567, "1,234,567"),
        (2.5, "2.5"),
        (1234.567, "1,234.57"),
        (-0.0, "0"),
    ],
)
def test_format_number(value: float, text: str) -> None:
    assert format_number(value) == text


def test_value_shown_with_thousands_separator() -> None:
    svg = bar_chart([Bar("전체", 2507)], title="t", chart_id="total")
    assert texts(parse(svg), "chart-value") == ["2,507"]
    assert "2,507건" in str(svg)


def test_decimal_values_from_the_database_are_accepted() -> None:
    root = parse(bar_chart([Bar("가", Decimal("2507"))], title="t", chart_id="dec"))  # type: ignore[arg-type]
    assert texts(root, "chart-value") == ["2,507"]


# --- funnel ------------------------------------------------------------------------------------


def test_funnel_shows_value_and_share_of_first_step() -> None:
    root = parse(funnel(STAGES, title="처리 단계", chart_id="funnel"))
    assert texts(root, "chart-value") == [
        "2,507 (100.0%)",
        "1,210 (48.3%)",
        "640 (25.5%)",
        "301 (12.0%)",
        "200 (8.0%)",
        "123 (4.9%)",
    ]
    assert texts(root, "chart-label") == ["접수", "검토", "심의", "결정", "발표", "시행"]
    assert child_text(root, "desc").endswith("시행 123건 (4.9%)")


def test_funnel_bars_are_centred_and_decreasing() -> None:
    rects = bar_rects(parse(funnel(STAGES, title="t", chart_id="funnel")))
    widths = [float(r.get("width", "")) for r in rects]
    centres = [float(r.get("x", "")) + w / 2 for r, w in zip(rects, widths, strict=True)]
    assert widths == sorted(widths, reverse=True)
    assert widths[0] / widths[-1] == pytest.approx(2507 / 123, rel=1e-2)
    assert max(centres) - min(centres) < 0.02


def test_funnel_with_zero_first_step_has_no_percentages() -> None:
    root = parse(funnel([Bar("접수", 0), Bar("검토", 0)], title="t", chart_id="zero"))
    assert texts(root, "chart-value") == ["0", "0"]
    assert [float(r.get("width", "")) for r in bar_rects(root)] == [0, 0]


# --- escaping and CSP --------------------------------------------------------------------------


@pytest.mark.parametrize("chart", CHARTS)
def test_hostile_labels_titles_units_and_codes_are_escaped(chart: Chart) -> None:
    bars = [Bar(HOSTILE, 10, code='x" onload="alert(1)'), Bar("A & B \"'", 5)]
    markup = chart(bars, title=HOSTILE, chart_id="hostile", unit="<b>건</b>")
    svg = str(markup)
    assert "<script" not in svg.lower()
    assert "<b>" not in svg
    assert "onload=" not in svg.replace("onload=&#34;", "")  # only inside an escaped value
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    root = parse(markup)
    assert child_text(root, "title") == HOSTILE
    assert HOSTILE in child_text(root, "desc")
    codes = [g.get("data-code") for g in root.iter(f"{SVG}g") if g.get("data-code")]
    assert codes and set(codes) == {'x" onload="alert(1)'}
    assert all(set(g.attrib) <= {"class", "data-code"} for g in root.iter(f"{SVG}g"))


def test_characters_illegal_in_xml_are_dropped() -> None:
    svg = bar_chart([Bar("제\x00안\x0b\ufffe", 1)], title="제목\x1b", chart_id="ctrl")
    root = parse(svg)  # would raise on a raw control character
    assert child_text(root, "title") == "제목"
    assert texts(root, "chart-label") == ["제안"]


@pytest.mark.parametrize("chart", CHARTS)
@pytest.mark.parametrize(
    "bars", [PROPOSERS, [], [Bar("영", 0), Bar("공", 0)], [Bar(HOSTILE, 1), Bar(LONG, 2)]]
)
def test_no_inline_style_or_script_anywhere(chart: Chart, bars: list[Bar]) -> None:
    markup = chart(bars, title="제목", chart_id="csp")
    svg = str(markup)
    assert "style=" not in svg
    assert "<style" not in svg
    assert "<script" not in svg
    assert "javascript:" not in svg
    assert "href" not in svg  # no external (or internal) assets
    root = parse(markup)
    for element in root.iter():
        assert not any(name.lower().startswith("on") for name in element.attrib)


# --- long labels -------------------------------------------------------------------------------


@pytest.mark.parametrize("chart", [bar_chart, funnel])
def test_long_labels_are_truncated_but_kept_whole_in_tooltip_and_desc(chart: Chart) -> None:
    root = parse(chart([Bar(LONG, 10), Bar("짧은 이름", 5)], title="t", chart_id="long"))
    shown = texts(root, "chart-label")
    assert shown[0].endswith("…")
    assert 12 <= len(shown[0]) <= 14
    assert LONG.startswith(shown[0][:-1])
    assert shown[1] == "짧은 이름"
    assert child_text(rows(root)[0], "title").startswith(LONG)
    assert LONG in child_text(root, "desc")


def test_label_without_spaces_is_cut_to_twelve_korean_characters() -> None:
    root = parse(bar_chart([Bar("가" * 30, 1), Bar("나" * 13, 1)], title="t", chart_id="cut"))
    assert texts(root, "chart-label") == ["가" * 12 + "…", "나" * 13]


def test_long_latin_labels_get_more_characters_than_korean_ones() -> None:
    latin = "Regulatory Sandbox Special Act amendment"
    root = parse(bar_chart([Bar(latin, 1)], title="t", chart_id="latin"))
    shown = texts(root, "chart-label")[0]
    assert shown.endswith("…") and 20 <= len(shown) <= 28


def test_stacked_legend_truncates_long_labels_but_keeps_them_in_tooltip() -> None:
    root = parse(stacked_bar([Bar(LONG, 3), Bar("기타", 1)], title="t", chart_id="legend"))
    item = rows(root, "chart-legend-item")[0]
    label = next(t for t in item.iter(f"{SVG}text"))
    assert label.text is not None and label.text.endswith("…")
    assert child_text(item, "title").startswith(LONG)


# --- empty and zero ----------------------------------------------------------------------------


@pytest.mark.parametrize("chart", CHARTS)
def test_empty_input_renders_no_data_message(chart: Chart) -> None:
    root = parse(chart([], title="빈 차트", chart_id="empty"))
    assert root.get("role") == "img"
    assert child_text(root, "title") == "빈 차트"
    assert child_text(root, "desc") == EMPTY_TEXT
    assert texts(root, "chart-empty") == [EMPTY_TEXT]
    assert bar_rects(root) == []


@pytest.mark.parametrize("chart", CHARTS)
def test_all_zero_values_draw_zero_width_bars(chart: Chart) -> None:
    bars = [Bar("시민", 0), Bar("공무원", 0), Bar("기관", 0)]
    root = parse(chart(bars, title="영", chart_id="zeros"))
    rects = bar_rects(root)
    assert len(rects) == 3
    assert all(float(r.get("width", "")) == 0 for r in rects)
    assert all(math.isfinite(float(r.get("x", ""))) for r in rects)
    assert "시민 0건" in child_text(root, "desc")


def test_all_zero_bar_chart_with_zero_max_value() -> None:
    root = parse(bar_chart([Bar("가", 0)], title="t", chart_id="z", max_value=0))
    assert float(bar_rects(root)[0].get("width", "")) == 0


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize("chart", CHARTS)
@pytest.mark.parametrize(
    "chart_id", ["", "1chart", "Chart", "chart_1", "a b", "chart\n", 'a"><svg', "차트", "-a"]
)
def test_bad_chart_id_is_rejected(chart: Chart, chart_id: str) -> None:
    with pytest.raises(ValueError, match="chart_id"):
        chart(PROPOSERS, title="t", chart_id=chart_id)


@pytest.mark.parametrize("chart", CHARTS)
def test_good_chart_ids_are_accepted(chart: Chart) -> None:
    for chart_id in ("a", "by-proposer", "chart-2025-q1"):
        assert parse(chart(PROPOSERS, title="t", chart_id=chart_id)).get("aria-labelledby") == (
            f"{chart_id}-title"
        )


@pytest.mark.parametrize("chart", CHARTS)
@pytest.mark.parametrize("value", [-1, -0.5, math.nan, math.inf])
def test_negative_or_non_finite_values_are_rejected(chart: Chart, value: float) -> None:
    with pytest.raises(ValueError, match="value"):
        chart([Bar("가", 1), Bar("나", value)], title="t", chart_id="bad")


@pytest.mark.parametrize("chart", CHARTS)
def test_non_numeric_values_and_tiny_widths_are_rejected(chart: Chart) -> None:
    with pytest.raises(ValueError, match="value"):
        chart([Bar("가", "3")], title="t", chart_id="bad")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="width"):
        chart(PROPOSERS, title="t", chart_id="bad", width=100)
