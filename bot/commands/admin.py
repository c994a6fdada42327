"""Operator commands: /reload, /status, /broadcast (the router checks the operator ids and audits)."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.commands.context import Caller
from bot.reply import Block, Inline, Reply, bold, bullets, message, para
from bot.commands.router import UsageError
from bot.core import Core

MAX_BROADCAST = 3500


async def reload(core: Core, caller: Caller, args: list[str]) -> Reply:
    if args:
        raise UsageError
    report = await core.reload()
    blocks: list[Block] = [para("Reloaded: " + report.summary_line() + ".")]
    if report.errors:
        blocks.append(para(bold("Skipped (the last good version stays served):")))
        blocks.append(bullets((bold(name), f": {reason}") for name, reason in report.errors))
    return Reply(tuple(blocks), title="Reload", ok=report.ok)


def _ago(now: float, ts: float | None) -> str:
    if ts is None:
        return "never"
    seconds = max(0, int(now - ts))
    when = datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    if seconds < 120:
        return f"{when} ({seconds} s ago)"
    if seconds < 7200:
        return f"{when} ({seconds // 60} min ago)"
    return f"{when} ({seconds // 3600} h ago)"


async def _stamp(core: Core, key: str) -> float | None:
    raw = await core.state.get(key)
    return float(raw) if raw else None


async def status(core: Core, caller: Caller, args: list[str]) -> Reply:
    if args:
        raise UsageError
    now = core.clock()
    stats = await core.outbox.stats(now)
    active, inactive = await core.subscriptions.counts()
    oldest = "none" if stats.oldest_pending_at is None else f"{int(now - stats.oldest_pending_at)} s"
    stalled = await core.state.get("delivery_stalled")
    rows: list[Inline] = [
        [bold("Briefings: "), str(len(await core.library.entries()))],
        [bold("Subscriptions: "), f"{active} active, {inactive} inactive"],
        [bold("Queue: "), f"{stats.pending} pending, oldest {oldest}"],
        [bold("Last hour: "), f"{stats.sent_last_hour} delivered, {stats.failed_last_hour} failed"],
        [bold("Last delivery: "), _ago(now, await _stamp(core, "last_delivery_at"))],
        [bold("Last content refresh: "), _ago(now, await _stamp(core, "last_refresh_at"))],
        [bold("Up since: "), _ago(now, core.started_at)],
        [bold("HTTP: "), f"http://{core.http_address}/healthz" if core.http_address else "off"],
    ]
    feeds = await core.feeds.repo.list_feeds()
    failing = [f for f in feeds if f.status in ("failing", "stopped")]
    rows.append([bold("Feeds: "), f"{len(feeds)}, {len(failing)} failing" + (
        " (" + ", ".join(f"{f.id}. {f.name[:40]}" for f in failing[:5]) + "; see /feeds)" if failing else "")])
    if stalled:
        rows.append([bold("Warning: "), f"delivery looks stuck ({stalled})"])
    return Reply((bullets(rows),), title="Status")


async def broadcast(core: Core, caller: Caller, args: list[str]) -> Reply:
    text = " ".join(args).strip()
    if not text:
        raise UsageError
    if len(text) > MAX_BROADCAST:
        return message(f"A broadcast can be at most {MAX_BROADCAST} characters.", ok=False)
    author = f"{caller.platform}:{caller.user_id}"
    queued = await core.broadcast(text, author)
    return message(f"Broadcast queued for {queued} subscription{'s' if queued != 1 else ''}.")
