"""The block structure of a briefing: headline, body paragraphs, the bulleted key points."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.briefing.text import clean_inline

_BULLET = re.compile(r"^(?P<indent>\s*)(?:[-*+•·▪●◦‣∙]|\d{1,2}[.)])\s+(?P<text>\S.*)$")
_MD_HEADING_OPEN = re.compile(r"^[ ]{0,3}#{1,6}(?:[ ]|$)")
_SETEXT = re.compile(r"^\s*(?:=+|-+)\s*$")
_QUOTE_PREFIX = re.compile(r"^\s*>\s?")
_TERMINAL = re.compile(r"[.!?…][\"'”’)\]]*$")
_KEY_HEADINGS = re.compile(
    r"^(?:key\s+(?:points?|developments?|facts?|takeaways?|figures?|numbers?|events?|details?)"
    r"|what\s+(?:we\s+know|you\s+need\s+to\s+know|to\s+know|happened|we\s+don'?t\s+know)(?:\s+so\s+far)?"
    r"|highlights?|takeaways?|summary|at\s+a\s+glance|in\s+brief|tl;?dr|the\s+latest|bottom\s+line"
    r"|main\s+points?|in\s+short|quick\s+facts|fast\s+facts|by\s+the\s+numbers|background|context)"
    r"\s*:?$",
    re.I,
)


@dataclass(slots=True)
class Layout:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    key_points: list[str] = field(default_factory=list)


def _is_heading_text(text: str) -> bool:
    return bool(_KEY_HEADINGS.match(clean_inline(text).strip()))


def _is_rule(line: str) -> bool:
    """A thematic break: three or more of one of - * _ with only spaces between."""
    marks = line.replace(" ", "")
    return len(marks) >= 3 and marks[0] in "-*_" and marks == marks[0] * len(marks)


def _heading_text(line: str) -> str | None:
    """The text of an ATX Markdown heading ("## Title ##"), or None if the line is none.

    Done with string methods: a pattern with optional spaces on both sides of the text
    backtracks on a heading padded with thousands of spaces.
    """
    m = _MD_HEADING_OPEN.match(line)
    if m is None:
        return None
    text = line[m.end() :].strip()
    closed = text.rstrip("#")
    if closed != text and (not closed or closed[-1] == " "):
        text = closed.rstrip()
    return text


def _next_nonblank(lines: list[str], i: int) -> str:
    """The next non-blank line after ``i`` (indexes, not slices: the scan stays linear)."""
    for j in range(i + 1, len(lines)):
        if lines[j].strip():
            return lines[j]
    return ""


def _prev_nonblank(lines: list[str], i: int) -> str:
    for j in range(i - 1, -1, -1):
        if lines[j].strip():
            return lines[j]
    return ""


def _is_label(lines: list[str], i: int) -> bool:
    """A line standing alone that introduces or separates bullets rather than saying something."""
    line = lines[i].strip()
    text = clean_inline(line)
    if _is_heading_text(text):
        return True

    def edge(j: int) -> bool:
        if j < 0 or j >= len(lines) or not lines[j].strip() or _BULLET.match(lines[j]):
            return True
        return j < i and (lines[j].rstrip().endswith(":") or _is_heading_text(lines[j]))

    if not (edge(i - 1) and edge(i + 1)):
        return False
    next_is_bullet = _BULLET.match(_next_nonblank(lines, i)) is not None
    if text.endswith(":") and next_is_bullet and len(text) <= 200:
        return True
    near_bullet = next_is_bullet or _BULLET.match(_prev_nonblank(lines, i)) is not None
    short = len(text) <= 60 and len(text.split()) <= 8 and not _TERMINAL.search(text)
    return near_bullet and short


def _title(lines: list[str], start: int) -> tuple[str, int] | None:
    """(headline, index after it) from the first non-blank line, or None if there is none."""
    i = start
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines):
        return None
    line = lines[i]
    heading = _heading_text(line)
    if heading is not None:
        return clean_inline(heading), i + 1
    if i + 1 < len(lines) and _SETEXT.match(lines[i + 1]) and lines[i + 1].strip():
        return clean_inline(line), i + 2
    if _BULLET.match(line) or len(line.strip()) > 250:
        return None
    runs_on = i + 1 < len(lines) and lines[i + 1].strip() and not _BULLET.match(lines[i + 1])
    if runs_on and _TERMINAL.search(line.strip()):
        return None  # a sentence running on into a paragraph: body text, not a headline
    return clean_inline(line), i + 1


def read_layout(lines: list[str], title: str | None) -> Layout | None:
    """Split the lines (front matter removed) into headline, paragraphs and key points."""
    if title:
        layout, i = Layout(clean_inline(title)), 0
        first = _title(lines, 0)
        if first and clean_inline(first[0]).lower() == layout.title.lower():
            i = first[1]  # the headline is repeated under the front matter
    else:
        first = _title(lines, 0)
        if first is None or not first[0]:
            return None
        layout, i = Layout(first[0]), first[1]
    paragraph: list[str] = []
    bullet: list[str] | None = None

    def flush() -> None:
        nonlocal bullet
        if paragraph:
            layout.paragraphs.append(clean_inline(" ".join(paragraph)))
            paragraph.clear()
        if bullet is not None:
            text = clean_inline(" ".join(bullet))
            if text:
                layout.key_points.append(text)
            bullet = None

    body = [_QUOTE_PREFIX.sub("", line) for line in lines[i:]]
    for n, line in enumerate(body):
        if not line.strip() or _is_rule(line):
            flush()
            continue
        m = _BULLET.match(line)
        if m:
            flush()
            bullet = [m.group("text").strip()]
            continue
        heading = _heading_text(line)
        if heading is not None or _is_label(body, n) or (_SETEXT.match(line) and paragraph):
            if _SETEXT.match(line):
                paragraph.clear()  # the line above was a sub-heading
            flush()
            continue
        if bullet is not None:
            if line[:1].isspace():
                bullet.append(line.strip())
                continue
            flush()
        paragraph.append(line.strip())
    flush()
    layout.paragraphs = [p for p in layout.paragraphs if p]
    return layout
