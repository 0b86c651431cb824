"""Sanitised entry HTML -> readable plain text for the text/plain part: paragraphs, bullets, links."""

from __future__ import annotations

import textwrap
from html.parser import HTMLParser

_BLOCKS = {
    "p", "div", "section", "article", "header", "footer", "figure", "figcaption", "blockquote",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table", "tr", "pre", "dl", "dt", "dd",
}  # fmt: skip
_SKIPPED = {"script", "style", "head", "title", "template"}


class _TextParser(HTMLParser):
    """Collects paragraphs as (first-line prefix, following-lines prefix, text, after a <br>)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[tuple[str, str, str, bool]] = []
        self.chunks: list[str] = []  # raw text of the paragraph being read
        self.lists: list[list[int]] = []  # one counter per open list; [-1] for <ul>
        self.links: list[str | None] = []
        self.link_start: list[int] = []
        self.skipping = 0
        self.bullet = ""
        self.quote = 0
        self.after_break = False  # the next paragraph follows a <br>: no blank line before it

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "br":
            self.flush()
            self.after_break = True
        elif tag == "a":
            self.links.append(dict(attrs).get("href"))
            self.link_start.append(len(self.chunks))
        elif tag in _BLOCKS:
            self.flush()
            self.after_break = False
            if tag in ("ul", "ol"):
                self.lists.append([0 if tag == "ol" else -1])
            elif tag == "li" and self.lists:
                counter = self.lists[-1]
                if counter[0] >= 0:
                    counter[0] += 1
                self.bullet = f"{counter[0]}. " if counter[0] >= 0 else "- "
            elif tag == "blockquote":
                self.quote += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "a" and self.links:
            href = self.links.pop()
            start = self.link_start.pop()
            label = " ".join("".join(self.chunks[start:]).split())
            target = (href or "").removeprefix("mailto:")
            if href and href.startswith(("http://", "https://", "mailto:")) and target != label:
                self.chunks.append(f" ({target})" if label else target)
        elif tag in _BLOCKS:
            self.flush()
            self.after_break = False
            if tag in ("ul", "ol") and self.lists:
                self.lists.pop()
            elif tag == "blockquote":
                self.quote = max(0, self.quote - 1)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.chunks.append(data)

    def flush(self) -> None:
        text = " ".join("".join(self.chunks).split())
        if text:
            depth = "  " * max(0, len(self.lists) - 1)
            quote = "> " * self.quote
            first = quote + depth + self.bullet
            rest = quote + depth + " " * len(self.bullet)
            self.paragraphs.append((first, rest, text, self.after_break))
            self.after_break = False
        self.chunks = []
        self.bullet = ""


def html_to_text(html: str, width: int = 72) -> str:
    """Readable text: a blank line between paragraphs, '- ' bullets, links as 'text (url)'."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    parser.flush()
    lines: list[str] = []
    previous_was_item = False
    for first, rest, text, after_break in parser.paragraphs:
        is_item = first != rest  # list items follow each other without blank lines
        if lines and not after_break and not (is_item and previous_was_item):
            lines.append("")
        lines.append(
            textwrap.fill(
                text,
                width=width,
                initial_indent=first,
                subsequent_indent=rest,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
        previous_was_item = is_item
    return "\n".join(lines)
