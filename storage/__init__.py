"""Persistence for Briefing Bot: repositories over SQLite (default) or PostgreSQL, nothing about chats."""

from storage.audit import AuditEntry, AuditRepository
from storage.briefings import BriefingRepository, SearchHit, StoredVersion
from storage.connect import open_database
from storage.database import Database, DatabaseUnavailable
from storage.state import StateRepository
from storage.subscriptions import Subscription, SubscriptionRepository
from storage.url import display_url, is_postgres_url

__all__ = [
    "AuditEntry",
    "AuditRepository",
    "BriefingRepository",
    "Database",
    "DatabaseUnavailable",
    "SearchHit",
    "StateRepository",
    "StoredVersion",
    "Subscription",
    "SubscriptionRepository",
    "display_url",
    "is_postgres_url",
    "open_database",
]
