"""Languages: complete catalogs, plural forms, formats, negotiation, and a chat that speaks Ukrainian."""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.alerts.limiter import Limits, RateLimiter
from bot.alerts.worker import DeliveryWorker
from bot.commands.catalog import build_router
from bot.commands.context import Caller
from bot.i18n import LANGUAGES, day, language_name, ngettext, number, pick_language, use_language
from bot.i18n.catalogs import catalog_path
from bot.outcome import SENT, Outcome
from bot.reply import Reply, reply_text
from storage import open_database
from storage.languages import LanguageRepository
from tests.conftest import ROOT, query

PLACEHOLDER = re.compile(r"\{(\w*)\}")
UK_USER = Caller(platform="telegram", chat_id=100, user_id=100, can_manage=True, locale="uk", private_chat=True)
GROUP_MEMBER = Caller(platform="telegram", chat_id=-500, user_id=7, locale="uk")
GROUP_ADMIN = Caller(platform="telegram", chat_id=-500, user_id=8, can_manage=True, locale="ru")


def used_messages() -> dict[str | tuple[str, str], str]:
    """Every message the code passes to _, ngettext or N_, read with Babel's extractor, and where."""
    found: dict[str | tuple[str, str], str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(str(ROOT / "bot")):
        key = message if isinstance(message, str) else tuple(message)
        found[key] = f"bot/{filename}:{lineno}"
    return found


def read_catalog(language: str):
    with catalog_path(language).open("rb") as source:
        return read_po(source, locale=language)


def test_the_bot_has_english_ukrainian_and_russian():
    assert LANGUAGES[0] == "en" and set(LANGUAGES) == {"en", "uk", "ru"}
    assert language_name("uk") == "Українська" and language_name("ru") == "Русский"


def test_the_extractor_sees_the_messages():
    used = used_messages()
    assert "Commands:" in used and ("{count} briefing, newest first", "{count} briefings, newest first") in used
    assert "Which briefing (the newest when left out)" in used  # an N_ in the Discord front-end


@pytest.mark.parametrize("language", ["en", "uk", "ru"])
def test_every_message_used_is_translated_and_compiles(language):
    catalog = read_catalog(language)
    entries = {(m.id if isinstance(m.id, str) else tuple(m.id)): m for m in catalog if m.id}
    missing = [f"{where}: {msg!r}" for msg, where in used_messages().items() if msg not in entries]
    assert not missing, f"{language} catalog lacks (run pybabel extract, then update):\n" + "\n".join(missing)
    problems = []
    for key, entry in entries.items():
        forms = entry.string if isinstance(entry.string, (tuple, list)) else (entry.string,)
        wanted = catalog.num_plurals if isinstance(key, tuple) else 1
        if entry.fuzzy or len(forms) != wanted or not all(forms):
            problems.append(f"untranslated or fuzzy: {key!r}")
        source = key[-1] if isinstance(key, tuple) else key
        for form in forms:
            if set(PLACEHOLDER.findall(form or "")) != set(PLACEHOLDER.findall(source)):
                problems.append(f"placeholders differ: {key!r} → {form!r}")
    assert not problems, "\n".join(problems)
    write_mo(__import__("io").BytesIO(), catalog)  # compiles


@pytest.mark.parametrize(
    ("language", "forms"),
    [
        (
            "uk",
            {
                1: "1 брифінг",
                2: "2 брифінги",
                5: "5 брифінгів",
                21: "21 брифінг",
                11: "11 брифінгів",
                22: "22 брифінги",
            },
        ),
        (
            "ru",
            {
                1: "1 брифинг",
                2: "2 брифинга",
                5: "5 брифингов",
                21: "21 брифинг",
                11: "11 брифингов",
                22: "22 брифинга",
            },
        ),
        ("en", {1: "1 briefing", 2: "2 briefings", 5: "5 briefings", 21: "21 briefings"}),
    ],
)
def test_plural_forms(language, forms):
    with use_language(language):
        for n, expected in forms.items():
            text = ngettext("{count} briefing, newest first", "{count} briefings, newest first", n).format(count=n)
            assert text.startswith(expected + ","), (n, text)


def test_numbers_and_dates_are_written_the_languages_way():
    with use_language("en"):
        assert number(1234567) == "1,234,567" and day(date(2026, 12, 4)) == "Dec 4, 2026"
    with use_language("uk"):
        assert number(1234567).replace("\xa0", " ") == "1 234 567" and "груд" in day(date(2026, 12, 4))
    with use_language("ru"):
        assert number(2.5) == "2,5" and "дек" in day(date(2026, 12, 4))


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("uk", "uk"),
        ("uk-UA", "uk"),
        ("RU", "ru"),
        ("ru_RU", "ru"),
        ("en-US", "en"),
        ("pt-BR", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_locale_negotiation_falls_back_to_english(locale, language):
    assert pick_language(locale) == language


async def test_languages_repository_on_both_backends(db_target):
    db = await open_database(db_target)
    try:
        repo = LanguageRepository(db)
        assert await repo.get("telegram", 1) is None
        await repo.set("telegram", 1, "uk", 10.0)
        await repo.set_if_unset("telegram", 1, "ru", 11.0)  # kept: the chat chose Ukrainian
        await repo.set_if_unset("discord", 1, "ru", 11.0)
        await repo.set("telegram", 1, "en", 12.0)
        await repo.move_chat("telegram", 1, 2, 13.0)
        assert await repo.all() == {("telegram", 2): "en", ("discord", 1): "ru"}
    finally:
        await db.close()


@pytest.fixture
async def router(core):
    await core.load_if_empty()
    return build_router(core)


async def text_of(router, caller, line) -> tuple[Reply, str]:
    reply = await router.dispatch_text(caller, line)
    assert reply is not None
    return reply, reply_text(reply)


async def test_a_private_chat_follows_the_users_locale_and_a_group_starts_in_english(router):
    _, private = await text_of(router, UK_USER, "/help")
    assert "Команди:" in private and "Будь-який інший текст" in private
    _, group = await text_of(router, GROUP_MEMBER, "/help")
    assert "Commands:" in group
    _, unknown = await text_of(
        router, Caller(platform="discord", chat_id=9, user_id=9, locale="xx", private_chat=True), "/help"
    )
    assert "Commands:" in unknown


async def test_language_is_shown_set_by_admins_only_and_audited(router, core):
    reply, shown = await text_of(router, GROUP_MEMBER, "/language")
    assert "This chat's language: English." in shown
    assert [(a.command, a.args) for a in reply.choices] == [
        ("language", ("en",)),
        ("language", ("ru",)),
        ("language", ("uk",)),
    ]
    refused, text = await text_of(router, GROUP_MEMBER, "/language uk")
    assert not refused.ok and "Only an administrator" in text
    assert await core.chat_language("telegram", -500) is None
    done, text = await text_of(router, GROUP_ADMIN, "/language Українська")
    assert done.ok and text == "Тепер мова цього чату — Українська."
    bad, text = await text_of(router, GROUP_ADMIN, "/language klingon")
    assert not bad.ok and "«klingon»" in text and "Як користуватися: /language [en | ru | uk]" in text
    # The chat now speaks Ukrainian, whatever each member's own locale: help and refusals too.
    _, helped = await text_of(router, GROUP_MEMBER, "/help")
    assert "Команди:" in helped and "/summary [briefing] — Заголовок, вступ і головні події" in helped
    refused, text = await text_of(router, GROUP_MEMBER, "/subscribe")
    assert not refused.ok and text == "Лише адміністратор цього чату може змінити його підписку."
    _, text = await text_of(router, GROUP_MEMBER, "/reload")
    assert text == "Команда /reload доступна лише операторам бота."
    audit = query(core, "SELECT user_id, command, args, outcome FROM audit ORDER BY rowid")
    assert audit == [(7, "language", "uk", "failed"), (8, "language", "Українська", "ok"), (7, "reload", "", "refused")]


class Recording:
    platform = "telegram"

    def __init__(self) -> None:
        self.replies: dict[int, Reply] = {}

    async def deliver(self, chat_id: int, thread_id: int, reply: Reply) -> Outcome:
        self.replies[chat_id] = reply
        return SENT


async def test_alerts_go_out_in_each_chats_language_composed_once_per_language(router, core, content_dir):
    ukrainians, russian, english = [201, 202], 203, 204
    for chat in (*ukrainians, russian, english):
        await core.subscriptions.upsert(
            "telegram", chat, 0, mode="instant", digest_time=None, timezone="UTC", keywords=(), now=core.clock() - 1
        )
    for chat in ukrainians:
        await core.set_chat_language("telegram", chat, "uk")
    await core.set_chat_language("telegram", russian, "ru")
    (content_dir / "quake.txt").write_text("Quake Hits Region\n\nA quake struck at dawn.\n", encoding="utf-8")
    await core.reload()
    sender = Recording()
    worker = DeliveryWorker(core, {"telegram": sender}, {"telegram": RateLimiter(Limits(0))})
    await worker.run_once()
    first, second = (sender.replies[c] for c in ukrainians)
    assert first is second, "one composition per language, shared by its chats"
    assert first.title == "Новий брифінг: Quake Hits Region" and "A quake struck at dawn." in reply_text(first)
    assert "/unsubscribe — вимкнути ці сповіщення" in reply_text(first)
    assert sender.replies[russian].title == "Новый брифинг: Quake Hits Region"
    assert sender.replies[english].title == "New briefing: Quake Hits Region"


async def test_a_private_chat_subscribing_keeps_its_language_for_alerts(router, core):
    reply, text = await text_of(router, UK_USER, "/subscribe")
    assert reply.ok and text.startswith("Підписка\n\nПідписку оформлено.")
    assert await core.chat_language("telegram", 100) == "uk"


def test_the_translation_machinery_imports_nothing_else_of_ours():
    from tests.test_architecture import imports_of, sources

    found = sources()
    ours = {name: imports_of(name, path, set(found))[0] for name, path in found.items() if name.startswith("bot.i18n")}
    crossings = {name: sorted(t for t in targets if not t.startswith("bot.i18n")) for name, targets in ours.items()}
    assert ours and not any(crossings.values()), crossings
