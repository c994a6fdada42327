"""Rendering a Reply as Discord markdown: embeds (or plain content), split within Discord's limits.

Limits: content 2,000 characters; embed title 256, description 4,096; 10 embeds and 6,000
embed characters per message. A reply is split between blocks, then between lines, and only
then inside a line (at a space); each piece is rendered on its own, so its markers balance.
Every piece of text is escaped (markdown, masked links, mention-like text) — and senders
still pass ``AllowedMentions.none()``, so nothing can ping even if escaping missed something.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import discord

from bot.reply import Reply, Span, reply_lines

CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_COLOUR = 0x2B6CB0
BULLET = "• "

# Applied in this order: code innermost, then italic, bold, and the underline outermost.
_WRAPS = (("italic", "*"), ("bold", "**"), ("mark", "__"))
_MENTION_LIKE = re.compile(r"@(?=everyone|here|[!&]?\d)")
_UNESCAPED_BRACKET = re.compile(r"(?<!\\)([\[\]])")
_CHUNK = re.compile(r"\S+\s*|\s+")


@dataclass
class DiscordMessage:
    """One message to send: text content and/or embeds."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)


def escape(text: str) -> str:
    """Text shown literally: no markdown, no masked links, no mention that renders as one."""
    text = _MENTION_LIKE.sub("@\u200b", text)
    text = discord.utils.escape_markdown(text)
    return _UNESCAPED_BRACKET.sub(r"\\\1", text)


def _code(text: str) -> str:
    # Markdown is not parsed inside code, so no escaping — only a backtick could end it early.
    return "`" + text.replace("`", "ˋ") + "`"


def span_markdown(span: Span) -> str:
    """One span as Discord markdown; whitespace stays outside the markers, or they would not render."""
    core = span.text.strip()
    if not core:
        return escape(span.text)
    lead = span.text[: len(span.text) - len(span.text.lstrip())]
    trail = span.text[len(span.text.rstrip()) :]
    text = _code(core) if "code" in span.styles else escape(core)
    for style, marker in _WRAPS:
        if style in span.styles:
            text = f"{marker}{text}{marker}"
    if span.link and span.link.startswith(("http://", "https://")):
        text = f"[{text}]({_safe_url(span.link)})"
    return lead + text + trail


def _safe_url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def spans_markdown(spans: tuple[Span, ...]) -> str:
    return "".join(span_markdown(s) for s in spans)


def split_line(spans: tuple[Span, ...], limit: int) -> list[str]:
    """A line as markdown pieces of at most `limit` characters, cut at spaces where possible."""
    whole = spans_markdown(spans)
    if len(whole) <= limit:
        return [whole]
    pieces: list[str] = []
    current = ""
    for span in spans:
        for chunk in _CHUNK.findall(span.text):
            rendered = span_markdown(Span(chunk, span.styles, span.link))
            if current and len(current) + len(rendered) > limit:
                pieces.append(current)
                current = ""
            while len(rendered) > limit:  # one "word" longer than the limit: cut it hard
                pieces.append(fit(rendered, limit, ellipsis=False))
                rendered = rendered[len(pieces[-1]) :]
            current += rendered
    if current.strip():
        pieces.append(current)
    return pieces


def fit(text: str, limit: int, *, ellipsis: bool = True) -> str:
    """Text cut to `limit` characters, never leaving a dangling escape backslash."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1 if ellipsis else limit]
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    return cut + ("…" if ellipsis else "")


def _texts(reply: Reply, limit: int, *, after_title: bool = False) -> list[str]:
    """The reply's lines as markdown, each at most `limit`, with their separators in front."""
    out: list[str] = []
    for spans, new_block in reply_lines(reply, bullet=BULLET, title=False):
        for piece in split_line(spans, limit):
            sep = ("\n\n" if new_block else "\n") if out or after_title else ""
            out.append(sep + piece)
            new_block = False
    return out


def render_content(reply: Reply) -> list[DiscordMessage]:
    """The reply as plain messages of at most 2,000 characters (the title in bold first)."""
    title = [f"**{fit(escape(reply.title), TITLE_MAX)}**"] if reply.title else []
    parts = title + _texts(reply, CONTENT_MAX - 2, after_title=bool(title))
    messages: list[DiscordMessage] = []
    current = ""
    for part in parts:
        if current and len(current) + len(part) > CONTENT_MAX:
            messages.append(DiscordMessage(current))
            current = part.lstrip("\n")
        else:
            current += part if current else part.lstrip("\n")
    if current:
        messages.append(DiscordMessage(current))
    return messages or [DiscordMessage("…")]


class _EmbedPacker:
    """Fills embeds and messages line by line without crossing any limit."""

    def __init__(self, title: str | None):
        self.messages: list[DiscordMessage] = []
        self.title = fit(escape(title), TITLE_MAX) if title else None
        self._embeds: list[discord.Embed] = []
        self._description = ""
        self._total = len(self.title or "")  # embed characters in the current message

    def add(self, text: str) -> None:
        if self._description:
            fits_embed = len(self._description) + len(text) <= DESCRIPTION_MAX
            if fits_embed and self._total + len(text) <= EMBED_TOTAL_MAX:
                self._description += text
                self._total += len(text)
                return
            self._close_embed()
        text = text.lstrip("\n")
        if len(self._embeds) >= EMBEDS_MAX or self._total + len(text) > EMBED_TOTAL_MAX:
            self._close_message()
        self._description = text
        self._total += len(text)

    def _close_embed(self) -> None:
        first = not self.messages and not self._embeds
        if not self._description and not (self.title and first):
            return
        embed = discord.Embed(description=self._description or None, colour=EMBED_COLOUR)
        if first:
            embed.title = self.title
        self._embeds.append(embed)
        self._description = ""

    def _close_message(self) -> None:
        if self._embeds:
            self.messages.append(DiscordMessage(None, self._embeds))
        self._embeds, self._total = [], 0

    def finish(self) -> list[DiscordMessage]:
        self._close_embed()
        self._close_message()
        return self.messages


def render_embeds(reply: Reply) -> list[DiscordMessage]:
    """The reply as embeds: the title on the first, the blocks as descriptions."""
    packer = _EmbedPacker(reply.title)
    for text in _texts(reply, DESCRIPTION_MAX):
        packer.add(text)
    messages = packer.finish()
    return messages or [DiscordMessage(None, [discord.Embed(description="…", colour=EMBED_COLOUR)])]


def render(reply: Reply, *, embeds: bool | None = None) -> list[DiscordMessage]:
    """The messages for a reply: embeds when it has a title (or when asked), else plain content."""
    use_embeds = bool(reply.title) if embeds is None else embeds
    return render_embeds(reply) if use_embeds else render_content(reply)
