"""sendMessage on the Bot API's wire: pre-encoded JSON bodies and the reading of its answers.

A fan-out sends the same text to thousands of chats, so everything but the chat (and topic)
is encoded once per message part; a body is then a few byte concatenations. An error answer
is read into (status, description, parameters), the terms the sender classifies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

NO_PREVIEW = {"is_disabled": True}


@dataclass(frozen=True, slots=True)
class EncodedText:
    """The part of a sendMessage body that every chat shares: text, parse mode, flags."""

    tail: bytes  # `"text": ..., ...}` — the JSON object without its opening brace

    @classmethod
    def of(cls, text: str, parse_mode: str | None, paid: bool) -> EncodedText:
        fields: dict[str, Any] = {"text": text, "link_preview_options": NO_PREVIEW}
        if parse_mode:
            fields["parse_mode"] = parse_mode
        if paid:
            fields["allow_paid_broadcast"] = True
        return cls(json.dumps(fields).encode()[1:])

    def body(self, chat_id: int, thread_id: int | None) -> bytes:
        head = (
            f'{{"chat_id":{int(chat_id)},'
            if not thread_id
            else f'{{"chat_id":{int(chat_id)},"message_thread_id":{int(thread_id)},'
        )
        return head.encode() + self.tail


@dataclass(frozen=True, slots=True)
class ErrorAnswer:
    status: int
    description: str
    parameters: dict[str, Any]


def read_error(status: int, raw: bytes) -> ErrorAnswer:
    """What Telegram said with a non-2xx answer; a body that is not the Bot API's JSON still gives one."""
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return ErrorAnswer(status, f"HTTP {status} without a Bot API answer", {})
    parameters = data.get("parameters")
    return ErrorAnswer(
        status,
        api_message(str(data.get("description") or f"HTTP {status}")),
        parameters if isinstance(parameters, dict) else {},
    )


def api_message(description: str) -> str:
    """The description as python-telegram-bot words it (without "Bad Request: "), so logs read the same."""
    message = description.removeprefix("Error: ").removeprefix("[Error]: ").removeprefix("Bad Request: ")
    return message.capitalize() if message != description else message
