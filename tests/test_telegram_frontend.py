"""The Telegram front-end: the real python-telegram-bot Application against the loopback fake Bot API."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.alerts.limiter import Limits, RateLimiter
from bot.alerts.worker import DeliveryWorker
from bot.commands.catalog import build_router
from bot.errors import StartupError
from bot.frontends.on_telegram.app import TelegramFrontend
from bot.service import start_frontends, stop_all
from tests.conftest import query
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ADMIN = 42  # in settings.telegram_admin_ids
READER = 100
MEMBER, GROUP_ADMIN = 7, 8
GROUP, CHANNEL, FORUM = -500, -1001, -1002


@pytest.fixture
async def fake():
    async with FakeTelegram() as tg:
        for uid in (ADMIN, READER, MEMBER, GROUP_ADMIN):
            tg.add_user(uid, f"user{uid}")
            tg.add_chat(uid, "private")
        tg.add_chat(GROUP, "supergroup", title="Readers")
        tg.set_member(GROUP, MEMBER, "member")
        tg.set_member(GROUP, GROUP_ADMIN, "administrator")
        tg.add_chat(CHANNEL, "channel", title="News")
        tg.add_chat(FORUM, "supergroup", title="Forum", is_forum=True)
        tg.add_topic(FORUM, 5, "War")
        tg.set_member(FORUM, GROUP_ADMIN, "administrator")
        yield tg


@pytest.fixture
async def telegram(core, fake):
    core.settings = replace(core.settings, telegram_token=fake.token, telegram_api_url=fake.root)
    await core.load_if_empty()
    frontend = TelegramFrontend(core, build_router(core))
    await frontend.start()
    await fake.wait_polling()
    try:
        yield frontend
    finally:
        await frontend.stop()


async def say(fake: FakeTelegram, chat_id: int, user_id: int, text: str, count: int = 1, **kw) -> list[dict]:
    before = len(fake.sent_to(chat_id))
    fake.user_message(chat_id, user_id, text, **kw)
    sent = await fake.wait_sent(before + count, chat_id=chat_id)
    return sent[before:]


async def test_start_publishes_commands_and_asks_for_its_update_types(telegram, fake):
    names = [c["command"] for c in fake.commands["default"]]
    assert {"summary", "figures", "keypoints", "subscribe", "search"} <= set(names)
    assert all(c["description"] for c in fake.commands["default"])
    assert set(fake.allowed_updates) == {"message", "channel_post", "my_chat_member", "callback_query"}


async def test_private_conversation(telegram, fake):
    [start] = await say(fake, READER, READER, "/start")
    assert "/summary" in start["text"]
    [help_] = await say(fake, READER, READER, "/help")
    assert "/figures" in help_["text"] and "/reload" not in help_["text"]
    [summary] = await say(fake, READER, READER, "/summary")
    assert summary["parse_mode"] == "HTML" and "<b>Ukrainian Offensive" in summary["raw_text"]
    assert "• Around 11,000 residents of Belgorod" in summary["text"]
    [figures] = await say(fake, READER, READER, "/figures")
    assert "<b>28 villages</b>" in figures["raw_text"] and "30 km (18 mi)" in figures["text"]


async def test_group_commands_addressed_to_this_bot_only(telegram, fake):
    [reply] = await say(fake, GROUP, MEMBER, "/keypoints@briefing_bot")
    assert "Key developments" in reply["text"]
    fake.user_message(GROUP, MEMBER, "/summary@some_other_bot")
    [after] = await say(fake, GROUP, MEMBER, "/start@briefing_bot")
    # Updates of one chat are answered in order: had the other bot's command been answered,
    # its reply would have come before this one.
    assert "/summary" in after["text"] and len(fake.sent_to(GROUP)) == 2


async def test_subscribe_from_a_channel_post(telegram, fake, core):
    before = len(fake.sent_to(CHANNEL))
    fake.channel_post(CHANNEL, "/subscribe kursk")
    sent = await fake.wait_sent(before + 1, chat_id=CHANNEL)
    assert "Subscribed." in sent[-1]["text"]
    sub = await core.subscriptions.get("telegram", CHANNEL)
    assert sub is not None and sub.keywords == ("kursk",)


async def test_group_subscribe_needs_an_administrator(telegram, fake, core):
    [refused] = await say(fake, GROUP, MEMBER, "/subscribe")
    assert "administrator" in refused["text"]
    assert await core.subscriptions.get("telegram", GROUP) is None
    [ok] = await say(fake, GROUP, GROUP_ADMIN, "/subscribe")
    assert "Subscribed." in ok["text"]


async def test_anonymous_admin_counts_only_as_the_group_itself(telegram, fake, core):
    fake.add_chat(-777, "channel", title="Someone's own channel")
    [refused] = await say(fake, GROUP, MEMBER, "/subscribe", sender_chat_id=-777)
    assert "administrator" in refused["text"]
    [forwarded] = await say(fake, GROUP, MEMBER, "/subscribe", sender_chat_id=CHANNEL, is_automatic_forward=True)
    assert "administrator" in forwarded["text"]
    assert await core.subscriptions.get("telegram", GROUP) is None
    [ok] = await say(fake, GROUP, MEMBER, "/subscribe", sender_chat_id=GROUP)
    assert "Subscribed." in ok["text"]


async def test_operator_commands_by_numeric_id(telegram, fake, core):
    [refused] = await say(fake, READER, READER, "/reload")
    assert "operators only" in refused["text"]
    [ok] = await say(fake, ADMIN, ADMIN, "/reload")
    assert "Reloaded:" in ok["text"]
    audit = await core.audit.recent()
    assert [(a.user_id, a.outcome) for a in audit[:2]] == [(ADMIN, "ok"), (READER, "refused")]


async def test_edited_command_is_not_run_again(telegram, fake, core):
    [first] = await say(fake, ADMIN, ADMIN, "/broadcast hello")
    assert "Broadcast queued" in first["text"]
    message_id = fake.calls[-1][1].get("message_id") or 1
    fake.edit_message(ADMIN, ADMIN, message_id, "/broadcast hello again")
    [marker] = await say(fake, ADMIN, ADMIN, "/start")
    assert "/summary" in marker["text"]
    assert len(query(core, "SELECT id FROM alerts WHERE kind = 'broadcast'")) == 1


async def test_forum_topic_reply_stays_in_the_topic(telegram, fake):
    [reply] = await say(fake, FORUM, GROUP_ADMIN, "/summary", message_thread_id=5)
    assert reply["message_thread_id"] == 5


async def test_deleted_topic_falls_back_to_the_general_topic(telegram, fake):
    fake.user_message(FORUM, GROUP_ADMIN, "/summary", message_thread_id=5)
    fake.delete_topic(FORUM, 5)
    [reply] = await fake.wait_sent(1, chat_id=FORUM)
    assert reply.get("message_thread_id") in (None, 0)
    assert any("thread not found" in r["description"] for r in fake.rejected)


async def test_long_reply_is_split_into_valid_messages(telegram, fake, core, content_dir):
    paragraph = "The situation developed further with <b>many</b> & varied reports. " * 60
    bullets = "\n".join(f"  • Point {i}: {paragraph[:300]}" for i in range(30))
    (content_dir / "long.txt").write_text(
        f"Long <i>headline</i>\n\n{paragraph}\n\nKey points:\n{bullets}\n", encoding="utf-8"
    )
    await core.reload()
    sent = await say(fake, READER, READER, "/summary long", count=2)
    assert all(len(m["text"].encode("utf-16-le")) // 2 <= 4096 for m in sent)
    assert not fake.rejected
    assert "Long <i>headline</i>" in sent[0]["text"]  # escaped, shown literally


async def test_hostile_briefing_text_is_escaped(telegram, fake, core, content_dir):
    (content_dir / "hostile.md").write_text(
        "---\nid: hostile\npublished: 2099-01-01\n---\n# Markets <script>alert(1)</script> & <b>bold\n\n"
        "Shares fell 5% as traders said \"sell <everything> & run\".\n\n- A <a href='x'>link</a> point\n",
        encoding="utf-8",
    )
    await core.reload()
    [reply] = await say(fake, READER, READER, "/summary hostile")
    assert not fake.rejected
    assert "<script>alert(1)</script>" in reply["text"] and "&lt;script&gt;" in reply["raw_text"]


async def test_retry_after_is_waited_out(telegram, fake):
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    telegram._sleep = record  # the wait Telegram asked for, without spending it
    fake.fail_next("sendMessage", status=429, retry_after=1, chat_id=READER)
    [reply] = await say(fake, READER, READER, "/start")
    assert "/summary" in reply["text"]
    assert fake.too_many_requests == 1 and waits == [1.0]


async def test_membership_changes_and_migration(telegram, fake, core):
    await say(fake, GROUP, GROUP_ADMIN, "/subscribe")
    fake.my_chat_member(GROUP, "member", "kicked", by_user_id=GROUP_ADMIN)
    sub = await _poll_sub(core, GROUP, lambda s: s is not None and not s.active)
    assert sub.inactive_reason

    before = len(fake.sent_to(GROUP))
    fake.my_chat_member(GROUP, "kicked", "member", by_user_id=GROUP_ADMIN)  # added back: a welcome
    assert "/subscribe" in (await fake.wait_sent(before + 1, chat_id=GROUP))[-1]["text"]
    await say(fake, GROUP, GROUP_ADMIN, "/subscribe")  # a new /subscribe revives it
    assert (await core.subscriptions.get("telegram", GROUP)).active
    fake.migration_message(GROUP, -100999)
    await _poll_sub(core, -100999, lambda s: s is not None)


async def _poll_sub(core, chat_id, ok, timeout=5.0):
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        sub = await core.subscriptions.get("telegram", chat_id)
        if ok(sub) or loop.time() > deadline:
            assert ok(sub), f"subscription of {chat_id} never reached the expected state: {sub}"
            return sub
        await asyncio.sleep(0.02)


async def test_blocked_chat_makes_its_subscription_inactive(telegram, fake, core):
    await say(fake, READER, READER, "/subscribe")
    fake.block(READER)
    await say(fake, ADMIN, ADMIN, "/broadcast news")
    worker = DeliveryWorker(core, {"telegram": telegram.sender}, {"telegram": RateLimiter(Limits(0))})
    await worker.run_once()
    sub = await core.subscriptions.get("telegram", READER)
    assert not sub.active and "blocked" in sub.inactive_reason


async def test_bad_token_is_one_clear_error(core, fake):
    fake.set_token_valid(False)
    core.settings = replace(core.settings, telegram_token=fake.token, telegram_api_url=fake.root)
    with pytest.raises(StartupError, match="TELEGRAM_BOT_TOKEN"):
        frontends, *_ = await start_frontends(core)
        await stop_all(frontends)


async def test_stop_is_prompt_and_stops_polling(core, fake):
    import asyncio

    core.settings = replace(core.settings, telegram_token=fake.token, telegram_api_url=fake.root)
    frontend = TelegramFrontend(core, build_router(core))
    await frontend.start()
    await fake.wait_polling()
    await asyncio.wait_for(frontend.stop(), 5)
    assert not frontend.application.running


async def test_webhook_mode_checks_the_secret_token(core, fake):
    import socket

    import aiohttp

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    core.settings = replace(
        core.settings,
        telegram_token=fake.token,
        telegram_api_url=fake.root,
        telegram_webhook_url="https://bot.example.invalid/telegram",
        telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=port,
        telegram_webhook_secret="s3cret",
    )
    await core.load_if_empty()
    frontend = TelegramFrontend(core, build_router(core))
    await frontend.start()
    try:
        assert fake.webhook_url == "https://bot.example.invalid/telegram"
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": READER, "type": "private"},
                "from": {"id": READER, "is_bot": False, "first_name": "R"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        url = f"http://127.0.0.1:{port}/telegram"
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=update) as forged:
                assert forged.status == 403
            async with http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}) as real:
                assert real.status == 200
        [reply] = await fake.wait_sent(1, chat_id=READER)
        assert "/summary" in reply["text"]
    finally:
        await frontend.stop()


async def test_second_instance_polling_is_reported_not_spun(telegram, core, fake, caplog):
    import logging

    second = TelegramFrontend(core, build_router(core))
    caplog.set_level(logging.ERROR, logger="bot.frontends.on_telegram.app")
    await second.start()
    try:
        await fake.wait_for(lambda f: any(r["error_code"] == 409 for r in f.rejected), timeout=10)
        polls_then = sum(1 for m, _ in fake.calls if m == "getupdates")
        # Both instances keep trying, but with python-telegram-bot's backoff, not in a tight loop.
        await fake.wait_for(lambda f: sum(1 for m, _ in f.calls if m == "getupdates") > polls_then + 2, timeout=10)
        conflicts = sum(1 for r in fake.rejected if r["error_code"] == 409)
        assert conflicts < 50
    finally:
        await second.stop()
    messages = [r.getMessage() for r in caplog.records]
    assert any("another instance is polling" in m for m in messages)


async def test_server_errors_are_retried_with_backoff(telegram, fake):
    fake.fail_next("sendMessage", status=502, description="Bad Gateway", chat_id=READER)
    [reply] = await say(fake, READER, READER, "/start")
    assert "/summary" in reply["text"]
    assert [r["error_code"] for r in fake.rejected] == [502]


async def test_a_storm_of_429s_loses_nothing(telegram, fake, core):

    chats = list(range(5000, 5040))
    for chat in chats:
        fake.add_user(chat, f"r{chat}")
        fake.add_chat(chat, "private")
        await core.subscriptions.upsert(
            "telegram", chat, 0, mode="instant", digest_time=None, timezone="UTC", keywords=(), now=core.clock() - 1
        )
    await say(fake, ADMIN, ADMIN, "/broadcast storm warning")
    fake.fail_next("sendMessage", status=429, retry_after=1, count=25)
    clock = [core.clock()]
    core.clock = lambda: clock[0]  # retried rows fall due when the clock is moved, not waited for
    limiter = RateLimiter(Limits(0), clock=lambda: clock[0])
    worker = DeliveryWorker(core, {"telegram": telegram.sender}, {"telegram": limiter})
    for _ in range(10):
        if len({m["chat_id"] for m in fake.sent if m["chat_id"] in chats}) == len(chats):
            break
        await worker.run_once()
        clock[0] += 2
    assert len({m["chat_id"] for m in fake.sent if m["chat_id"] in chats}) == len(chats), "a subscriber was not served"
    assert fake.too_many_requests == 25
    counts = [sum(1 for m in fake.sent if m["chat_id"] == c) for c in chats]
    assert counts == [1] * len(chats)


async def test_rejected_markup_is_resent_as_plain_text(telegram, fake):
    fake.fail_next(
        "sendMessage",
        status=400,
        description='Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0',
        chat_id=READER,
    )
    [reply] = await say(fake, READER, READER, "/summary")
    assert reply.get("parse_mode") is None and "<b>" not in reply["raw_text"]
    assert reply["text"].startswith("Ukrainian Offensive Pushes Deep")


async def test_unreachable_server_is_one_clear_error(core):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe is closed
    core.settings = replace(
        core.settings,
        telegram_token="123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        telegram_api_url=f"http://127.0.0.1:{port}",
    )
    with pytest.raises(StartupError) as info:
        await start_frontends(core)
    line = str(info.value)
    assert line.startswith("cannot reach the Telegram Bot API") and f"http://127.0.0.1:{port}" in line
    assert "refused" in line.lower() or "failed" in line.lower(), line  # the reason, not a class name
    assert "aiohttp." not in line and "123456:" not in line


def test_error_classification():
    from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

    from bot.frontends.on_telegram.sender import classify

    assert classify(BadRequest("Chat not found")).status == "gone"
    assert classify(BadRequest("Message text is empty")).status == "failed"
    assert classify(Forbidden("Forbidden: bot was blocked by the user")).status == "gone"
    assert classify(ChatMigrated(-1009)).new_chat_id == -1009
    assert classify(NetworkError("Bad Gateway")).status == "retry"
    limited = classify(RetryAfter(7))
    assert (limited.status, limited.retry_after, limited.rate_limited) == ("retry", 7.0, True)


async def test_a_flood_from_one_chat_does_not_starve_another(telegram, fake):
    for _i in range(30):
        fake.user_message(READER, READER, "/keypoints")
    fake.user_message(MEMBER, MEMBER, "/start")
    await fake.wait_sent(30, chat_id=READER)
    order = [m["chat_id"] for m in fake.sent]
    # One chat at a time would answer the other chat last; per-chat ordering answers it early.
    assert order.index(MEMBER) < 10
    assert all("Key developments" in m["text"] for m in fake.sent_to(READER))


async def test_many_concurrent_subscribes_are_each_confirmed(telegram, fake):
    """Every reply reflects its own write, however many handlers read at once."""
    chats = range(10_000, 10_400)
    for chat in chats:
        fake.add_user(chat, f"reader{chat}")
        fake.add_chat(chat, "private")
        fake.user_message(chat, chat, "/subscribe")
    await fake.wait_for(lambda f: all(f.sent_to(c) for c in chats), timeout=60)
    for chat in chats:
        fake.user_message(chat, chat, "/subscription")
    await fake.wait_for(lambda f: all(len(f.sent_to(c)) >= 2 for c in chats), timeout=60)
    for chat in chats:
        confirm, shown = fake.sent_to(chat)[:2]
        assert "Subscribed." in confirm["text"], confirm["text"]
        assert "Delivery: every alert as it happens" in shown["text"], shown["text"]


async def test_plain_text_in_a_private_chat_searches(telegram, fake):
    [reply] = await say(fake, READER, READER, "what happened in Kursk?")
    assert reply["text"].startswith("Search: what happened in Kursk?") and "Kursk" in reply["text"]
    before = len(fake.sent_to(GROUP))
    fake.user_message(GROUP, MEMBER, "just chatting in a group")
    [after] = await say(fake, GROUP, MEMBER, "/start")  # the group's plain text got no answer before this
    assert len(fake.sent_to(GROUP)) == before + 1 and "/summary" in after["text"]
