"""From a briefing file's bytes to a Briefing: checks, front matter, layout, summary, figures, quotes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import PurePath

from bot.briefing.figures import extract_figures
from bot.briefing.frontmatter import parse_tags, source_of, split_front_matter
from bot.briefing.layout import read_layout
from bot.briefing.model import Briefing, BriefingError, Figure
from bot.briefing.quotes import extract_quotes
from bot.briefing.text import UPPER, normalize, slugify, split_sentences

MAX_BRIEFING_BYTES = 2_000_000  # default for the BOT_MAX_BRIEFING_BYTES setting
SUMMARY_CHARS = 400
_SAME_VALUE_CHECKS = 16  # earlier figures with one value and unit a new one is compared with
_HEADLINE_FIGURES = 20
# Mentions of figures read from one file. Real articles have tens; a file of nothing but numbers
# would otherwise cost (and store) a figure per number.
MAX_FIGURES = 2000

_BYLINE = re.compile(r"^(?:By|From|Updated|Published|Posted|Photo|Image|Source)\b", re.I)
_CONTENT_WORD = re.compile(r"[a-z]{4,}")


def size_problem(size: int, limit: int = MAX_BRIEFING_BYTES) -> str | None:
    """The one-line reason a file of ``size`` bytes is refused, or None if it may be parsed."""
    if size > limit:
        return f"file too large ({size:,} bytes; the limit is {limit:,})"
    return None


def _decode(raw: bytes | str, limit: int) -> str:
    if isinstance(raw, str):
        size = len(raw.encode("utf-8", "surrogatepass"))
        text = raw
    else:
        size = len(raw)
        text = None
    problem = size_problem(size, limit)
    if problem:
        raise BriefingError(problem)
    if isinstance(raw, bytes):
        if b"\x00" in raw:
            raise BriefingError("binary file (contains NUL bytes)")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BriefingError(f"not UTF-8 text (bad byte at offset {exc.start})") from None
    assert text is not None
    if "\x00" in text:
        raise BriefingError("binary file (contains NUL bytes)")
    if not text.strip() or not text.lstrip("\ufeff").strip():
        raise BriefingError("empty file")
    return text


# "KYIV, Ukraine (AP) — " or "WASHINGTON -- ": where the story was filed, not part of the lead.
_CAP = f"[{re.escape(UPPER)}]"
_DATELINE = re.compile(
    rf"^{_CAP}[{re.escape(UPPER)} .'’-]{{1,40}}(?:,\s*{_CAP}[\w .'’-]{{1,40}})?(?:\s*\([A-Za-z.]{{1,12}}\))?\s*(?:—|–|--)\s*"
)


def _summary(paragraphs: Iterable[str]) -> str:
    """The lead: the first two or three sentences of the body, within ~400 characters."""
    chosen: list[str] = []
    for paragraph in paragraphs:
        if not chosen and _BYLINE.match(paragraph) and len(paragraph.split()) <= 12:
            continue
        if not chosen:
            paragraph = _DATELINE.sub("", paragraph, count=1)
        for sentence in split_sentences(paragraph):
            length = sum(len(s) + 1 for s in chosen) + len(sentence)
            if chosen and (length > SUMMARY_CHARS or len(chosen) >= 3):
                return " ".join(chosen)
            chosen.append(sentence)
        if len(chosen) >= 2:
            break
    text = " ".join(chosen)
    if len(text) > SUMMARY_CHARS + 50:  # one very long sentence: cut at a word
        text = text[:SUMMARY_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text


def _stems(text: str) -> set[str]:
    return {w[:5] for w in _CONTENT_WORD.findall(text.lower())}


def _meaning(fig: Figure) -> set[str]:
    """The stems of what a figure measures, without its own unit ("people", "percent")."""
    return _stems(fig.about) - _stems(fig.unit or "") - _stems(fig.text)


def _same(kept: Figure, new: Figure, *, loose: bool, body_pair: bool) -> bool:
    """Whether ``new`` restates ``kept``; ``loose`` when one side is the headline."""
    if kept.kind == "date" or new.kind == "date":
        return kept.kind == new.kind and kept.iso == new.iso
    if kept.value != new.value or kept.high != new.high:
        return False  # "7,000 steps" is not "7,000 to 9,000 steps"
    if kept.value is None and kept.text.lower().split()[:1] != new.text.lower().split()[:1]:
        return False  # vague amounts: "thousands" restates "thousands of residents", not "dozens"
    if kept.unit != new.unit and not (loose and None in (new.unit, kept.unit)):
        return False
    if (
        loose
        and None in (new.unit, kept.unit)
        and kept.kind != new.kind
        and {kept.kind, new.kind} - {"count", "quantity"}
    ):
        return False
    if body_pair:  # two body mentions of one number may measure different things
        if kept.unit is None and new.unit is None and kept.value is not None:
            return True  # a bare number said twice ("above ten-thousand ... Ten-thousand is")
        a, b = _meaning(kept), _meaning(new)
        if a and b:  # mostly the same words: "probability of a below-normal" is not "... near-normal"
            return len(a & b) / len(a | b) >= 0.6
        return kept.text.lower() == new.text.lower()
    return True


def _merge(kept: Figure, new: Figure) -> Figure:
    return replace(
        kept,
        unit=kept.unit or new.unit,
        kind=kept.kind if kept.unit or not new.unit else new.kind,
        about=kept.about if kept.unit or not new.about else new.about,
        approx=kept.approx or new.approx,
        conversions=kept.conversions or new.conversions,
    )


def merge_figures(body: list[Figure], key_points: list[Figure], headline: list[Figure]) -> list[Figure]:
    """One entry per figure, at its first mention: the headline's, then the body's, then key points'."""
    out: list[Figure] = []
    buckets: dict[tuple[object, ...], list[int]] = {}  # same value and unit -> indexes in out
    lead = headline[:_HEADLINE_FIGURES]
    by_value: dict[object, list[int]] = {}
    for i, fig in enumerate(lead):
        by_value.setdefault(fig.iso if fig.kind == "date" else fig.value, []).append(i)
    from_body: list[bool] = []  # per entry of out: first seen in the body
    for group, is_body in ((body, True), (key_points, False)):
        for fig in group:
            value_key = fig.iso if fig.kind == "date" else fig.value
            i_lead = next(
                (i for i in by_value.get(value_key, ()) if _same(lead[i], fig, loose=True, body_pair=False)), None
            )
            if i_lead is not None:
                kept = lead[i_lead]
                if kept.unit is None and fig.unit is not None:  # "Thousands" -> "thousands of residents"
                    lead[i_lead] = _merge(fig, kept)
                else:  # the headline's words, the body's description
                    lead[i_lead] = replace(_merge(kept, fig), about=fig.about or kept.about)
                continue
            key = (fig.kind == "date", fig.iso if fig.kind == "date" else (fig.value, fig.unit))
            for i in buckets.get(key, ())[:_SAME_VALUE_CHECKS]:
                # a key point restates the body; within the body or the key points, a repeated
                # number may measure something else
                if _same(out[i], fig, loose=False, body_pair=is_body or not from_body[i]):
                    out[i] = _merge(out[i], fig)
                    break
            else:
                buckets.setdefault(key, []).append(len(out))
                out.append(fig)
                from_body.append(is_body)
    return lead + out


def _read_figures(blocks: list[str], budget: int) -> list[Figure]:
    found: list[Figure] = []
    for block in blocks:
        for sentence in split_sentences(block):
            if len(found) >= budget:
                return found
            found += extract_figures(sentence, limit=budget - len(found))
    return found


def _figures(title: str, paragraphs: list[str], key_points: list[str]) -> list[Figure]:
    """Headline, body and key-point figures, merged; at most MAX_FIGURES mentions are read."""
    body = _read_figures(paragraphs, MAX_FIGURES)
    points = _read_figures(key_points, MAX_FIGURES - len(body))
    return merge_figures(body, points, extract_figures(title, headline=True, limit=_HEADLINE_FIGURES))


def _briefing_id(fields: dict[str, str], default_id: str | None, name: str) -> str:
    for candidate in (fields.get("id"), default_id, PurePath(name).stem):
        slug = slugify(candidate or "")
        if slug:
            return slug
    return "briefing"


def parse_briefing(
    raw: bytes | str, name: str, *, default_id: str | None = None, max_bytes: int = MAX_BRIEFING_BYTES
) -> Briefing:
    """Parse one briefing file; raise BriefingError with a one-line reason if it cannot be one."""
    text = normalize(_decode(raw, max_bytes))
    fields, lines = split_front_matter(text.split("\n"))
    layout = read_layout(lines, fields.get("title"))
    if layout is None or not layout.title:
        raise BriefingError("no title")
    paragraphs, key_points = layout.paragraphs, layout.key_points
    quotes = extract_quotes([layout.title, *paragraphs, *key_points])
    return Briefing(
        id=_briefing_id(fields, default_id, name),
        title=layout.title,
        summary=_summary(paragraphs),
        paragraphs=tuple(paragraphs),
        key_points=tuple(key_points),
        figures=tuple(_figures(layout.title, paragraphs, key_points)),
        quotes=tuple(quotes),
        source=source_of(fields),
        published=fields.get("published") or fields.get("date") or None,
        tags=parse_tags(fields.get("tags", "")),
    )
