"""Who may manage a Telegram chat's subscription, decided from the message and getChatMember."""

from __future__ import annotations

import time

from telegram import Bot, Message
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

ADMIN_STATUSES = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR}


class AdminCache:
    """getChatMember answers, kept briefly so a busy group does not cost a request per command."""

    def __init__(self, bot: Bot, ttl: float = 60.0):
        self.bot = bot
        self.ttl = ttl
        self._cache: dict[tuple[int, int], tuple[float, bool]] = {}

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        key = (chat_id, user_id)
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit and now - hit[0] < self.ttl:
            return hit[1]
        try:
            member = await self.bot.get_chat_member(chat_id, user_id)
            allowed = member.status in ADMIN_STATUSES
        except TelegramError:
            return False
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (now, allowed)
        return allowed


async def can_manage(message: Message, admins: AdminCache) -> bool:
    chat = message.chat
    if chat.type == ChatType.PRIVATE:
        return True
    sender_chat = message.sender_chat
    if chat.type == ChatType.CHANNEL:
        # A channel post is written by the channel's admins: the channel itself is the sender.
        return sender_chat is None or sender_chat.id == chat.id
    if sender_chat is not None:
        # Anonymous group admins post as the group itself. A user posting as their own
        # channel, or a post auto-forwarded from a linked channel, is not an admin here.
        return sender_chat.id == chat.id and not message.is_automatic_forward
    user = message.from_user
    return user is not None and await admins.is_admin(chat.id, user.id)
