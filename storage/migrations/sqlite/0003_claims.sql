-- Claims that expire, so the schema matches PostgreSQL's (SQLite itself keeps using the lease).

ALTER TABLE deliveries ADD COLUMN claimed_until REAL;
