"""Database addresses: which backend one names, and how to show it without its password."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgresql", "postgres")


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.split("://", 1)[0].lower() in POSTGRES_SCHEMES and "://" in target


def display_url(url: str) -> str:
    """The address with its password (and any password= parameter) replaced by ***, safe to log or show."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        user = parts.username
    except ValueError:  # a malformed port, an unbalanced bracket: show nothing that could be a secret
        return url.split("://", 1)[0] + "://***"
    if ":" in host:
        host = f"[{host}]"
    credentials = ""
    if user is not None:
        credentials = user + (":***" if parts.password is not None else "") + "@"
    query = "&".join(
        "password=***" if item.lower().startswith("password=") else item for item in parts.query.split("&") if item
    )
    return urlunsplit((parts.scheme, credentials + host + port, parts.path, query, ""))


def password_of(url: str) -> str | None:
    """The password in an address, so error texts can be scrubbed of it."""
    try:
        return urlsplit(url).password
    except ValueError:
        return None
