-- The due index holds only rows still to send, as on SQLite; failed rows get their own.

DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX deliveries_failed ON deliveries(finished_at) WHERE status = 'failed';
