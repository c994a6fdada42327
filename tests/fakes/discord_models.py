"""Guild/channel/role/member state of the fake Discord API and its JSON payloads.

The payload builders produce the shapes discord.py 2.x parses (GUILD_CREATE,
channel, member, user and message objects), trimmed to the fields it reads.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .discord_api import FakeDiscord

DISCORD_EPOCH_MS = 1420070400000
JOINED_AT = "2024-01-01T00:00:00.000000+00:00"

# Permission bits used by the fake (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_APPLICATION_COMMANDS = 1 << 31
ALL_PERMISSIONS = (1 << 53) - 1
DEFAULT_EVERYONE_PERMISSIONS = (
    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY | USE_APPLICATION_COMMANDS
)

_counter = itertools.count(1)


def snowflake() -> int:
    """Return a fresh, increasing snowflake whose timestamp is 'now'."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (next(_counter) & 0x3FFFFF)


def iso_now() -> str:
    """Current UTC time in Discord's ISO-8601 format."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime())


def user_payload(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    """A Discord user object."""
    return {
        "id": str(user_id),
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "verified": True,
        "mfa_enabled": False,
        "flags": 0,
        "public_flags": 0,
    }


@dataclass
class Role:
    """A guild role; the @everyone role has the guild's id."""

    id: int
    name: str
    permissions: int = 0
    mentionable: bool = False
    position: int = 0

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": self.mentionable,
            "flags": 0,
        }


@dataclass
class Member:
    """A guild member (the user plus role ids)."""

    id: int
    name: str
    roles: list[int] = field(default_factory=list)
    owner: bool = False
    bot: bool = False

    def user(self) -> dict[str, Any]:
        return user_payload(self.id, self.name, bot=self.bot)

    def payload(self, permissions: int | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "user": self.user(),
            "roles": [str(r) for r in self.roles],
            "joined_at": JOINED_AT,
            "nick": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class Channel:
    """A guild channel. ``denied`` is a Discord error code (50001/50013) or None."""

    id: int
    name: str
    guild_id: int
    type: int = 0
    position: int = 0
    denied: int | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "type": self.type,
            "guild_id": str(self.guild_id),
            "position": self.position,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }


@dataclass
class Guild:
    """A guild held by the fake; mutations after connect are dispatched."""

    id: int
    name: str
    fake: FakeDiscord
    owner_id: int = 0
    channels: dict[int, Channel] = field(default_factory=dict)
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def add_channel(self, channel_id: int, name: str, type: int = 0) -> Channel:
        channel = Channel(channel_id, name, self.id, type, position=len(self.channels))
        self.channels[channel_id] = channel
        self.fake._on_channel_added(self, channel)
        return channel

    def add_role(self, role_id: int, name: str, permissions: int = 0, *, mentionable: bool = False) -> Role:
        role = Role(role_id, name, permissions, mentionable, position=len(self.roles))
        self.roles[role_id] = role
        self._dispatch("GUILD_ROLE_CREATE", {"guild_id": str(self.id), "role": role.payload()})
        return role

    def add_member(self, user_id: int, name: str, roles: list[int] | None = None, owner: bool = False) -> Member:
        member = Member(user_id, name, list(roles or []), owner)
        self.members[user_id] = member
        if owner:
            self.owner_id = user_id
        self._dispatch("GUILD_MEMBER_ADD", {**member.payload(), "guild_id": str(self.id)})
        return member

    def _dispatch(self, event: str, data: dict[str, Any]) -> None:
        self.fake._dispatch_if_known(self.id, event, data)

    def permissions(self, user_id: int, channel_id: int | None = None) -> int:
        """Guild-level permissions of a member: OR of role permissions, all for admin/owner."""
        member = self.members.get(user_id)
        if member is None:
            return 0
        if member.owner or self.owner_id == user_id:
            return ALL_PERMISSIONS
        perms = self.everyone.permissions
        for role_id in member.roles:
            role = self.roles.get(role_id)
            if role is not None:
                perms |= role.permissions
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        channel = self.channels.get(channel_id) if channel_id is not None else None
        if channel is not None and channel.denied is not None:
            perms &= ~(VIEW_CHANNEL if channel.denied == 50001 else SEND_MESSAGES)
        return perms

    def payload(self, all_members: bool = True) -> dict[str, Any]:
        """GUILD_CREATE payload. With all members, member_count matches so discord.py sees
        the guild as chunked; without (no GUILD_MEMBERS intent) only the bot is listed."""
        members = (
            self.members.values()
            if all_members
            else [m for m in self.members.values() if m.id == self.fake.bot_user_id]
        )
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": str(self.owner_id),
            "unavailable": False,
            "large": False,
            "member_count": len(self.members),
            "joined_at": JOINED_AT,
            "features": [],
            "premium_tier": 0,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "preferred_locale": "en-US",
            "system_channel_flags": 0,
            "emojis": [],
            "stickers": [],
            "roles": [r.payload() for r in self.roles.values()],
            "channels": [c.payload() for c in self.channels.values()],
            "members": [m.payload() for m in members],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


def new_guild(fake: FakeDiscord, guild_id: int, name: str, bot_member: Callable[[], Member]) -> Guild:
    """A guild with its @everyone role and the bot as a member."""
    guild = Guild(guild_id, name, fake)
    guild.roles[guild_id] = Role(guild_id, "@everyone", DEFAULT_EVERYONE_PERMISSIONS)
    bot = bot_member()
    guild.members[bot.id] = bot
    return guild
