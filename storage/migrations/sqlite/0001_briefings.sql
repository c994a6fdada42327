-- Briefings, their content-hashed versions, full-text search, subscriptions and the audit log.

CREATE TABLE briefings (
    id              TEXT PRIMARY KEY,
    current_version INTEGER,
    source_path     TEXT,
    published       TEXT,
    first_loaded_at REAL NOT NULL,
    updated_at      REAL NOT NULL
);

CREATE TABLE briefing_versions (
    id           INTEGER PRIMARY KEY,
    briefing_id  TEXT NOT NULL REFERENCES briefings(id) ON DELETE CASCADE,
    content_hash TEXT NOT NULL,
    file_hash    TEXT NOT NULL,
    data         TEXT NOT NULL,
    loaded_at    REAL NOT NULL
);
CREATE INDEX briefing_versions_by_briefing ON briefing_versions(briefing_id, id);

CREATE VIRTUAL TABLE sentences USING fts5(
    briefing_id UNINDEXED,
    text,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE subscriptions (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    chat_id     INTEGER NOT NULL,
    thread_id   INTEGER NOT NULL DEFAULT 0,
    mode        TEXT NOT NULL DEFAULT 'instant',
    digest_time TEXT,
    timezone    TEXT NOT NULL DEFAULT 'UTC',
    keywords    TEXT NOT NULL DEFAULT '[]',
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL,
    UNIQUE (platform, chat_id, thread_id)
);

CREATE TABLE audit (
    id       INTEGER PRIMARY KEY,
    at       REAL NOT NULL,
    platform TEXT NOT NULL,
    user_id  INTEGER,
    chat_id  INTEGER,
    command  TEXT NOT NULL,
    args     TEXT NOT NULL DEFAULT '',
    outcome  TEXT NOT NULL
);
