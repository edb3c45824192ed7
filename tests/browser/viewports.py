"""The browser tests' viewports, defined once. The phone is 320 CSS px wide, the width WCAG 2.2 SC 1.4.10
(Reflow) names: there assert_accessible (tests/conftest.py) also fails a page that scrolls sideways as a whole."""

import pytest

DESKTOP = {"width": 1280, "height": 800}
SMALL_LAPTOP = {"width": 1024, "height": 800}
PHONE = {"width": 320, "height": 640}


def desktop_and_phone(desktop: dict[str, int] = DESKTOP) -> pytest.MarkDecorator:
    """Run a test once at a desktop's viewport and once at the phone's, as its `viewport` argument."""
    return pytest.mark.parametrize("viewport", [desktop, PHONE], ids=lambda v: f"{v['width']}px")
