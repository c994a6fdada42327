"""The few library details the bot relies on where no public API exists.

Each test names what an upgrade changed, so a new minor version of a library fails here with
a clear message instead of somewhere deep in a front-end.
"""

from __future__ import annotations

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route


def test_discord_rest_root_is_the_route_base_class_attribute():
    # discord.py has no setting for its REST root: bot/frontends/on_discord/endpoints.py sets
    # Route.BASE so a self-hosted or test server can stand in for discord.com.
    assert isinstance(Route.BASE, str), "discord.py no longer keeps its REST root in Route.BASE"
    old = Route.BASE
    try:
        Route.BASE = "http://127.0.0.1:9/api/v10"
        assert Route("GET", "/users/@me").url == "http://127.0.0.1:9/api/v10/users/@me", (
            "discord.py no longer builds request URLs from Route.BASE"
        )
    finally:
        Route.BASE = old


def test_discord_gateway_is_the_default_gateway_class_attribute():
    # Nor a setting for the gateway: endpoints.py sets DiscordWebSocket.DEFAULT_GATEWAY.
    assert isinstance(DiscordWebSocket.DEFAULT_GATEWAY, yarl.URL), (
        "discord.py no longer keeps its gateway in DiscordWebSocket.DEFAULT_GATEWAY"
    )
