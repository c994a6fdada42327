"""Where discord.py connects: DISCORD_API_URL and DISCORD_GATEWAY_URL (or the server's own answer).

discord.py has no public setting for either: it keeps both as class attributes
(`Route.BASE`, `DiscordWebSocket.DEFAULT_GATEWAY`), so they hold for the whole process. This
module is the only place that touches them, and tests/test_library_contracts.py fails with a
clear message if an upgrade moves them. `point_at` returns a function that puts the previous
values back (used on stop and in tests).
"""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.settings import Settings

DEFAULT_API_URL = "https://discord.com/api"
API_VERSION = 10
LOOKUP_TIMEOUT = 10.0


async def gateway_of(api_url: str, token: str) -> str:
    """Ask the server for its gateway (``GET /gateway/bot``). Raises LoginFailure on a 401."""
    timeout = aiohttp.ClientTimeout(total=LOOKUP_TIMEOUT)
    headers = {"Authorization": f"Bot {token}"}
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.get(f"{api_url}/v{API_VERSION}/gateway/bot", headers=headers) as resp:
            if resp.status == 401:
                raise discord.LoginFailure("Improper token has been passed.")
            resp.raise_for_status()
            data = await resp.json(content_type=None)
    return str(data["url"])


async def point_at(settings: Settings) -> Callable[[], None]:
    """Set discord.py's REST root and gateway from the settings; returns the undo."""
    api_url = (settings.discord_api_url or DEFAULT_API_URL).rstrip("/")
    gateway = settings.discord_gateway_url
    if not gateway and api_url != DEFAULT_API_URL:
        gateway = await gateway_of(api_url, settings.discord_token.strip())
    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY

    def restore() -> None:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway

    Route.BASE = f"{api_url}/v{API_VERSION}"
    if gateway:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    return restore
