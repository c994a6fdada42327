-- Several processes: each live bot process beats here every few seconds, with its roles
-- (who polls Telegram, who holds the Discord gateway); a row not beaten for a while is a
-- dead process. /status lists them, and the alert pacing divides the platforms' rates by
-- how many are alive.
CREATE TABLE processes (
    id         TEXT PRIMARY KEY,
    host       TEXT NOT NULL,
    pid        INTEGER NOT NULL,
    roles      TEXT NOT NULL DEFAULT '',
    started_at DOUBLE PRECISION NOT NULL,
    beat_at    DOUBLE PRECISION NOT NULL
);
