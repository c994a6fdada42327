"""Operator commands for news feeds: /feeds, /addfeed URL [MINUTES], /removefeed ID (the router checks and audits)."""

from __future__ import annotations

from bot.commands.context import Caller
from bot.commands.router import UsageError
from bot.core import Core
from bot.i18n import _, moment, ngettext, number
from bot.reply import Block, Inline, Reply, bold, bullets, link, message, para
from bot.sources.polling import parse_minutes
from bot.sources.service import FeedRefused
from storage.feeds import StoredFeed

MAX_LISTED = 50
MAX_URL_CHARS = 2000


def _when(ts: float | None, never: str | None = None) -> str:
    if ts is None:
        return never or _("never")
    return moment(ts)


def _minutes(minutes: float) -> str:
    return _("every {minutes} min").format(minutes=number(minutes))


def feed_lines(feed: StoredFeed) -> list[Inline]:
    """One feed as /feeds shows it (the CLI prints the same facts)."""
    state = {
        "ok": "",
        "retrying": " · " + _("retrying"),
        "failing": " · " + _("FAILING for a day or more"),
        "stopped": " · " + _("STOPPED (gone: /addfeed it again to resume)"),
    }.get(feed.status, "")
    rows: list[Inline] = [
        [bold(f"{feed.id}. {feed.name}"), state],
        [link(feed.url, feed.url) if feed.url.startswith(("http://", "https://")) else feed.url],
        [
            " · ".join(
                [
                    _minutes(feed.minutes),
                    ngettext("{count} item", "{count} items", feed.items).format(count=number(feed.items)),
                    *([] if feed.pages else [_("no pages")]),
                    _("last fetched {when}").format(when=_when(feed.last_success)),
                    _("next {when}").format(when=_when(feed.next_due, _("not scheduled"))),
                ]
            )
        ],
    ]
    if feed.last_error:
        rows.append([bold(_("Last error: ")), feed.last_error[:300]])
    return rows


async def feeds(core: Core, caller: Caller, args: list[str]) -> Reply:
    if args:
        raise UsageError
    listed = await core.feeds.repo.list_feeds()
    if not listed:
        return message(_("No feeds yet. Add one with /addfeed URL [MINUTES]."))
    blocks: list[Block] = []
    for feed in listed[:MAX_LISTED]:
        lines = feed_lines(feed)
        blocks += [para(*lines[0]), bullets(lines[1:])]
    if len(listed) > MAX_LISTED:
        more = number(len(listed) - MAX_LISTED)
        blocks.append(para(_("… and {count} more (python -m bot feeds list shows all).").format(count=more)))
    return Reply(tuple(blocks), title=_("Feeds ({count})").format(count=number(len(listed))))


async def addfeed(core: Core, caller: Caller, args: list[str]) -> Reply:
    if not args or len(args) > 2:
        raise UsageError
    url = args[0]
    if len(url) > MAX_URL_CHARS:
        raise UsageError(_("That address is too long."))
    try:
        minutes = parse_minutes(args[1]) if len(args) == 2 else None
    except ValueError as exc:
        raise UsageError(f"{str(exc).capitalize()}.") from None
    try:
        added = await core.feeds.add(url, minutes)
    except FeedRefused as exc:
        return message(_("Not added: {reason}.").format(reason=exc), ok=False)
    feed = added.feed
    if added.resumed:
        return message(_("Feed {id} ({name}) was stopped; it is fetched again now.").format(id=feed.id, name=feed.name))
    if feed.kind == "page":
        what = _("an article page, followed for corrections")
    else:
        what = ngettext("{count} item", "{count} items", added.items).format(count=number(added.items))
    return message(
        _(
            "Added feed {id}: {name} ({what}), {every}. "
            "Its current items are stored without alerts; new and changed ones will be announced."
        ).format(id=feed.id, name=feed.name, what=what, every=_minutes(feed.minutes))
    )


async def removefeed(core: Core, caller: Caller, args: list[str]) -> Reply:
    if len(args) != 1:
        raise UsageError
    try:
        feed_id = int(args[0])
    except ValueError:
        raise UsageError(_("{word} is not a feed id; /feeds lists them.").format(word=args[0][:40])) from None
    feed = await core.feeds.repo.get(feed_id)
    if feed is None or not await core.feeds.repo.remove(feed_id):
        return message(_("There is no feed {id}; /feeds lists them.").format(id=feed_id), ok=False)
    return message(_("Removed feed {id} ({name}). Its briefings stay.").format(id=feed_id, name=feed.name))
