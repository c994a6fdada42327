"""Tests of the fake Telegram Bot API server, driven by the real python-telegram-bot ``Bot``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, CommandHandler, ContextTypes

from tests.fakes.telegram_api import FakeTelegram, RateLimits
from tests.fakes.telegram_html import HtmlParseError, parse_html

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

USER = 42
GROUP = -100123


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as tg:
        tg.add_user(USER, "Ada", username="ada")
        tg.add_chat(USER, "private")
        yield tg


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as b:
        yield b


async def test_get_me(bot: Bot, fake: FakeTelegram) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (1000, "briefing_bot", True)
    assert fake.calls[0][0] == "getme"


async def test_send_message_returns_a_message_ptb_parses(bot: Bot, fake: FakeTelegram) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more")]])
    first = await bot.send_message(USER, "<b>Hello</b> &amp; welcome", parse_mode=ParseMode.HTML, reply_markup=keyboard)
    second = await bot.send_message(USER, "again")
    assert isinstance(first, Message)
    assert first.text == "Hello & welcome" and first.chat.id == USER
    assert first.from_user is not None and first.from_user.id == 1000
    assert first.entities[0].type == "bold" and first.entities[0].length == 5
    assert first.reply_markup == keyboard
    assert second.message_id == first.message_id + 1
    sent = await fake.wait_sent(2, chat_id=USER)
    assert sent[0]["raw_text"] == "<b>Hello</b> &amp; welcome"
    assert sent[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "more"


async def test_html_script_tag_is_rejected(bot: Bot, fake: FakeTelegram) -> None:
    with pytest.raises(BadRequest, match=r'(?i)can\'t parse entities: unsupported start tag "script"'):
        await bot.send_message(USER, "hi <script>x</script>", parse_mode=ParseMode.HTML)
    assert fake.sent == [] and fake.rejected[0]["error_code"] == 400


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("é < 2", 'Unsupported start tag "" at byte offset 3'),
        ("<a href='x'>y", 'Can\'t find end tag corresponding to start tag "a"'),
    ],
)
def test_html_errors_match_telegram(html: str, reason: str) -> None:
    with pytest.raises(HtmlParseError) as info:
        parse_html(html)
    assert str(info.value) == reason


def test_html_entities_and_pre_code() -> None:
    text, entities = parse_html('😀<pre><code class="language-py">a&lt;b</code></pre>&#65;&#x42;')
    assert text == "😀a<bAB"
    assert entities == [{"type": "pre", "offset": 2, "length": 3, "language": "py"}]


async def test_message_length_counts_utf16_after_parsing(bot: Bot) -> None:
    await bot.send_message(USER, "x" * 4096)
    await bot.send_message(USER, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    await bot.send_message(USER, "😀" * 2048)  # 4096 UTF-16 units
    for too_long in ("x" * 4097, "😀" * 2048 + "x"):
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(USER, too_long)


async def test_empty_text_and_unknown_chat(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(USER, "<b> </b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(-999, "hi")


async def test_injected_429_raises_retry_after(bot: Bot, fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "hi")
    assert info.value.retry_after == 7
    assert fake.too_many_requests == 1
    await bot.send_message(USER, "hi")  # only the next call fails


async def test_injected_server_error_and_chat_filter(bot: Bot, fake: FakeTelegram) -> None:
    fake.add_chat(GROUP, "supergroup", title="News")
    fake.fail_next("sendmessage", status=502, chat_id=GROUP, count=2)
    await bot.send_message(USER, "unaffected")
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(GROUP, "hi")
    await bot.send_message(GROUP, "hi")


async def test_blocked_and_kicked_raise_forbidden(bot: Bot, fake: FakeTelegram) -> None:
    fake.add_chat(GROUP, "supergroup", title="News")
    fake.block(USER)
    fake.set_member(GROUP, 1000, "kicked")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "hi")
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await bot.send_message(GROUP, "hi")


async def test_migrated_group_raises_chat_migrated(bot: Bot, fake: FakeTelegram) -> None:
    fake.add_chat(-555, "group", title="Old")
    fake.migrate(-555, GROUP)
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(-555, "hi")
    assert info.value.new_chat_id == GROUP
    await bot.send_message(GROUP, "hi")


async def test_topics(bot: Bot, fake: FakeTelegram) -> None:
    fake.add_chat(GROUP, "supergroup", title="Forum", is_forum=True)
    fake.add_topic(GROUP, 7, "Alerts")
    message = await bot.send_message(GROUP, "in topic", message_thread_id=7)
    assert message.message_thread_id == 7 and message.is_topic_message
    fake.close_topic(GROUP, 7)
    for thread in (7, 99):
        with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
            await bot.send_message(GROUP, "x", message_thread_id=thread)


async def test_bad_token_and_unknown_method(bot: Bot, fake: FakeTelegram) -> None:
    assert await bot.do_api_request("closE") is True  # method names are case-insensitive
    fake.set_token_valid(False)
    with pytest.raises(InvalidToken):
        await bot.get_me()
    fake.set_token_valid(True)
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{fake.base_url}{fake.token}/noSuchMethod") as response:
            assert response.status == 404
            assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_long_poll_returns_injected_update_and_honours_offset(bot: Bot, fake: FakeTelegram) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await fake.wait_polling()
    injected = fake.user_message(USER, USER, "/start now")
    updates = await asyncio.wait_for(poll, 2)
    assert [u.update_id for u in updates] == [injected["update_id"]]
    message = updates[0].message
    assert message is not None and message.text == "/start now"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 6
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [injected["update_id"]]  # not confirmed yet
    assert await bot.get_updates(offset=injected["update_id"] + 1, timeout=0) == ()


async def test_long_poll_times_out_empty(bot: Bot) -> None:
    assert await bot.get_updates(timeout=0.3) == ()


async def test_allowed_updates_remembered_and_filtered(bot: Bot, fake: FakeTelegram) -> None:
    fake.add_chat(-1001, "channel", title="Wire")
    await bot.get_updates(timeout=0, allowed_updates=["channel_post"])
    assert fake.allowed_updates == ["channel_post"]
    fake.user_message(USER, USER, "ignored")
    post = fake.channel_post(-1001, "news")
    updates = await bot.get_updates(timeout=0)  # no allowed_updates: the last one holds
    assert [u.update_id for u in updates] == [post["update_id"]]
    assert updates[0].channel_post is not None and updates[0].channel_post.sender_chat.id == -1001


async def test_concurrent_get_updates_conflict(fake: FakeTelegram) -> None:
    async with Bot(fake.token, base_url=fake.base_url) as first, Bot(fake.token, base_url=fake.base_url) as second:
        older = asyncio.create_task(first.get_updates(timeout=5))
        await fake.wait_polling()
        newer = asyncio.create_task(second.get_updates(timeout=5))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(older, 2)
        fake.user_message(USER, USER, "hello")
        assert len(await asyncio.wait_for(newer, 2)) == 1


async def test_limits_enforced_per_private_chat() -> None:
    now = [100.0]
    async with FakeTelegram(enforce_limits=True, clock=lambda: now[0]) as tg:
        tg.add_chat(USER, "private")
        async with Bot(tg.token, base_url=tg.base_url) as bot:
            await bot.send_message(USER, "one")
            with pytest.raises(RetryAfter) as info:
                await bot.send_message(USER, "two")
            assert info.value.retry_after == 1 and tg.too_many_requests == 1
            now[0] += 1.0
            await bot.send_message(USER, "two")


async def test_limits_per_group_and_global() -> None:
    limits = RateLimits(group_per_minute=2, global_per_second=3)
    async with FakeTelegram(enforce_limits=True, limits=limits) as tg:
        tg.add_chat(GROUP, "group", title="G")
        for user in (1, 2, 3):
            tg.add_chat(user, "private")
        async with Bot(tg.token, base_url=tg.base_url) as bot:
            await bot.send_message(GROUP, "a")
            await bot.send_message(GROUP, "b")
            with pytest.raises(RetryAfter) as info:
                await bot.send_message(GROUP, "c")
            assert 55 <= info.value.retry_after <= 60
            await bot.send_message(1, "x")  # third message this second
            with pytest.raises(RetryAfter):
                await bot.send_message(2, "x")
            await bot.send_message(3, "x", allow_paid_broadcast=True)


async def test_world_queries(bot: Bot, fake: FakeTelegram) -> None:
    fake.add_chat(GROUP, "supergroup", title="News", username="newsroom")
    fake.set_member(GROUP, USER, "creator")
    fake.set_member(GROUP, 1000, "administrator")
    fake.set_member(GROUP, 7, "restricted")
    chat = await bot.get_chat("@newsroom")
    assert (chat.id, chat.title) == (GROUP, "News")
    admins = await bot.get_chat_administrators(GROUP)
    assert {(a.user.id, a.status) for a in admins} == {(USER, "creator"), (1000, "administrator")}
    assert (await bot.get_chat_member(GROUP, 7)).status == "restricted"
    assert (await bot.get_chat_member(GROUP, 8)).status == "left"
    me = await bot.get_chat_member(GROUP, 1000)
    assert me.status == "administrator" and me.can_delete_messages  # type: ignore[attr-defined]


async def test_commands_and_webhook(bot: Bot, fake: FakeTelegram) -> None:
    await bot.set_my_commands([("start", "Start"), ("help", "Help")])
    assert fake.commands["default"][1] == {"command": "help", "description": "Help"}
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([("Bad-Name", "x")])
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).url == ""


async def test_edit_and_callback_query(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(USER, "v1")
    query = fake.callback_query(USER, USER, sent.message_id, "refresh")["callback_query"]
    assert await bot.answer_callback_query(query["id"], text="ok")
    edited = await bot.edit_message_text("v2", chat_id=USER, message_id=sent.message_id)
    assert isinstance(edited, Message) and edited.text == "v2"
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("v2", chat_id=USER, message_id=sent.message_id)
    assert [s["method"] for s in fake.sent] == ["sendMessage", "editMessageText"]


async def test_injected_updates_parse_in_ptb(bot: Bot, fake: FakeTelegram) -> None:
    fake.add_chat(GROUP, "supergroup", title="News")
    fake.my_chat_member(GROUP, "left", "member", by_user_id=USER)
    fake.user_message(GROUP, 0, "hi", sender_chat_id=GROUP)
    fake.edit_message(USER, USER, fake.user_message(USER, USER, "x")["message"]["message_id"], "y")
    fake.add_chat(-777, "group", title="Old")
    fake.migration_message(-777, -100777)
    updates = await bot.get_updates(timeout=0)
    assert updates[0].my_chat_member.new_chat_member.status == "member"
    assert updates[1].message.sender_chat.id == GROUP
    assert updates[3].edited_message.text == "y"
    assert updates[4].message.migrate_to_chat_id == -100777
    fake.my_chat_member(USER, "member", "kicked", by_user_id=USER)
    with pytest.raises(Forbidden):
        await bot.send_message(USER, "hi")


async def test_real_application_conversation(fake: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            f"<b>Hi</b> {update.effective_user.first_name}", parse_mode=ParseMode.HTML
        )

    bot = Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)
    app = Application.builder().bot(bot).build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=5, allowed_updates=Update.ALL_TYPES)
        fake.user_message(USER, USER, "/start")
        [reply] = await fake.wait_sent(1, chat_id=USER)
        assert reply["text"] == "Hi Ada" and reply["parse_mode"] == "HTML"
        await app.updater.stop()
        await app.stop()
    assert not app.running and not app.updater.running
    assert fake.allowed_updates == list(Update.ALL_TYPES)
    assert not fake.rejected


async def test_json_body_and_get_query(fake: FakeTelegram) -> None:
    fake.add_chat(GROUP, "supergroup", title="News")
    url = f"{fake.base_url}{fake.token}"
    async with aiohttp.ClientSession() as http:
        body = {
            "chat_id": GROUP,
            "text": "json",
            "reply_markup": {"inline_keyboard": [[{"text": "Open", "url": "https://example.org"}]]},
        }
        async with http.post(f"{url}/SENDMESSAGE", json=body) as response:
            answer = await response.json()
        assert answer["ok"] and answer["result"]["reply_markup"] == body["reply_markup"]
        async with http.get(f"{url}/sendMessage", params={"chat_id": "-1", "text": "x"}) as response:
            assert response.status == 400
    assert fake.sent[0]["reply_markup"] == body["reply_markup"]
    assert fake.rejected[-1]["description"] == "Bad Request: chat not found"
    assert [c[0] for c in fake.calls] == ["sendmessage", "sendmessage"]
