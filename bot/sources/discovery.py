"""Feed addresses a web page advertises with <link rel="alternate" type="application/rss+xml" href="...">."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json", "application/json", "application/rdf+xml"}
)


def advertised_feeds(html: bytes, base: str) -> list[str]:
    """Absolute http(s) feed addresses in the page's head, in page order, each once."""
    import lxml.etree  # here, not at the top: only an operator's probe of a web page needs it
    import lxml.html

    try:
        root = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return []
    found: list[str] = []
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_TYPES and href:
            absolute = urljoin(base, href)
            if urlsplit(absolute).scheme in ("http", "https") and absolute not in found:
                found.append(absolute)
    return found
