"""Discord components over the real wire: discord.py against the loopback FakeDiscord, which
validates components (rows, custom ids of at most 100 characters, select options) and sends
component interactions as Discord does."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from bot.commands.catalog import build_router
from bot.frontends.on_discord.app import DiscordFrontend
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_validation import validate_message

TOKEN = "fake-discord-token"
GUILD, CHANNEL = 100, 110
EDITORS, MANAGER, MEMBER = 120, 130, 131
MANAGE_CHANNELS = 1 << 4
AT = {"guild_id": GUILD, "channel_id": CHANNEL}
LONG_ID = "harbour-" + "x" * 50
HARBOUR = (
    "Harbour Count Of Many Things\n\n"
    + " ".join(f"Officials counted {100 + i} boats in harbour number {i + 1}." for i in range(20))
    + "\n"
)


@pytest.fixture
async def fake():
    async with FakeDiscord(token=TOKEN) as fake:
        guild = fake.add_guild(GUILD, "Newsroom")
        guild.add_channel(CHANNEL, "general")
        guild.add_role(EDITORS, "Editors", permissions=MANAGE_CHANNELS)
        guild.add_member(MANAGER, "alice", roles=[EDITORS])
        guild.add_member(MEMBER, "bob")
        yield fake


@pytest.fixture
async def frontend(fake, settings, core, content_dir):
    for i in range(9):
        (content_dir / f"story-{i}.txt").write_text(
            f"Story Number {i}\n\nSomething happened {i} times.\n", encoding="utf-8"
        )
    (content_dir / f"{LONG_ID}.txt").write_text(HARBOUR, encoding="utf-8")
    core.settings = replace(
        settings, discord_token=TOKEN, discord_api_url=fake.api_root, discord_gateway_url=fake.gateway_url
    )
    await core.load_if_empty()
    frontend = DiscordFrontend(core, build_router(core), guild_ready_timeout=0.05, ready_timeout=5.0)
    await frontend.start()
    try:
        yield frontend
    finally:
        await frontend.stop()


async def command(fake: FakeDiscord, name: str, user: int = MEMBER, **options) -> dict:
    inter = await fake.invoke(name, **AT, user_id=user, options=options or None)
    [response] = await inter.wait_response(1)
    assert inter.errors == [] and validate_message(response["data"]) is None
    return inter.original


async def use(
    fake: FakeDiscord, message: dict, custom_id: str, user: int = MEMBER, values: list[str] | None = None
) -> dict:
    inter = await fake.press(message, custom_id, guild_id=GUILD, user_id=user, values=values)
    [response] = await inter.wait_response(1)
    assert inter.errors == [], inter.errors
    return response


def items(message: dict) -> list[dict]:
    return [c for row in message["components"] for c in row["components"]]


def button(message: dict, label: str) -> str:
    return next(c["custom_id"] for c in items(message) if c["type"] == 2 and c["label"] == label)


def option(message: dict, label_start: str) -> str:
    menu = next(c for c in items(message) if c["type"] == 3)
    return next(o["value"] for o in menu["options"] if o["label"].startswith(label_start))


async def test_briefings_menu_and_paging_edit_the_same_message(fake, frontend):
    listing = await command(fake, "briefings")
    menu = next(c for c in items(listing) if c["type"] == 3)
    assert len(menu["options"]) == 8 and menu["placeholder"] == "Open a briefing"
    first_page = copy.deepcopy(listing)
    turned = await use(fake, listing, button(listing, "▶"))
    assert turned["type"] == 7 and turned["message_id"] == int(listing["id"])
    assert "Page 2 of 2" in listing["embeds"][0]["description"]
    assert [c["label"] for c in items(listing) if c["type"] == 2] == ["◀"]
    back = await use(fake, listing, button(listing, "◀"))
    assert back["type"] == 7 and listing["embeds"] == first_page["embeds"]


async def test_choosing_a_briefing_opens_its_summary_with_buttons_for_its_views(fake, frontend):
    listing = await command(fake, "briefings")
    if not any(o["label"].startswith("Ukrainian") for c in items(listing) if c["type"] == 3 for o in c["options"]):
        await use(fake, listing, button(listing, "▶"))
    summary = await use(fake, listing, "m|choices", values=[option(listing, "Ukrainian")])
    assert summary["type"] == 4 and summary["embeds"][0]["title"].startswith("Ukrainian Offensive")
    labels = [c["label"] for c in summary["components"][0]["components"]]
    assert labels[1:] == ["Key points", "Quotes"] and labels[0].startswith("Figures (")
    quotes = await use(fake, _message_of(fake, summary), button_in(summary, "Quotes"))
    assert quotes["type"] == 4 and quotes["embeds"][0]["title"].startswith("Quotes · Ukrainian")


def button_in(response: dict, label: str) -> str:
    return next(c["custom_id"] for row in response["components"] for c in row["components"] if c.get("label") == label)


def _message_of(fake: FakeDiscord, response: dict) -> dict:
    """The message a response created (to press the components under it)."""
    inter = next(
        i for i in fake.interactions.values() if i.original and int(i.original["id"]) == response["message_id"]
    )
    return inter.original


async def test_long_figures_page_within_the_custom_id_limit(fake, frontend):
    figures = await command(fake, "figures", briefing=LONG_ID)
    assert all(len(c["custom_id"]) <= 100 for c in items(figures))
    assert "Page 1 of 2" in figures["embeds"][0]["description"]
    await use(fake, figures, button(figures, "▶"))
    assert "119 boats" in figures["embeds"][0]["description"] and "Page 2 of 2" in figures["embeds"][0]["description"]


async def test_a_component_of_an_old_message_answers_with_a_notice(fake, frontend):
    listing = await command(fake, "briefings")
    old = copy.deepcopy(listing)  # as if sent before a restart: its long action's digest is forgotten
    old["components"][-1]["components"][0]["custom_id"] = "a|h|0123456789abcdef01234567"
    notice = await use(fake, old, "a|h|0123456789abcdef01234567")
    assert notice["ephemeral"] and notice["content"] == "This button is out of date; send the command again."


async def test_a_component_is_refused_to_who_may_not_do_what_it_does(fake, frontend, core):
    shown = await command(fake, "language", user=MANAGER)
    refused = await use(fake, shown, "m|choices", user=MEMBER, values=[option(shown, "Українська")])
    assert refused["ephemeral"] and refused["content"] == "Only an administrator of this chat can change its language."
    assert await core.chat_language("discord", CHANNEL) is None
    done = await use(fake, shown, "m|choices", user=MANAGER, values=[option(shown, "Українська")])
    assert done["type"] == 7 and shown["content"] == "Тепер мова цього чату — Українська."
    assert await core.chat_language("discord", CHANNEL) == "uk"


async def test_command_descriptions_carry_their_localizations(fake, frontend):
    synced = {c["name"]: c for scope in fake.commands.values() for c in scope}
    summary = synced["summary"]
    assert summary["description_localizations"]["uk"] == "Заголовок, вступ і головні події"
    assert summary["description_localizations"]["ru"] == "Заголовок, вступление и главные события"
    [briefing] = summary["options"]
    assert briefing["description_localizations"]["uk"] == "Який брифінг (якщо не вказано — найновіший)"


async def test_an_alert_has_a_button_that_opens_its_own_briefing(fake, frontend, core, content_dir):
    from bot.alerts.compose import alert_reply

    reply = alert_reply("new", {"briefing_id": LONG_ID, "title": "Harbour Count Of Many Things", "summary": "Boats."})
    outcome = await frontend.sender.deliver(CHANNEL, 0, reply)
    assert outcome.status == "sent"
    alert = fake.messages[CHANNEL][-1]
    assert [c["label"] for c in items(alert)] == ["Full briefing"]  # validated by the fake as Discord would
    opened = await use(fake, alert, button(alert, "Full briefing"))
    assert opened["type"] == 4 and opened["embeds"][0]["title"] == "Harbour Count Of Many Things"
