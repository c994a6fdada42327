"""The command table: every command with its description, usage line and handler."""

from __future__ import annotations

from bot.commands import admin, feeds, reading, subscribing
from bot.commands.context import Caller
from bot.commands.router import Command, CommandRouter, Observer, help_reply
from bot.core import Core
from bot.reply import Reply, message

WELCOME = (
    "Hello! I send news briefings: the summary, the figures in the news, key developments and quotes. "
    "Send /summary to start, or /help for every command."
)


async def _start(core: Core, caller: Caller, args: list[str]) -> Reply:
    return message(WELCOME)


def build_router(core: Core, observe: Observer | None = None) -> CommandRouter:
    router: CommandRouter

    async def _help(core: Core, caller: Caller, args: list[str]) -> Reply:
        return help_reply(router, caller)

    router = CommandRouter(
        core,
        [
            Command("start", "Welcome and how to begin", "/start", _start),
            Command("help", "Every command with what it does", "/help", _help),
            Command("summary", "Headline, lead and key developments", "/summary [briefing]", reading.summary),
            Command("figures", "The numbers in the news, with units", "/figures [briefing] [word]", reading.figures),
            Command("keypoints", "The key developments", "/keypoints [briefing]", reading.keypoints, aliases=("developments",)),
            Command("quotes", "Who said what", "/quotes [briefing]", reading.quotes),
            Command("briefings", "All briefings, newest first", "/briefings", reading.briefings),
            Command("search", "Find sentences with these words", "/search <words>", reading.search),
            Command("subscribe", "Alerts for this chat (admins)", subscribing.SUBSCRIBE_USAGE, subscribing.subscribe,
                    manages_chat=True),
            Command("unsubscribe", "Stop alerts for this chat (admins)", "/unsubscribe", subscribing.unsubscribe,
                    manages_chat=True),
            Command("subscription", "This chat's alert settings", "/subscription", subscribing.subscription),
            Command("reload", "Reload the briefing files and fetch feeds now (operators)", "/reload", admin.reload, admin=True),
            Command("status", "Delivery and content health (operators)", "/status", admin.status, admin=True),
            Command("feeds", "News feeds and their health (operators)", "/feeds", feeds.feeds, admin=True),
            Command("addfeed", "Follow a news feed or article page (operators)", "/addfeed <url> [minutes]",
                    feeds.addfeed, admin=True),
            Command("removefeed", "Stop following a feed; its briefings stay (operators)", "/removefeed <id>",
                    feeds.removefeed, admin=True),
            Command("broadcast", "Send an alert to every subscriber (operators)", "/broadcast <text>", admin.broadcast,
                    admin=True, raw=True),
        ],
        observe,
    )
    return router
