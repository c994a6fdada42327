"""/feeds, /addfeed, /removefeed, feed-limited /subscribe and /reload against the loopback feed server."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.commands.catalog import build_router
from bot.commands.context import Caller
from bot.reply import reply_text
from tests.conftest import first_digest, query
from tests.fakes.feed_server import FeedServer

USER = Caller(platform="telegram", chat_id=100, user_id=100, can_manage=True)
OPERATOR = Caller(platform="telegram", chat_id=42, user_id=42, is_operator=True, can_manage=True)


@pytest.fixture
def settings(settings):
    return replace(settings, fetch_allow_private=True)


@pytest.fixture
async def site():
    async with FeedServer() as server:
        yield server


@pytest.fixture
async def router(core):
    core.feeds.isolated_parsing = False  # parse in this process: no worker process to start per test
    await core.load_if_empty()
    return build_router(core)


async def ask(router, caller, text):
    reply = await router.dispatch_text(caller, text)
    assert reply is not None
    return reply, reply_text(reply)


async def test_adding_a_feed_probes_once_and_refuses_twice(router, core, site):
    url = site.url("/feeds/rss.xml")
    reply, text = await ask(router, OPERATOR, f"/addfeed {url} 0.5")
    assert reply.ok and text.startswith("Added feed 1: World Desk & Wires (3 items), every 0.5 min"), text
    assert site.hits["/feeds/rss.xml"] == 1
    reply, text = await ask(router, OPERATOR, f"/addfeed {url}")
    assert not reply.ok and "is already a feed (id 1)" in text
    assert site.hits["/feeds/rss.xml"] == 1

    await core.feeds.poll_due()  # the baseline
    _, text = await ask(router, OPERATOR, "/feeds")
    assert "1. World Desk & Wires" in text and url in text and "every 0.5 min · 3 items" in text
    assert "last fetched never" not in text and "next not scheduled" not in text and " UTC · next " in text
    _, text = await ask(router, USER, "/briefings")
    assert "· World Desk & Wires" in text  # beside each briefing the feed brought
    assert query(core, "SELECT COUNT(*) FROM briefings WHERE feed_id = 1") == [(3,)]
    assert query(core, "SELECT COUNT(*) FROM alerts WHERE feed_id IS NOT NULL") == [(0,)]  # a baseline alerts nobody


@pytest.mark.parametrize(
    "path, reason",
    [
        ("/fault/404", "HTTP 404"),
        ("/login", "neither a feed nor an article page"),
        ("/fault/redirect-loop", "redirect"),
    ],
)
async def test_an_address_that_is_no_feed_is_answered_in_one_line_and_not_saved(router, core, site, path, reason):
    reply, text = await ask(router, OPERATOR, f"/addfeed {site.url(path)}")
    assert not reply.ok and text.startswith("Not added: ") and reason in text and "\n" not in text, text
    assert await core.feeds.repo.list_feeds() == []


async def test_private_addresses_are_refused_by_default(router, core, site):
    core.feeds.settings = replace(core.feeds.settings, fetch_allow_private=False)
    reply, text = await ask(router, OPERATOR, f"/addfeed {site.url('/feeds/rss.xml')}")
    assert not reply.ok and "Not added" in text and site.hits["/feeds/rss.xml"] == 0
    assert await core.feeds.repo.list_feeds() == []


async def test_bad_arguments_and_refusals(router, core, site):
    reply, text = await ask(router, OPERATOR, f"/addfeed {site.url('/feeds/rss.xml')} often")
    assert not reply.ok and "Minutes must be a number" in text and "Usage: /addfeed" in text
    reply, text = await ask(router, USER, f"/addfeed {site.url('/feeds/rss.xml')}")
    assert not reply.ok and "operators only" in text and site.hits["/feeds/rss.xml"] == 0
    assert query(core, "SELECT command, outcome FROM audit") == [("addfeed", "refused")]
    reply, text = await ask(router, OPERATOR, "/removefeed 7")
    assert not reply.ok and "There is no feed 7" in text


async def test_remove_keeps_briefings_and_subscriptions_can_name_feeds(router, core, site):
    await ask(router, OPERATOR, f"/addfeed {site.url('/feeds/rss.xml')}")
    await core.feeds.poll_due()
    before = query(core, "SELECT COUNT(*) FROM briefings")[0][0]

    reply, text = await ask(router, USER, "/subscribe feed:1 geneva")
    assert reply.ok and "Feeds: only feed:1" in text and "geneva" in text
    _, text = await ask(router, USER, "/subscription")
    assert "Feeds: only feed:1" in text
    reply, text = await ask(router, USER, "/subscribe feed:9")
    assert not reply.ok and "There is no feed 9" in text
    reply, text = await ask(router, USER, "/subscribe feed:x")
    assert not reply.ok and "feed:x is not a feed" in text
    _, text = await ask(router, USER, "/subscribe feed:all")
    assert "Feeds:" not in text

    reply, text = await ask(router, OPERATOR, "/removefeed 1")
    assert reply.ok and "Removed feed 1" in text
    assert query(core, "SELECT COUNT(*) FROM briefings")[0][0] == before


async def test_reload_fetches_every_feed_now_and_status_counts_failing_ones(router, core, site):
    await ask(router, OPERATOR, f"/addfeed {site.url('/feeds/rss.xml')} 60")
    await ask(router, OPERATOR, f"/addfeed {site.url('/feeds/atom.xml')} 60")
    await core.feeds.poll_due()
    assert await core.feeds.repo.due(core.clock()) == []
    site.set("/feeds/atom.xml", b"", "text/plain")
    site.pages.pop("/feeds/atom.xml")  # now a 404: the feed stops

    reply, text = await ask(router, OPERATOR, "/reload")
    assert reply.ok and "2 feeds fetching now" in text
    reports = await core.feeds.poll_due()
    assert sorted(r.feed_id for r in reports) == [1, 2]
    _, text = await ask(router, OPERATOR, "/status")
    assert "Feeds: 2, 1 failing (2." in text
    _, text = await ask(router, OPERATOR, "/feeds")
    assert "STOPPED" in text and "Last error: " in text and "404" in text


async def test_a_daily_digest_limited_to_a_feed_takes_only_its_alerts(router, core, site, content_dir):
    import json
    from datetime import timedelta

    from bot.alerts.jobs import queue_due_digests

    await ask(router, OPERATOR, f"/addfeed {site.url('/feeds/rss.xml')}")
    await core.feeds.poll_due()  # the baseline
    reader = Caller(platform="telegram", chat_id=200, user_id=200, can_manage=True)
    assert (await ask(router, USER, "/subscribe daily 08:00 feed:1"))[0].ok
    assert (await ask(router, reader, "/subscribe daily 08:00"))[0].ok
    fresh = (
        "<item><title>Ceasefire talks resume in Geneva</title><guid>g-9</guid>"
        "<description>Delegations from 4 countries met on Thursday.</description></item>"
    )
    site.set("/feeds/rss.xml", site.pages["/feeds/rss.xml"].body.decode().replace("<item>", fresh + "<item>", 1))
    await core.fetch_feeds_now()
    assert [len(r.added) for r in await core.feeds.poll_due()] == [1]
    (content_dir / "quake.txt").write_text("Quake Hits Region\n\nA quake struck at dawn.\n", encoding="utf-8")
    await core.reload()  # a content-folder alert, from no feed

    sub = await core.subscriptions.get("telegram", 100)
    after_first = first_digest(sub.started_at, "08:00", "UTC") + timedelta(hours=1)
    assert await queue_due_digests(core, after_first) == 2
    digests = {}
    for payload, chat in query(
        core,
        "SELECT a.payload, s.chat_id FROM alerts a JOIN deliveries d ON d.alert_id = a.id "
        "JOIN subscriptions s ON s.id = d.subscription_id WHERE a.kind = 'digest'",
    ):
        digests[chat] = sorted(item["title"] for item in json.loads(payload)["items"])
    assert digests == {
        100: ["Ceasefire talks resume in Geneva"],
        200: ["Ceasefire talks resume in Geneva", "Quake Hits Region"],
    }


async def test_the_scheduled_refresh_leaves_feeds_to_their_own_intervals(router, core, site):
    from bot.alerts.jobs import AlertJobs
    from bot.alerts.worker import DeliveryWorker

    await ask(router, OPERATOR, f"/addfeed {site.url('/feeds/rss.xml')} 60")
    await core.feeds.poll_due()
    await AlertJobs(core, DeliveryWorker(core, {}, {})).refresh()  # what BOT_REFRESH_MINUTES runs
    assert await core.feeds.repo.due(core.clock()) == []
    await core.reload()  # an operator's reload
    assert [f.id for f in await core.feeds.repo.due(core.clock())] == [1]
