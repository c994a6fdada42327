"""Interactions of the fake Discord API: the test-side handle, INTERACTION_CREATE
payloads built from the synced command definitions, and the callback/webhook
REST handlers (mixed into ``FakeDiscord``).
"""

from __future__ import annotations

import asyncio
import secrets
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .discord_http import ERROR_MESSAGES, error_reply, json_reply, no_content
from .discord_models import Guild, snowflake
from .discord_validation import form_error, validate_message

if TYPE_CHECKING:
    from .discord_api import FakeDiscord

EPHEMERAL = 1 << 6
LOADING = 1 << 7
FOLLOWUP_LIFETIME = 15 * 60.0
_MESSAGE_CALLBACKS = (4, 5)
_SUBCOMMAND_TYPES = (1, 2)
_CALLBACK_TYPES = (1, 4, 5, 6, 7, 8, 9, 10, 12)


def _field_error(key: str, code: str, message: str) -> web.Response:
    return json_reply(form_error({key: {"_errors": [{"code": code, "message": message}]}}), 400)


class FakeInteraction:
    """Test-side handle of one dispatched interaction and everything the bot answered."""

    def __init__(
        self, fake: FakeDiscord, type: int, name: str, guild_id: int | None, channel_id: int, user_id: int
    ) -> None:
        self._fake = fake
        self.id: int = snowflake()
        self.token: str = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(24)
        self.type = type
        self.name = name
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.user_id = user_id
        self.created_at: float = asyncio.get_running_loop().time()
        self.acknowledged = False
        self.responses: list[dict[str, Any]] = []
        self.original: dict[str, Any] | None = None
        self.followups: dict[int, dict[str, Any]] = {}
        self.errors: list[dict[str, Any]] = []  # rejected callbacks: {"status", "code", "message"}

    def __repr__(self) -> str:
        return f"<FakeInteraction {self.name!r} type={self.type} responses={len(self.responses)}>"

    @property
    def age(self) -> float:
        return asyncio.get_running_loop().time() - self.created_at

    async def wait_response(self, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until at least ``count`` responses (callback, follow-ups, edits) were recorded."""
        await self._fake.wait_until(
            lambda: len(self.responses) >= count, timeout, lambda: f"{count} response(s) to {self!r}"
        )
        return list(self.responses)

    def _reject(self, status: int, code: int) -> web.Response:
        reply = error_reply(status, code)
        self.errors.append({"status": status, "code": code, "message": ERROR_MESSAGES[code]})
        self._fake._notify()
        return reply

    def _record(
        self, kind: str, data: dict[str, Any], *, type: int | None = None, message: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        flags = int(data.get("flags") or 0)
        entry = {
            "kind": kind,
            "type": type,
            "flags": flags,
            "ephemeral": bool(flags & EPHEMERAL),
            "content": data.get("content"),
            "embeds": data.get("embeds") or [],
            "components": data.get("components") or [],
            "allowed_mentions": data.get("allowed_mentions"),
            "choices": data.get("choices"),
            "message_id": int(message["id"]) if message else None,
            "pings": message["pings"] if message else None,
            "data": data,
        }
        self.responses.append(entry)
        self._fake._notify()
        return entry


# -- option payloads ----------------------------------------------------------


def _resolve(guild: Guild | None, opt_type: int, value: Any, resolved: dict[str, Any]) -> str:
    """Add a user/channel/role option's object to ``resolved``; returns the id string."""
    obj_id = int(getattr(value, "id", value))
    if guild is None:
        return str(obj_id)
    if opt_type in (6, 9) and obj_id in guild.members:
        member = guild.members[obj_id]
        resolved.setdefault("users", {})[str(obj_id)] = member.user()
        data = member.payload(guild.permissions(obj_id))
        del data["user"]
        resolved.setdefault("members", {})[str(obj_id)] = data
    elif opt_type == 7 and obj_id in guild.channels:
        channel = guild.channels[obj_id]
        resolved.setdefault("channels", {})[str(obj_id)] = {
            "id": str(obj_id),
            "name": channel.name,
            "type": channel.type,
            "permissions": str(guild.permissions(0)),
        }
    elif opt_type in (8, 9) and obj_id in guild.roles:
        resolved.setdefault("roles", {})[str(obj_id)] = guild.roles[obj_id].payload()
    return str(obj_id)


def _typed_value(guild: Guild | None, opt_type: int, value: Any, resolved: dict[str, Any]) -> Any:
    if opt_type == 4:
        return int(value)
    if opt_type == 10:
        return float(value)
    if opt_type == 5:
        return bool(value)
    if opt_type in (6, 7, 8, 9):
        return _resolve(guild, opt_type, value, resolved)
    return str(value)


def _leaf_options(
    definitions: list[dict[str, Any]],
    values: dict[str, Any],
    guild: Guild | None,
    resolved: dict[str, Any],
    focused: str | None,
) -> list[dict[str, Any]]:
    by_name = {d["name"]: d for d in definitions}
    unknown = set(values) - set(by_name)
    if unknown:
        raise KeyError(f"unknown option(s) {sorted(unknown)}; defined: {sorted(by_name)}")
    options = []
    for name, value in values.items():
        opt_type = by_name[name]["type"]
        if name == focused:
            # Discord sends the partially typed text for the focused option.
            options.append({"name": name, "type": opt_type, "value": str(value), "focused": True})
        else:
            options.append({"name": name, "type": opt_type, "value": _typed_value(guild, opt_type, value, resolved)})
    return options


def build_options(
    definition: dict[str, Any],
    values: dict[str, Any] | list[Any] | None,
    subcommand: str | None,
    guild: Guild | None,
    resolved: dict[str, Any],
    focused: str | None = None,
) -> list[dict[str, Any]]:
    """``data.options`` for a command definition; ``subcommand`` is "sub" or "group sub".

    A list is passed through unchanged (raw Discord options).
    """
    if isinstance(values, list):
        return values
    path = subcommand.split() if subcommand else []
    chain: list[dict[str, Any]] = []
    definitions = definition.get("options") or []
    for part in path:
        match = [d for d in definitions if d["name"] == part and d.get("type") in _SUBCOMMAND_TYPES]
        if not match:
            raise KeyError(f"no subcommand {part!r} in {definition['name']!r}")
        chain.append(match[0])
        definitions = match[0].get("options") or []
    options = _leaf_options(definitions, dict(values or {}), guild, resolved, focused)
    for sub in reversed(chain):
        options = [{"name": sub["name"], "type": sub["type"], "options": options}]
    return options


# -- REST handlers -------------------------------------------------------------


class InteractionRoutes:
    """Interaction callback and webhook (follow-up) endpoints, mixed into FakeDiscord."""

    interactions: dict[int, FakeInteraction]
    interaction_timeout: float
    _by_token: dict[str, FakeInteraction]

    async def _interaction_callback(self: FakeDiscord, request: web.Request) -> web.Response:
        inter = self.interactions.get(int(request.match_info["interaction_id"]))
        if inter is None or inter.token != request.match_info["token"]:
            return error_reply(404, 10062)
        if inter.acknowledged:
            return inter._reject(400, 40060)
        if inter.age > self.interaction_timeout:
            return inter._reject(404, 10062)
        body, has_files = await self._read_body(request)
        rtype = int(body.get("type") or 0)
        data = body.get("data") or {}
        problem = self._check_callback(rtype, data, has_files)
        if problem is not None:
            return problem
        inter.acknowledged = True
        message = self._callback_message(inter, rtype, data)
        inter._record("callback", data, type=rtype, message=message)
        if "with_response" not in request.query:
            return no_content()
        return json_reply(self._callback_response(inter, rtype, message))

    def _check_callback(self, rtype: int, data: dict[str, Any], has_files: bool) -> web.Response | None:
        """A 400 reply if Discord would reject this callback body, else None."""
        if rtype not in _CALLBACK_TYPES:
            return _field_error("type", "BASE_TYPE_CHOICES", f"Value must be one of {_CALLBACK_TYPES}.")
        if rtype in (4, 7):
            error = validate_message(data, require_content=rtype == 4, has_files=has_files)
            if error is not None:
                return json_reply(error[1], error[0])
        if rtype == 8 and len(data.get("choices") or []) > 25:
            return _field_error("choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        return None

    def _callback_message(
        self: FakeDiscord, inter: FakeInteraction, rtype: int, data: dict[str, Any]
    ) -> dict[str, Any] | None:
        if rtype in (6, 7) and inter.type != 3:
            return None  # Discord answers 400 for these: only a component's message can be updated
        if rtype == 7 and inter.original is not None:  # UPDATE_MESSAGE: the component's own message
            self._apply_edit(inter.original, data)
            return inter.original
        if rtype not in _MESSAGE_CALLBACKS:
            return None
        body = data if rtype == 4 else {"flags": int(data.get("flags") or 0) | LOADING}
        inter.original = self._message(inter.channel_id, inter.guild_id, body, type=20)
        return inter.original

    def _callback_response(self, inter: FakeInteraction, rtype: int, message: dict[str, Any] | None) -> dict[str, Any]:
        flags = int(message["flags"]) if message else 0
        result: dict[str, Any] = {
            "interaction": {
                "id": str(inter.id),
                "type": inter.type,
                "activity_instance_id": None,
                "response_message_id": message["id"] if message else None,
                "response_message_loading": rtype == 5,
                "response_message_ephemeral": bool(flags & EPHEMERAL),
            }
        }
        if message is not None:
            result["resource"] = {"type": rtype, "message": message}
        return result

    def _webhook_interaction(self, request: web.Request) -> FakeInteraction | None:
        inter = self._by_token.get(request.match_info["token"])
        if inter is None or request.match_info["app_id"] != str(self.app_id):
            return None
        if not inter.acknowledged or inter.age > FOLLOWUP_LIFETIME:
            return None
        return inter

    async def _followup_create(self: FakeDiscord, request: web.Request) -> web.Response:
        inter = self._webhook_interaction(request)
        if inter is None:
            return error_reply(404, 10015)
        body, has_files = await self._read_body(request)
        error = validate_message(body, has_files=has_files)
        if error is not None:
            return json_reply(error[1], error[0])
        message = self._message(inter.channel_id, inter.guild_id, body, type=0)
        inter.followups[int(message["id"])] = message
        inter._record("followup", body, message=message)
        if request.query.get("wait", "").lower() in ("1", "true"):
            return json_reply(message)
        return no_content()

    def _webhook_message(self, inter: FakeInteraction, message_id: str) -> dict[str, Any] | None:
        if message_id == "@original":
            return inter.original
        if inter.original is not None and inter.original["id"] == message_id:
            return inter.original
        return inter.followups.get(int(message_id)) if message_id.isdigit() else None

    async def _webhook_message_op(self: FakeDiscord, request: web.Request) -> web.Response:
        inter = self._webhook_interaction(request)
        if inter is None:
            return error_reply(404, 10015)
        message = self._webhook_message(inter, request.match_info["message_id"])
        if message is None:
            return error_reply(404, 10008)
        if request.method == "GET":
            return json_reply(message)
        if request.method == "DELETE":
            self._forget_webhook_message(inter, message)
            inter._record("delete", {}, message=message)
            return no_content()
        return await self._webhook_edit(request, inter, message)

    async def _webhook_edit(
        self: FakeDiscord, request: web.Request, inter: FakeInteraction, message: dict[str, Any]
    ) -> web.Response:
        body, has_files = await self._read_body(request)
        error = validate_message(body, require_content=False, has_files=has_files)
        if error is not None:
            return json_reply(error[1], error[0])
        self._apply_edit(message, body)
        inter._record("edit", body, message=message)
        return json_reply(message)

    def _forget_webhook_message(self, inter: FakeInteraction, message: dict[str, Any]) -> None:
        if inter.original is message:
            inter.original = None
        inter.followups.pop(int(message["id"]), None)
