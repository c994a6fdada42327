"""OPML 2.0 subscription lists: reading one (defusedxml: no entities, no network) and writing one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

MAX_BYTES = 5_000_000


class OpmlError(ValueError):
    """Not a usable OPML document; the message is one line."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    url: str
    title: str | None = None
    html_url: str | None = None


@dataclass(frozen=True, slots=True)
class OpmlImport:
    feeds: tuple[OpmlFeed, ...]
    skipped: tuple[str, ...] = field(default=())  # one line per outline left out, saying why


def parse_opml(data: bytes) -> OpmlImport:
    """Every outline with an http(s) xmlUrl, in document order, each address once."""
    # Here, not at the top: only an operator's import or export needs an XML library.
    import xml.etree.ElementTree as ET

    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    if len(data) > MAX_BYTES:
        raise OpmlError(f"OPML file larger than {MAX_BYTES:,} bytes")
    try:
        root = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise OpmlError("OPML declares XML entities or external references; refused") from None
    except ET.ParseError as exc:
        raise OpmlError(f"not well-formed XML ({exc})") from None
    except (LookupError, ValueError) as exc:  # an unknown encoding name in the prolog, and the like
        raise OpmlError(f"unreadable OPML ({exc})") from None
    if root.tag != "opml" or root.find("body") is None:
        raise OpmlError("not an OPML document (no <opml> with a <body>)")
    feeds: list[OpmlFeed] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for outline in root.find("body").iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        name = _attr(outline, "title") or _attr(outline, "text")
        name = None if name == url else name
        if not url:
            continue  # a folder
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            skipped.append(f"{name or url[:100]}: not an http or https address")
        elif url in seen:
            skipped.append(f"{name or url[:100]}: listed twice")
        else:
            seen.add(url)
            feeds.append(OpmlFeed(url=url, title=name, html_url=_attr(outline, "htmlUrl")))
    if not feeds and not skipped:
        raise OpmlError("the OPML file lists no feeds")
    return OpmlImport(tuple(feeds), tuple(skipped))


def export_opml(feeds: Iterable[OpmlFeed], *, title: str, created: datetime) -> str:
    """An OPML 2.0 document, one ``type="rss"`` outline per feed."""
    import xml.etree.ElementTree as ET

    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(created.astimezone(UTC), usegmt=True)
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attrs = {"type": "rss", "text": feed.title or feed.url, "xmlUrl": feed.url}
        if feed.title:
            attrs["title"] = feed.title
        if feed.html_url:
            attrs["htmlUrl"] = feed.html_url
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _attr(element: ET.Element, name: str) -> str | None:
    value = element.get(name)
    return " ".join(value.split()) or None if value else None
