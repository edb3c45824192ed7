"""The summary's charts (templates/reporting/_charts.html) as a browser lays them out: no label or value is cut
off at the chart's edge, each bar chart's label sits above its bar, and on a phone the text is still readable."""

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.template import engines

from tests.html import parse

pytestmark = [pytest.mark.browser]

CHART = '{% from "reporting/_charts.html" import bar_chart %}{{ bar_chart("c", "Title", "Description", rows) }}'
ROWS = [
    {"label": "Neither agree nor disagree, with a reason", "count": 12345, "percent": 100},
    {"label": "Barking and Dagenham", "count": 6000, "percent": 49},
    {"label": "No", "count": 1, "percent": None},
]
# Each text's right edge, each label's bottom and its bar's top, in the chart's own units; and its scale on the page.
LAYOUT = """svg => ({
  width: svg.viewBox.baseVal.width,
  texts: [...svg.querySelectorAll('text')].map(t => { const b = t.getBBox(); return [t.textContent, b.x + b.width]; }),
  bars: [...svg.querySelectorAll('rect')].map(r => r.y.baseVal.value),
  labels: [...svg.querySelectorAll('.app-chart__label')].map(t => { const b = t.getBBox(); return b.y + b.height; }),
  scale: svg.getBoundingClientRect().width / svg.viewBox.baseVal.width,
})"""


# Each text's size as drawn on the screen, in CSS px: its font size in the chart's units times the chart's scale.
DRAWN = """svg => [...svg.querySelectorAll('text')].map(
  t => [t.textContent, parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a])"""


def show(page: Any, html: str, width: int) -> None:
    css = (Path(settings.BASE_DIR) / "static" / "css" / "portal.css").read_text()
    page.set_content(
        f'<!doctype html><html lang="en"><head><style>{css} body {{ font-family: "Frutiger W01", arial, '
        f"sans-serif; }}</style></head><body style='margin: 0; width: {width}px'>{html}</body></html>"
    )


@pytest.mark.parametrize("width", [960, 288])  # a desktop's main column; a 320 px phone's
def test_bar_chart_text_fits_inside_the_chart(page: Any, width: int) -> None:
    show(page, engines["jinja2"].from_string(CHART).render({"rows": ROWS}), width)
    layout = page.eval_on_selector("svg.app-chart", LAYOUT)
    cut = [text for text, right in layout["texts"] if right > layout["width"]]
    assert not cut, f"cut off at the chart's right edge ({layout['width']}): {cut}"
    assert "12345 (100%)" in [text for text, _right in layout["texts"]]
    assert all(label <= bar for label, bar in zip(layout["labels"], layout["bars"], strict=True)), layout
    assert 14 * layout["scale"] >= 10, f"14px text drawn at {14 * layout['scale']:.1f}px: unreadable"


def test_a_one_day_column_chart_names_its_day_once() -> None:
    """Responses on one day only: the axis is labelled once, not "29 Nov 2026" at both ends."""
    chart = '{% from "reporting/_charts.html" import column_chart %}{{ column_chart("d", "T", "D", rows) }}'
    one = engines["jinja2"].from_string(chart).render({"rows": [{"label": "29 Nov 2026", "count": 3}]})
    assert one.count("29 Nov 2026") == 1
    two = [{"label": "29 Nov 2026", "count": 3}, {"label": "30 Nov 2026", "count": 1}]
    both = engines["jinja2"].from_string(chart).render({"rows": two})
    assert both.count("29 Nov 2026") == 1
    assert both.count("30 Nov 2026") == 1


def test_the_column_charts_upright_axis_reads_from_0_to_the_busiest_day() -> None:
    """A reader can tell the scale: the busiest day's count at the top of the axis, 0 at its foot."""
    chart = '{% from "reporting/_charts.html" import column_chart %}{{ column_chart("d", "T", "D", rows) }}'
    rows = [{"label": "29 Nov 2026", "count": 3}, {"label": "30 Nov 2026", "count": 7}]
    svg = parse(engines["jinja2"].from_string(chart).render({"rows": rows})).one("svg")
    axis = [(float(t.attrs["y"]), t.text) for t in svg.find_all("text") if t.attrs["x"] == "0"]
    bars = [float(r.attrs["y"]) + float(r.attrs["height"]) for r in svg.find_all("rect")]
    assert sorted(axis) == [(12.0, "7"), (155.0, "0")], axis
    assert set(bars) == {150.0}  # every column stands on the axis labelled 0


@pytest.mark.parametrize("days", [1, 12, 30, 90])  # a 12-week consultation has 84 days
@pytest.mark.parametrize("width", [960, 288])
def test_column_chart_text_is_readable_on_a_phone_and_a_desktop(page: Any, width: int, days: int) -> None:
    """The per-day chart's axis labels are drawn at 10 CSS px or more on a 320 px phone, whatever the number of
    days, and at no less than their own size on a desktop; no text or bar is cut off at the chart's edge."""
    first = datetime.date(2026, 9, 1)
    rows = [{"label": f"{first + datetime.timedelta(days=n):%-d %b %Y}", "count": 100 + n % 7} for n in range(days)]
    chart = '{% from "reporting/_charts.html" import column_chart %}{{ column_chart("d", "T", "D", rows) }}'
    show(page, engines["jinja2"].from_string(chart).render({"rows": rows}), width)
    drawn = page.eval_on_selector("svg.app-chart", DRAWN)
    assert drawn[-1][0] == rows[-1]["label"]  # the axis labels are among the texts measured
    least = 10 if width < 320 else 14
    small = [(text, round(size, 1)) for text, size in drawn if size < least]
    assert not small, f"drawn under {least}px at {width}px wide: {small}"
    layout = page.eval_on_selector("svg.app-chart", LAYOUT)
    cut = [(text, right) for text, right in layout["texts"] if right > layout["width"]]
    assert not cut, f"cut off at the chart's right edge ({layout['width']}): {cut}"
    right = page.eval_on_selector_all(
        "svg.app-chart rect", "bars => bars.map(b => b.x.baseVal.value + b.width.baseVal.value)"
    )
    assert len(right) == days
    assert max(right) <= layout["width"]
