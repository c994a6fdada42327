"""Commands that read briefings: /summary, /figures, /keypoints, /quotes, /briefings, /search."""

from __future__ import annotations

from bot.briefing.diff import figure_label
from bot.briefing.model import Figure
from bot.commands.context import Caller
from bot.commands.paging import more_hint, page_of, paging_row, take_page
from bot.commands.router import UsageError
from bot.core import Core
from bot.i18n import _, day, moment, ngettext, number
from bot.library import Entry
from bot.reply import (
    Action,
    ActionRow,
    Block,
    Inline,
    Paragraph,
    Reply,
    Span,
    bold,
    bullets,
    italic,
    link,
    marked,
    message,
    para,
)

SEARCH_HITS = 10
MAX_SEARCH_WORDS = 20
QUERY_SHOWN = 60
BRIEFINGS_PAGE = 8
FIGURES_PAGE = 15
LABEL_MAX = 48  # a button's label: long titles are cut


def no_content() -> Reply:
    return message(
        _("No briefings are loaded yet. An operator can add files to the content folder and send /reload."), ok=False
    )


async def pick(core: Core, args: list[str]) -> tuple[Entry, list[str]] | Reply:
    """The briefing named by the first argument (else the newest) and the remaining arguments,
    or the reply saying why there is none."""
    if args:
        entry = await core.library.find(args[0])
        if entry is not None:
            return entry, args[1:]
    newest = await core.library.find(None)
    if newest is None:
        return no_content()
    return newest, args


async def pick_only(core: Core, args: list[str]) -> Entry | Reply:
    """The named (or newest) briefing when nothing else may follow it; else a reply saying why not."""
    found = await pick(core, args)
    if isinstance(found, Reply):
        return found
    entry, rest = found
    return _unknown_briefing(rest[0]) if rest else entry


def loaded_line(entry: Entry) -> Span:
    return italic(_("Loaded {when} · id {id}").format(when=moment(entry.loaded_at), id=entry.briefing.id))


def footer(entry: Entry) -> Paragraph:
    """Where a briefing comes from and when it was loaded: the last line of every reading reply."""
    b = entry.briefing
    spans: Inline = []
    if b.source:
        spans += [_("Source: "), link(b.source, b.source) if b.source.startswith(("http://", "https://")) else b.source]
    if b.published:
        spans += [" · " if spans else "", _("Published {date}").format(date=b.published)]
    return para(*spans, " · " if spans else "", loaded_line(entry))


def reading_row(entry: Entry) -> ActionRow:
    """A briefing's other views, for the buttons under its summary."""
    b = entry.briefing
    row: list[Action] = []
    if b.figures:
        row.append(Action(_("Figures ({count})").format(count=number(len(b.figures))), "figures", (b.id,)))
    if b.key_points:
        row.append(Action(_("Key points"), "keypoints", (b.id,)))
    if b.quotes:
        row.append(Action(_("Quotes"), "quotes", (b.id,)))
    return tuple(row)


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
        blocks += [para(bold(_("Key developments"))), bullets(b.key_points)]
    if not blocks:
        blocks.append(para(italic(_("This briefing is only a headline: it has no lead, paragraphs or key points."))))
    blocks.append(footer(entry))
    row = reading_row(entry)
    return Reply(tuple(blocks), title=b.title, actions=(row,) if row else ())


def figure_line(f: Figure) -> list[Span | str]:
    line: list[Span | str] = [bold(figure_label(f))]
    if f.about:
        line.append(f" — {f.about}")
    notes = []
    if f.approx:
        notes.append(_("approximate"))
    if f.kind == "date" and f.iso:
        notes.append(f.iso)
    if notes:
        line.append(" (" + ", ".join(notes) + ")")
    return line


async def figures(core: Core, caller: Caller, args: list[str]) -> Reply:
    page, args = take_page(args)
    found = await pick(core, args)
    if isinstance(found, Reply):
        return found
    entry, rest = found
    b = entry.briefing
    title = _("Figures · {title}").format(title=b.title)
    words = [w.lower() for w in rest]
    chosen = [
        f for f in b.figures if not words or any(w in f"{f.text} {f.about} {f.unit or ''}".lower() for w in words)
    ]
    if not chosen:
        text = (
            _("No figures matching {words} in this briefing.").format(words=" ".join(rest))
            if rest
            else _("No figures in this briefing.")
        )
        return Reply((para(text),), title=title, ok=not rest)
    shown, page, pages = page_of(chosen, page, FIGURES_PAGE)
    blocks: list[Block] = [bullets(figure_line(f) for f in shown)]
    actions: tuple[ActionRow, ...] = ()
    if pages > 1:
        blocks.append(para(italic(_("Page {page} of {pages}").format(page=number(page), pages=number(pages)))))
        if page < pages:
            blocks.append(para(italic(more_hint("figures", (b.id, *rest), page))))
        actions = (paging_row("figures", (b.id, *rest), page, pages),)
    blocks.append(footer(entry))
    return Reply(tuple(blocks), title=title, actions=actions)


async def keypoints(core: Core, caller: Caller, args: list[str]) -> Reply:
    entry = await pick_only(core, args)
    if isinstance(entry, Reply):
        return entry
    b = entry.briefing
    if not b.key_points:
        return Reply(
            (para(_("This briefing has no list of key developments. Try /summary.")), footer(entry)), title=b.title
        )
    return Reply((bullets(b.key_points), footer(entry)), title=_("Key developments · {title}").format(title=b.title))


async def quotes(core: Core, caller: Caller, args: list[str]) -> Reply:
    entry = await pick_only(core, args)
    if isinstance(entry, Reply):
        return entry
    b = entry.briefing
    if not b.quotes:
        return Reply((para(_("No quotes in this briefing.")), footer(entry)), title=b.title)
    items: list[Inline] = [[f"“{q.text}”", " — ", bold(q.speaker or _("unattributed"))] for q in b.quotes]
    return Reply((bullets(items), footer(entry)), title=_("Quotes · {title}").format(title=b.title))


async def briefings(core: Core, caller: Caller, args: list[str]) -> Reply:
    page, rest = take_page(args)
    if rest and rest[0].isdigit():  # "/briefings 2"; other words are ignored, as they always were
        page = max(1, int(rest[0]))
    listings = await core.library.listings()
    if not listings:
        return no_content()
    shown, page, pages = page_of(listings, page, BRIEFINGS_PAGE)
    items: list[Inline] = []
    feed_names = await core.feeds.repo.feed_names()
    for e in shown:
        when = e.published or day(e.loaded_at)
        feed = f" · {feed_names[e.id]}" if e.id in feed_names else ""
        items.append([bold(e.id), f" — {e.title} ({when}){feed}"])
    blocks: list[Block] = [bullets(items)]
    actions: tuple[ActionRow, ...] = ()
    if pages > 1:
        blocks.append(para(italic(_("Page {page} of {pages}").format(page=number(page), pages=number(pages)))))
        if page < pages:
            blocks.append(para(italic(more_hint("briefings", (), page))))
        actions = (paging_row("briefings", (), page, pages),)
    choices = tuple(Action(_label(e.title), "summary", (e.id,)) for e in shown)
    count = len(listings)
    title = ngettext("{count} briefing, newest first", "{count} briefings, newest first", count).format(
        count=number(count)
    )
    return Reply(tuple(blocks), title=title, choices=choices, actions=actions, choose=_("Open a briefing"))


async def search(core: Core, caller: Caller, args: list[str]) -> Reply:
    page, args = take_page(args)
    words = [w for w in args if w.strip()][:MAX_SEARCH_WORDS]
    if not words:
        raise UsageError
    query = _shorten(" ".join(words), QUERY_SHOWN)
    hits = await core.library.search(words, limit=page * SEARCH_HITS + 1)
    if not hits:
        return message(_("Nothing found for {query}.").format(query=query))
    pages = max(1, -(-len(hits) // SEARCH_HITS))
    page = min(page, pages)
    more = len(hits) > page * SEARCH_HITS
    by_title: dict[str, list[Inline]] = {}  # each headline once, in the order of its best hit
    for hit, title in hits[(page - 1) * SEARCH_HITS : page * SEARCH_HITS]:
        by_title.setdefault(title, []).append(list(marked(hit.marked)))
    blocks: list[Block] = []
    for title, items in by_title.items():
        blocks += [para(bold(title)), bullets(items)]
    actions: tuple[ActionRow, ...] = ()
    if more:
        blocks.append(para(italic(more_hint("search", words, page))))
    if more or page > 1:
        actions = (paging_row("search", words, page, None if more else page),)
    return Reply(tuple(blocks), title=_("Search: {query}").format(query=query), actions=actions)


def _label(text: str) -> str:
    return _shorten(text, LABEL_MAX)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _unknown_briefing(ref: str) -> Reply:
    return message(_("No briefing called {ref}. Send /briefings for the list.").format(ref=repr(ref)), ok=False)
