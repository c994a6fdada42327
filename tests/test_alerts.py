"""Alerts: change detection, fan-out through the durable outbox, retries, leases, digests."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.alerts.compose import alert_reply
from bot.alerts.digest import due_digest
from bot.alerts.jobs import queue_due_digests
from bot.alerts.limiter import Limits, RateLimiter
from bot.alerts.worker import DeliveryWorker
from bot.commands.catalog import build_router
from bot.commands.context import Caller
from bot.outcome import SENT, Outcome
from bot.reply import Reply, reply_text
from tests.conftest import first_digest, query

BODY = """Storm Brings Floods to the Coast

Heavy rain flooded 12 towns on Monday, officials said. About 3,000 residents were evacuated.

Key points:
  • 12 towns flooded.
  • About 3,000 residents evacuated.
"""


class RecordingSender:
    """Our own Sender protocol, recording what it would send and failing on demand."""

    platform = "telegram"

    def __init__(self):
        self.sent: list[tuple[int, str]] = []
        self.script: dict[int, list[Outcome]] = {}

    async def deliver(self, chat_id: int, thread_id: int, reply: Reply) -> Outcome:
        queued = self.script.get(chat_id)
        if queued:
            return queued.pop(0)
        self.sent.append((chat_id, reply_text(reply)))
        return SENT


@pytest.fixture
async def setup(core, content_dir):
    (content_dir / "storm.txt").write_text(BODY, encoding="utf-8")
    await core.reload()
    router = build_router(core)
    sender = RecordingSender()
    worker = DeliveryWorker(core, {"telegram": sender}, {"telegram": RateLimiter(Limits(0))})
    return router, sender, worker


def execute(core, sql: str) -> None:
    with closing(sqlite3.connect(core.settings.db_path)) as conn, conn:
        conn.execute(sql)


async def subscribe(router, chat_id: int, args: str = "") -> None:
    reply = await router.dispatch(Caller("telegram", chat_id, chat_id, can_manage=True), "subscribe", args)
    assert reply.ok


async def test_changed_figure_and_key_point_are_announced(setup, core, content_dir):
    router, sender, worker = setup
    await subscribe(router, 1)
    (content_dir / "storm.txt").write_text(
        BODY.replace("flooded 12 towns", "flooded 15 towns").replace("12 towns flooded.", "15 towns flooded.")
        + "  • Schools closed for two days.\n",
        encoding="utf-8",
    )
    report = await core.reload()
    assert report.changed == ["storm"]
    await worker.run_once()
    [(chat, text)] = sender.sent
    assert chat == 1 and text.startswith("Updated: Storm Brings Floods")
    assert "12 towns → 15 towns" in text
    assert "Schools closed for two days." in text


async def test_unchanged_reload_queues_nothing(setup, core):
    router, sender, worker = setup
    await subscribe(router, 1)
    report = await core.reload()
    assert report.unchanged and not report.changed
    assert await worker.run_once() == 0 and sender.sent == []


async def test_new_subscription_gets_no_backlog(setup, core, content_dir):
    router, sender, worker = setup
    (content_dir / "quake.txt").write_text("Quake Hits Region\n\nA quake struck at dawn.\n", encoding="utf-8")
    await core.reload()  # queued before anyone subscribed
    await subscribe(router, 1)
    assert await worker.run_once() == 0 and sender.sent == []


async def test_keyword_filter(setup, core, content_dir):
    router, sender, worker = setup
    await subscribe(router, 1, "quake")
    await subscribe(router, 2, "election")
    await subscribe(router, 3)
    (content_dir / "quake.txt").write_text("Quake Hits Region\n\nA quake struck at dawn.\n", encoding="utf-8")
    await core.reload()
    await worker.run_once()
    assert sorted(chat for chat, _ in sender.sent) == [1, 3]


async def test_retries_then_success_and_permanent_errors(setup, core):
    router, sender, worker = setup
    for chat in (1, 2, 3):
        await subscribe(router, chat)
    sender.script = {
        1: [Outcome("retry", "502 Bad Gateway"), Outcome("retry", "timed out")],
        2: [Outcome("gone", "Forbidden: bot was blocked by the user")],
        3: [Outcome("retry", "Too Many Requests", retry_after=0, rate_limited=True)] * 5,
    }
    await router.dispatch(Caller("telegram", 42, 42, is_operator=True), "broadcast", "hello all")
    clock = [core.clock()]
    core.clock = lambda: clock[0]
    for _ in range(6):  # each round moves the clock past any backoff instead of waiting
        await worker.run_once()
        clock[0] += 1000
    assert sorted(chat for chat, _ in sender.sent) == [1, 3]
    assert not (await core.subscriptions.get("telegram", 2)).active
    rows = query(core, "SELECT status, COUNT(*) FROM deliveries GROUP BY status ORDER BY status")
    assert [tuple(r) for r in rows] == [("failed", 1), ("sent", 2)]


async def test_two_workers_send_each_alert_once(setup, core):
    router, sender, _ = setup
    for chat in range(1, 201):
        await subscribe(router, chat)
    await router.dispatch(Caller("telegram", 42, 42, is_operator=True), "broadcast", "once")
    limiter = RateLimiter(Limits(0))
    a = DeliveryWorker(core, {"telegram": sender}, {"telegram": limiter}, batch_size=20)
    b = DeliveryWorker(core, {"telegram": sender}, {"telegram": limiter}, batch_size=20)
    await asyncio.gather(a.run_once(), b.run_once(), a.run_once(), b.run_once())
    chats = [chat for chat, _ in sender.sent]
    assert sorted(chats) == list(range(1, 201))


async def test_outcomes_that_could_not_be_written_are_written_with_the_next_batch(setup, core):
    router, sender, worker = setup
    for chat in range(1, 41):
        await subscribe(router, chat)
    await router.dispatch(Caller("telegram", 42, 42, is_operator=True), "broadcast", "written once")
    # A real failure of the database, not a stand-in: every write of an outcome is refused.
    execute(
        core,
        "CREATE TRIGGER refuse_outcomes BEFORE UPDATE OF status ON deliveries "
        "BEGIN SELECT RAISE(ABORT, 'disk trouble'); END",
    )
    await worker.run_once()
    assert sorted(chat for chat, _ in sender.sent) == list(range(1, 41))
    rows = query(core, "SELECT status, COUNT(*) FROM deliveries GROUP BY status")
    assert [tuple(r) for r in rows] == [("pending", 40)]  # sent, but not yet recorded
    pending = await core.operations.pending_deliveries(100)
    assert len(pending) == 40 and {d.status for d in pending} == {"sending"}  # shown as in flight

    execute(core, "DROP TRIGGER refuse_outcomes")
    assert await worker.run_once() == 0  # nothing is claimed twice: the rows are still this worker's
    rows = query(core, "SELECT status, COUNT(*) FROM deliveries GROUP BY status")
    assert [tuple(r) for r in rows] == [("sent", 40)]
    assert len(sender.sent) == 40


async def test_limiter_paces_a_chat_and_the_platform():
    now = [0.0]
    limiter = RateLimiter(Limits(per_second=10, private_per_second=1, group_per_minute=20), clock=lambda: now[0])
    waits = [limiter.reserve(5) for _ in range(3)]
    assert waits[0] == 0 and waits[1] == pytest.approx(1 / 0.97) and waits[2] == pytest.approx(2 / 0.97)
    assert limiter.reserve(-9) == pytest.approx(waits[2] + 0.1 / 0.97)  # the global slot after them
    limiter.pause(30)
    assert limiter.reserve(77) == pytest.approx(30)


UTC = UTC


@pytest.mark.parametrize(
    ("tz", "now", "expected"),
    [
        ("Europe/Kyiv", datetime(2026, 7, 1, 4, 59, tzinfo=UTC), None),  # 07:59 local (UTC+3)
        ("Europe/Kyiv", datetime(2026, 7, 1, 5, 0, tzinfo=UTC), "2026-07-01"),  # 08:00 local
        ("America/New_York", datetime(2026, 1, 15, 12, 59, tzinfo=UTC), None),  # 07:59 EST
        ("America/New_York", datetime(2026, 1, 15, 13, 0, tzinfo=UTC), "2026-01-15"),
        # Spring forward in Europe (29 March 2026): 08:00 local is 06:00 UTC that day.
        ("Europe/Berlin", datetime(2026, 3, 29, 5, 59, tzinfo=UTC), None),
        ("Europe/Berlin", datetime(2026, 3, 29, 6, 0, tzinfo=UTC), "2026-03-29"),
        # Fall back (25 October 2026): 08:00 local is 07:00 UTC.
        ("Europe/Berlin", datetime(2026, 10, 25, 6, 59, tzinfo=UTC), None),
        ("Europe/Berlin", datetime(2026, 10, 25, 7, 0, tzinfo=UTC), "2026-10-25"),
    ],
)
def test_digest_due_at_local_time(tz, now, expected):
    yesterday = (now.astimezone(ZoneInfo(tz)).date() - timedelta(days=1)).isoformat()  # yesterday's was sent
    due = due_digest("08:00", tz, yesterday, 0, now)
    assert (due[0] if due else None) == expected


def test_digest_in_the_repeated_hour_fires_once():
    # New York falls back on 1 November 2026: 01:30 happens twice.
    first = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    second = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST
    day, _ = due_digest("01:30", "America/New_York", None, 0, first)
    assert due_digest("01:30", "America/New_York", day, 0, second) is None


def test_digest_in_the_skipped_hour_still_fires():
    # New York springs forward on 8 March 2026: 02:30 does not exist that day.
    due = due_digest("02:30", "America/New_York", None, 0, datetime(2026, 3, 8, 8, 0, tzinfo=UTC))
    assert due is not None and due[0] == "2026-03-08"


def test_missed_digest_is_sent_at_start_but_not_before_subscribing():
    start_of_sub = datetime(2026, 5, 1, 0, 0, tzinfo=UTC).timestamp()
    # Down from the evening of 2 May until 07:00 UTC on 4 May; digest time 09:00 UTC.
    due = due_digest("09:00", "UTC", "2026-05-02", start_of_sub, datetime(2026, 5, 4, 7, 0, tzinfo=UTC))
    assert due is not None and due[0] == "2026-05-03"
    late_sub = datetime(2026, 5, 3, 12, 0, tzinfo=UTC).timestamp()
    assert due_digest("09:00", "UTC", None, late_sub, datetime(2026, 5, 4, 7, 0, tzinfo=UTC)) is None


async def test_digest_is_queued_once_per_local_date(setup, core, content_dir):
    router, sender, worker = setup
    await subscribe(router, 1, "daily 08:00 Europe/Kyiv")
    sub = await core.subscriptions.get("telegram", 1)
    (content_dir / "quake.txt").write_text("Quake Hits Region\n\nA quake struck at dawn.\n", encoding="utf-8")
    await core.reload()  # an instant alert: not for a daily subscription
    await worker.run_once()
    assert sender.sent == []
    after_first = first_digest(sub.started_at, "08:00", "Europe/Kyiv") + timedelta(hours=1)
    assert await queue_due_digests(core, after_first) == 1
    assert await queue_due_digests(core, after_first + timedelta(minutes=5)) == 0
    await worker.run_once()
    [(chat, text)] = sender.sent
    # The quake among the digest's items, not only as the newest briefing's title.
    assert chat == 1 and text.startswith("Daily digest") and "New: Quake Hits Region" in text


def test_alert_text_for_each_kind():
    new = reply_text(alert_reply("new", {"title": "T", "summary": "S.", "key_points": ["k"]}))
    assert new.startswith("New briefing: T") and "S." in new and "• k" in new
    change = {
        "old_title": "Old",
        "new_title": "T",
        "figures": [{"about": "villages", "old": "28 villages", "new": "35 villages"}],
    }
    changed = reply_text(alert_reply("changed", {"title": "T", "change": change}))
    assert "Old → T" in changed and "villages: 28 villages → 35 villages" in changed


async def test_stalled_delivery_is_detected_and_shown_in_status(setup, core):
    from bot.alerts.jobs import AlertJobs

    router, _sender, worker = setup
    await subscribe(router, 1)
    await router.dispatch(Caller("telegram", 42, 42, is_operator=True), "broadcast", "stuck?")
    jobs = AlertJobs(core, worker)
    await jobs.watchdog()
    assert not await core.state.get("delivery_stalled")  # due just now: not a stall

    worker.has_lease = True  # this process is the deliverer, yet nothing moves for an hour
    worker.last_progress -= 3600
    real_clock = core.clock
    core.clock = lambda: real_clock() + 3600
    await jobs.watchdog()
    assert "no progress" in await core.state.get("delivery_stalled")
    status = reply_text(await router.dispatch(Caller("telegram", 42, 42, is_operator=True), "status", ""))
    assert "delivery looks stuck" in status and "1 pending" in status

    core.clock = real_clock
    await worker.run_once()
    await jobs.watchdog()
    assert not await core.state.get("delivery_stalled")


async def test_deliveries_to_a_platform_nothing_here_sends_are_not_a_stall(setup, core):
    """A Discord subscriber's alerts wait for a Discord process; a Telegram-only one is not stuck."""
    from bot.alerts.jobs import AlertJobs

    router, sender, worker = setup
    await subscribe(router, 1)
    await router.dispatch(Caller("discord", 77, 77, can_manage=True), "subscribe", "")
    await router.dispatch(Caller("telegram", 42, 42, is_operator=True), "broadcast", "both platforms")
    await worker.run_once()  # the Telegram one goes out; the Discord one stays pending
    assert [chat for chat, _ in sender.sent] == [1]
    jobs = AlertJobs(core, worker)
    worker.has_lease = True
    real_clock = core.clock
    core.clock = lambda: real_clock() + 3600
    worker.last_progress -= 3600
    await jobs.watchdog()
    assert not await core.state.get("delivery_stalled")


def test_an_alert_points_at_its_own_briefing():
    new = reply_text(alert_reply("new", {"briefing_id": "storm", "title": "Storm", "summary": "Rain."}))
    assert "/summary storm for the full briefing" in new
    digest = reply_text(
        alert_reply(
            "digest",
            {
                "date": "2026-12-04",
                "items": [{"kind": "new", "briefing_id": "storm", "title": "Storm", "summary": "Rain."}],
            },
        )
    )
    assert "/briefings" in digest


async def test_outcomes_are_written_while_the_lanes_wait(setup, core):
    # A paused or slow fan-out must not hold sent messages unrecorded (a crash would send them
    # again): outcomes are written within a moment even when no batch fills up.
    router, sender, worker = setup
    for chat in range(1, 6):
        await subscribe(router, chat)
    await router.dispatch(Caller("telegram", 42, 42, is_operator=True), "broadcast", "paced")
    release = asyncio.Event()
    real_deliver = sender.deliver

    async def deliver(chat_id: int, thread_id: int, reply: Reply) -> Outcome:
        if chat_id > 3:
            await release.wait()  # the platform makes us wait (a 429, a slow network)
        return await real_deliver(chat_id, thread_id, reply)

    sender.deliver = deliver
    run = asyncio.create_task(worker.run_once())
    try:
        sent = []
        async with asyncio.timeout(10):
            while len(sent) < 3:
                await asyncio.sleep(0.01)  # polling the file, with a deadline
                sent = query(core, "SELECT id FROM deliveries WHERE status = 'sent'")
        assert not run.done() and len(sent) == 3
    finally:
        release.set()
    assert await run == 5
    assert [tuple(r) for r in query(core, "SELECT status, COUNT(*) FROM deliveries GROUP BY status")] == [("sent", 5)]
