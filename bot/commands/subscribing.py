"""Commands that manage this chat's alerts: /subscribe, /unsubscribe, /subscription."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.commands.context import Caller
from bot.commands.reading import summary_reply
from bot.reply import Block, Inline, Reply, bold, bullets, message, para
from bot.commands.router import UsageError
from bot.core import Core
from storage import Subscription

SUBSCRIBE_USAGE = "/subscribe [daily HH:MM [Area/City]] [keyword ...]"
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_KEYWORD = re.compile(r"^[\w][\w'’-]{0,39}$")


@dataclass(frozen=True, slots=True)
class SubscribeArgs:
    mode: str
    digest_time: str | None
    timezone: str
    keywords: tuple[str, ...]


def parse_subscribe(args: list[str]) -> SubscribeArgs:
    """Grammar: [daily HH:MM [Area/City]] [keyword ...]; "daily" is reserved. Raises UsageError."""
    rest = list(args)
    mode, at, tz = "instant", None, "UTC"
    if rest and rest[0].lower() == "daily":
        rest.pop(0)
        if not rest or not _TIME.match(rest[0]):
            raise UsageError
        hour, minute = rest.pop(0).split(":")
        mode, at = "daily", f"{int(hour):02d}:{minute}"
        if rest and ("/" in rest[0] or rest[0].upper() == "UTC"):
            tz = rest.pop(0)
            try:
                ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                raise UsageError from None
            tz = "UTC" if tz.upper() == "UTC" else tz
    keywords = []
    for word in rest:
        if word.lower() == "daily" or not _KEYWORD.match(word):
            raise UsageError
        keywords.append(word.lower())
    return SubscribeArgs(mode, at, tz, tuple(dict.fromkeys(keywords)))


def describe(sub: Subscription) -> list[Inline]:
    when = "every alert as it happens" if sub.mode == "instant" else f"a daily digest at {sub.digest_time} ({sub.timezone})"
    rows: list[Inline] = [
        [bold("Delivery: "), when], [bold("Keywords: "), ", ".join(sub.keywords) if sub.keywords else "all news"]
    ]
    last = "never yet" if sub.last_delivery_at is None else _utc(sub.last_delivery_at)
    rows.append([bold("Last delivery: "), last])
    if not sub.active:
        rows.append([bold("Status: "), f"inactive ({sub.inactive_reason or 'stopped'}); send /subscribe to resume"])
    return rows


def _utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _refuse_unless_manager(caller: Caller) -> Reply | None:
    if caller.can_manage:
        return None
    return message("Only an administrator of this chat can change its subscription.", ok=False, private=True)


async def subscribe(core: Core, caller: Caller, args: list[str]) -> Reply:
    if refusal := _refuse_unless_manager(caller):
        return refusal
    wanted = parse_subscribe(args)
    sub, started = await core.subscriptions.upsert(
        caller.platform, caller.chat_id, caller.thread_id,
        mode=wanted.mode, digest_time=wanted.digest_time, timezone=wanted.timezone,
        keywords=wanted.keywords, now=core.clock(),
    )
    head = "Subscribed." if started else "Subscription updated."
    blocks: list[Block] = [para(head), bullets(describe(sub))]
    newest = await core.library.find(None)
    if started and newest is not None:
        # A subscription starts from now: confirm with today's summary, never the backlog.
        current = summary_reply(newest)
        blocks += [para("The current briefing: ", bold(current.title or "")), *current.blocks]
    return Reply(tuple(blocks), title="Subscription")


async def unsubscribe(core: Core, caller: Caller, args: list[str]) -> Reply:
    if args:
        raise UsageError
    if refusal := _refuse_unless_manager(caller):
        return refusal
    removed = await core.subscriptions.remove(caller.platform, caller.chat_id, caller.thread_id)
    return message("Unsubscribed: no more alerts here." if removed else "This chat was not subscribed.")


async def subscription(core: Core, caller: Caller, args: list[str]) -> Reply:
    if args:
        raise UsageError
    sub = await core.subscriptions.get(caller.platform, caller.chat_id, caller.thread_id)
    if sub is None:
        return message(f"This chat is not subscribed. An administrator can send {SUBSCRIBE_USAGE}.")
    return Reply((bullets(describe(sub)),), title="Subscription")
