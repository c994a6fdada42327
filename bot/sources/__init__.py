"""News sources: fetching feeds and article pages safely and turning their items into briefing text.

Nothing here touches the database: storage implements poller.FeedStore and keeps a polling.FeedSchedule per feed.
One process holds one Fetcher (fetcher.py: address rules, caps, redirects, conditional GET) and one
DocumentWorkers (workers.py: feedparser and trafilatura in processes bounded in time and memory). Then:

    reports = await poll_many(due_feeds, store, fetcher, now=clock(), rng=rng, workers=workers)   # poller.py

Adding a feed: ``await probe(fetcher, url, workers=workers)`` (feed_fetch.py) says what the address is, or
raises FetchError / SourceError, whose messages are one line. OPML lists: opml.py.
"""
