"""Body text with simple formatting: paragraphs, bulleted lists, links and bold, always sanitised with nh3.

Managers may type plain text (a blank line starts a paragraph, lines starting "- " or "* " make a list,
**bold**, [link text](https://...)) or the same few HTML tags. Whatever arrives is cleaned by nh3 with a small
allow-list, on save and again on output, so a script or an event handler can never reach a resident's browser.
"""

import html
import re

import nh3
from markupsafe import Markup

ALLOWED_TAGS = {"p", "ul", "ol", "li", "a", "strong", "b", "em", "i", "br", "h2", "h3"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}

_LINK = re.compile(r"\[([^\]\n]{1,300})\]\(((?:https?://|mailto:)[^\s)]{1,500})\)")
_BOLD = re.compile(r"\*\*([^*\n]{1,500})\*\*")
_LIST_ITEM = re.compile(r"^\s*[-*]\s+(.*)$")
_HAS_TAG = re.compile(r"<\s*/?\s*(p|ul|ol|li|a|strong|b|em|i|br|h2|h3)\b", re.IGNORECASE)


def clean_html(value: str) -> str:
    return nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    ).strip()


def _inline(text: str) -> str:
    escaped = html.escape(text, quote=True)
    escaped = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', escaped)
    return _BOLD.sub(r"<strong>\1</strong>", escaped)


def _plain_to_html(text: str) -> str:
    """Blank lines separate blocks; within a block, runs of "- " lines become a list, other lines a paragraph."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    out: list[str] = []
    for block in blocks:
        lines = [line for line in block.split("\n") if line.strip()]
        paragraph: list[str] = []
        items: list[str] = []
        for line in [*lines, ""]:
            match = _LIST_ITEM.match(line) if line else None
            if match:
                if paragraph:
                    out.append("<p>" + "<br>".join(paragraph) + "</p>")
                    paragraph = []
                items.append(f"<li>{_inline(match.group(1))}</li>")
                continue
            if items:
                out.append("<ul>" + "".join(items) + "</ul>")
                items = []
            if line:
                paragraph.append(_inline(line.strip()))
        if paragraph:
            out.append("<p>" + "<br>".join(paragraph) + "</p>")
    return "".join(out)


def to_safe_html(value: str) -> str:
    """Turn a manager's body text (plain with light markup, or simple HTML) into sanitised HTML."""
    if not value or not value.strip():
        return ""
    if _HAS_TAG.search(value):
        return clean_html(value)
    return clean_html(_plain_to_html(value))


def render_body(value: str) -> Markup:
    """For templates: sanitise again on output (cheap), then mark safe."""
    return Markup(clean_html(value or ""))  # noqa: S704 (cleaned by nh3 just above)
