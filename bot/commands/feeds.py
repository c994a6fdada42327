"""Operator commands for news feeds: /feeds, /addfeed URL [MINUTES], /removefeed ID (the router checks and audits)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.commands.context import Caller
from bot.commands.router import UsageError
from bot.core import Core
from bot.reply import Block, Inline, Reply, bold, bullets, link, message, para
from bot.sources.polling import parse_minutes
from bot.sources.service import FeedRefused
from storage.feeds import StoredFeed

MAX_LISTED = 50
MAX_URL_CHARS = 2000


def _when(ts: float | None, never: str = "never") -> str:
    if ts is None:
        return never
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _minutes(minutes: float) -> str:
    return f"every {minutes:g} min"


def feed_lines(feed: StoredFeed) -> list[Inline]:
    """One feed as /feeds shows it (the CLI prints the same facts)."""
    state = {
        "ok": "",
        "retrying": " · retrying",
        "failing": " · FAILING for a day or more",
        "stopped": " · STOPPED (gone: /addfeed it again to resume)",
    }.get(feed.status, "")
    rows: list[Inline] = [
        [bold(f"{feed.id}. {feed.name}"), state],
        [link(feed.url, feed.url) if feed.url.startswith(("http://", "https://")) else feed.url],
        [
            f"{_minutes(feed.minutes)} · {feed.items} item{'s' if feed.items != 1 else ''}"
            f"{'' if feed.pages else ' · no pages'}"
            f" · last fetched {_when(feed.last_success)} · next {_when(feed.next_due, 'not scheduled')}"
        ],
    ]
    if feed.last_error:
        rows.append([bold("Last error: "), feed.last_error[:300]])
    return rows


async def feeds(core: Core, caller: Caller, args: list[str]) -> Reply:
    if args:
        raise UsageError
    listed = await core.feeds.repo.list_feeds()
    if not listed:
        return message("No feeds yet. Add one with /addfeed URL [MINUTES].")
    blocks: list[Block] = []
    for feed in listed[:MAX_LISTED]:
        lines = feed_lines(feed)
        blocks += [para(*lines[0]), bullets(lines[1:])]
    if len(listed) > MAX_LISTED:
        blocks.append(para(f"… and {len(listed) - MAX_LISTED} more (python -m bot feeds list shows all)."))
    return Reply(tuple(blocks), title=f"Feeds ({len(listed)})")


async def addfeed(core: Core, caller: Caller, args: list[str]) -> Reply:
    if not args or len(args) > 2:
        raise UsageError
    url = args[0]
    if len(url) > MAX_URL_CHARS:
        raise UsageError("That address is too long.")
    try:
        minutes = parse_minutes(args[1]) if len(args) == 2 else None
    except ValueError as exc:
        raise UsageError(f"{str(exc).capitalize()}.") from None
    try:
        added = await core.feeds.add(url, minutes)
    except FeedRefused as exc:
        return message(f"Not added: {exc}.", ok=False)
    feed = added.feed
    if added.resumed:
        return message(f"Feed {feed.id} ({feed.name}) was stopped; it is fetched again now.")
    what = "an article page, followed for corrections" if feed.kind == "page" else f"{added.items} items"
    return message(
        f"Added feed {feed.id}: {feed.name} ({what}), {_minutes(feed.minutes)}. "
        "Its current items are stored without alerts; new and changed ones will be announced."
    )


async def removefeed(core: Core, caller: Caller, args: list[str]) -> Reply:
    if len(args) != 1:
        raise UsageError
    try:
        feed_id = int(args[0])
    except ValueError:
        raise UsageError(f"{args[0][:40]} is not a feed id; /feeds lists them.") from None
    feed = await core.feeds.repo.get(feed_id)
    if feed is None or not await core.feeds.repo.remove(feed_id):
        return message(f"There is no feed {feed_id}; /feeds lists them.", ok=False)
    return message(f"Removed feed {feed_id} ({feed.name}). Its briefings stay.")
