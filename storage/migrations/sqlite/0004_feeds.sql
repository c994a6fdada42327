-- Feeds and the items they brought: each item is a briefing; subscriptions may be limited to some feeds.
-- Times are epoch seconds like everywhere else; next_due NULL means stopped until an operator acts.
-- fetch_now: an operator asked for a fetch while a poll held the feed; the poll's outcome keeps it due.

CREATE TABLE feeds (
    id            INTEGER PRIMARY KEY,
    url           TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    minutes       REAL NOT NULL,
    pages         INTEGER NOT NULL DEFAULT 1,
    kind          TEXT NOT NULL DEFAULT 'feed',
    etag          TEXT,
    last_modified TEXT,
    next_due      REAL,
    fetch_now     INTEGER NOT NULL DEFAULT 0,
    failures      INTEGER NOT NULL DEFAULT 0,
    failing_since REAL,
    status        TEXT NOT NULL DEFAULT 'ok',
    last_success  REAL,
    last_error    TEXT,
    baseline_done INTEGER NOT NULL DEFAULT 0,
    created_at    REAL NOT NULL
);
CREATE INDEX feeds_due ON feeds(next_due);

CREATE TABLE feed_items (
    id                 INTEGER PRIMARY KEY,
    feed_id            INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    key                TEXT NOT NULL,
    briefing_id        TEXT NOT NULL,
    content_hash       TEXT NOT NULL,
    updated            REAL,
    source             TEXT,
    published          TEXT,
    page_etag          TEXT,
    page_last_modified TEXT,
    UNIQUE (feed_id, key)
);
CREATE INDEX feed_items_by_hash ON feed_items(feed_id, content_hash);

-- The feed that first published a briefing (kept when the feed is removed), and its canonical address.
ALTER TABLE briefings ADD COLUMN feed_id INTEGER;
ALTER TABLE briefings ADD COLUMN source_url TEXT;
CREATE INDEX briefings_by_source_url ON briefings(source_url);

ALTER TABLE alerts ADD COLUMN feed_id INTEGER;
ALTER TABLE subscriptions ADD COLUMN feeds TEXT NOT NULL DEFAULT '[]';
