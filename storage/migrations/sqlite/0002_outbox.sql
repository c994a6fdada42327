-- The durable outbox: alerts fan out into one delivery per subscription, plus service state.

ALTER TABLE subscriptions ADD COLUMN inactive_reason TEXT;
ALTER TABLE subscriptions ADD COLUMN started_at REAL;
ALTER TABLE subscriptions ADD COLUMN last_delivery_at REAL;
ALTER TABLE subscriptions ADD COLUMN last_digest_date TEXT;
UPDATE subscriptions SET started_at = created_at WHERE started_at IS NULL;

CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    briefing_id TEXT,
    dedup_key   TEXT NOT NULL UNIQUE,
    payload     TEXT NOT NULL,
    search_text TEXT NOT NULL DEFAULT '',
    created_at  REAL NOT NULL
);

CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    alert_id        INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error      TEXT,
    created_at      REAL NOT NULL,
    finished_at     REAL,
    UNIQUE (alert_id, subscription_id)
);
CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at);
CREATE INDEX deliveries_finished ON deliveries(finished_at);

CREATE TABLE service_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at REAL NOT NULL
);
