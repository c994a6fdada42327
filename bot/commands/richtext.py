"""A neutral rich-text reply that every front-end renders its own way (HTML, Markdown, plain)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Union


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text with styles: any of "bold", "italic", "code", "mark" (a search match)."""

    text: str
    styles: frozenset[str] = frozenset()
    link: str | None = None


@dataclass(frozen=True, slots=True)
class Heading:
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Paragraph:
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[tuple[Span, ...], ...]


Block = Union[Heading, Paragraph, Bullets]


@dataclass(frozen=True, slots=True)
class Reply:
    """What a command answers. ``title`` heads the reply (an embed title on Discord).

    ``private`` asks front-ends that can to show it only to the caller (Discord ephemeral).
    ``ok`` is False for refusals, usage lines and errors.
    """

    blocks: tuple[Block, ...]
    title: str | None = None
    private: bool = False
    ok: bool = True
    meta: dict = field(default_factory=dict, compare=False)


def plain(text: str) -> Span:
    return Span(text)


def bold(text: str) -> Span:
    return Span(text, frozenset({"bold"}))


def italic(text: str) -> Span:
    return Span(text, frozenset({"italic"}))


def code(text: str) -> Span:
    return Span(text, frozenset({"code"}))


def link(text: str, url: str) -> Span:
    return Span(text, link=url)


def para(*spans: Span | str) -> Paragraph:
    return Paragraph(tuple(Span(s) if isinstance(s, str) else s for s in spans))


def bullets(items: Iterable[Iterable[Span | str] | str]) -> Bullets:
    out = []
    for item in items:
        if isinstance(item, str):
            out.append((Span(item),))
        else:
            out.append(tuple(Span(s) if isinstance(s, str) else s for s in item))
    return Bullets(tuple(out))


def marked(text: str, start: str = "\x02", end: str = "\x03") -> tuple[Span, ...]:
    """Spans from text whose matches sit between start and end markers (SQLite highlight())."""
    spans: list[Span] = []
    rest = text
    while start in rest:
        before, _, after = rest.partition(start)
        hit, _, rest = after.partition(end)
        if before:
            spans.append(Span(before))
        spans.append(Span(hit, frozenset({"mark"})))
    if rest:
        spans.append(Span(rest))
    return tuple(spans)


def message(text: str, *, ok: bool = True, private: bool = False) -> Reply:
    """A one-paragraph reply."""
    return Reply((para(text),), ok=ok, private=private)


def usage(line: str) -> Reply:
    return Reply((para("Usage: ", code(line)),), ok=False, private=True)


def reply_text(reply: Reply, show: Callable[[Span], str] = lambda s: s.text, bullet: str = "• ") -> str:
    """The reply as text: the console, `ask`, logs and fall-backs use it.

    ``show`` turns one span into text (the console adds terminal styles and link targets).
    """
    parts: list[str] = [show(Span(reply.title, frozenset({"bold"})))] if reply.title else []
    for block in reply.blocks:
        if isinstance(block, Bullets):
            parts.append("\n".join(bullet + "".join(map(show, item)) for item in block.items))
        else:
            parts.append("".join(map(show, block.spans)))
    return "\n\n".join(parts)
