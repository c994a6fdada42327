"""The PostgreSQL backend (BOT_DATABASE_URL): asyncpg, for several processes sharing one database."""
