"""The SQLite backend (the default): one file, one process, aiosqlite."""
