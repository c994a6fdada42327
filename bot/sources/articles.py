"""Article pages reduced to main text, title, author, date and canonical address with trafilatura.

Given the HTML we fetched (trafilatura never fetches); extraction is CPU-bound, so ``extract_article_async``
runs it in a worker thread.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

MIN_TEXT_CHARS = 200  # less than this is a login wall, an index page or an error page, not an article


@dataclass(frozen=True, slots=True)
class Article:
    title: str | None
    text: str  # paragraphs separated by blank lines; list items as "- " lines
    author: str | None
    published: str | None  # ISO date as the page states it, e.g. "2024-08-13"
    canonical_url: str | None


def extract_article(html: bytes | str, url: str, charset: str | None = None) -> Article | None:
    """The page's main text and metadata, or None when it has no article to speak of."""
    import trafilatura  # here, not at the top: only the processes that read pages pay for it (about 15 MB)

    if isinstance(html, bytes) and charset:
        try:
            html = html.decode(charset, errors="replace")
        except LookupError:
            pass  # an unknown charset name: let trafilatura sniff the bytes
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        deduplicate=False,
    )
    if document is None or isinstance(document, dict):  # a dict only when asked for one (as_dict)
        return None
    title = _clean(document.title)
    text = _paragraphs(document.text or "", title)
    if len(text) < MIN_TEXT_CHARS:
        return None
    return Article(
        title=title,
        text=text,
        author=_clean(document.author),
        published=_clean(document.date),
        canonical_url=_clean(document.url),
    )


async def extract_article_async(html: bytes | str, url: str, charset: str | None = None) -> Article | None:
    return await asyncio.to_thread(extract_article, html, url, charset)


def _paragraphs(text: str, title: str | None) -> str:
    lines = [" ".join(line.split()) for line in text.split("\n")]
    lines = [line for line in lines if line]
    if lines and title and lines[0].casefold() == title.casefold():
        lines = lines[1:]  # the headline repeated as the first line of the body
    out: list[str] = []
    for line in lines:
        if out and line.startswith("- ") and out[-1].split("\n")[-1].startswith("- "):
            out[-1] += "\n" + line
        else:
            out.append(line)
    return "\n\n".join(out)


def _clean(value: object) -> str | None:
    return " ".join(value.split()) or None if isinstance(value, str) else None
