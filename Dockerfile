# Briefing Bot: `docker build -t briefing-bot .` then `docker compose up` (see compose.yaml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOT_DB_PATH=/data/bot.sqlite3 \
    BOT_CONTENT_DIR=/app/content

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
COPY config ./config
COPY content ./content
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin bot \
    && mkdir -p /data && chown bot /data

USER bot
# The SQLite file and its durable outbox live here: keep it on a volume, or alerts are lost on redeploy.
VOLUME ["/data"]

# Liveness: the service answers on its HTTP port (BOT_HTTP_LISTEN, 127.0.0.1:8080 by default).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=5)"]

CMD ["python", "-m", "bot", "run"]
