"""The axe check every browser test leans on still fails, naming each rule, on a page with violations (it asks axe
for violations only: tests/conftest.py)."""

from typing import Any

import pytest

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
