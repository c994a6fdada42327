"""Telegram buttons over the real wire: the Application against the loopback fake Bot API, which
validates inline keyboards (64-byte callback data), editMessageText and answerCallbackQuery."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.alerts.limiter import Limits, RateLimiter
from bot.alerts.worker import DeliveryWorker
from bot.commands.catalog import build_router
from bot.frontends.action_data import ActionCodec
from bot.frontends.on_telegram.app import TelegramFrontend
from bot.frontends.on_telegram.buttons import DATA_MAX
from bot.reply import Action
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

READER, UK_READER, MEMBER, GROUP_ADMIN = 100, 101, 7, 8
GROUP, CHANNEL = -500, -1001
LONG_ID = "harbour-" + "x" * 50
HARBOUR = (
    "Harbour Count Of Many Things\n\n"
    + " ".join(f"Officials counted {100 + i} boats in harbour number {i + 1}." for i in range(20))
    + "\n"
)


@pytest.fixture
async def fake():
    async with FakeTelegram() as tg:
        for uid in (READER, MEMBER, GROUP_ADMIN):
            tg.add_user(uid, f"user{uid}")
            tg.add_chat(uid, "private")
        tg.add_user(UK_READER, "Оксана", language_code="uk")
        tg.add_chat(UK_READER, "private")
        tg.add_chat(GROUP, "supergroup", title="Readers")
        tg.set_member(GROUP, MEMBER, "member")
        tg.set_member(GROUP, GROUP_ADMIN, "administrator")
        yield tg


@pytest.fixture
async def telegram(core, fake, content_dir):
    for i in range(9):  # eleven briefings in all: two pages of the list
        (content_dir / f"story-{i}.txt").write_text(
            f"Story Number {i}\n\nSomething happened {i} times.\n", encoding="utf-8"
        )
    (content_dir / f"{LONG_ID}.txt").write_text(HARBOUR, encoding="utf-8")
    core.settings = replace(core.settings, telegram_token=fake.token, telegram_api_url=fake.root)
    await core.load_if_empty()
    frontend = TelegramFrontend(core, build_router(core))
    await frontend.start()
    await fake.wait_polling()
    try:
        yield frontend
    finally:
        await frontend.stop()


async def say(fake: FakeTelegram, chat_id: int, user_id: int, text: str) -> dict:
    before = len(fake.sent_to(chat_id))
    fake.user_message(chat_id, user_id, text)
    return (await fake.wait_sent(before + 1, chat_id=chat_id))[before]


async def press(
    fake: FakeTelegram,
    chat_id: int,
    user_id: int,
    message: dict,
    label: str | None = None,
    data: str | None = None,
    sends: int = 0,
) -> dict:
    """Press the button with this label under the message (or send raw data); the callback's answer,
    once ``sends`` messages were sent or edited after it."""
    if data is None:
        buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
        data = next(b["callback_data"] for b in buttons if b["text"] == label)
    answered, sent = len(fake.callback_answers), len(fake.sent)
    fake.callback_query(chat_id, user_id, message["message_id"], data)
    await fake.wait_for(lambda f: len(f.callback_answers) > answered and len(f.sent) >= sent + sends)
    return fake.callback_answers[answered]


def labels(message: dict) -> list[list[str]]:
    return [[b["text"] for b in row] for row in message["reply_markup"]["inline_keyboard"]]


async def test_briefings_page_forward_and_back_by_editing_the_same_message(telegram, fake):
    first = await say(fake, READER, READER, "/briefings")
    rows = labels(first)
    assert len(rows) == 9 and rows[-1] == ["▶"], "8 briefings a page, then the paging row"
    assert "Page 1 of 2" in first["text"] and first["text"].startswith("11 briefings, newest first")
    sent_before = len(fake.sent)
    await press(fake, READER, READER, first, "▶", sends=1)
    edit = fake.sent[-1]
    assert len(fake.sent) == sent_before + 1 and edit["method"] == "editMessageText"
    assert edit["message_id"] == first["message_id"] and "Page 2 of 2" in edit["text"]
    second = edit["message"]
    assert len(labels(second)) == 4 and labels(second)[-1] == ["◀"]
    await press(fake, READER, READER, second, "◀", sends=1)
    back = fake.sent[-1]
    assert back["method"] == "editMessageText" and back["text"] == first["text"]
    assert labels(back["message"]) == rows


async def test_a_briefing_button_opens_its_summary_whose_buttons_open_its_views(telegram, fake):
    pages = [await say(fake, READER, READER, "/briefings"), await say(fake, READER, READER, "/briefings 2")]
    listing, kursk = next(
        (page, label)
        for page in pages
        for row in labels(page)
        for label in row
        if label.startswith("Ukrainian Offensive")
    )
    answer = await press(fake, READER, READER, listing, kursk, sends=1)
    summary = fake.sent[-1]
    assert summary["method"] == "sendMessage" and summary["text"].startswith("Ukrainian Offensive Pushes Deep")
    assert "text" not in answer  # nothing to tell: the answer is the new message
    [views] = labels(summary)
    assert views[1:] == ["Key points", "Quotes"] and views[0].startswith("Figures (")
    await press(fake, READER, READER, summary, "Quotes", sends=1)
    quotes = fake.sent[-1]
    assert quotes["method"] == "sendMessage" and quotes["text"].startswith("Quotes · Ukrainian Offensive")


async def test_long_figures_are_paged_and_callback_data_stays_within_64_bytes(telegram, fake):
    figures = await say(fake, READER, READER, f"/figures {LONG_ID}")
    assert "Page 1 of 2" in figures["text"] and "boats" in figures["text"]
    data = [b["callback_data"] for row in figures["reply_markup"]["inline_keyboard"] for b in row]
    assert data and all(len(d.encode()) <= DATA_MAX for d in data)
    await press(fake, READER, READER, figures, "▶", sends=1)
    page_two = fake.sent[-1]
    assert page_two["method"] == "editMessageText" and "Page 2 of 2" in page_two["text"]
    assert "119 boats" in page_two["text"] and "100 boats" not in page_two["text"]


def test_the_codec_keeps_every_action_within_64_bytes_and_reads_it_back():
    codec = ActionCodec(DATA_MAX, remembered=2)
    actions = [
        Action("▶", "search", ("київ", "харків", "одеса", "дніпро", "#2"), replace=True),
        Action("x", "summary", ("kursk-incursion",)),
        Action("x", "figures", ("a" * 200, "#3"), replace=True),
    ]
    for action in actions:
        data = codec.encode(action)
        assert len(data.encode()) <= DATA_MAX
        back = codec.decode(data)
        assert back is not None and (back.command, back.args, back.replace) == (
            action.command,
            action.args,
            action.replace,
        )
    codec.encode(Action("x", "figures", ("b" * 200,)))  # the oldest long action is forgotten
    assert codec.decode(codec.encode(actions[0])) is not None
    assert codec.decode("h|0123") is None and codec.decode("zz") is None and codec.decode(None) is None


async def test_a_stale_button_answers_with_a_notice(telegram, fake):
    listing = await say(fake, READER, READER, "/briefings")
    sent = len(fake.sent)
    for data in ("h|0123456789abcdef01234567", "x|summary|", "n|nosuchcommand|"):
        answer = await press(fake, READER, READER, listing, data=data)
        assert answer["text"] == "This button is out of date; send the command again."
    gone = await press(fake, READER, READER, listing, data="n|summary|deleted-briefing")
    assert gone["text"].startswith("No briefing called")  # what it pointed at is gone: a notice, no message
    assert len(fake.sent) == sent


async def test_a_button_is_refused_to_who_may_not_do_what_it_does(telegram, fake, core):
    shown = await say(fake, GROUP, MEMBER, "/language")
    assert labels(shown) == [["English"], ["Русский"], ["Українська"]]
    sent = len(fake.sent)
    refused = await press(fake, GROUP, MEMBER, shown, "Українська")
    assert refused["text"] == "Only an administrator of this chat can change its language."
    assert len(fake.sent) == sent and await core.chat_language("telegram", GROUP) is None
    await press(fake, GROUP, GROUP_ADMIN, shown, "Українська", sends=1)
    edit = fake.sent[-1]
    assert edit["method"] == "editMessageText" and edit["text"] == "Тепер мова цього чату — Українська."
    assert await core.chat_language("telegram", GROUP) == "uk"


async def test_channel_buttons_are_for_its_administrators(telegram, fake):
    fake.add_chat(CHANNEL, "channel", title="News")
    fake.set_member(CHANNEL, GROUP_ADMIN, "administrator")
    before = len(fake.sent_to(CHANNEL))
    fake.channel_post(CHANNEL, "/briefings")
    [listing] = (await fake.wait_sent(before + 1, chat_id=CHANNEL))[before:]
    sent = len(fake.sent)
    refused = await press(fake, CHANNEL, READER, listing, "▶")
    assert refused["text"] == "Only the channel's administrators can use its buttons." and len(fake.sent) == sent
    await press(fake, CHANNEL, GROUP_ADMIN, listing, "▶", sends=1)
    assert fake.sent[-1]["method"] == "editMessageText" and "Page 2 of 2" in fake.sent[-1]["text"]


async def test_a_chat_in_ukrainian_gets_help_refusals_and_alerts_in_ukrainian(telegram, fake, core, content_dir):
    assert any(c["description"] == "Заголовок, вступ і головні події" for c in fake.commands["default/uk"])
    assert any(c["description"] == "Заголовок, вступление и главные события" for c in fake.commands["default/ru"])
    help_ = await say(fake, UK_READER, UK_READER, "/help")  # a private chat follows the user's language_code
    assert "Команди:" in help_["text"]
    refusal = await say(fake, UK_READER, UK_READER, "/reload")
    assert refusal["text"] == "Команда /reload доступна лише операторам бота."
    assert (await say(fake, UK_READER, UK_READER, "/subscribe"))["text"].startswith("Підписка")
    await say(fake, GROUP, GROUP_ADMIN, "/language uk")
    refusal = await say(fake, GROUP, MEMBER, "/unsubscribe")
    assert refusal["text"] == "Лише адміністратор цього чату може змінити його підписку."
    (content_dir / "quake.txt").write_text("Quake Hits Region\n\nA quake struck at dawn.\n", encoding="utf-8")
    await core.reload()
    worker = DeliveryWorker(core, {"telegram": telegram.sender}, {"telegram": RateLimiter(Limits(0))})
    await worker.run_once()
    alert = fake.sent_to(UK_READER)[-1]
    assert alert["text"].startswith("Новий брифінг: Quake Hits Region") and "A quake struck at dawn." in alert["text"]


async def test_an_alert_has_a_button_that_opens_its_own_briefing(telegram, fake, core, content_dir):
    await say(fake, READER, READER, "/subscribe")
    (content_dir / "flood.txt").write_text(
        "Flood Reaches Town\n\nThe river rose 3 metres overnight.\n", encoding="utf-8"
    )
    await core.reload()
    worker = DeliveryWorker(core, {"telegram": telegram.sender}, {"telegram": RateLimiter(Limits(0))})
    await worker.run_once()
    alert = fake.sent_to(READER)[-1]
    assert alert["text"].startswith("New briefing: Flood Reaches Town")
    assert labels(alert) == [["Full briefing"]]
    await press(fake, READER, READER, alert, "Full briefing", sends=1)
    opened = fake.sent_to(READER)[-1]
    assert opened["text"].startswith("Flood Reaches Town") and "rose 3 metres" in opened["text"]
    assert opened["message_id"] != alert["message_id"]  # a new message: the alert stays as it was
