"""What operators read and repair, on both backends: subscription pages, deliveries, versions."""

from __future__ import annotations

import pytest

from bot.briefing.model import Briefing
from storage import BriefingRepository, SubscriptionRepository, open_database
from storage.briefings import NewVersion
from storage.operations import OperationsRepository
from storage.outbox import NewAlert, OutboxRepository


@pytest.fixture
async def db(db_target):
    database = await open_database(db_target)
    try:
        yield database
    finally:
        await database.close()


async def _subscribe(db, platform: str, chat: int) -> int:
    sub, _ = await SubscriptionRepository(db).upsert(
        platform, chat, 0, mode="instant", digest_time=None, timezone="UTC", keywords=(), now=1.0
    )
    return sub.id


async def test_pages_counts_and_reactivation(db):
    ops = OperationsRepository(db)
    subs = SubscriptionRepository(db)
    for chat in range(1, 6):
        await _subscribe(db, "telegram", chat)
    await _subscribe(db, "discord", 99)
    await subs.deactivate_chat("telegram", 2, "bot was blocked", 2.0)

    counts = {c.platform: (c.active, c.inactive) for c in await ops.subscriptions_by_platform()}
    assert counts == {"discord": (1, 0), "telegram": (4, 1)}
    page, total = await ops.subscription_page(offset=1, limit=2)
    assert total == 6 and [s.chat_id for s in page] == [2, 3]
    inactive, total = await ops.subscription_page(offset=0, limit=10, inactive_only=True)
    assert total == 1 and inactive[0].inactive_reason == "bot was blocked"

    assert await ops.reactivate(inactive[0].id, now=50.0)
    again = await subs.get("telegram", 2)
    assert again.active and again.inactive_reason is None and again.started_at == 50.0  # no backlog
    assert not await ops.reactivate(inactive[0].id, now=51.0)  # already active: nothing to do


async def test_deliveries_pending_failed_and_retried(db):
    ops = OperationsRepository(db)
    outbox = OutboxRepository(db)
    for chat in (1, 2):
        await _subscribe(db, "telegram", chat)
    await outbox.enqueue(NewAlert("broadcast", "b1", {"text": "hello"}, "hello"), 5.0, everyone=True)
    claimed = await outbox.claim_due(10.0, 10, ["telegram"])
    await outbox.finish([], [], [(claimed[0].id, "Bad Request: message is too long")], 11.0)

    pending = await ops.pending_deliveries(10)
    failed = await ops.failed_deliveries(10)
    assert [d.chat_id for d in failed] == [claimed[0].chat_id] and "too long" in failed[0].last_error
    assert len(pending) == 1 and pending[0].kind == "broadcast" and pending[0].status == "sending"

    assert await ops.retry_failed(now=20.0) == 1
    assert await ops.failed_deliveries(10) == []
    retried = await outbox.claim_due(20.0, 10, ["telegram"])
    assert [d.chat_id for d in retried] == [claimed[0].chat_id] and retried[0].attempts == 1


async def test_versions_oldest_first_with_counts(db):
    repo = BriefingRepository(db)
    for title in ("Fighting near Kursk", "Fighting spreads near Kursk"):
        b = Briefing(id="k", title=title, summary="Lead.", paragraphs=("Lead.",))
        await repo.publish([NewVersion(b.id, b.to_json(), b.content_hash(), title, None, b.sentences())], 1.0)
    ops = OperationsRepository(db)
    versions = await ops.versions("k")
    assert [v.data["title"] for v in versions] == ["Fighting near Kursk", "Fighting spreads near Kursk"]
    assert await ops.version_counts() == {"k": 2}
