"""Rendering a Reply as Telegram HTML, split into messages Telegram accepts.

Telegram counts a message's length in UTF-16 code units after entity parsing, at most
4,096. Replies are split between blocks, then between lines, and only then inside a line
(at a space); every part is rendered on its own, so each has balanced tags.
"""

from __future__ import annotations

from html import escape

from bot.reply import Reply, Span, reply_lines

LIMIT = 4096
_TAGS = {"bold": "b", "italic": "i", "code": "code", "mark": "u"}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def span_html(span: Span) -> str:
    html = escape(span.text, quote=False)
    for style in sorted(span.styles):
        tag = _TAGS.get(style)
        if tag:
            html = f"<{tag}>{html}</{tag}>"
    if span.link and span.link.startswith(("http://", "https://", "tg://")):
        html = f'<a href="{escape(span.link, quote=True)}">{html}</a>'
    return html


def _split_spans(spans: tuple[Span, ...], limit: int) -> list[tuple[Span, ...]]:
    """Cut one over-long line into pieces of at most `limit` visible units, at spaces when possible."""
    pieces: list[tuple[Span, ...]] = []
    current: list[Span] = []
    size = 0
    for span in spans:
        text = span.text
        while text:
            room = limit - size
            if utf16_len(text) <= room:
                current.append(Span(text, span.styles, span.link))
                size += utf16_len(text)
                break
            cut = _cut_point(text, room)
            if cut == 0 and current:
                pieces.append(tuple(current))
                current, size = [], 0
                continue
            cut = cut or max(1, room)
            current.append(Span(text[:cut], span.styles, span.link))
            pieces.append(tuple(current))
            current, size, text = [], 0, text[cut:].lstrip(" ")
    if current:
        pieces.append(tuple(current))
    return pieces


def _cut_point(text: str, room: int) -> int:
    """The longest prefix within `room` UTF-16 units, ending at a space if there is one."""
    units, end = 0, 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > room:
            break
        end = i + 1
    space = text.rfind(" ", 0, end + 1)
    return space if space > 0 and end < len(text) else end


def render_messages(reply: Reply, limit: int = LIMIT) -> list[tuple[str, str]]:
    """(html, plain text) for each message the reply needs."""
    messages: list[tuple[str, str]] = []
    html_parts: list[str] = []
    plain_parts: list[str] = []
    size = 0
    for spans, new_block in reply_lines(reply):
        for piece in _split_spans(spans, limit):
            sep = ("\n\n" if new_block else "\n") if plain_parts else ""
            plain = "".join(s.text for s in piece)
            needed = utf16_len(sep + plain)
            if plain_parts and size + needed > limit:
                messages.append(("".join(html_parts), "".join(plain_parts)))
                html_parts, plain_parts, size, sep = [], [], 0, ""
                needed = utf16_len(plain)
            html_parts.append(sep + "".join(span_html(s) for s in piece))
            plain_parts.append(sep + plain)
            size += needed
            new_block = False
    if plain_parts:
        messages.append(("".join(html_parts), "".join(plain_parts)))
    return messages or [("…", "…")]
