-- The language a chat chose with /language; chats without a row use their default.

CREATE TABLE chat_languages (
    platform   TEXT NOT NULL,
    chat_id    BIGINT NOT NULL,
    language   TEXT NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (platform, chat_id)
);
