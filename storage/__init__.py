"""Persistence for Briefing Bot: aiosqlite repositories and versioned migrations, nothing about chats."""

from storage.audit import AuditEntry, AuditRepository
from storage.briefings import BriefingRepository, SearchHit, StoredVersion
from storage.database import Database
from storage.state import StateRepository
from storage.subscriptions import Subscription, SubscriptionRepository

__all__ = [
    "AuditEntry",
    "AuditRepository",
    "BriefingRepository",
    "Database",
    "SearchHit",
    "StateRepository",
    "StoredVersion",
    "Subscription",
    "SubscriptionRepository",
]
