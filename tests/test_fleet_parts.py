"""The parts of several processes on one database, in one test process: leadership passing to a
survivor, reloads heard at once by the others, /status listing the processes, the shared rate
budget (limiter shares; command replies booking in it)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from telegram import Bot

from bot.alerts.limiter import SAFETY, Limits, RateLimiter
from bot.commands.catalog import build_router
from bot.commands.context import Caller
from bot.core import Core
from bot.fleet import FLEET_MARGIN, TELEGRAM_POLLING, Fleet
from bot.frontends.on_telegram.sender import TelegramSender
from bot.frontends.on_telegram.transport import AiohttpRequest
from bot.reply import message
from tests.fakes.telegram_api import FakeTelegram

DEADLINE = 15.0  # waits end on an event; this only stops a broken test from hanging
FAST = {"heartbeat": 0.1, "lead_check": 0.05}


class RoleLog:
    """What a fleet asked this process to do with a role, as events a test can wait on."""

    def __init__(self) -> None:
        self.taken = asyncio.Event()
        self.dropped = asyncio.Event()

    async def take(self) -> None:
        self.taken.set()

    async def drop(self) -> None:
        self.dropped.set()


async def _core(settings, url: str) -> Core:
    return await Core.open(replace(settings, database_url=url))


async def test_leadership_passes_to_a_survivor_and_shares_follow_the_live_count(settings, pg_url):
    first, second = await _core(settings, pg_url), await _core(settings, pg_url)
    limiter = RateLimiter(Limits(30.0))
    leader_log, survivor_log = RoleLog(), RoleLog()
    leader = Fleet(first, delivering=True, **FAST)
    survivor = Fleet(second, [limiter], delivering=True, **FAST)
    leader.add_role(TELEGRAM_POLLING, leader_log.take, leader_log.drop)
    survivor.add_role(TELEGRAM_POLLING, survivor_log.take, survivor_log.drop)
    try:
        await leader.start()
        assert leader_log.taken.is_set()
        await survivor.start()
        assert not survivor_log.taken.is_set()
        assert len(survivor.live) == 2 and limiter.share == pytest.approx(FLEET_MARGIN / 2)
        [row] = [p for p in survivor.live if p.id == leader.id]
        assert TELEGRAM_POLLING in row.roles and "delivering" in row.roles

        # The leader dies: its loops stop (a dead process's would) and its session ends, so the
        # server frees its lock.
        for task in leader._tasks:
            task.cancel()
        await first.close()
        await asyncio.wait_for(survivor_log.taken.wait(), DEADLINE)
        rows = await second.fleet.live(0)
        assert TELEGRAM_POLLING in next(p.roles for p in rows if p.id == survivor.id)
    finally:
        await survivor.stop()
        await leader.stop()  # its database is closed: leaving must still not raise
        await second.close()


async def test_a_reload_in_one_process_empties_the_others_cache_at_once(settings, pg_url):
    writer, reader = await _core(settings, pg_url), await _core(settings, pg_url)
    fleet = Fleet(reader, **FAST)
    try:
        await writer.reload()
        await fleet.start()
        before = await reader.library.find(None)
        assert before is not None and "Sirens" not in before.briefing.title
        heard = asyncio.Event()
        invalidate = reader.library.invalidate

        def observed() -> None:
            invalidate()
            heard.set()

        reader.library.invalidate = observed  # type: ignore[method-assign]
        briefing = settings.content_dir / "kursk-incursion.txt"
        text = briefing.read_text(encoding="utf-8")
        title, _, rest = text.partition("\n")
        briefing.write_text(f"Sirens over Kursk: {title}\n{rest}", encoding="utf-8")
        await writer.reload()
        await asyncio.wait_for(heard.wait(), DEADLINE)
        after = await reader.library.find(None)
        assert after is not None and after.briefing.title.startswith("Sirens over Kursk")
    finally:
        await fleet.stop()
        await writer.close()
        await reader.close()


async def test_status_lists_the_live_processes_with_their_roles(core):
    fleet = Fleet(core, delivering=True)
    log = RoleLog()
    fleet.add_role(TELEGRAM_POLLING, log.take, log.drop)
    await fleet.start()  # SQLite: one process, which leads at once
    try:
        reply = await build_router(core).dispatch(Caller("console", 0, 0, is_operator=True), "status", "")
        text = str(reply)
        assert "Processes (1)" in text
        assert "telegram polling leader, delivering" in text and "heartbeat" in text
    finally:
        await fleet.stop()
    assert await core.fleet.live(0) == []  # a clean stop leaves the list


def test_a_share_of_the_limits_spaces_every_send_wider():
    now = [100.0]
    limiter = RateLimiter(Limits(30.0, private_per_second=1.0), clock=lambda: now[0])
    limiter.share = 0.3
    waits = [limiter.reserve(chat) for chat in (1, 2, 3)]
    assert waits[2] - waits[1] == pytest.approx(1 / (30.0 * SAFETY * 0.3))
    assert limiter.chat_ready_in(1) == pytest.approx(1 / (1.0 * SAFETY * 0.3))


class RecordingPacer:
    """The shared budget as the sender sees it, recording what it was asked."""

    def __init__(self) -> None:
        self.booked: list[int] = []
        self.paused: list[float] = []

    def reserve(self, chat_id: int) -> float:
        self.booked.append(chat_id)
        return 0.0

    def pause(self, seconds: float) -> None:
        self.paused.append(seconds)


@pytest.fixture
async def bot() -> AsyncIterator[tuple[Bot, FakeTelegram]]:
    async with FakeTelegram() as fake:
        fake.add_user(42, "Ada")
        fake.add_chat(42, "private")
        async with Bot(fake.token, base_url=fake.base_url, request=AiohttpRequest()) as b:
            yield b, fake


async def test_replies_book_every_part_in_the_shared_budget_and_alerts_do_not_twice(bot):
    tg_bot, fake = bot
    sender = TelegramSender(tg_bot)
    sender.pacer = pacer = RecordingPacer()
    assert (await sender.send(42, 0, message("a reply"))).status == "sent"
    assert (await sender.send(42, 0, message("word " * 2000))).status == "sent"  # three parts or so
    parts = len(fake.sent) - 1
    assert parts > 1 and pacer.booked == [42] * (1 + parts)
    assert (await sender.deliver(42, 0, message("an alert"))).status == "sent"
    assert pacer.booked == [42] * (1 + parts)  # the worker booked the alert's slot itself
    fake.fail_next("sendMessage", status=429, retry_after=7)
    assert (await sender.send(42, 0, message("too fast"))).status == "retry"
    assert pacer.paused == [7.0]


async def test_discord_gateway_is_taken_let_go_and_taken_again(settings, core):
    from bot.frontends.on_discord.app import DiscordFrontend
    from tests.fakes.discord_api import FakeDiscord
    from tests.test_discord_frontend import AT, CHANNEL, GUILD, MEMBER, TOKEN, on_fake

    async with FakeDiscord(token=TOKEN) as fake:
        fake.add_guild(GUILD, "Newsroom").add_channel(CHANNEL, "general")
        fake.guilds[GUILD].add_member(MEMBER, "bob")
        core.settings = on_fake(settings, fake)
        await core.load_if_empty()
        frontend = DiscordFrontend(core, build_router(core), guild_ready_timeout=0.05, ready_timeout=5.0)
        await frontend.start(connect=False)  # another process holds the gateway
        try:
            assert frontend.standby and not frontend.client.is_ready()
            assert (await frontend.sender.deliver(CHANNEL, 0, message("an alert"))).status == "sent"
            for _ in range(2):  # taken, let go, taken again: the same client reopens
                await frontend.connect_gateway()
                assert frontend.client.is_ready() and not frontend.standby
                inter = await fake.invoke("help", **AT, user_id=MEMBER)
                assert await inter.wait_response(1)
                await frontend.disconnect_gateway()
                assert frontend.standby and frontend.client.is_closed()
        finally:
            await frontend.stop()
