"""The briefing domain model: immutable values the parser produces and everything else reads."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

FigureKind = Literal["quantity", "money", "percent", "date", "duration", "age", "count", "fraction"]


@dataclass(frozen=True, slots=True)
class Conversion:
    """A second expression of the same quantity, e.g. the "(18 miles)" after "30 kilometers"."""

    value: float | None
    unit: str | None


@dataclass(frozen=True, slots=True)
class Figure:
    """One quantity in the news.

    ``value`` is the plain number (1.2 million -> 1200000), or None for vague amounts
    ("thousands"). For a date figure it is the year and ``iso`` holds the date itself.
    A range ("20 to 30 km") is one figure: ``low`` and ``high`` are its ends, ``value`` is ``low``.
    ``sentence`` is the sentence around the figure, cut to a bounded excerpt when it is long.
    """

    text: str
    value: float | None
    unit: str | None
    about: str
    approx: bool
    sentence: str
    kind: FigureKind = "quantity"
    conversions: tuple[Conversion, ...] = ()
    iso: str | None = None
    low: float | None = None
    high: float | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "text": self.text,
            "value": _plain_number(self.value),
            "unit": self.unit,
            "about": self.about,
            "approx": self.approx,
            "sentence": self.sentence,
            "conversions": [{"value": _plain_number(c.value), "unit": c.unit} for c in self.conversions],
            "kind": self.kind,
        }
        if self.iso is not None:
            data["iso"] = self.iso
        if self.high is not None:
            data["low"] = _plain_number(self.low)
            data["high"] = _plain_number(self.high)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figure:
        return cls(
            text=data["text"],
            value=data.get("value"),
            unit=data.get("unit"),
            about=data.get("about", ""),
            approx=bool(data.get("approx", False)),
            sentence=data.get("sentence", ""),
            kind=data.get("kind", "quantity"),
            conversions=tuple(Conversion(c.get("value"), c.get("unit")) for c in data.get("conversions", ())),
            iso=data.get("iso"),
            low=data.get("low"),
            high=data.get("high"),
        )


@dataclass(frozen=True, slots=True)
class Quote:
    """A quoted passage: ``text`` is exactly the words between the quote marks."""

    text: str
    speaker: str | None

    def to_json(self) -> dict[str, Any]:
        return {"speaker": self.speaker, "text": self.text}


@dataclass(frozen=True, slots=True)
class Briefing:
    """A parsed news briefing."""

    id: str
    title: str
    summary: str
    paragraphs: tuple[str, ...]
    key_points: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()
    quotes: tuple[Quote, ...] = ()
    source: str | None = None
    published: str | None = None
    tags: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The shape `python -m bot parse --json` prints and storage keeps."""
        return {
            "id": self.id,
            "title": self.title,
            "summary": self.summary,
            "source": self.source,
            "published": self.published,
            "tags": list(self.tags),
            "key_points": list(self.key_points),
            "figures": [f.to_json() for f in self.figures],
            "quotes": [q.to_json() for q in self.quotes],
            "paragraphs": list(self.paragraphs),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Briefing:
        return cls(
            id=data["id"],
            title=data["title"],
            summary=data.get("summary", ""),
            paragraphs=tuple(data.get("paragraphs", ())),
            key_points=tuple(data.get("key_points", ())),
            figures=tuple(Figure.from_json(f) for f in data.get("figures", ())),
            quotes=tuple(Quote(q["text"], q.get("speaker")) for q in data.get("quotes", ())),
            source=data.get("source"),
            published=data.get("published"),
            tags=tuple(data.get("tags", ())),
        )

    def content_hash(self) -> str:
        """A stable digest of everything a reader sees: equal hashes mean nothing to announce."""
        payload = json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def sentences(self) -> list[str]:
        """Every sentence of the body and key points, for full-text search."""
        from bot.briefing.text import split_sentences  # local: keeps the model import-light

        out: list[str] = []
        for paragraph in self.paragraphs:
            out.extend(split_sentences(paragraph))
        out.extend(self.key_points)
        return out


class BriefingError(ValueError):
    """A file that cannot be a briefing; the message is one line giving the reason."""


def _plain_number(value: float | None) -> float | int | None:
    if value is None:
        return None
    if float(value).is_integer() and abs(value) < 2**53:
        return int(value)
    return value
