"""The axe check every browser test leans on still fails, naming each rule, on a page with violations (it asks axe
for violations only: tests/conftest.py), and at a phone's width on a page that scrolls sideways as a whole."""

from typing import Any

import pytest

from tests.browser.viewports import DESKTOP, PHONE

pytestmark = [pytest.mark.browser]

PAGE = """<!doctype html><html lang="en"><head><title>Broken</title></head><body><main><h1>Broken</h1>
<img src="chart.png"><p style="color:#777;background:#888">Hard to read</p></main></body></html>"""


def test_a_page_with_violations_fails_naming_every_rule(page: Any, assert_accessible: Any) -> None:
    page.set_content(PAGE)
    with pytest.raises(AssertionError) as failed:
        assert_accessible(page, "the broken page")
    message = str(failed.value)
    assert "axe found 2 violation(s) on the broken page" in message
    assert "image-alt (critical)" in message
    assert "color-contrast (serious)" in message


# At a phone's width the check also fails when the whole page scrolls sideways (WCAG 1.4.10 Reflow), naming what
# sticks out; a wide table that scrolls inside its own focusable region passes.
WIDE = """<!doctype html><html lang="en"><head><title>Wide</title></head><body><main><h1>Wide</h1>
<div class="app-fixed" style="width:600px">A box 600 px wide</div>
<p>See https://example.org/consultations/averylongaddresswithnowheretobreakatall</p>
</main></body></html>"""
SCROLLS_INSIDE = """<!doctype html><html lang="en"><head><title>Scrolls inside</title></head><body><main>
<h1>Scrolls inside</h1>
<div style="overflow-x:auto;position:{position}" role="region" aria-label="Wide table (scrolls sideways)" tabindex="0">
<table style="width:600px"><caption>Wide table</caption><tr><th scope="col">A</th><th scope="col">B</th></tr>
<tr><td>1</td><td>2 <span style="position:absolute;width:1px;overflow:hidden">hidden</span></td></tr></table>
</div></main></body></html>"""


def test_a_page_that_scrolls_sideways_at_phone_width_fails_naming_what_sticks_out(
    page: Any, assert_accessible: Any
) -> None:
    page.set_viewport_size(PHONE)
    page.set_content(WIDE)
    with pytest.raises(AssertionError) as failed:
        assert_accessible(page, "the wide page")
    message = str(failed.value)
    assert "the wide page scrolls sideways at 320 px wide (WCAG 1.4.10 Reflow)" in message
    assert '<div.app-fixed> to 608 px: "A box 600 px wide"' in message
    assert '<p> to 496 px: "See https://example.org/consultations/av"' in message
    assert "<main" not in message  # the boxes around what sticks out are not named


def test_the_same_page_passes_at_desktop_width(page: Any, assert_accessible: Any) -> None:
    page.set_viewport_size(DESKTOP)
    page.set_content(WIDE)
    assert_accessible(page, "the wide page at desktop width")


def test_a_page_wider_than_a_desktop_fails_there_too(page: Any, assert_accessible: Any) -> None:
    page.set_viewport_size(DESKTOP)
    page.set_content(WIDE.replace("width:600px", f"width:{DESKTOP['width'] + 200}px"))
    with pytest.raises(AssertionError) as failed:
        assert_accessible(page, "the very wide page")
    assert f"the very wide page scrolls sideways at {DESKTOP['width']} px wide" in str(failed.value)


def test_a_page_that_scrolls_only_inside_a_focusable_region_passes_at_phone_width(
    page: Any, assert_accessible: Any
) -> None:
    page.set_viewport_size(PHONE)
    page.set_content(SCROLLS_INSIDE.replace("{position}", "relative"))
    assert page.evaluate("document.querySelector('table').getBoundingClientRect().right") > PHONE["width"]
    assert_accessible(page, "the page with a scrolling table")


def test_text_positioned_outside_an_unpositioned_scroll_region_is_named(page: Any, assert_accessible: Any) -> None:
    """Absolutely positioned text (NHS.UK's visually hidden spans) in a region that is not itself positioned is
    placed against the page, not the region, and widens the page."""
    page.set_viewport_size(PHONE)
    page.set_content(SCROLLS_INSIDE.replace("{position}", "static"))
    with pytest.raises(AssertionError) as failed:
        assert_accessible(page, "the page with an unpositioned region")
    assert "<span> to " in str(failed.value)
    assert "<table" not in str(failed.value)


def test_checked_at_both_widths_a_page_fails_at_the_phone_and_keeps_its_size(page: Any, assert_accessible: Any) -> None:
    """`at=`: one visit, checked at a desktop's width and then a phone's; the page is left at the size it had."""
    page.set_viewport_size(DESKTOP)
    page.set_content(WIDE)
    with pytest.raises(AssertionError) as failed:
        assert_accessible(page, "the wide page", at=(DESKTOP, PHONE))
    assert "the wide page scrolls sideways at 320 px wide" in str(failed.value)
    page.set_content(PAGE)
    with pytest.raises(AssertionError) as failed:
        assert_accessible(page, "the broken page", at=(DESKTOP, PHONE))
    assert "axe found 2 violation(s) on the broken page at 1280 px" in str(failed.value)
    assert page.viewport_size == DESKTOP  # put back after a failure too
    page.set_content(SCROLLS_INSIDE.replace("{position}", "relative"))
    assert_accessible(page, "the page with a scrolling table", at=(PHONE, DESKTOP))
    assert page.viewport_size == DESKTOP
    assert page.evaluate("typeof window.axe") == "object"  # injected once into this document, then reused
