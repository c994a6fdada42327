"""News sources: fetching feeds and article pages safely and turning their items into briefing text.

Nothing here touches the database; callers persist what these functions return. One poll of one feed:

    fetcher = await Fetcher(FetchLimits(...), AddressPolicy(allow_private=...)).open()   # one per process
    workers = DocumentWorkers()                                                            # one per process
    got = await fetch_feed(fetcher, url, etag=..., last_modified=..., workers=workers)   # feed_fetch.py
    if got.feed is None: ...304: store after_success(now, minutes, rng)                   # polling.py
    for item in got.feed.items:
        plan = plan_item(item, known_by_key, known_by_hash, pages=not no_pages)          # item_plan.py
        page = await fetch_page(fetcher, item.link, etag=...) if plan.fetch_page else None
        stamp = plan.known.stamp if plan.known else new_stamp(item, feed_id, page.article)
        text = item_briefing_text(item, stamp, feed_name=..., article=...)                 # briefing_text.py
        ...parse_briefing(text, ...) and store it like a content-folder file

Errors are FetchError (fetcher.py) and SourceError (feed_fetch.py); both read as one line.
"""
