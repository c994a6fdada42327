"""Who is asking and where: the contract every front-end fills in before calling a command."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Caller:
    """The caller of a command.

    ``user_id`` is None for a channel post. ``is_operator`` means the user id is among the
    configured admin ids of this platform; ``can_manage`` means the platform says this caller
    may manage this chat (group admin, the channel itself, Manage Channels, a private chat).
    ``receives_alerts`` is False where nothing could deliver an alert (the console).
    ``locale`` is the user's language as the platform reports it ("uk", "en-US"), and
    ``private_chat`` says the chat is a one-to-one conversation with the bot: such a chat
    follows the user's locale until its language is set; other chats start in English.
    """

    platform: str
    chat_id: int
    user_id: int | None = None
    thread_id: int = 0
    is_operator: bool = False
    can_manage: bool = False
    receives_alerts: bool = True
    locale: str | None = None
    private_chat: bool = False
