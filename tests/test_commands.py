"""Every command's reply through the platform-neutral router, on a real SQLite file."""

from __future__ import annotations

import asyncio

import pytest

from bot.commands.catalog import build_router
from bot.commands.context import Caller
from bot.commands.subscribing import SUBSCRIBE_USAGE
from bot.reply import Bullets, reply_text
from tests.conftest import query

USER = Caller(platform="telegram", chat_id=100, user_id=100, can_manage=True)
OPERATOR = Caller(platform="telegram", chat_id=42, user_id=42, is_operator=True, can_manage=True)
MEMBER = Caller(platform="telegram", chat_id=-500, user_id=7)


@pytest.fixture
async def router(core):
    await core.load_if_empty()
    return build_router(core)


async def ask(router, caller, text):
    reply = await router.dispatch_text(caller, text)
    assert reply is not None
    return reply, reply_text(reply)


async def test_help_lists_every_public_command(router):
    _reply, text = await ask(router, USER, "/help")
    for name in [
        "summary",
        "figures",
        "keypoints",
        "developments",
        "quotes",
        "briefings",
        "search",
        "subscribe",
        "unsubscribe",
        "subscription",
    ]:
        assert f"/{name}" in text
    assert "/reload" not in text
    _, operator_text = await ask(router, OPERATOR, "/help")
    assert "/reload" in operator_text and "/broadcast" in operator_text


async def test_summary_has_headline_lead_key_points_and_load_time(router):
    reply, text = await ask(router, USER, "/summary")
    assert reply.title.startswith("Ukrainian Offensive Pushes Deep")
    assert "up to 30 kilometers" in text
    bullets = next(b for b in reply.blocks if isinstance(b, Bullets))
    assert len(bullets.items) == 4
    assert "Loaded" in text and "kursk-incursion" in text


async def test_figures_lists_each_figure_once(router):
    _reply, text = await ask(router, USER, "/figures")
    for label in ["30 km (18 mi)", "11,000 residents", "28 villages", "12 km (7.4 mi)", "40 km", "February 2022"]:
        assert text.count(label) == 1, label
    assert "thousands of residents" in text and "thousands of newly conscripted soldiers" in text
    assert "approximate" in text


async def test_figures_filter_by_word_and_briefing_id(router):
    _, text = await ask(router, USER, "/figures kursk-incursion villages")
    assert "28 villages" in text and "40 km" not in text
    reply, text = await ask(router, USER, "/figures nonexistentword")
    assert "No figures matching" in text and not reply.ok


async def test_keypoints_alias_and_quotes(router):
    _, a = await ask(router, USER, "/keypoints")
    _, b = await ask(router, USER, "/developments")
    assert a == b and "11,000 residents of Belgorod" in a
    _, quotes = await ask(router, USER, "/quotes")
    assert "push, to kick the enemy out of our territory." in quotes and "Putin" in quotes
    assert "Zelenskyy" in quotes


async def test_search_marks_words_and_needs_an_argument(router):
    reply, text = await ask(router, USER, "/search Belgorod")
    marks = [s for b in reply.blocks if isinstance(b, Bullets) for item in b.items for s in item if "mark" in s.styles]
    assert marks and all(s.text.lower() == "belgorod" for s in marks)
    reply, text = await ask(router, USER, "/search")
    assert not reply.ok and text.startswith("Usage: /search")


async def test_unknown_command_and_unknown_briefing(router):
    reply, text = await ask(router, USER, "/nonsense")
    assert not reply.ok and "/help" in text
    reply, text = await ask(router, USER, "/summary no-such-briefing")
    assert not reply.ok and "/briefings" in text


async def test_subscribe_confirms_with_summary_once_and_updates(router, core):
    _, text = await ask(router, USER, "/subscribe")
    assert "Subscribed." in text and "up to 30 kilometers" in text
    _reply, text = await ask(router, USER, "/subscribe daily 08:00 Europe/Kyiv kursk")
    assert "Subscription updated." in text and "up to 30 kilometers" not in text
    sub = await core.subscriptions.get("telegram", 100)
    assert (sub.mode, sub.digest_time, sub.timezone, sub.keywords) == ("daily", "08:00", "Europe/Kyiv", ("kursk",))
    _, text = await ask(router, USER, "/subscription")
    assert "08:00 (Europe/Kyiv)" in text and "kursk" in text
    _, text = await ask(router, USER, "/unsubscribe")
    assert "Unsubscribed" in text
    assert await core.subscriptions.get("telegram", 100) is None


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ("daily 25:00", "25:00 is not a time of day: hours go from 00 to 23"),
        ("daily 08:61", "08:61 is not a time of day"),
        ("daily", "A daily digest needs a time of day"),
        ("daily 08:00 Mars/Olympus", "Mars/Olympus is not a time zone I know"),
        ("daily 08:00 UTC daily", "daily cannot be a keyword here"),
        ("weekly", "weekly is not a delivery mode"),
        ("a|b", "a|b cannot be a keyword"),
    ],
)
async def test_bad_subscribe_arguments_say_what_is_wrong(router, core, args, problem):
    reply, text = await ask(router, USER, f"/subscribe {args}")
    first, usage = text.split("\n\n")
    assert not reply.ok and first.startswith(problem), first
    assert usage == "Usage: " + SUBSCRIBE_USAGE
    assert await core.subscriptions.get("telegram", 100) is None


async def test_changing_keywords_keeps_the_daily_digest_and_all_clears_them(router, core):
    await ask(router, USER, "/subscribe daily 07:30 Europe/Kyiv")
    await ask(router, USER, "/subscribe drones kursk")
    sub = await core.subscriptions.get("telegram", 100)
    assert (sub.mode, sub.digest_time, sub.timezone, sub.keywords) == (
        "daily",
        "07:30",
        "Europe/Kyiv",
        ("drones", "kursk"),
    )
    await ask(router, USER, "/subscribe instant")
    sub = await core.subscriptions.get("telegram", 100)
    assert (sub.mode, sub.keywords) == ("instant", ("drones", "kursk"))
    await ask(router, USER, "/subscribe all")
    assert (await core.subscriptions.get("telegram", 100)).keywords == ()


async def test_the_console_cannot_subscribe(router, core):
    from bot.frontends.console import CONSOLE_CALLER

    reply, text = await ask(router, CONSOLE_CALLER, "/subscribe")
    assert not reply.ok and "cannot reach this console" in text
    assert await core.subscriptions.get("console", 0) is None


async def test_plain_text_searches_and_a_bare_command_name_runs_it(router):
    reply = await router.dispatch_line(USER, "what happened in Kursk?")
    assert reply is not None and reply.title == "Search: what happened in Kursk?"
    assert "Kursk" in reply_text(reply)
    help_reply = await router.dispatch_line(USER, "help")
    assert help_reply is not None and "/summary [briefing]" in reply_text(help_reply)
    assert await router.dispatch_line(USER, "/summary@other_bot", "briefing_bot") is None


async def test_search_says_when_hits_were_cut_and_shows_each_headline_once(router):
    reply, text = await ask(router, USER, "/search the")
    assert "Page 1; the next one: /search the #2" in text
    assert [a.label for a in reply.actions[0]] == ["▶"] and reply.actions[0][0].args == ("the", "#2")
    second, text2 = await ask(router, USER, "/search the #2")
    assert second.ok and text2 != text and next(a.label for a in second.actions[0]) == "◀"
    assert text.count("Ukrainian Offensive Pushes Deep") == 1
    long_query = "kursk " + "x" * 500
    _, text = await ask(router, USER, f"/search {long_query}")
    assert "x" * 100 not in text and "…" in text


async def test_subscribe_refused_without_manage_rights(router, core):
    reply, text = await ask(router, MEMBER, "/subscribe")
    assert not reply.ok and "administrator" in text
    assert await core.subscriptions.get("telegram", -500) is None


async def test_admin_commands_refused_and_audited(router, core):
    reply, text = await ask(router, USER, "/reload")
    assert not reply.ok and "operators" in text
    reply, text = await ask(router, USER, "/broadcast hello")
    assert not reply.ok
    reply, text = await ask(router, OPERATOR, "/status")
    assert reply.ok and "Subscriptions:" in text and "Queue:" in text
    audit = await core.audit.recent()
    assert [(a.command, a.user_id, a.outcome) for a in audit] == [
        ("status", 42, "ok"),
        ("broadcast", 100, "refused"),
        ("reload", 100, "refused"),
    ]


async def test_reload_reports_broken_file_and_keeps_serving(router, core, content_dir):
    (content_dir / "broken.txt").write_bytes(b"\x00\x01binary")
    reply, text = await ask(router, OPERATOR, "/reload")
    assert not reply.ok and "broken.txt" in text
    _, summary = await ask(router, USER, "/summary")
    assert "up to 30 kilometers" in summary


async def test_broadcast_queues_for_every_active_subscription(router, core):
    await ask(router, USER, "/subscribe")
    await ask(router, Caller(platform="discord", chat_id=9, user_id=9, can_manage=True), "/subscribe daily 07:00")
    _, text = await ask(router, OPERATOR, '/broadcast Maintenance at 18:00 "tonight"')
    assert "queued for 2 subscriptions" in text
    payloads = query(core, "SELECT payload FROM alerts WHERE kind = 'broadcast'")
    assert '"tonight"' in payloads[0][0].replace('\\"', '"')


async def test_command_for_another_bot_is_ignored(router):
    assert await router.dispatch_text(USER, "/summary@other_bot", bot_username="briefing_bot") is None
    assert await router.dispatch_text(USER, "/summary@Briefing_Bot", bot_username="briefing_bot") is not None


async def test_reload_from_another_process_is_noticed(router, core, content_dir, settings):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    clock = [0.0]
    core.library.clock = lambda: clock[0]
    await ask(router, USER, "/briefings")  # the library is cached now
    (content_dir / "quake.txt").write_text("Quake Hits Region\n\nA quake struck at dawn.\n", encoding="utf-8")
    env = {**os.environ, "BOT_DB_PATH": str(settings.db_path), "BOT_CONTENT_DIR": str(content_dir)}
    command = [sys.executable, "-m", "bot", "reload"]
    await asyncio.to_thread(subprocess.run, command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=60)
    clock[0] += core.library.recheck  # the database's change counter is read once per recheck interval
    _, text = await ask(router, USER, "/briefings")
    assert "Quake Hits Region" in text


async def test_a_failing_command_answers_with_an_apology(core, caplog):
    from bot.commands.router import Command, CommandRouter

    async def broken(core, caller, args):
        raise RuntimeError("database on fire")

    router = CommandRouter(core, [Command("boom", "fails", "/boom", broken)])
    reply = await router.dispatch(USER, "boom")
    assert not reply.ok and reply_text(reply).startswith("Sorry")
    assert "database on fire" not in reply_text(reply)
    assert any("command /boom failed" in r.getMessage() for r in caplog.records)


async def test_every_reading_reply_ends_with_where_it_comes_from(router):
    for command in ("/summary", "/figures", "/keypoints", "/quotes"):
        _, text = await ask(router, USER, command)
        assert text.splitlines()[-1].endswith("· id kursk-incursion"), (command, text.splitlines()[-1])


async def test_a_headline_only_briefing_says_it_has_no_body(router, core, content_dir):
    (content_dir / "bare.txt").write_text("Only A Headline Here\n", encoding="utf-8")
    await core.reload()
    reply, text = await ask(router, USER, "/summary bare")
    assert reply.title == "Only A Headline Here"
    assert "only a headline" in text and "\n\n\n" not in text
