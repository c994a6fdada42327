"""Bot API wire format for the fake server: reading parameters and writing answers.

python-telegram-bot posts ``application/x-www-form-urlencoded`` (``multipart/form-data``
when uploading), where strings are sent as-is and every other value is JSON-encoded
(``123``, ``true``, ``{"inline_keyboard": ...}``).  Other clients send a JSON body
or a query string; all three end up as one dict of typed values.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

__all__ = ["ApiError", "error_response", "ok_response", "read_params"]

# Parameters whose form value is a JSON document.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "link_preview_options",
        "reply_parameters",
        "entities",
        "caption_entities",
        "media",
        "results",
        "message_ids",
        "reaction",
        "permissions",
        "options",
    }
)
_INT_FIELDS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "message_thread_id",
        "reply_to_message_id",
        "user_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "max_connections",
        "until_date",
        "direct_messages_topic_id",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "allow_paid_broadcast",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "only_if_banned",
        "revoke_messages",
    }
)
_JSON_ERRORS = {"reply_markup": "Bad Request: can't parse reply keyboard markup JSON object"}


class ApiError(Exception):
    """An error answer: HTTP status, Telegram description and optional ResponseParameters."""

    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict:
        body: dict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


async def read_params(request: web.Request) -> dict[str, Any]:
    """All parameters of a Bot API request, decoded to Python values."""
    raw: dict[str, Any] = dict(request.query) if request.query_string else {}
    if request.body_exists:
        if request.content_type == "application/json":
            body = await request.read()
            if body:
                try:
                    raw.update(json.loads(body))
                except ValueError as exc:
                    raise ApiError(400, "Bad Request: can't parse JSON object") from exc
        else:
            form = await request.post()
            raw.update((k, v) for k, v in form.items() if isinstance(v, str))
    return {key: _decode(key, value) for key, value in raw.items()}


def _decode(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value  # e.g. chat_id="@channel"
    if key in _BOOL_FIELDS:
        return value.lower() in ("true", "1")
    if key in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError as exc:
            description = _JSON_ERRORS.get(key, f"Bad Request: can't parse {key} JSON object")
            raise ApiError(400, description) from exc
    return value


def ok_response(result: Any) -> web.Response:
    body = json.dumps({"ok": True, "result": result}, ensure_ascii=False).encode()
    return web.Response(body=body, content_type="application/json")


def error_response(error: ApiError) -> web.Response:
    body = json.dumps(error.payload(), ensure_ascii=False).encode()
    return web.Response(body=body, status=error.code, content_type="application/json")
