"""A fake Discord API (REST under ``/api/v10`` and a gateway websocket) for tests.

Run the real discord.py client against it::

    async with FakeDiscord() as fake:
        guild = fake.add_guild(1, "Guild")
        guild.add_channel(10, "general")
        with fake.patched():                 # Route.BASE + DEFAULT_GATEWAY
            client = discord.Client(intents=discord.Intents.default(),
                                    guild_ready_timeout=0.05)
            ...

``on_ready`` speed: discord.py waits ``guild_ready_timeout`` (2 s default)
after the last GUILD_CREATE before firing ``on_ready`` whatever the server
does, so tests should pass a small ``guild_ready_timeout`` to the client.
The fake makes the guilds count as already chunked (member_count equals the
members sent) and answers REQUEST_GUILD_MEMBERS, so no chunking delay is added.

Accepted messages are recorded in ``messages`` as the returned message
payload plus ``allowed_mentions`` and ``pings`` (who it would notify).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import yarl
from aiohttp import web

from .discord_gateway import Gateway
from .discord_http import (
    Bucket,
    Failure,
    RateLimiter,
    error_reply,
    failure_reply,
    json_reply,
    no_content,
)
from .discord_interactions import LOADING, FakeInteraction, InteractionRoutes, build_options
from .discord_models import Channel, Guild, Member, iso_now, new_guild, snowflake, user_payload
from .discord_validation import compute_pings, pinged, validate_message

__all__ = ["Channel", "FakeDiscord", "FakeInteraction", "Guild", "Interaction", "pinged"]

Interaction = FakeInteraction

# Rate-limit keys are "METHOD route-template"; unlisted routes get 50 per second.
MESSAGE_ROUTE = "POST /api/{version}/channels/{channel_id}/messages"


def _is_public(path: str) -> bool:
    """Interaction callbacks and webhook routes authenticate by their token, not the bot token."""
    return "/webhooks/" in path or "/interactions/" in path


class CommandRoutes:
    """Application command endpoints, mixed into FakeDiscord."""

    app_id: int
    commands: dict[str | int, list[dict[str, Any]]]
    command_puts: list[tuple[str | int, Any]]

    def _scope(self, request: web.Request) -> str | int:
        guild_id = request.match_info.get("guild_id")
        return int(guild_id) if guild_id else "global"

    def _stored_command(self, scope: str | int, payload: dict[str, Any]) -> dict[str, Any]:
        existing = {(c["name"], c.get("type", 1)): c for c in self.commands.get(scope, [])}
        old = existing.get((payload.get("name"), payload.get("type", 1)))
        stored = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            **payload,
        }
        stored["id"] = old["id"] if old else str(snowflake())
        stored["application_id"] = str(self.app_id)
        stored["version"] = str(snowflake())
        if scope != "global":
            stored["guild_id"] = str(scope)
        return stored

    async def _commands_op(self, request: web.Request) -> web.Response:
        if request.match_info["app_id"] != str(self.app_id):
            return error_reply(404, 10002)
        scope = self._scope(request)
        if request.method == "GET":
            return json_reply(self.commands.get(scope, []))
        payload = await request.json()
        if request.method == "PUT":
            self.command_puts.append((scope, payload))
            self.commands[scope] = [self._stored_command(scope, p) for p in payload]
            return json_reply(self.commands[scope])
        return self._upsert_command(scope, payload)

    def _upsert_command(self, scope: str | int, payload: dict[str, Any]) -> web.Response:
        stored = self._stored_command(scope, payload)
        current = self.commands.setdefault(scope, [])
        for index, command in enumerate(current):
            if command["id"] == stored["id"]:
                current[index] = stored
                return json_reply(stored)
        current.append(stored)
        return json_reply(stored, 201)

    async def _command_op(self, request: web.Request) -> web.Response:
        if request.match_info["app_id"] != str(self.app_id):
            return error_reply(404, 10002)
        current = self.commands.get(self._scope(request), [])
        matches = [c for c in current if c["id"] == request.match_info["command_id"]]
        if not matches:
            return error_reply(404, 10063)
        command = matches[0]
        if request.method == "GET":
            return json_reply(command)
        if request.method == "DELETE":
            current.remove(command)
            return no_content()
        command.update(await request.json())
        return json_reply(command)


class FakeDiscord(CommandRoutes, InteractionRoutes):
    """In-process fake of Discord's REST API and gateway for discord.py tests."""

    def __init__(
        self,
        token: str = "fake-discord-token",
        app_id: int = 2000,
        bot_user_id: int = 2000,
        *,
        enforce_limits: bool = False,
        heartbeat_interval: int = 41250,
        bot_name: str = "FakeBot",
        interaction_timeout: float = 3.0,
        message_limit: tuple[int, float] = (5, 5.0),
        global_limit: int = 50,
        limits: dict[str, tuple[int, float]] | None = None,
    ) -> None:
        self.token = token
        self.app_id = app_id
        self.bot_user_id = bot_user_id
        self.bot_name = bot_name
        self.interaction_timeout = interaction_timeout
        self.guilds: dict[int, Guild] = {}
        self.messages: dict[int, list[dict[str, Any]]] = {}
        self.commands: dict[str | int, list[dict[str, Any]]] = {}
        self.command_puts: list[tuple[str | int, Any]] = []
        self.interactions: dict[int, FakeInteraction] = {}
        self.requests: list[tuple[str, str]] = []
        self.record_requests = True
        self.too_many_requests = 0
        self.api_root = ""
        self.gateway_url = ""
        self.gateway = Gateway(self, heartbeat_interval)
        route_limits = {MESSAGE_ROUTE: message_limit, **(limits or {})}
        self.limiter = RateLimiter(enforce_limits, route_limits, global_limit)
        self._by_token: dict[str, FakeInteraction] = {}
        self._channels: dict[int, Channel] = {}
        self._failures: list[Failure] = []
        self._token_valid = True
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[None]]] = []
        self._runner: web.AppRunner | None = None
        self._bot_user = user_payload(bot_user_id, bot_name, bot=True)

    # -- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        """Serve on 127.0.0.1 on a free port; sets ``api_root`` and ``gateway_url``."""
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        self._add_routes(app.router)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.api_root = f"http://127.0.0.1:{port}/api"
        self.gateway_url = f"ws://127.0.0.1:{port}/gateway"

    async def close(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @contextlib.contextmanager
    def patched(self) -> Iterator[FakeDiscord]:
        """Point discord.py's ``Route.BASE`` and ``DEFAULT_GATEWAY`` here; restored on exit."""
        import discord.gateway
        import discord.http

        old_base, old_gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = f"{self.api_root}/v10"
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield self
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        api = "/api/{version:v\\d+}"
        channel = api + "/channels/{channel_id}"
        router.add_post(channel + "/messages", self._create_message)  # hot path: matched first
        router.add_get(channel, self._get_channel)
        router.add_post(channel + "/typing", self._typing)
        router.add_route("*", channel + "/messages/{message_id}", self._channel_message_op)
        router.add_post(api + "/interactions/{interaction_id}/{token}/callback", self._interaction_callback)
        router.add_post(api + "/webhooks/{app_id}/{token}", self._followup_create)
        webhook_message = api + "/webhooks/{app_id}/{token}/messages/{message_id}"
        router.add_route("*", webhook_message, self._webhook_message_op)
        router.add_get(api + "/users/@me", self._get_me)
        router.add_get(api + "/oauth2/applications/@me", self._get_application)
        router.add_get(api + "/gateway", self._get_gateway)
        router.add_get(api + "/gateway/bot", self._get_gateway)
        for base in ("/applications/{app_id}", "/applications/{app_id}/guilds/{guild_id}"):
            router.add_route("*", api + base + "/commands", self._commands_op)
            router.add_route("*", api + base + "/commands/{command_id}", self._command_op)
        router.add_get("/gateway", self.gateway.handle)

    # -- middleware: recording, auth, injected failures, rate limits ----------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        path = request.path
        if path == "/gateway":
            return await handler(request)
        if self.record_requests:
            self.requests.append((request.method, path))
        if not _is_public(path) and not self._authorized(request):
            return error_reply(401, 0)
        now = asyncio.get_running_loop().time()
        bucket = self._bucket(request)
        reply = self._injected(request.method, path, bucket, now) if self._failures else None
        if reply is None:
            reply = self.limiter.check(bucket, path, now)
        if reply is None:
            reply = await self._call(handler, request)
            reply.headers.update(bucket.headers(now))
        if reply.status == 429:
            self.too_many_requests += 1
        return reply

    def _bucket(self, request: web.Request) -> Bucket:
        info = request.match_info
        resource = info.route.resource
        template = resource.canonical if resource is not None else request.path
        major = info.get("channel_id") or info.get("guild_id") or info.get("interaction_id") or info.get("token") or ""
        return self.limiter.bucket(request.method, template, major)

    @staticmethod
    async def _call(handler: Any, request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPNotFound:
            return json_reply({"message": "404: Not Found", "code": 0}, 404)
        except web.HTTPMethodNotAllowed:
            return json_reply({"message": "405: Method Not Allowed", "code": 0}, 405)
        except json.JSONDecodeError:
            return error_reply(400, 50109, "The request body contains invalid JSON.")

    def _authorized(self, request: web.Request) -> bool:
        return self._token_ok(request.headers.get("Authorization", "").removeprefix("Bot "))

    def _token_ok(self, token: str | None) -> bool:
        return self._token_valid and token == self.token

    def _injected(self, method: str, path: str, bucket: Bucket, now: float) -> web.Response | None:
        for failure in self._failures:
            if failure.matches(method, path):
                failure.count -= 1
                if failure.count <= 0:
                    self._failures.remove(failure)
                return failure_reply(failure, method, path, bucket.headers(now))
        return None

    # -- basic REST handlers ---------------------------------------------------

    async def _get_me(self, request: web.Request) -> web.Response:
        return json_reply({**self._bot_user, "email": None, "locale": "en-US"})

    async def _get_application(self, request: web.Request) -> web.Response:
        return json_reply(
            {
                "id": str(self.app_id),
                "name": self.bot_name,
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": user_payload(1, "owner"),
                "team": None,
                "flags": 0,
                "summary": "",
                "rpc_origins": [],
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "bot": self._bot_user,
            }
        )

    async def _get_gateway(self, request: web.Request) -> web.Response:
        if not request.path.endswith("/bot"):
            return json_reply({"url": self.gateway_url})
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return json_reply({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _typing(self, request: web.Request) -> web.Response:
        channel = self._channel_or_error(request)
        return channel if isinstance(channel, web.Response) else no_content()

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel = self._channel_or_error(request, send=False)
        return channel if isinstance(channel, web.Response) else json_reply(channel.payload())

    # -- channel messages --------------------------------------------------------

    def _channel_or_error(self, request: web.Request, *, send: bool = True) -> Channel | web.Response:
        channel = self._channels.get(int(request.match_info["channel_id"]))
        if channel is None:
            return error_reply(404, 10003)
        if channel.denied == 50001 or (send and channel.denied is not None):
            return error_reply(403, channel.denied)
        return channel

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[dict[str, Any], bool]:
        """JSON body (or multipart ``payload_json``) and whether files were attached."""
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            body = json.loads(form.get("payload_json") or "{}")
            return body, any(isinstance(v, web.FileField) for v in form.values())
        raw = await request.read()
        return (json.loads(raw) if raw else {}), False

    async def _create_message(self, request: web.Request) -> web.Response:
        channel = self._channel_or_error(request)
        if isinstance(channel, web.Response):
            return channel
        body, has_files = await self._read_body(request)
        error = validate_message(body, has_files=has_files)
        if error is not None:
            return json_reply(error[1], error[0])
        message = self._message(channel.id, channel.guild_id, body)
        self.messages.setdefault(channel.id, []).append(message)
        if self._waiters:
            self._notify()
        return json_reply(message)

    def _find_message(self, request: web.Request) -> dict[str, Any] | None:
        message_id = request.match_info["message_id"]
        for message in self.messages.get(int(request.match_info["channel_id"]), []):
            if message["id"] == message_id and not message.get("deleted"):
                return message
        return None

    async def _channel_message_op(self, request: web.Request) -> web.Response:
        channel = self._channel_or_error(request, send=request.method != "GET")
        if isinstance(channel, web.Response):
            return channel
        message = self._find_message(request)
        if message is None:
            return error_reply(404, 10008)
        if request.method == "GET":
            return json_reply(message)
        if request.method == "DELETE":
            message["deleted"] = True
            self._notify()
            return no_content()
        body, has_files = await self._read_body(request)
        error = validate_message(body, require_content=False, has_files=has_files)
        if error is not None:
            return json_reply(error[1], error[0])
        self._apply_edit(message, body)
        self._notify()
        return json_reply(message)

    def _message(self, channel_id: int, guild_id: int | None, body: dict[str, Any], *, type: int = 0) -> dict[str, Any]:
        """The message payload Discord returns, plus ``allowed_mentions`` and ``pings``."""
        allowed = body.get("allowed_mentions")
        content = body.get("content") or ""
        pings = compute_pings(content, allowed)
        return {
            "id": str(snowflake()),
            "type": type,
            "channel_id": str(channel_id),
            "guild_id": str(guild_id) if guild_id else None,
            "author": self._bot_user,
            "content": content,
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": [],
            "mentions": [self._mentioned_user(guild_id, u) for u in pings["users"]],
            "mention_roles": [str(r) for r in pings["roles"]],
            "mention_everyone": pings["everyone"] or pings["here"],
            "pinned": False,
            "tts": bool(body.get("tts")),
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "flags": int(body.get("flags") or 0),
            "nonce": body.get("nonce"),
            "webhook_id": str(self.app_id) if type == 20 else None,
            "allowed_mentions": allowed,
            "pings": pings,
        }

    def _mentioned_user(self, guild_id: int | None, user_id: int) -> dict[str, Any]:
        member = self.guilds[guild_id].members.get(user_id) if guild_id in self.guilds else None
        return member.user() if member else user_payload(user_id, f"user{user_id}")

    def _apply_edit(self, message: dict[str, Any], body: dict[str, Any]) -> None:
        for key in ("content", "embeds", "components", "allowed_mentions"):
            if key in body:
                message[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        message["flags"] = int(body.get("flags", message["flags"]) or 0) & ~LOADING
        message["pings"] = compute_pings(message["content"], message.get("allowed_mentions"))
        message["edited_timestamp"] = iso_now()

    # -- gateway glue ----------------------------------------------------------

    def _ready_payload(self, session_id: str) -> dict[str, Any]:
        return {
            "v": 10,
            "user": self._bot_user,
            "session_id": session_id,
            "resume_gateway_url": self.gateway_url,
            "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
            "application": {"id": str(self.app_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["fake-discord"],
        }

    def _dispatch_if_known(self, guild_id: int, event: str, data: dict[str, Any]) -> None:
        if self.gateway.has_session and guild_id in self.gateway.sent_guilds:
            self.gateway.dispatch(event, data)

    def _on_channel_added(self, guild: Guild, channel: Channel) -> None:
        self._channels[channel.id] = channel
        self._dispatch_if_known(guild.id, "CHANNEL_CREATE", channel.payload())

    def dispatch(self, event: str, data: Any) -> int:
        """Send a raw gateway dispatch (buffered for RESUME while disconnected)."""
        return self.gateway.dispatch(event, data)

    # -- test controls: world ------------------------------------------------------

    def add_guild(self, guild_id: int, name: str = "Guild") -> Guild:
        """Add a guild (with @everyone and the bot as member); sent as GUILD_CREATE if live."""
        guild = new_guild(self, guild_id, name, self._bot_member)
        self.guilds[guild_id] = guild
        if self.gateway.has_session:
            self.gateway.send_guild(guild_id)
        return guild

    def _bot_member(self) -> Member:
        return Member(self.bot_user_id, self.bot_name, bot=True)

    def delete_channel(self, channel_id: int) -> None:
        """Remove a channel: REST answers 404 Unknown Channel; CHANNEL_DELETE is dispatched."""
        channel = self._channels.pop(channel_id)
        guild = self.guilds[channel.guild_id]
        del guild.channels[channel_id]
        self._dispatch_if_known(guild.id, "CHANNEL_DELETE", channel.payload())

    def deny_access(self, channel_id: int, code: int = 50001) -> None:
        """Make the channel answer 403: 50001 Missing Access (bot cannot see it)
        or 50013 Missing Permissions (bot can see but not send)."""
        if code not in (50001, 50013):
            raise ValueError("code must be 50001 or 50013")
        self._channels[channel_id].denied = code

    def allow_access(self, channel_id: int) -> None:
        self._channels[channel_id].denied = None

    def set_token_valid(self, ok: bool) -> None:
        """False: every authenticated route answers 401 and IDENTIFY is closed with 4004."""
        self._token_valid = ok

    def fail_next(
        self,
        route_substring: str,
        status: int = 429,
        retry_after: float = 0.2,
        count: int = 1,
        global_: bool = False,
        *,
        code: int | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next ``count`` requests whose "METHOD /path" contains ``route_substring``
        with ``status`` (429 with Via + retry_after; 5xx; 4xx with Discord's code)."""
        self._failures.append(Failure(route_substring, status, count, retry_after, global_, code, message))

    async def drop_gateway(self, code: int | None = 4000) -> None:
        """Close the gateway socket server-side (None: abort without close frame); the client resumes."""
        await self.gateway.drop(code)

    def invalidate_session(self, resumable: bool = False) -> None:
        self.gateway.invalidate(resumable)

    def request_reconnect(self) -> None:
        self.gateway.request_reconnect()

    @property
    def identifies(self) -> int:
        return self.gateway.identifies

    @property
    def resumes(self) -> int:
        return self.gateway.resumes

    @property
    def connected(self) -> bool:
        return self.gateway.conn is not None

    # -- test controls: users acting -------------------------------------------------

    def _interaction_base(self, inter: FakeInteraction, guild: Guild) -> dict[str, Any]:
        channel = guild.channels[inter.channel_id]
        member = guild.members[inter.user_id]
        perms = guild.permissions(inter.user_id, inter.channel_id)
        return {
            "id": str(inter.id),
            "application_id": str(self.app_id),
            "type": inter.type,
            "token": inter.token,
            "version": 1,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "channel_id": str(channel.id),
            "channel": {**channel.payload(), "permissions": str(perms)},
            "member": member.payload(perms),
            "app_permissions": str(guild.permissions(self.bot_user_id, inter.channel_id)),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }

    def _find_command(self, name: str, guild_id: int) -> tuple[dict[str, Any], bool]:
        for scope in (guild_id, "global"):
            for command in self.commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == 1:
                    return command, scope != "global"
        raise LookupError(f"slash command {name!r} was not synced (global or guild {guild_id})")

    async def _interact(
        self,
        type: int,
        name: str,
        guild_id: int,
        channel_id: int,
        user_id: int,
        options: dict[str, Any] | list[Any] | None,
        subcommand: str | None,
        focused: str | None = None,
    ) -> FakeInteraction:
        await self.wait_until(lambda: self.gateway.has_session, 5.0, "a gateway session")
        guild = self.guilds[guild_id]
        command, in_guild = self._find_command(name, guild_id)
        inter = FakeInteraction(self, type, name, guild_id, channel_id, user_id)
        resolved: dict[str, Any] = {}
        data = {
            "id": command["id"],
            "name": name,
            "type": 1,
            "options": build_options(command, options, subcommand, guild, resolved, focused),
        }
        if in_guild:
            data["guild_id"] = str(guild_id)
        if resolved:
            data["resolved"] = resolved
        self.interactions[inter.id] = inter
        self._by_token[inter.token] = inter
        self.gateway.dispatch("INTERACTION_CREATE", {**self._interaction_base(inter, guild), "data": data})
        return inter

    async def invoke(
        self,
        name: str,
        *,
        guild_id: int,
        channel_id: int,
        user_id: int,
        options: dict[str, Any] | list[Any] | None = None,
        subcommand: str | None = None,
    ) -> FakeInteraction:
        """Dispatch a slash command (INTERACTION_CREATE type 2) typed from the synced definition."""
        return await self._interact(2, name, guild_id, channel_id, user_id, options, subcommand)

    async def autocomplete(
        self,
        name: str,
        option: str,
        value: str,
        *,
        guild_id: int,
        channel_id: int,
        user_id: int,
        options: dict[str, Any] | None = None,
        subcommand: str | None = None,
        timeout: float = 5.0,
    ) -> list[dict[str, Any]]:
        """Dispatch an autocomplete (type 4) with ``option`` focused; return the bot's choices."""
        values = {**(options or {}), option: value}
        inter = await self._interact(4, name, guild_id, channel_id, user_id, values, subcommand, option)
        responses = await inter.wait_response(1, timeout)
        return list(responses[0]["choices"] or [])

    async def press(
        self, message: dict[str, Any], custom_id: str, *, guild_id: int, user_id: int, values: list[str] | None = None
    ) -> FakeInteraction:
        """Dispatch a component interaction (type 3): ``user_id`` pressed the button (or chose
        ``values`` in the select menu) with ``custom_id`` under ``message``, as Discord sends it.
        Responses that update the message (type 7, or editing @original) change ``message``."""
        await self.wait_until(lambda: self.gateway.has_session, 5.0, "a gateway session")
        items = [c for row in message.get("components") or [] for c in row.get("components") or []]
        item = next((c for c in items if c.get("custom_id") == custom_id), None)
        if item is None:
            raise LookupError(f"no component {custom_id!r} under message {message['id']}")
        guild = self.guilds[guild_id]
        channel_id = int(message["channel_id"])
        inter = FakeInteraction(self, 3, custom_id, guild_id, channel_id, user_id)
        inter.original = message
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": item["type"]}
        if item["type"] == 3:
            allowed = {o["value"] for o in item.get("options") or []}
            if not values or not set(values) <= allowed:
                raise ValueError(f"values {values!r} are not options of {custom_id!r}")
            data["values"] = values
        self.interactions[inter.id] = inter
        self._by_token[inter.token] = inter
        payload = {
            **self._interaction_base(inter, guild),
            "data": data,
            "message": {k: v for k, v in message.items() if k not in ("pings", "allowed_mentions")},
        }
        self.gateway.dispatch("INTERACTION_CREATE", payload)
        return inter

    def send_user_message(self, channel_id: int, user_id: int, content: str) -> dict[str, Any]:
        """Dispatch MESSAGE_CREATE as if ``user_id`` wrote ``content`` in the channel."""
        channel = self._channels[channel_id]
        member = self.guilds[channel.guild_id].members[user_id]
        pings = compute_pings(content, None)
        data = {
            **self._message(channel_id, channel.guild_id, {"content": content}),
            "author": member.user(),
            "member": {k: v for k, v in member.payload().items() if k != "user"},
            "pings": pings,
        }
        self.gateway.dispatch("MESSAGE_CREATE", data)
        return data

    # -- waiting -----------------------------------------------------------------------

    def _notify(self) -> None:
        for entry in list(self._waiters):
            predicate, future = entry
            if future.done():
                continue
            try:
                if predicate():
                    future.set_result(None)
            except Exception as exc:  # surface predicate bugs to the waiting test
                future.set_exception(exc)

    async def wait_until(
        self, predicate: Callable[[], bool], timeout: float = 5.0, what: str | Callable[[], str] = "condition"
    ) -> None:
        """Wait (event-driven, no polling) until ``predicate()`` holds after a fake state change.

        Only changes of the fake's own state (requests, gateway sessions) wake waiters.
        """
        if predicate():
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiters.append(entry)
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            label = what() if callable(what) else what
            raise TimeoutError(f"timed out after {timeout}s waiting for {label}") from None
        finally:
            self._waiters.remove(entry)

    async def wait_messages(self, channel_id: int, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until ``channel_id`` has at least ``count`` accepted messages; return them all."""
        await self.wait_until(
            lambda: len(self.messages.get(channel_id, ())) >= count,
            timeout,
            f"{count} message(s) in channel {channel_id}",
        )
        return list(self.messages[channel_id])

    async def wait_resumed(self, resumes: int = 1, timeout: float = 5.0) -> None:
        await self.wait_until(
            lambda: self.resumes >= resumes and self.connected, timeout, f"{resumes} gateway resume(s)"
        )
