"""Operator commands: /reload, /status, /broadcast (the router checks the operator ids and audits)."""

from __future__ import annotations

from bot.commands.context import Caller
from bot.commands.router import UsageError
from bot.core import Core
from bot.fleet import STALE_SECONDS, describe
from bot.i18n import _, moment, ngettext, number
from bot.reply import Block, Inline, Reply, bold, bullets, message, para

MAX_BROADCAST = 3500


async def reload(core: Core, caller: Caller, args: list[str]) -> Reply:
    if args:
        raise UsageError
    report = await core.reload()
    blocks: list[Block] = [para(_("Reloaded: {report}.").format(report=report.summary_line()))]
    if report.errors:
        blocks.append(para(bold(_("Skipped (the last good version stays served):"))))
        blocks.append(bullets((bold(name), f": {reason}") for name, reason in report.errors))
    return Reply(tuple(blocks), title=_("Reload"), ok=report.ok)


def _ago(now: float, ts: float | None) -> str:
    if ts is None:
        return _("never")
    seconds = max(0, int(now - ts))
    when = moment(ts, seconds=True)
    if seconds < 120:
        ago = ngettext("{count} second ago", "{count} seconds ago", seconds)
        count = seconds
    elif seconds < 7200:
        ago = ngettext("{count} minute ago", "{count} minutes ago", seconds // 60)
        count = seconds // 60
    else:
        ago = ngettext("{count} hour ago", "{count} hours ago", seconds // 3600)
        count = seconds // 3600
    return f"{when} ({ago.format(count=number(count))})"


async def _stamp(core: Core, key: str) -> float | None:
    raw = await core.state.get(key)
    return float(raw) if raw else None


async def status(core: Core, caller: Caller, args: list[str]) -> Reply:
    if args:
        raise UsageError
    now = core.clock()
    stats = await core.outbox.stats(now)
    active, inactive = await core.subscriptions.counts()
    if stats.oldest_pending_at is None:
        oldest = _("none")
    else:
        age = int(now - stats.oldest_pending_at)
        oldest = ngettext("{count} second", "{count} seconds", age).format(count=number(age))
    stalled = await core.state.get("delivery_stalled")
    rows: list[Inline] = [
        [bold(_("Briefings: ")), number(len(await core.library.listings()))],
        [
            bold(_("Subscriptions: ")),
            _("{active} active, {inactive} inactive").format(active=number(active), inactive=number(inactive)),
        ],
        [
            bold(_("Queue: ")),
            _("{pending} pending, oldest {oldest}").format(pending=number(stats.pending), oldest=oldest),
        ],
        [
            bold(_("Last hour: ")),
            _("{sent} delivered, {failed} failed").format(
                sent=number(stats.sent_last_hour), failed=number(stats.failed_last_hour)
            ),
        ],
        [bold(_("Last delivery: ")), _ago(now, await _stamp(core, "last_delivery_at"))],
        [bold(_("Last content refresh: ")), _ago(now, await _stamp(core, "last_refresh_at"))],
        [bold(_("Up since: ")), _ago(now, core.started_at)],
        [bold("HTTP: "), f"http://{core.http_address}/healthz" if core.http_address else _("off")],
        [bold(_("Database: ")), core.database_name],
    ]
    feeds = await core.feeds.repo.list_feeds()
    failing = [f for f in feeds if f.status in ("failing", "stopped")]
    rows.append(
        [
            bold("Feeds: "),
            f"{len(feeds)}, {len(failing)} failing"
            + (" (" + ", ".join(f"{f.id}. {f.name[:40]}" for f in failing[:5]) + "; see /feeds)" if failing else ""),
        ]
    )
    if stalled:
        rows.append([bold(_("Warning: ")), _("delivery looks stuck ({reason})").format(reason=stalled)])
    blocks: list[Block] = [bullets(rows)]
    processes = await core.fleet.live(now - STALE_SECONDS)
    if processes:
        blocks.append(para(bold(_("Processes ({count}):").format(count=number(len(processes))))))
        blocks.append(bullets(describe(p, now) for p in processes))
    return Reply(tuple(blocks), title=_("Status"))


async def broadcast(core: Core, caller: Caller, args: list[str]) -> Reply:
    text = " ".join(args).strip()
    if not text:
        raise UsageError
    if len(text) > MAX_BROADCAST:
        return message(
            ngettext(
                "A broadcast can be at most {count} character.",
                "A broadcast can be at most {count} characters.",
                MAX_BROADCAST,
            ).format(count=number(MAX_BROADCAST)),
            ok=False,
        )
    author = f"{caller.platform}:{caller.user_id}"
    queued = await core.broadcast(text, author)
    return message(
        ngettext(
            "Broadcast queued for {count} subscription.", "Broadcast queued for {count} subscriptions.", queued
        ).format(count=number(queued))
    )
