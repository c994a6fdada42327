"""The command table: every command with its description, usage line and handler."""

from __future__ import annotations

from bot.commands import admin, feeds, language, reading, subscribing
from bot.commands.context import Caller
from bot.commands.router import Command, CommandRouter, Observer, help_reply
from bot.core import Core
from bot.i18n import N_, _
from bot.reply import Reply, message


async def _start(core: Core, caller: Caller, args: list[str]) -> Reply:
    return message(
        _(
            "Hello! I send news briefings: the summary, the figures in the news, key developments and "
            "quotes. Send /summary to start, or /help for every command."
        )
    )


def build_router(core: Core, observe: Observer | None = None) -> CommandRouter:
    router: CommandRouter

    async def _help(core: Core, caller: Caller, args: list[str]) -> Reply:
        return help_reply(router, caller)

    router = CommandRouter(
        core,
        [
            Command("start", N_("Welcome and how to begin"), "/start", _start),
            Command("help", N_("Every command with what it does"), "/help", _help),
            Command("summary", N_("Headline, lead and key developments"), "/summary [briefing]", reading.summary),
            Command(
                "figures", N_("The numbers in the news, with units"), "/figures [briefing] [word]", reading.figures
            ),
            Command(
                "keypoints",
                N_("The key developments"),
                "/keypoints [briefing]",
                reading.keypoints,
                aliases=("developments",),
            ),
            Command("quotes", N_("Who said what"), "/quotes [briefing]", reading.quotes),
            Command("briefings", N_("All briefings, newest first"), "/briefings [page]", reading.briefings),
            Command("search", N_("Find sentences with these words"), "/search <words>", reading.search),
            Command(
                "subscribe",
                N_("Alerts for this chat (admins)"),
                subscribing.SUBSCRIBE_USAGE,
                subscribing.subscribe,
                manages_chat=True,
            ),
            Command(
                "unsubscribe",
                N_("Stop alerts for this chat (admins)"),
                "/unsubscribe",
                subscribing.unsubscribe,
                manages_chat=True,
            ),
            Command("subscription", N_("This chat's alert settings"), "/subscription", subscribing.subscription),
            Command(
                "language",
                N_("This chat's language, or set it (admins)"),
                language.USAGE,
                language.language,
                manages_chat=True,
                audited=True,
            ),
            Command(
                "reload",
                N_("Reload the briefing files and fetch feeds now (operators)"),
                "/reload",
                admin.reload,
                admin=True,
            ),
            Command("status", N_("Delivery and content health (operators)"), "/status", admin.status, admin=True),
            Command("feeds", N_("News feeds and their health (operators)"), "/feeds", feeds.feeds, admin=True),
            Command(
                "addfeed",
                N_("Follow a news feed or article page (operators)"),
                "/addfeed <url> [minutes]",
                feeds.addfeed,
                admin=True,
            ),
            Command(
                "removefeed",
                N_("Stop following a feed; its briefings stay (operators)"),
                "/removefeed <id>",
                feeds.removefeed,
                admin=True,
            ),
            Command(
                "broadcast",
                N_("Send an alert to every subscriber (operators)"),
                "/broadcast <text>",
                admin.broadcast,
                admin=True,
                raw=True,
            ),
        ],
        observe,
    )
    return router
