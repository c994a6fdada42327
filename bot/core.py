"""The service's shared parts, built once from settings: storage, the library, the content loader.

Commands, alert jobs and front-ends all receive one `Core`. It owns the database: the other
layers use its repositories and operations, and front-ends only its operations (a chat
blocked the bot, a chat moved), which the delivery worker shares.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.announcements import briefing_alert, broadcast_alert
from bot.content import ContentLoader, ReloadReport
from bot.library import Library
from bot.settings import Settings
from bot.sources.service import FeedService
from storage import (
    AuditRepository,
    BriefingRepository,
    Database,
    StateRepository,
    SubscriptionRepository,
    open_database,
)
from storage.feeds import FeedRepository
from storage.fleet import FleetRepository
from storage.languages import LanguageRepository
from storage.operations import OperationsRepository
from storage.outbox import OutboxRepository

log = logging.getLogger(__name__)

Clock = Callable[[], float]
LANGUAGE_RECHECK = 5.0  # seconds a chat's language is remembered
LANGUAGES_REMEMBERED = 100_000


@dataclass
class Core:
    settings: Settings
    briefings: BriefingRepository
    library: Library
    subscriptions: SubscriptionRepository
    outbox: OutboxRepository
    audit: AuditRepository
    state: StateRepository
    operations: OperationsRepository
    loader: ContentLoader
    languages: LanguageRepository
    feeds: FeedService
    _db: Database
    fleet: FleetRepository = field(init=False)  # the processes sharing the database (bot.fleet)
    clock: Clock = time.time
    started_at: float = field(default_factory=time.time)
    on_queued: Callable[[], None] | None = None  # the alert jobs' "deliver now" poke
    on_reload: Callable[[str], None] | None = None  # told "ok" or "error" after each reload (metrics)
    http_address: str = ""  # where the service's HTTP server listens, once it does
    # (platform, chat) -> (language or None, when read): every command asks, few chats ever change it
    _languages_seen: dict[tuple[str, int], tuple[str | None, float]] = field(default_factory=dict, repr=False)

    @classmethod
    async def open(cls, settings: Settings, clock: Clock = time.time) -> Core:
        # BOT_DATABASE_URL (PostgreSQL) when set, else the SQLite file at BOT_DB_PATH.
        db = await open_database(settings.database_url or settings.db_path)
        briefings = BriefingRepository(db)
        core = cls(
            settings=settings,
            briefings=briefings,
            library=Library(briefings),
            subscriptions=SubscriptionRepository(db),
            outbox=OutboxRepository(db),
            audit=AuditRepository(db),
            state=StateRepository(db),
            operations=OperationsRepository(db),
            loader=ContentLoader(
                briefings, settings.content_dir, on_change=briefing_alert, max_bytes=settings.max_briefing_bytes
            ),
            languages=LanguageRepository(db),
            feeds=FeedService(FeedRepository(db), settings, clock),
            _db=db,
            clock=clock,
            started_at=clock(),
        )
        core.feeds.on_polled = lambda reports: core.queued()  # new items queued their alerts: deliver now
        return core

    def __post_init__(self) -> None:
        self.fleet = FleetRepository(self._db)

    @property
    def database_name(self) -> str:
        """Where the data lives, safe to show in /status or a log (a password is masked)."""
        return self._db.display_name

    async def close(self) -> None:
        await self.feeds.close()
        await self._db.close()

    def queued(self) -> None:
        """Something was added to the outbox: let the delivery job know without waiting."""
        if self.on_queued is not None:
            self.on_queued()

    async def reload(self, *, fetch_feeds: bool = True) -> ReloadReport:
        """Re-read the content folder; an operator's reload (the default) also fetches every feed now,
        the scheduled refresh does not (feeds keep their own intervals)."""
        try:
            report = await self.loader.reload(self.clock())
        except Exception:
            if self.on_reload is not None:
                self.on_reload("error")
            raise
        finally:
            self.library.invalidate()
        await self.state.set("last_refresh_at", repr(self.clock()))
        log.info("content reloaded: %s", report.summary_line())
        if self.on_reload is not None:
            self.on_reload("ok" if report.ok else "error")
        if report.added or report.changed:
            self.queued()
        if fetch_feeds:
            report.feeds_due = await self.fetch_feeds_now()
        return report

    async def fetch_feeds_now(self) -> int:
        """Every feed that is not stopped is fetched now (by this process's polling loop, or the service's
        within a few seconds). Returns how many."""
        return await self.feeds.fetch_now()

    async def load_if_empty(self) -> ReloadReport | None:
        """A service or CLI starting on an empty database loads the content folder first."""
        if await self.briefings.count() == 0:
            return await self.reload(fetch_feeds=False)
        return None

    async def broadcast(self, text: str, author: str) -> int:
        """An operator's announcement to every active subscription; returns how many are queued."""
        queued = await self.outbox.enqueue(broadcast_alert(text, author, self.clock()), self.clock(), everyone=True)
        self.queued()
        return queued

    async def chat_gone(self, platform: str, chat_id: int, reason: str) -> int:
        """The bot was blocked, kicked or the chat deleted: its subscriptions become inactive (kept,
        so a new /subscribe revives them). Returns how many changed."""
        changed = await self.subscriptions.deactivate_chat(platform, chat_id, reason[:200], self.clock())
        if changed:
            log.info("%s chat %s is gone (%s): %d subscription(s) made inactive", platform, chat_id, reason, changed)
        return changed

    async def chat_moved(self, platform: str, old_chat_id: int, new_chat_id: int) -> int:
        """A chat got a new id (a Telegram group upgraded to a supergroup): its subscriptions follow."""
        moved = await self.subscriptions.move_chat(platform, old_chat_id, new_chat_id, self.clock())
        await self.languages.move_chat(platform, old_chat_id, new_chat_id, self.clock())
        self._languages_seen.pop((platform, old_chat_id), None)
        self._languages_seen.pop((platform, new_chat_id), None)
        if moved:
            log.info("%s chat %s became %s; %d subscription(s) followed", platform, old_chat_id, new_chat_id, moved)
        return moved

    async def chat_language(self, platform: str, chat_id: int) -> str | None:
        """The language the chat chose with /language (None: it never chose one).

        Remembered for a few seconds, so a command costs no database read for it; a change made
        here is seen at once, one made by another process within LANGUAGE_RECHECK seconds."""
        key = (platform, chat_id)
        now = time.monotonic()
        seen = self._languages_seen.get(key)
        if seen is not None and now - seen[1] < LANGUAGE_RECHECK:
            return seen[0]
        language = await self.languages.get(platform, chat_id)
        if len(self._languages_seen) >= LANGUAGES_REMEMBERED:
            self._languages_seen.clear()
        self._languages_seen[key] = (language, now)
        return language

    async def set_chat_language(self, platform: str, chat_id: int, language: str, *, keep: bool = False) -> None:
        """Store a chat's language; with ``keep``, only when it has none yet."""
        if keep:
            await self.languages.set_if_unset(platform, chat_id, language, self.clock())
        else:
            await self.languages.set(platform, chat_id, language, self.clock())
        self._languages_seen.pop((platform, chat_id), None)

    async def chat_languages(self) -> dict[tuple[str, int], str]:
        """Every chat's chosen language by (platform, chat id), read in one query."""
        return await self.languages.all()

    async def recall(self, key: str) -> str | None:
        """A small piece of service state kept across restarts."""
        return await self.state.get(key)

    async def remember(self, key: str, value: str) -> None:
        await self.state.set(key, value)
