"""The neutral rich-text reply every front-end renders its own way (HTML, markdown, plain text).

A leaf module: commands and alerts build replies, front-ends render them, and it imports
nothing of the project, so any layer can use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

BOLD = frozenset({"bold"})


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text with styles: any of "bold", "italic", "code", "mark" (a search match)."""

    text: str
    styles: frozenset[str] = frozenset()
    link: str | None = None


@dataclass(frozen=True, slots=True)
class Paragraph:
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[tuple[Span, ...], ...]


Block = Paragraph | Bullets


@dataclass(frozen=True, slots=True)
class Action:
    """A button: pressing it runs ``/command args`` for whoever pressed it, as if typed.

    ``replace`` asks for the answer to take the place of the message the button is under
    (paging) instead of arriving as a new message. Front-ends render actions their own way
    (inline keyboards, message components); the console lists none.
    """

    label: str
    command: str
    args: tuple[str, ...] = ()
    replace: bool = False


ActionRow = tuple[Action, ...]
Inline = list[Span | str]  # what a paragraph or a bullet is made of, before it is built
Line = tuple[tuple[Span, ...], bool]  # a line's spans, and whether it starts a new block


@dataclass(frozen=True, slots=True)
class Reply:
    """What a command answers. ``title`` heads the reply (an embed title on Discord).

    ``private`` asks front-ends that can to show it only to the caller (Discord ephemeral).
    ``ok`` is False for refusals, usage lines and errors.
    ``choices`` are things to open, one button each (a select menu on Discord); ``actions``
    are rows of buttons under the reply (◀ ▶ paging, a summary's figures, key points, quotes).
    """

    blocks: tuple[Block, ...]
    title: str | None = None
    private: bool = False
    ok: bool = True
    choices: tuple[Action, ...] = ()
    actions: tuple[ActionRow, ...] = ()
    choose: str = ""  # what the choices are for ("Open a briefing"): a select menu's placeholder


def bold(text: str) -> Span:
    return Span(text, BOLD)


def italic(text: str) -> Span:
    return Span(text, frozenset({"italic"}))


def code(text: str) -> Span:
    return Span(text, frozenset({"code"}))


def link(text: str, url: str) -> Span:
    return Span(text, link=url)


def para(*spans: Span | str) -> Paragraph:
    return Paragraph(tuple(Span(s) if isinstance(s, str) else s for s in spans))


def bullets(items: Iterable[Iterable[Span | str] | str]) -> Bullets:
    out: list[tuple[Span, ...]] = []
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


def usage(line: str, problem: str = "", label: str = "Usage: ") -> Reply:
    """A usage line, after what was wrong when that is known ("25:00 is not a time of day").

    ``label`` is the word before the line, in the caller's language."""
    blocks = (para(problem), para(label, code(line))) if problem else (para(label, code(line)),)
    return Reply(blocks, ok=False, private=True)


# The one answer to a command that failed unexpectedly (the cause goes to the log); the
# command layer's `apology()` gives it in the chat's language, this English one is the fallback.
APOLOGY_TEXT = "Sorry, something went wrong with that command. It has been logged."
APOLOGY = message(APOLOGY_TEXT, ok=False, private=True)


def reply_lines(reply: Reply, *, bullet: str = "• ", title: bool = True) -> list[Line]:
    """Every line of the reply, the title first (in bold) when ``title`` is set."""
    out: list[Line] = []
    if title and reply.title:
        out.append(((Span(reply.title, BOLD),), True))
    for block in reply.blocks:
        if isinstance(block, Bullets):
            out.extend(((Span(bullet), *item), i == 0) for i, item in enumerate(block.items))
        else:
            out.append((block.spans, True))
    return out


def reply_text(reply: Reply, show: Callable[[Span], str] = lambda s: s.text, bullet: str = "• ") -> str:
    """The reply as text: the console, `ask`, logs and fall-backs use it.

    ``show`` turns one span into text (the console adds terminal styles and link targets).
    """
    text = ""
    for spans, new_block in reply_lines(reply, bullet=bullet):
        if text:
            text += "\n\n" if new_block else "\n"
        text += "".join(map(show, spans))
    return text
