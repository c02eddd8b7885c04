"""A small DOM for asserting on the HTML report without a browser.

The standard library's parser builds the tree, so what the tests see is what any HTML parser
sees: an escaped ``<script>`` stays text, a real one becomes an element.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

_VOID = {"meta", "link", "br", "img", "input", "hr", "source", "col", "wbr", "area", "base"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    children: list[Element | str] = field(default_factory=list)

    def iter(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag: str, **attrs: str) -> list[Element]:
        wanted = {k.replace("_", "-").rstrip("-"): v for k, v in attrs.items()}
        return [
            el for el in self.iter()
            if el.tag == tag and all(
                v in (el.attrs.get(k) or "").split() if k == "class" else el.attrs.get(k) == v
                for k, v in wanted.items()
            )
        ]

    def by_id(self, ident: str) -> Element:
        found = [el for el in self.iter() if el.attrs.get("id") == ident]
        assert len(found) == 1, f"expected one #{ident}, found {len(found)}"
        return found[0]

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def cells(self) -> list[list[str]]:
        """The text of each body row's cells (``th`` and ``td``), whitespace collapsed."""
        body = self.find_all("tbody")[0]
        return [
            [" ".join(cell.text.split()) for cell in row.children
             if isinstance(cell, Element) and cell.tag in {"th", "td"}]
            for row in body.find_all("tr")
        ]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.stack[-1].children.append(element)
        if tag not in _VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return
        raise AssertionError(f"</{tag}> closes nothing")

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(page: str) -> Element:
    builder = _Builder()
    builder.feed(page)
    builder.close()
    assert len(builder.stack) == 1, f"unclosed: {[el.tag for el in builder.stack[1:]]}"
    return builder.root
