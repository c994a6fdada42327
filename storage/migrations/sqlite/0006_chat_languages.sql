-- The language a chat chose with /language; chats without a row use their default.

CREATE TABLE chat_languages (
    platform   TEXT NOT NULL,
    chat_id    INTEGER NOT NULL,
    language   TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (platform, chat_id)
);
