"""The state of the fake Telegram world: users, chats, members, topics and stored messages.

Also builds the JSON objects Telegram sends for them (User, Chat, ChatFullInfo,
ChatMember), in the shape python-telegram-bot 22 can de-serialise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CHAT_TYPES", "MEMBER_STATUSES", "Chat", "Topic", "World", "chat_member"]

CHAT_TYPES = frozenset({"private", "group", "supergroup", "channel"})
MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})

_ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": True,
    "can_edit_stories": True,
    "can_delete_stories": True,
    "can_post_messages": True,
    "can_edit_messages": True,
    "can_pin_messages": True,
    "can_manage_topics": True,
}
_RESTRICTED_RIGHTS = {
    "is_member": True,
    "can_send_messages": False,
    "can_send_audios": False,
    "can_send_documents": False,
    "can_send_photos": False,
    "can_send_videos": False,
    "can_send_video_notes": False,
    "can_send_voice_notes": False,
    "can_send_polls": False,
    "can_send_other_messages": False,
    "can_add_web_page_previews": False,
    "can_change_info": False,
    "can_invite_users": False,
    "can_pin_messages": False,
    "can_manage_topics": False,
    "can_edit_tag": False,
    "can_react_to_messages": False,
    "until_date": 0,
}
_ACCEPTED_GIFT_TYPES = {
    "unlimited_gifts": False,
    "limited_gifts": False,
    "unique_gifts": False,
    "premium_subscription": False,
    "gifts_from_channels": False,
}


@dataclass
class Topic:
    name: str
    open: bool = True


@dataclass
class Chat:
    """One chat and the fake's bookkeeping about it."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    is_forum: bool = False
    members: dict[int, str] = field(default_factory=dict)
    rights: dict[int, dict] = field(default_factory=dict)
    topics: dict[int, Topic] = field(default_factory=dict)
    blocked: bool = False
    migrated_to: int | None = None
    next_message_id: int = 1
    messages: dict[int, dict] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """The ``Chat`` object as it appears inside messages and updates."""
        data: dict = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.first_name or "User"
        else:
            data["title"] = self.title or f"Chat {self.id}"
        if self.username:
            data["username"] = self.username
        if self.is_forum:
            data["is_forum"] = True
        return data

    def full_info(self) -> dict:
        """The ``ChatFullInfo`` object getChat answers with."""
        return {
            **self.as_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict(_ACCEPTED_GIFT_TYPES),
        }

    def new_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


def chat_member(user: dict, status: str, rights: dict | None = None) -> dict:
    """A ``ChatMember`` object of the right subtype for ``status``."""
    member: dict = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(_ADMIN_RIGHTS)
    elif status == "restricted":
        member.update(_RESTRICTED_RIGHTS)
    elif status == "kicked":
        member["until_date"] = 0
    if rights:
        member.update(rights)
    return member


@dataclass
class World:
    """Users and chats known to the fake, keyed by id."""

    bot_user: dict
    users: dict[int, dict] = field(default_factory=dict)
    chats: dict[int, Chat] = field(default_factory=dict)

    def user(self, user_id: int) -> dict:
        """The user with that id, created with default names if unknown."""
        if user_id == self.bot_user["id"]:
            return self.bot_user
        if user_id not in self.users:
            self.users[user_id] = {"id": user_id, "is_bot": False, "first_name": "User"}
        return self.users[user_id]

    def chat(self, chat_id: int) -> Chat:
        """The chat with that id; a private chat is opened on demand for a user's id."""
        chat = self.chats.get(chat_id)
        if chat is not None:
            return chat
        if chat_id > 0:
            user = self.user(chat_id)
            chat = Chat(chat_id, "private", first_name=user["first_name"], username=user.get("username"))
            self.chats[chat_id] = chat
            return chat
        raise KeyError(f"unknown chat {chat_id}; add it with add_chat() first")

    def find(self, chat_ref: int | str) -> Chat | None:
        """Look a chat up by id or ``@username``, as the Bot API's chat_id accepts."""
        if isinstance(chat_ref, str) and chat_ref.startswith("@"):
            wanted = chat_ref[1:].lower()
            return next((c for c in self.chats.values() if c.username and c.username.lower() == wanted), None)
        try:
            return self.chats.get(int(chat_ref))
        except (TypeError, ValueError):
            return None

    def status(self, chat: Chat, user_id: int) -> str:
        """Membership status; the bot defaults to member (administrator in channels)."""
        if chat.type == "private":
            return "member" if user_id in (chat.id, self.bot_user["id"]) else "left"
        if user_id == self.bot_user["id"]:
            default = "administrator" if chat.type == "channel" else "member"
            return chat.members.get(user_id, default)
        return chat.members.get(user_id, "left")

    def member(self, chat: Chat, user_id: int) -> dict:
        return chat_member(self.user(user_id), self.status(chat, user_id), chat.rights.get(user_id))
