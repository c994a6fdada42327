"""TelegramSender on the wire: pre-encoded sendMessage bodies over the aiohttp transport,
against the loopback FakeTelegram, and the transport's handling of python-telegram-bot's defaults."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.request import BaseRequest, HTTPXRequest

from bot.frontends.on_telegram.sender import CACHED_REPLIES, TelegramSender
from bot.frontends.on_telegram.transport import AiohttpRequest
from bot.reply import message
from tests.fakes.telegram_api import FakeTelegram

USER, GROUP, FORUM = 42, -100123, -100777


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as tg:
        tg.add_user(USER, "Ada")
        tg.add_chat(USER, "private")
        tg.add_chat(GROUP, "supergroup", title="News")
        yield tg


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url, request=AiohttpRequest()) as b:
        yield b


async def test_alert_body_carries_text_mode_topic_and_paid_flag(bot: Bot, fake: FakeTelegram) -> None:
    sender = TelegramSender(bot, paid_broadcast=True)
    assert (await sender.deliver(USER, 0, message("Kursk & <Belgorod> — ünïcode"))).status == "sent"
    [sent] = fake.sent
    assert sent["chat_id"] == USER and sent["parse_mode"] == "HTML" and sent["allow_paid_broadcast"]
    assert sent["text"] == "Kursk & <Belgorod> — ünïcode"  # escaped for HTML, parsed back by the fake
    assert (await TelegramSender(bot).send(GROUP, 0, message("plain reply"))).status == "sent"
    assert fake.sent[-1]["allow_paid_broadcast"] is False


async def test_one_reply_object_is_sent_to_many_chats(bot: Bot, fake: FakeTelegram) -> None:
    sender = TelegramSender(bot)
    reply = message("one alert")
    for chat_id in (USER, GROUP):
        assert (await sender.deliver(chat_id, 0, reply)).status == "sent"
    assert [s["chat_id"] for s in fake.sent] == [USER, GROUP]
    assert fake.sent[0]["text"] == fake.sent[1]["text"]


@pytest.mark.parametrize(
    "fault, expected",
    [
        ({"status": 429, "retry_after": 7}, ("retry", 7.0, True, None)),
        ({"status": 400, "migrate_to_chat_id": -100999}, ("moved", None, False, -100999)),
        ({"status": 403, "description": "Forbidden: bot was blocked by the user"}, ("gone", None, False, None)),
        ({"status": 400, "description": "Bad Request: chat not found"}, ("gone", None, False, None)),
        ({"status": 400, "description": "Bad Request: message is too long"}, ("failed", None, False, None)),
        ({"status": 502}, ("retry", None, False, None)),
        ({"status": 401}, ("retry", None, False, None)),
    ],
)
async def test_error_answers_are_classified(bot: Bot, fake: FakeTelegram, fault: dict, expected: tuple) -> None:
    fake.fail_next("sendMessage", **fault)
    outcome = await TelegramSender(bot).deliver(USER, 0, message("hi"))
    assert (outcome.status, outcome.retry_after, outcome.rate_limited, outcome.new_chat_id) == expected
    assert fake.token not in outcome.error


async def test_revoked_token_is_a_retry_that_names_the_token_not_the_url(bot: Bot, fake: FakeTelegram) -> None:
    fake.set_token_valid(False)
    outcome = await TelegramSender(bot).deliver(USER, 0, message("hi"))
    assert (outcome.status, outcome.error) == ("retry", "the bot token was rejected")


async def test_unreachable_server_is_a_retry_without_the_token() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe is closed
    token = "123456:SECRET-TOKEN"
    request = AiohttpRequest()
    await request.initialize()  # the transport only: a Bot's initialize would call getMe
    try:
        bot = Bot(token, base_url=f"http://127.0.0.1:{port}/bot", request=request)
        outcome = await TelegramSender(bot).deliver(USER, 0, message("hi"))
    finally:
        await request.shutdown()
    assert outcome.status == "retry" and outcome.error.startswith("aiohttp.")
    assert "SECRET" not in outcome.error and str(port) not in outcome.error


async def test_long_reply_goes_out_in_parts_in_order(bot: Bot, fake: FakeTelegram) -> None:
    text = "\n\n".join(f"paragraph {i}: " + "word " * 150 for i in range(12))
    assert (await TelegramSender(bot).deliver(USER, 0, message(text))).status == "sent"
    assert len(fake.sent) > 1 and not fake.rejected
    assert "paragraph 0:" in fake.sent[0]["text"] and "paragraph 11:" in fake.sent[-1]["text"]


def test_sender_refuses_a_bot_without_the_aiohttp_transport() -> None:
    bot = Bot("123456:TEST-TOKEN", request=HTTPXRequest())
    with pytest.raises(TypeError, match="AiohttpRequest"):
        TelegramSender(bot)


async def test_transport_takes_the_libraries_default_marker_as_its_own_timeouts(fake: FakeTelegram) -> None:
    # python-telegram-bot passes BaseRequest.DEFAULT_NONE for "not set"; if an upgrade passes
    # something else, this fails with the TypeError's message instead of a silent wrong timeout.
    request = AiohttpRequest(read_timeout=5)
    await request.initialize()
    try:
        url = f"{fake.base_url}{fake.token}/getMe"
        status, _ = await request.do_request(
            url, "POST", read_timeout=BaseRequest.DEFAULT_NONE, connect_timeout=BaseRequest.DEFAULT_NONE
        )
        assert status == 200
        assert (await request.do_request(url, "POST", read_timeout=2.5, connect_timeout=None))[0] == 200
        with pytest.raises(TypeError, match="timeout must be a number"):
            await request.do_request(url, "POST", read_timeout="soon")
    finally:
        await request.shutdown()


async def test_each_new_reply_is_sent_as_itself(bot: Bot, fake: FakeTelegram) -> None:
    sender = TelegramSender(bot)
    for i in range(CACHED_REPLIES + 10):  # more replies than the cache holds: entries are replaced
        assert (await sender.send(USER, 0, message(f"reply number {i}"))).status == "sent"
    assert [s["text"] for s in fake.sent] == [f"reply number {i}" for i in range(CACHED_REPLIES + 10)]
