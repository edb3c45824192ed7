"""A tiny HTML tree for assertions (no third-party parser in the lock file)."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list["Element | str"] = field(default_factory=list)

    @property
    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return " ".join(" ".join(parts).split())

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list["Element"]:
        """Elements with the tag and attributes; `class_` matches one class among several."""
        wanted = {k.rstrip("_"): v for k, v in attrs.items()}
        found = []
        for el in self.iter():
            if tag and el.tag != tag:
                continue
            if all(
                (v in el.attrs.get(k, "").split()) if k == "class" else el.attrs.get(k) == v for k, v in wanted.items()
            ):
                found.append(el)
        return found

    def one(self, tag: str | None = None, **attrs: str) -> "Element":
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"expected one {tag} {attrs}, found {len(found)}"
        return found[0]

    def by_id(self, element_id: str) -> "Element":
        return self.one(id=element_id)


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, {k: (v if v is not None else "") for k, v in attrs})
        self.stack[-1].children.append(el)
        if tag not in VOID:
            self.stack.append(el)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {k: (v or "") for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    return builder.root


def cell_text(cell: Element) -> str:
    """A table cell's text without the heading NHS.UK's responsive tables repeat in each cell for phones."""
    kept = [
        c for c in cell.children if not (isinstance(c, Element) and "nhsuk-table__heading" in c.attrs.get("class", ""))
    ]
    return Element(cell.tag, cell.attrs, kept).text


def table_rows(table: Element) -> list[list[str]]:
    """The body rows of a table as the texts of their cells (th and td), headings for phones left out."""
    return [
        [cell_text(cell) for cell in row.children if isinstance(cell, Element) and cell.tag in ("th", "td")]
        for body in table.find_all("tbody")
        for row in body.find_all("tr")
    ]
