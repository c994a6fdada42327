"""Commands that read briefings: /summary, /figures, /keypoints, /quotes, /briefings, /search."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.briefing.diff import figure_label
from bot.briefing.model import Briefing, Figure
from bot.commands.context import Caller
from bot.reply import Block, Inline, Paragraph, Reply, Span, bold, bullets, italic, link, marked, message, para
from bot.commands.router import UsageError
from bot.core import Core
from bot.library import Entry

SEARCH_HITS = 10
MAX_SEARCH_WORDS = 20
QUERY_SHOWN = 60
NO_CONTENT = "No briefings are loaded yet. An operator can add files to the content folder and send /reload."


async def pick(core: Core, args: list[str]) -> tuple[Entry, list[str]] | Reply:
    """The briefing named by the first argument (else the newest) and the remaining arguments,
    or the reply saying why there is none."""
    entries = await core.library.entries()
    if not entries:
        return message(NO_CONTENT, ok=False)
    if args:
        entry = await core.library.find(args[0])
        if entry is not None:
            return entry, args[1:]
    return entries[0], args


async def pick_only(core: Core, args: list[str]) -> Entry | Reply:
    """The named (or newest) briefing when nothing else may follow it; else a reply saying why not."""
    found = await pick(core, args)
    if isinstance(found, Reply):
        return found
    entry, rest = found
    return _unknown_briefing(rest[0]) if rest else entry


def loaded_line(entry: Entry) -> Span:
    when = datetime.fromtimestamp(entry.loaded_at, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return italic(f"Loaded {when} · id {entry.briefing.id}")


def footer(entry: Entry) -> Paragraph:
    """Where a briefing comes from and when it was loaded: the last line of every reading reply."""
    b = entry.briefing
    spans: Inline = []
    if b.source:
        spans += ["Source: ", link(b.source, b.source) if b.source.startswith(("http://", "https://")) else b.source]
    if b.published:
        spans += [" · " if spans else "", f"Published {b.published}"]
    return para(*spans, " · " if spans else "", loaded_line(entry))


async def summary(core: Core, caller: Caller, args: list[str]) -> Reply:
    entry = await pick_only(core, args)
    if isinstance(entry, Reply):
        return entry
    return summary_reply(entry)


def summary_reply(entry: Entry) -> Reply:
    b = entry.briefing
    lead = b.summary or (b.paragraphs[0] if b.paragraphs else "")
    blocks: list[Block] = [para(lead)] if lead else []
    if b.key_points:
        blocks += [para(bold("Key developments")), bullets(b.key_points)]
    if not blocks:
        blocks.append(para(italic("This briefing is only a headline: it has no lead, paragraphs or key points.")))
    blocks.append(footer(entry))
    return Reply(tuple(blocks), title=b.title)


def figure_line(f: Figure) -> list[Span | str]:
    line: list[Span | str] = [bold(figure_label(f))]
    if f.about:
        line.append(f" — {f.about}")
    notes = []
    if f.approx:
        notes.append("approximate")
    if f.kind == "date" and f.iso:
        notes.append(f.iso)
    if notes:
        line.append(" (" + ", ".join(notes) + ")")
    return line


async def figures(core: Core, caller: Caller, args: list[str]) -> Reply:
    found = await pick(core, args)
    if isinstance(found, Reply):
        return found
    entry, rest = found
    b = entry.briefing
    words = [w.lower() for w in rest]
    chosen = [f for f in b.figures if not words or any(w in f"{f.text} {f.about} {f.unit or ''}".lower() for w in words)]
    if not chosen:
        what = f" matching {' '.join(rest)}" if rest else ""
        return Reply((para(f"No figures{what} in this briefing."),), title=f"Figures · {b.title}", ok=not rest)
    return Reply((bullets(figure_line(f) for f in chosen), footer(entry)), title=f"Figures · {b.title}")


async def keypoints(core: Core, caller: Caller, args: list[str]) -> Reply:
    entry = await pick_only(core, args)
    if isinstance(entry, Reply):
        return entry
    b = entry.briefing
    if not b.key_points:
        return Reply((para("This briefing has no list of key developments. Try /summary."), footer(entry)), title=b.title)
    return Reply((bullets(b.key_points), footer(entry)), title=f"Key developments · {b.title}")


async def quotes(core: Core, caller: Caller, args: list[str]) -> Reply:
    entry = await pick_only(core, args)
    if isinstance(entry, Reply):
        return entry
    b = entry.briefing
    if not b.quotes:
        return Reply((para("No quotes in this briefing."), footer(entry)), title=b.title)
    items: list[Inline] = [[f"“{q.text}”", " — ", bold(q.speaker or "unattributed")] for q in b.quotes]
    return Reply((bullets(items), footer(entry)), title=f"Quotes · {b.title}")


async def briefings(core: Core, caller: Caller, args: list[str]) -> Reply:
    entries = await core.library.entries()
    if not entries:
        return message(NO_CONTENT, ok=False)
    items: list[Inline] = []
    feed_names = await core.feeds.repo.feed_names()
    for e in entries[:50]:
        when = e.briefing.published or datetime.fromtimestamp(e.loaded_at, timezone.utc).strftime("%Y-%m-%d")
        feed = f" · {feed_names[e.briefing.id]}" if e.briefing.id in feed_names else ""
        items.append([bold(e.briefing.id), f" — {e.briefing.title} ({when}){feed}"])
    more = [para(f"… and {len(entries) - 50} more.")] if len(entries) > 50 else []
    return Reply((bullets(items), *more), title=f"Briefings ({len(entries)}), newest first")


async def search(core: Core, caller: Caller, args: list[str]) -> Reply:
    words = [w for w in args if w.strip()][:MAX_SEARCH_WORDS]
    if not words:
        raise UsageError
    query = _shorten(" ".join(words), QUERY_SHOWN)
    hits = await core.library.search(words, limit=SEARCH_HITS + 1)
    if not hits:
        return message(f"Nothing found for {query}.")
    by_title: dict[str, list[Inline]] = {}  # each headline once, in the order of its best hit
    for hit, title in hits[:SEARCH_HITS]:
        by_title.setdefault(title, []).append(list(marked(hit.marked)))
    blocks: list[Block] = []
    for title, items in by_title.items():
        blocks += [para(bold(title)), bullets(items)]
    if len(hits) > SEARCH_HITS:
        blocks.append(para(italic(f"Showing the first {SEARCH_HITS} matches; add words to narrow the search.")))
    return Reply(tuple(blocks), title=f"Search: {query}")


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _unknown_briefing(ref: str) -> Reply:
    return message(f"No briefing called {ref!r}. Send /briefings for the list.", ok=False)
