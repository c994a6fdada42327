"""The Discord front-end: the real discord.py client against the loopback FakeDiscord."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import replace

import discord
import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.commands.catalog import build_router
from bot.errors import StartupError
from bot.frontends.on_discord.app import DiscordFrontend
from bot.frontends.on_discord.render import escape, render, span_markdown
from bot.frontends.on_discord.sender import classify
from bot.reply import Reply, Span, bold, bullets, code, italic, link, para
from tests.fakes.discord_api import FakeDiscord, pinged
from tests.fakes.discord_validation import validate_message

TOKEN = "fake-discord-token"
GUILD, CHANNEL, OTHER_CHANNEL = 100, 110, 111
EDITORS = 120
MANAGER, MEMBER, OPERATOR = 130, 131, 4242
MANAGE_CHANNELS = 1 << 4
AT = {"guild_id": GUILD, "channel_id": CHANNEL}
HEADLINE = "Ukrainian Offensive Pushes Deep into Russian Territory"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=TOKEN) as fake:
        guild = fake.add_guild(GUILD, "Newsroom")
        guild.add_channel(CHANNEL, "general")
        guild.add_channel(OTHER_CHANNEL, "archive")
        guild.add_role(EDITORS, "Editors", permissions=MANAGE_CHANNELS)
        guild.add_member(MANAGER, "alice", roles=[EDITORS])
        guild.add_member(MEMBER, "bob")
        guild.add_member(OPERATOR, "olga")
        yield fake


def on_fake(settings, fake: FakeDiscord, **changes):
    return replace(
        settings, discord_token=TOKEN, discord_api_url=fake.api_root, discord_gateway_url=fake.gateway_url, **changes
    )


@contextlib.asynccontextmanager
async def running(core, **options) -> AsyncIterator[DiscordFrontend]:
    frontend = DiscordFrontend(core, build_router(core), guild_ready_timeout=0.05, ready_timeout=5.0, **options)
    await frontend.start()
    try:
        yield frontend
    finally:
        await frontend.stop()


@pytest.fixture
async def frontend(fake, settings, core) -> AsyncIterator[DiscordFrontend]:
    core.settings = on_fake(settings, fake)
    await core.load_if_empty()
    async with running(core) as frontend:
        yield frontend


async def ask(fake: FakeDiscord, name: str, user: int = MEMBER, count: int = 1, **options) -> list[dict]:
    inter = await fake.invoke(name, **AT, user_id=user, options=options or None)
    responses = await inter.wait_response(count)
    assert inter.errors == []
    return responses


def text_of(response: dict) -> str:
    embeds = " ".join(f"{e.get('title', '')} {e.get('description', '')}" for e in response["embeds"])
    return f"{response['content'] or ''} {embeds}"


# --- start-up and command sync ---------------------------------------------------------------


async def test_commands_synced_once_per_change_and_scope_switch_clears_the_old(fake, settings, core):
    core.settings = on_fake(settings, fake, discord_guild_id=GUILD)
    async with running(core):
        assert [scope for scope, _ in fake.command_puts] == [GUILD]
    names = {c["name"] for c in fake.commands[GUILD]}
    assert names == {c.name for c in build_router(core).public(operator=True)}
    by_name = {c["name"]: c for c in fake.commands[GUILD]}
    assert int(by_name["subscribe"]["default_member_permissions"]) == MANAGE_CHANNELS
    assert int(by_name["reload"]["default_member_permissions"]) == 1 << 3
    assert by_name["summary"]["options"][0]["autocomplete"] is True
    assert by_name["search"]["options"][0]["required"] is True

    async with running(core):  # same commands, same scope: nothing is sent
        assert len(fake.command_puts) == 1

    core.settings = on_fake(settings, fake)  # guild → global
    async with running(core):
        assert fake.command_puts[1:] == [("global", fake.command_puts[1][1]), (GUILD, [])]
        assert fake.commands[GUILD] == [] and len(fake.commands["global"]) == len(names)


async def test_gateway_url_is_asked_from_the_api_when_not_configured(fake, settings, core):
    core.settings = replace(on_fake(settings, fake), discord_gateway_url="")
    async with running(core):
        assert ("GET", "/api/v10/gateway/bot") in fake.requests
        assert fake.identifies == 1


async def test_bad_token_is_a_startup_error(fake, settings, core):
    fake.set_token_valid(False)
    core.settings = on_fake(settings, fake)
    base = Route.BASE
    with pytest.raises(StartupError, match=r"^Discord rejected DISCORD_BOT_TOKEN$"):
        async with running(core):
            pass
    assert base == Route.BASE


async def test_unreachable_server_is_a_startup_error(settings, core):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    core.settings = replace(
        settings,
        discord_token=TOKEN,
        discord_api_url=f"http://127.0.0.1:{port}/api",
        discord_gateway_url=f"ws://127.0.0.1:{port}/gateway",
    )
    gateway = DiscordWebSocket.DEFAULT_GATEWAY
    with pytest.raises(StartupError, match="cannot reach Discord"):
        async with running(core):
            pass
    assert gateway == DiscordWebSocket.DEFAULT_GATEWAY


# --- reading commands -------------------------------------------------------------------------


async def test_summary_and_figures_are_embeds_within_limits(fake, frontend):
    [summary] = await ask(fake, "summary")
    assert summary["type"] == 4 and not summary["ephemeral"] and not summary["content"]
    assert validate_message(summary["data"]) is None
    embed = summary["embeds"][0]
    assert embed["title"].startswith(HEADLINE)
    assert "**Key developments**" in embed["description"] and "• Ukrainian forces" in embed["description"]

    [figures] = await ask(fake, "figures", briefing="kursk-incursion", word="villages")
    assert validate_message(figures["data"]) is None
    assert figures["embeds"][0]["title"].startswith("Figures")
    assert "28 villages" in figures["embeds"][0]["description"]
    assert "40 km" not in figures["embeds"][0]["description"]


async def test_briefing_autocomplete(fake, frontend):
    choices = await fake.autocomplete("summary", "briefing", "kurs", **AT, user_id=MEMBER)
    assert [c["value"] for c in choices] == ["kursk-incursion"]
    assert choices[0]["name"].startswith("kursk-incursion — Ukrainian")
    assert await fake.autocomplete("figures", "briefing", "zzz", **AT, user_id=MEMBER) == []


async def test_plain_reply_and_search(fake, frontend):
    [found] = await ask(fake, "search", words="villages")
    assert "__villages__" in text_of(found)
    [nothing] = await ask(fake, "search", words="zzzqx")
    assert nothing["content"].startswith("Nothing found") and nothing["embeds"] == []


async def test_slow_command_is_deferred_then_edited(fake, frontend):
    gate = asyncio.Event()
    dispatch = frontend.router.dispatch

    async def slow(*args):
        await gate.wait()
        return await dispatch(*args)

    frontend.router.dispatch = slow
    frontend.defer_after = 0.0
    for name, user in [("summary", MEMBER), ("subscribe", MEMBER)]:
        gate.clear()
        inter = await fake.invoke(name, **AT, user_id=user)
        [thinking] = await inter.wait_response(1)
        assert thinking["type"] == 5 and not thinking["ephemeral"]
        gate.set()
        if name == "summary":
            _, edit = await inter.wait_response(2)
            assert edit["kind"] == "edit" and edit["embeds"][0]["title"].startswith(HEADLINE)
        else:  # a private answer replaces the public "thinking…" with an ephemeral follow-up
            _, deleted, refusal = await inter.wait_response(3)
            assert deleted["kind"] == "delete" and refusal["kind"] == "followup" and refusal["ephemeral"]
        assert inter.errors == []


async def test_unexpected_error_gets_an_ephemeral_apology(fake, frontend):
    async def broken(*args):
        raise RuntimeError("boom")

    frontend.router.dispatch = broken
    [apology] = await ask(fake, "summary")
    assert apology["ephemeral"] and apology["content"].startswith("Sorry")


# --- subscriptions and operators ------------------------------------------------------------


async def test_subscribe_without_manage_channels_is_refused(fake, frontend, core):
    [refusal] = await ask(fake, "subscribe", user=MEMBER)
    assert refusal["ephemeral"] and "administrator" in refusal["content"]
    assert await core.subscriptions.get("discord", CHANNEL) is None


async def test_subscribe_with_manage_channels_stores_one(fake, frontend, core):
    [reply] = await ask(
        fake, "subscribe", user=MANAGER, daily_time="07:30", timezone="Europe/Kyiv", keywords="Kursk, drones"
    )
    assert not reply["ephemeral"] and "Subscribed" in text_of(reply)
    sub = await core.subscriptions.get("discord", CHANNEL)
    assert (sub.mode, sub.digest_time, sub.timezone, sub.keywords) == (
        "daily",
        "07:30",
        "Europe/Kyiv",
        ("kursk", "drones"),
    )
    [bad] = await ask(fake, "subscribe", user=MANAGER, daily_time="25:99")
    assert bad["ephemeral"] and "Usage" in bad["content"]


async def test_reload_only_for_operators(fake, frontend):
    [done] = await ask(fake, "reload", user=OPERATOR)
    assert done["embeds"][0]["title"] == "Reload" and not done["ephemeral"]
    [refused] = await ask(fake, "reload", user=MANAGER)
    assert refused["ephemeral"] and "operators only" in refused["content"]


async def test_briefing_text_pings_nobody(fake, frontend, core):
    (core.settings.content_dir / "mentions.txt").write_text(
        "Town hall @everyone invited by <@&120> and <@130>\n\n"
        "The mayor told @everyone and @here that <@&120> meets at noon_time (||spoiler||).\n\n"
        "Key Developments:\n\n  • @everyone should read <@130>.\n",
        encoding="utf-8",
    )
    await core.reload()
    [summary] = await ask(fake, "summary", briefing="mentions")
    assert summary["allowed_mentions"]["parse"] == [] and not pinged(summary["pings"])
    body = summary["embeds"][0]["description"]
    assert "@\u200beveryone" in body and "<@\u200b&120>" in body
    assert "noon\\_time" in body and "\\|\\|spoiler\\|\\|" in body
    [nothing] = await ask(fake, "search", words="@everyone zzzqx")
    assert nothing["allowed_mentions"]["parse"] == [] and not pinged(nothing["pings"])

    outcome = await frontend.sender.deliver(CHANNEL, 0, Reply((para("@everyone <@&120> <@130>"),)))
    [sent] = await fake.wait_messages(CHANNEL)
    assert outcome.status == "sent"
    assert sent["allowed_mentions"]["parse"] == [] and not pinged(sent["pings"])


# --- the alert sender and the gateway ---------------------------------------------------------


ALERT = Reply((para("28 villages"),), title="New briefing: test")


async def test_sender_waits_out_a_429_and_delivers_once(fake, frontend):
    fake.fail_next("/channels/", status=429, retry_after=0.05)
    outcome = await frontend.sender.deliver(CHANNEL, 0, ALERT)
    assert outcome.status == "sent" and fake.too_many_requests == 1
    [message] = fake.messages[CHANNEL]
    assert message["embeds"][0]["title"] == "New briefing: test"


async def test_sender_reports_persistent_429_as_rate_limited_retry(fake, frontend):
    fake.fail_next("/channels/", status=429, retry_after=0.01, count=10)
    outcome = await frontend.sender.deliver(CHANNEL, 0, ALERT)
    assert (outcome.status, outcome.rate_limited) == ("retry", True)
    assert outcome.retry_after is not None and outcome.retry_after > 0


async def test_sender_lost_channels_are_gone(fake, frontend):
    fake.delete_channel(OTHER_CHANNEL)
    gone = await frontend.sender.deliver(OTHER_CHANNEL, 0, ALERT)
    assert gone.status == "gone" and "10003" in gone.error
    fake.deny_access(CHANNEL, 50013)
    denied = await frontend.sender.deliver(CHANNEL, 0, ALERT)
    assert denied.status == "gone" and "50013" in denied.error
    assert fake.messages.get(CHANNEL, []) == []


async def test_dropped_gateway_resumes_and_commands_still_answer(fake, frontend):
    await fake.drop_gateway(4000)
    await fake.wait_resumed(1)
    assert (fake.identifies, fake.resumes) == (1, 1)
    [summary] = await ask(fake, "summary")
    assert summary["embeds"][0]["title"].startswith(HEADLINE)


def test_classify_http_errors():
    assert classify(429, b'{"retry_after": 2.5, "global": false}', {}).retry_after == 2.5
    assert classify(429, b"", {"Retry-After": "3"}).retry_after == 3.0
    assert classify(502, b"<html>bad gateway</html>", {}).status == "retry"
    assert classify(403, b'{"code": 50001, "message": "Missing Access"}', {}).status == "gone"
    assert classify(404, b'{"code": 10003, "message": "Unknown Channel"}', {}).status == "gone"
    assert classify(400, b'{"code": 50035, "message": "Invalid Form Body"}', {}).status == "failed"
    assert classify(200, b"{}", {}).status == "sent"


# --- rendering ----------------------------------------------------------------------------


def test_spans_map_to_discord_markdown():
    assert span_markdown(Span("a_b", frozenset({"bold"}))) == "**a\\_b**"
    assert span_markdown(Span(" x ", frozenset({"italic"}))) == " *x* "
    assert span_markdown(Span("rock`n", frozenset({"code"}))) == "`rockˋn`"
    assert span_markdown(Span("hit", frozenset({"mark"}))) == "__hit__"
    assert span_markdown(Span("site", link="https://e.example/a")) == "[site](https://e.example/a)"
    assert span_markdown(Span("site", link="javascript:alert(1)")) == "site"
    assert escape("[x](https://e.example) @here") == "\\[x\\](https://e.example) @\u200bhere"


def test_long_replies_split_within_discord_limits():
    sentence = "The offensive [reached] *28 villages* near the border_line, officials said. "
    long_para = para(sentence * 300)  # ~22,000 characters in one paragraph
    rows = bullets([[bold(f"Row {i}: "), sentence * 3, italic("note"), code("x")] for i in range(200)])
    reply = Reply((long_para, rows, para(link("source", "https://example.com"))), title="T" * 400)
    messages = render(reply)
    assert len(messages) > 3
    for message in messages:
        body = {"content": message.content, "embeds": [e.to_dict() for e in message.embeds]}
        assert validate_message(body) is None
    assert messages[0].embeds[0].title.endswith("…") and len(messages[0].embeds[0].title) <= 256
    text = "".join(e.description or "" for m in messages for e in m.embeds)
    assert text.count("Row ") == 200 and text.count("28 villages") == 900

    plain = render(Reply((long_para,)))
    assert all(len(m.content) <= 2000 and not m.embeds for m in plain)
    assert "".join(m.content for m in plain).count("28 villages") == 300


# --- both front-ends in one process ------------------------------------------------------------


async def test_telegram_and_discord_share_one_loop_and_storage(fake, settings, core):
    from bot.service import start_frontends, stop_all
    from tests.fakes.telegram_api import FakeTelegram

    async with FakeTelegram() as telegram:
        telegram.add_user(7, "reader")
        telegram.add_chat(7, "private")
        core.settings = replace(on_fake(settings, fake), telegram_token=telegram.token, telegram_api_url=telegram.root)
        await core.load_if_empty()
        frontends, senders, limiters, _ = await start_frontends(core)
        try:
            assert set(senders) == set(limiters) == {"telegram", "discord"}
            [answer] = await ask(fake, "subscribe", user=MANAGER)
            assert "Subscribed" in text_of(answer)
            await telegram.wait_polling()
            telegram.user_message(7, 7, "/subscription")
            [reply] = await telegram.wait_sent(1, chat_id=7)
            assert "not subscribed" in reply["text"]
            assert (await core.subscriptions.get("discord", CHANNEL)).active
        finally:
            await stop_all(frontends)


async def test_no_voice_warning_for_a_bot_that_never_speaks(core, caplog):

    from bot.frontends.on_discord.app import DiscordFrontend

    discord.VoiceClient.warn_nacl = True  # as in a fresh process without PyNaCl
    with caplog.at_level(logging.WARNING):
        DiscordFrontend(core, build_router(core))
    assert "PyNaCl" not in caplog.text
