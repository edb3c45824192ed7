"""The summary's bar charts (templates/reporting/_charts.html) as a browser lays them out: no label or value is cut
off at the chart's edge, each label sits above its bar, and on a phone the text is still readable."""

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.template import engines

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


@pytest.mark.parametrize("width", [960, 288])  # a desktop's main column; a 320 px phone's
def test_bar_chart_text_fits_inside_the_chart(page: Any, width: int) -> None:
    html = engines["jinja2"].from_string(CHART).render({"rows": ROWS})
    css = (Path(settings.BASE_DIR) / "static" / "css" / "portal.css").read_text()
    page.set_content(
        f'<!doctype html><html lang="en"><head><style>{css} body {{ font-family: "Frutiger W01", arial, '
        f"sans-serif; }}</style></head><body style='margin: 0; width: {width}px'>{html}</body></html>"
    )
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
