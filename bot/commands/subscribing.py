"""Commands that manage this chat's alerts: /subscribe, /unsubscribe, /subscription."""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.commands.context import Caller
from bot.commands.reading import summary_reply
from bot.commands.router import UsageError
from bot.core import Core
from bot.i18n import _, current_language, moment
from bot.reply import Block, Inline, Reply, bold, bullets, message, para
from storage import Subscription

SUBSCRIBE_USAGE = "/subscribe [instant | daily HH:MM [Area/City]] [feed:ID ... | feed:all] [keyword ... | all]"
_FEED = re.compile(r"^feed:(\d{1,12}|all)$", re.IGNORECASE)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_KEYWORD = re.compile(r"^[\w][\w'’-]{0,39}$")
MODES = ("instant", "daily")
# Words people try as a mode: questioned, never taken as a keyword.
_NOT_MODES = ("weekly", "hourly", "monthly", "yearly", "now", "realtime", "digest")


@dataclass(frozen=True, slots=True)
class SubscribeArgs:
    """What /subscribe asked for; None means "keep what the subscription has"."""

    mode: str | None
    digest_time: str | None
    timezone: str
    keywords: tuple[str, ...] | None
    feeds: tuple[int, ...] | None = None  # () for feed:all, None to keep


def parse_subscribe(args: list[str]) -> SubscribeArgs:
    """Grammar: [instant | daily HH:MM [Area/City]] [keyword ... | all]. Raises UsageError saying what is wrong."""
    rest = list(args)
    mode: str | None = None
    at, tz = None, "UTC"
    head = rest[0].lower() if rest else ""
    if head in _NOT_MODES:
        raise UsageError(
            _(
                "{word} is not a delivery mode: alerts come as they happen (instant), "
                "or as a daily digest (daily HH:MM)."
            ).format(word=rest[0])
        )
    if head == "instant":
        rest.pop(0)
        mode = "instant"
    elif head == "daily":
        rest.pop(0)
        at = _digest_time(rest.pop(0) if rest else None)
        mode = "daily"
        if rest and ("/" in rest[0] or rest[0].upper() == "UTC"):
            tz = _time_zone(rest.pop(0))
    feeds, rest = _feeds(rest)
    if [w.lower() for w in rest] == ["all"]:
        return SubscribeArgs(mode, at, tz, (), feeds)
    keywords = []
    for word in rest:
        if word.lower() in (*MODES, *_NOT_MODES, "all"):
            raise UsageError(
                _('{word} cannot be a keyword here; the mode comes first, and "all" alone clears keywords.').format(
                    word=word
                )
            )
        if "/" in word or ":" in word:
            raise UsageError(_('{word} is not a keyword; a time zone or time goes after "daily".').format(word=word))
        if not _KEYWORD.match(word):
            raise UsageError(
                _("{word} cannot be a keyword: use plain words of letters and digits.").format(word=word[:40])
            )
        keywords.append(word.lower())
    return SubscribeArgs(mode, at, tz, tuple(dict.fromkeys(keywords)) if keywords else None, feeds)


def _feeds(words: list[str]) -> tuple[tuple[int, ...] | None, list[str]]:
    """The feed:ID words (feed:all clears the limit) and the words left."""
    ids: list[int] = []
    cleared = False
    rest = []
    for word in words:
        match = _FEED.match(word)
        if match is None:
            if word.lower().startswith("feed:"):
                raise UsageError(
                    _("{word} is not a feed; write feed: and the number /feeds shows, such as feed:3.").format(
                        word=word[:40]
                    )
                )
            rest.append(word)
        elif match[1].lower() == "all":
            cleared = True
        else:
            ids.append(int(match[1]))
    if cleared and ids:
        raise UsageError(_("feed:all means every feed; leave out the feed numbers, or feed:all."))
    if cleared:
        return (), rest
    return (tuple(dict.fromkeys(ids)) if ids else None), rest


def _digest_time(text: str | None) -> str:
    if text is None:
        raise UsageError(_("A daily digest needs a time of day, such as daily 08:00."))
    match = _CLOCK.match(text)
    if not match:
        raise UsageError(_("{text} is not a time of day; write it as HH:MM, such as 08:00.").format(text=text[:20]))
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise UsageError(
            _("{text} is not a time of day: hours go from 00 to 23 and minutes from 00 to 59.").format(text=text)
        )
    return f"{hour:02d}:{minute:02d}"


def _time_zone(text: str) -> str:
    if text.upper() == "UTC":
        return "UTC"
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            _("{text} is not a time zone I know; use an Area/City name such as Europe/Kyiv.").format(text=text[:40])
        ) from None
    return text


def describe(sub: Subscription) -> list[Inline]:
    when = (
        _("every alert as it happens")
        if sub.mode == "instant"
        else _("a daily digest at {time} ({zone})").format(time=sub.digest_time, zone=sub.timezone)
    )
    rows: list[Inline] = [
        [bold(_("Delivery: ")), when],
        [bold(_("Keywords: ")), ", ".join(sub.keywords) if sub.keywords else _("all news")],
    ]
    if sub.feeds:
        rows.append([bold(_("Feeds: ")), _("only {feeds}").format(feeds=", ".join(f"feed:{f}" for f in sub.feeds))])
    last = _("never yet") if sub.last_delivery_at is None else moment(sub.last_delivery_at)
    rows.append([bold(_("Last delivery: ")), last])
    if not sub.active:
        rows.append(
            [
                bold(_("Status: ")),
                _("inactive ({reason}); send /subscribe to resume").format(reason=sub.inactive_reason or _("stopped")),
            ]
        )
    return rows


def _refuse_unless_manager(caller: Caller) -> Reply | None:
    if caller.can_manage:
        return None
    return message(_("Only an administrator of this chat can change its subscription."), ok=False, private=True)


async def subscribe(core: Core, caller: Caller, args: list[str]) -> Reply:
    if not caller.receives_alerts:
        return message(_("Alerts cannot reach this console; subscribe from a Telegram or Discord chat."), ok=False)
    if refusal := _refuse_unless_manager(caller):
        return refusal
    wanted = parse_subscribe(args)
    # What the command leaves out stays as it was: new keywords never reset a daily digest.
    current = await core.subscriptions.get(caller.platform, caller.chat_id, caller.thread_id)
    keep = current if current is not None and current.active else None
    if wanted.mode is not None:
        mode, at, tz = wanted.mode, wanted.digest_time, wanted.timezone
    elif keep is not None:
        mode, at, tz = keep.mode, keep.digest_time, keep.timezone
    else:
        mode, at, tz = "instant", None, "UTC"
    keywords = wanted.keywords if wanted.keywords is not None else (keep.keywords if keep is not None else ())
    feeds = wanted.feeds if wanted.feeds is not None else (keep.feeds if keep is not None else ())
    for feed_id in feeds if wanted.feeds else ():
        if await core.feeds.repo.get(feed_id) is None:
            raise UsageError(f"There is no feed {feed_id}; an operator's /feeds lists them.")
    sub, started = await core.subscriptions.upsert(
        caller.platform,
        caller.chat_id,
        caller.thread_id,
        mode=mode,
        digest_time=at,
        timezone=tz,
        keywords=keywords,
        now=core.clock(),
        feeds=feeds,
    )
    # Alerts go out in the chat's language: a chat that never chose one keeps the one it subscribed in.
    await core.set_chat_language(caller.platform, caller.chat_id, current_language(), keep=True)
    head = _("Subscribed.") if started else _("Subscription updated.")
    blocks: list[Block] = [para(head), bullets(describe(sub))]
    newest = await core.library.find(None)
    if started and newest is not None:
        # A subscription starts from now: confirm with today's summary, never the backlog.
        summary = summary_reply(newest)
        blocks += [para(_("The current briefing: "), bold(summary.title or "")), *summary.blocks]
    return Reply(tuple(blocks), title=_("Subscription"))


async def unsubscribe(core: Core, caller: Caller, args: list[str]) -> Reply:
    if args:
        raise UsageError
    if refusal := _refuse_unless_manager(caller):
        return refusal
    removed = await core.subscriptions.remove(caller.platform, caller.chat_id, caller.thread_id)
    return message(_("Unsubscribed: no more alerts here.") if removed else _("This chat was not subscribed."))


async def subscription(core: Core, caller: Caller, args: list[str]) -> Reply:
    if args:
        raise UsageError
    sub = await core.subscriptions.get(caller.platform, caller.chat_id, caller.thread_id)
    if sub is None:
        return message(
            _("This chat is not subscribed. An administrator can send {usage}.").format(usage=SUBSCRIBE_USAGE)
        )
    return Reply((bullets(describe(sub)),), title=_("Subscription"))
