"""Body text: light markup becomes simple HTML; anything else is removed by nh3."""

import pytest

from engagement.formatting import render_body, to_safe_html


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("One\n\nTwo", "<p>One</p><p>Two</p>"),
        ("Tell us:\n- a\n- **b**\nAfter", "<p>Tell us:</p><ul><li>a</li><li><strong>b</strong></li></ul><p>After</p>"),
        (
            "See [the plan](https://example.org/plan).",
            '<p>See <a href="https://example.org/plan" rel="noopener noreferrer">the plan</a>.</p>',
        ),
        ("[bad](javascript:alert(1))", "<p>[bad](javascript:alert(1))</p>"),
        ("5 < 6 & **bold**", "<p>5 &lt; 6 &amp; <strong>bold</strong></p>"),
        ("<p onclick='x()'>Hi<script>alert(1)</script></p>", "<p>Hi</p>"),
        ('<a href="javascript:alert(1)">x</a><img src=x onerror=alert(1)>', '<a rel="noopener noreferrer">x</a>'),
        ("   ", ""),
    ],
)
def test_to_safe_html(source: str, expected: str) -> None:
    assert to_safe_html(source) == expected


def test_render_body_cleans_again_on_output() -> None:
    # Stored before sanitising existed, or written straight to the database: still cleaned on the way out.
    assert str(render_body("<p>ok</p><script>alert(1)</script>")) == "<p>ok</p>"
