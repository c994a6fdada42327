-- Several processes: delivery claims that expire, and a counter that moves with the briefings.

ALTER TABLE deliveries ADD COLUMN claimed_until DOUBLE PRECISION;

-- data_version(): one row, bumped by every statement that touches briefings, read in one
-- cheap query (PostgreSQL has no PRAGMA data_version).
CREATE TABLE data_version (
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    version  BIGINT NOT NULL
);
INSERT INTO data_version (version) VALUES (0);

-- Every process listening on 'briefings_changed' hears of it when the change commits: once
-- per transaction, since the server folds identical notifications of one transaction.
CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1;
    PERFORM pg_notify('briefings_changed', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER briefings_bump_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON briefings
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
