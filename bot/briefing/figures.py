"""Finding the figures (quantities, money, percentages, dates, durations, ages) in one sentence."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

from bot.briefing.model import Conversion, Figure, FigureKind
from bot.briefing.numbers import (
    CURRENCY_SYMBOLS,
    CURRENCY_WORDS,
    MONTHS,
    SCALES,
    TIME_UNITS,
    UNITS,
    WORD_NUMBER,
    alternation,
    parse_numeral,
    parse_words,
    round_value,
)
from bot.briefing.phrases import describe, noun_after
from bot.briefing.text import excerpt

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_CUR = r"(?:US\$|CA?\$|AU?\$|HK\$|NZ\$|R\$|[$€£¥₹₽₴₩₺₦]|(?:USD|EUR|GBP|JPY|CHF|CNY)\s?)"
_VAGUE = (
    r"(?:(?:tens|hundreds|thousands|millions|dozens|scores)(?:\s+(?:of\s+)?(?:thousands|millions))?"
    r"|(?:several|a\s+few|many)\s+(?:dozen|hundred|thousand|million|billion)s?)"
)
_CORE = re.compile(
    rf"(?P<cur>{_CUR})?(?:(?P<num>{_NUM})|(?i:\b(?P<vague>{_VAGUE})\b)|(?i:\b(?P<words>{WORD_NUMBER})\b))"
    r"(?:(?P<sep>[\s-]?)(?P<scale>(?i:thousand|million|billion|trillion)|mln|mn|bn|tn|[kmbMBK])(?![\w]))?"
)
_UNIT_AFTER = re.compile(
    r"(?P<sep>[\s-]?)(?P<unit>%|(?i:per\s*cent|percent|pct)|"
    + rf"(?i:{alternation([*CURRENCY_WORDS, *UNITS, *TIME_UNITS, 'cents'])})"
    + r"|°[CF])(?![\w²])"
)
_OLD = re.compile(r"[\s-]+old\b", re.I)
_COMPOUND_TIME = re.compile(
    rf"\s*,?\s*(?:and\s+)?(?P<n>{_NUM}|(?i:{WORD_NUMBER}))[\s-]?(?P<u>(?i:{alternation(TIME_UNITS)}))\b"
)
_APPROX_BEFORE = re.compile(
    r"(?i:\b(?:up\s+to|around|about|nearly|almost|more\s+than|over|approximately|roughly|some|"
    r"at\s+least|close\s+to|as\s+many\s+as|as\s+much\s+as|fewer\s+than|less\s+than|under|"
    r"an\s+estimated|estimated|upwards\s+of|in\s+excess\s+of|circa|approx\.?)|~)\s*$"
)
_APPROX_AFTER = re.compile(r"(?:\s+or\s+(?:so|more)\b|-plus\b|\+)", re.I)
_AGED = re.compile(rf"\b(?:aged|ages?\s+of|age)\s+(?P<n>\d{{1,3}}|(?i:{WORD_NUMBER}))\b")
_NAME_AGE = re.compile(r"\b[A-Z][a-z'’-]+,\s(?P<n>\d{1,3}),")
_RACE_TIME = re.compile(
    r"\b(?:in|of|time|clocked|timed)\s+(?P<t>(?P<h>\d{1,2}):(?P<m>[0-5]\d):(?P<s>[0-5]\d))\b"
    r"(?!\s*(?:[ap]\.?m|[AP]M|GMT|UTC))"
)
_CONVERSION_OPEN = re.compile(r"\s*\(\s*(?:(?:about|around|some|roughly|approximately|nearly|or)\s+)?")
_CONVERSION_CLOSE = re.compile(r"\s*\)")
_BEFORE_UNIT = re.compile(r"\bmagnitude[\s-]+$", re.I)
_NEGATIVE = re.compile(r"(?:\bminus\s+|−)$", re.I)

_MON = r"(?:" + "|".join(sorted((m.capitalize() for m in MONTHS), key=len, reverse=True)) + r")"
_DATE = re.compile(
    rf"\b(?:(?P<m1>{_MON})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MON})\.?,?\s+(?P<y2>\d{{4}})"
    rf"|(?P<m3>{_MON})\.?,?\s+(?:of\s+)?(?P<y3>\d{{4}})"
    r"|(?P<iso>\d{4}-[01]\d-[0-3]\d))(?![\d,]\d|\d)"
)
# Spans that contain digits but are not figures: dates without a year, clock times,
# ordinals, decades, codes and names glued to digits (COVID-19, F-16, G7), URLs, fractions.
_NOT_FIGURES = re.compile(
    rf"\b{_MON}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?!,?\s+\d{{4}})"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON}\b"
    r"|\b\d{1,2}(?::\d{2}){1,2}\s*(?:[ap]\.?m\b\.?|[AP]M\b)?|\b\d{1,2}\s*(?:[ap]\.m\.|[ap]m\b|[AP]M\b)"
    r"|\b\d+(?:st|nd|rd|th)\b|'?\b\d{2,4}'?s\b|(?<![\w$€£])[A-Za-z]+-?\d[\w-]*"
    r"|\b\d+/\d+\b|https?://\S+|www\.\S+|\b[\w.-]+@[\w.-]+"
)
_NOT_FIGURE_WORDS = re.compile(
    r"(?i:\b(?:one|two|three|four)[\s-](?:third|quarter|fifth|half)s?\b|\bone\s+(?:of|another|more)\b)"
)
_HAS_DIGIT = re.compile(r"\d")
_NAME_PREFIX = re.compile(
    r"(?:\b(?:No\.|Nos\.|number|Number|Article|article|Chapter|Section|Resolution|Flight|flight|"
    r"Route|Highway|Interstate|Level|Category|Grade|Stage|Phase|Season|Episode|Act)|#)\s*$"
)
_PREV_WORD = re.compile(r"([A-Za-z][\w'’.-]*)\s*$")
_YEAR_CONTEXT = re.compile(
    r"(?i:\b(?:in|since|by|until|till|from|of|during|before|after|early|late|mid|the|fiscal|"
    r"through|between|and|to|for|year|spring|summer|autumn|fall|winter)\b[\s-]*$|mid-$)"
)
_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
_AT_START = re.compile(r"[\s\"'“‘(\[—–-]*$")
_LOOKBACK = 80  # characters before a number that its context checks read


def _at_start(s: str, pos: int) -> bool:
    """Whether only spaces, quotes or brackets precede ``pos`` in the sentence."""
    return pos < 8 and _AT_START.match(s, 0, pos) is not None


@dataclass(slots=True)
class _Hit:
    start: int
    end: int
    value: float | None
    unit: str | None
    kind: FigureKind
    approx: bool = False
    conversions: list[Conversion] = field(default_factory=list)
    iso: str | None = None
    noun: tuple[int, int] | None = None  # span of the counted noun phrase


class _Spans:
    """Character spans with a fast test for whether [start, end) touches any of them."""

    def __init__(self, spans: list[tuple[int, int]] | None = None) -> None:
        self.spans: list[tuple[int, int]] = []
        self.starts: list[int] = []
        self.max_end: list[int] = []  # running maximum of the ends, in start order
        for start, end in sorted(spans or ()):
            self.add(start, end)

    def overlaps(self, start: int, end: int) -> bool:
        k = bisect_left(self.starts, end) - 1
        return k >= 0 and self.max_end[k] > start

    def add(self, start: int, end: int) -> None:
        """Add a span that starts at or after every span already added."""
        if self.starts and start < self.starts[-1]:
            raise ValueError("spans must be added in order of their start")
        self.spans.append((start, end))
        self.starts.append(start)
        self.max_end.append(max(end, self.max_end[-1]) if self.max_end else end)


def _core_value(m: re.Match[str]) -> tuple[float | None, bool]:
    """The value of a core match and whether it is vague."""
    if m.group("vague"):
        return None, True
    value = parse_numeral(m.group("num")) if m.group("num") else parse_words(m.group("words"))
    return value, False


_UnitRead = tuple[str | None, FigureKind, float | None, int]


def _read_unit(s: str, pos: int, value: float | None, cur: str | None, scaled: bool) -> _UnitRead:
    """(unit, kind, value, end) for what follows a number at ``pos``; unit None if nothing does."""
    m = _UNIT_AFTER.match(s, pos)
    if cur:
        unit = CURRENCY_SYMBOLS.get(cur.strip().lower(), cur.strip().upper())
        if m and m.group("unit").lower() in CURRENCY_WORDS:  # "$5 USD"
            return unit, "money", value, m.end()
        return unit, "money", value, pos
    if not m:
        return None, "quantity", value, pos
    word = re.sub(r"\s+", " ", m.group("unit").lower())
    glued = m.group("sep") == ""
    if word in ("%", "pct") or word.replace(" ", "") == "percent":
        return "%", "percent", value, m.end()
    if word == "cents":
        return "USD", "money", None if value is None else value / 100, m.end()
    if word in CURRENCY_WORDS and not (word in ("won", "rand") and not scaled):
        return CURRENCY_WORDS[word], "money", value, m.end()
    if word in TIME_UNITS:
        old = _OLD.match(s, m.end())
        if old and word.startswith(("year", "month", "week", "day")):
            return word.rstrip("s"), "age", value, old.end()
        return "s", "duration", None if value is None else value * TIME_UNITS[word], m.end()
    if word == "pounds" and scaled:
        return "GBP", "money", value, m.end()
    if word in UNITS and (len(word) > 2 or glued or word in ("km", "mi", "ft", "kg", "mm", "cm")):
        unit = UNITS[word]
        kind: FigureKind = "percent" if unit in ("pp", "bp") else "quantity"
        return unit, kind, value, m.end()
    return None, "quantity", value, pos


def _compound_duration(s: str, hit: _Hit) -> None:
    """Extend "2 hours" over "1 minute 39 seconds" that follow it."""
    while hit.value is not None:
        m = _COMPOUND_TIME.match(s, hit.end)
        if not m:
            return
        n = _value_of(m.group("n"))
        if n is None:
            return
        hit.value += n * TIME_UNITS[m.group("u").lower()]
        hit.end = m.end()


def _conversion(s: str, pos: int) -> tuple[Conversion, int] | None:
    """A parenthesised second expression of the quantity ending at ``pos``: "(18 miles)"."""
    m = _CONVERSION_OPEN.match(s, pos)
    if not m:
        return None
    core = _CORE.match(s, m.end())
    if not core or core.group("vague"):
        return None
    value, _ = _core_value(core)
    value, end = _apply_scale(core, value)
    unit, _kind, value, end = _read_unit(s, end, value, core.group("cur"), bool(core.group("scale")))
    close = _CONVERSION_CLOSE.match(s, end)
    if unit is None or not close:
        return None
    return Conversion(None if value is None else round_value(value), unit), close.end()


def _apply_scale(m: re.Match[str], value: float | None) -> tuple[float | None, int]:
    """Multiply by the scale word if it really is one; return the value and where it ends."""
    scale = m.group("scale")
    if not scale:
        return value, m.end()
    # "5m" alone is metres; single letters are scales only after a currency sign.
    if len(scale) == 1 and not m.group("cur"):
        return value, m.end("num") if m.group("num") else m.end()
    if value is None:
        return None, m.end()
    return value * SCALES[scale.lower()], m.end()


def _value_of(text: str) -> float | None:
    value = parse_numeral(text)
    return parse_words(text) if value is None else value


def _clock_durations(s: str) -> list[_Hit]:
    """Race times such as "finished in 2:13:44" (h:mm:ss after "in", "of", "time")."""
    hits = []
    for m in _RACE_TIME.finditer(s):
        h, mnt, sec = (int(g) for g in m.group("h", "m", "s"))
        hits.append(_Hit(m.start("t"), m.end("t"), float(h * 3600 + mnt * 60 + sec), "s", "duration"))
    return hits


def _date_hits(s: str) -> list[_Hit]:
    hits = []
    for m in _DATE.finditer(s):
        if m.group("iso"):
            year = int(m.group("iso")[:4])
            iso = m.group("iso")
        else:
            year = int(m.group("y1") or m.group("y2") or m.group("y3"))
            month = MONTHS[(m.group("m1") or m.group("m2") or m.group("m3")).lower()]
            day = m.group("d1") or m.group("d2")
            iso = f"{year:04d}-{month:02d}" + (f"-{int(day):02d}" if day else "")
        if 1000 <= year <= 2999:
            hits.append(_Hit(m.start(), m.end(), float(year), None, "date", iso=iso))
    return hits


def _age_hits(s: str) -> list[_Hit]:
    hits = []
    for m in _AGED.finditer(s):
        value = _value_of(m.group("n"))
        if value is not None:
            hits.append(_Hit(m.start("n"), m.end("n"), value, "year", "age"))
    for m in _NAME_AGE.finditer(s):
        value = float(m.group("n"))
        if 0 < value < 120:
            hits.append(_Hit(m.start("n"), m.end("n"), value, "year", "age"))
    return hits


def _is_name_number(s: str, start: int, headline: bool) -> bool:
    """Digits that are part of a name: "Apollo 17", "Article 5", "Flight 370"."""
    offset = max(0, start - _LOOKBACK)
    before = s[offset:start]
    if _NAME_PREFIX.search(before):
        return True
    prev = _PREV_WORD.search(before)
    if headline or not prev or not prev.group(1)[0].isupper():
        return False
    word = prev.group(1).rstrip(".").lower()
    if word in MONTHS or word in _WEEKDAYS or _at_start(s, offset + prev.start()):
        return False
    if word.endswith(("'s", "’s", "s'")):  # "Ukraine's 28 villages"
        return False
    return word not in ("up", "to", "around", "about", "nearly", "some", "over", "under")


def _number_hit(s: str, m: re.Match[str], headline: bool) -> _Hit | None:
    value, vague = _core_value(m)
    cur = m.group("cur")
    start = m.start()
    if m.group("words"):
        if not vague and value is None:
            return None
        word0 = m.group("words")
        if word0[0].isupper() and not headline and not _at_start(s, start):
            return None  # "Group of Seven", "the Big Three"
    if m.group("num"):
        prev = s[start - 1 : start]
        if prev and (prev.isalnum() or prev in "._/#"):
            return None
    value, end = _apply_scale(m, value)
    scaled = bool(m.group("scale")) and end == m.end() and m.group("scale") is not None
    unit, kind, value, end = _read_unit(s, end, value, cur, scaled or vague)
    if m.group("num") and unit is None and end < len(s) and s[end].isalpha():
        return None  # glued letters that are no unit: "5G", "4x4"
    if unit is None and _BEFORE_UNIT.search(s, max(0, start - _LOOKBACK), start):
        unit = "magnitude"
    negative = _NEGATIVE.search(s, max(0, start - _LOOKBACK), start) if value is not None else None
    if negative and value is not None:
        value, start = -value, negative.start()
    hit = _Hit(start, end, value, unit, kind, approx=vague)
    if kind == "duration":
        _compound_duration(s, hit)
    raw = m.group("num") or ""
    is_year = (
        not cur and not m.group("scale") and re.fullmatch(r"1[89]\d\d|20\d\d", raw) is not None
    )
    if unit is None:
        noun = noun_after(s, end, singular=(value == 1 and not vague), through_of=vague or value != 1)
        window = s[max(0, start - _LOOKBACK) : start]
        if is_year and (noun is None or _YEAR_CONTEXT.search(window) or _at_start(s, start)):
            if _APPROX_BEFORE.search(window) is None:
                return _Hit(start, end, value, None, "date", iso=raw)
        if noun is not None:
            noun_start, noun_end, word = noun
            if word.lower() in TIME_UNITS:
                if value is None:
                    return None
                hit.kind, hit.unit = "duration", "s"
                hit.value = value * TIME_UNITS[word.lower()]
            else:
                hit.kind, hit.unit = "count", word
            hit.noun = (noun_start, noun_end)
            hit.end = noun_end
        elif vague:
            hit.kind = "count"
        elif m.group("words") or _is_name_number(s, start, headline):
            return None  # bare number words ("the two met") and names ("Apollo 17")
    if m.group("num") and not cur and not m.group("scale") and _is_name_number(s, start, headline):
        return None  # "Apollo 17 crew", "Article 5"
    if hit.value is not None:
        hit.value = round_value(hit.value)
    return hit


def extract_figures(sentence: str, *, headline: bool = False) -> list[Figure]:
    """Every figure in one sentence (or headline, or key point), in reading order."""
    s = sentence
    has_digit = _HAS_DIGIT.search(s) is not None
    # Dates first, then ages and race times that do not overlap them: both lists come out in
    # order, so the spans they take are built once and only read afterwards.
    early = _date_hits(s) if has_digit else []
    dates = _Spans([(h.start, h.end) for h in early])
    for hit in sorted([*_age_hits(s), *_clock_durations(s)], key=lambda h: h.start):
        if not dates.overlaps(hit.start, hit.end):
            early.append(hit)
    taken_early = _Spans([(h.start, h.end) for h in early])
    taken_late = _Spans()  # numbers, found left to right: appended in order

    def taken(start: int, end: int) -> bool:
        return taken_early.overlaps(start, end) or taken_late.overlaps(start, end)

    spans = [(m.start(), m.end()) for m in _NOT_FIGURE_WORDS.finditer(s)]
    if has_digit:
        spans += [(m.start(), m.end()) for m in _NOT_FIGURES.finditer(s)]
    blocked = _Spans(spans)
    hits = list(early)
    for m in _CORE.finditer(s):
        if not m.group(0).strip() or taken(m.start(), m.end()):
            continue
        if blocked.overlaps(m.start(), m.end()):
            continue
        hit = _number_hit(s, m, headline)
        if hit is None or taken(hit.start, hit.end):
            continue
        conv = _conversion(s, hit.end) if hit.unit and hit.kind != "count" else None
        while conv is not None:
            hit.conversions.append(conv[0])
            hit.end = conv[1]
            conv = _conversion(s, hit.end)
        hits.append(hit)
        taken_late.add(hit.start, hit.end)
    hits.sort(key=lambda h: h.start)
    _share_range_units(s, hits)
    return [_figure(s, hit) for hit in hits]


def _figure(s: str, hit: _Hit) -> Figure:
    window = s[max(0, hit.start - _LOOKBACK) : hit.start]
    approx = hit.approx or _APPROX_BEFORE.search(window) is not None
    approx = approx or _APPROX_AFTER.match(s, hit.end) is not None
    return Figure(
        text=s[hit.start : hit.end].strip(),
        value=hit.value,
        unit=hit.unit,
        about=describe(s, hit.start, hit.end, hit.noun, hit.kind),
        approx=approx,
        sentence=excerpt(s, hit.start, hit.end),
        kind=hit.kind,
        conversions=tuple(hit.conversions),
        iso=hit.iso,
    )


_RANGE_JOIN = re.compile(r"\s*(?:-|–|—|to|and|or)\s*(?:\$|€|£)?")
_COUNT_JOIN = re.compile(r"\s+(?:against|versus|vs\.?|to|and|or|compared\s+with)\s+")
_PART_OF = re.compile(r"\s+(?:out\s+)?of\s+(?:the\s+|its\s+|their\s+|all\s+)?(?:[\w'’-]+\s+){0,2}")


def _share_range_units(s: str, hits: list[_Hit]) -> None:
    """Give a bare number the unit of its neighbour in "20 to 30 km", "$2-3 billion",
    "8.2 million votes against 6.9 million" and "37 of the 2,400 polling stations"."""
    ordered = sorted(hits, key=lambda h: h.start)
    for first, second in zip(ordered, ordered[1:]):
        gap = s[first.end : second.start]
        if first.kind == "date" or second.kind in ("date", "duration", "age"):
            continue
        if first.unit is None and second.unit is not None:
            if _RANGE_JOIN.fullmatch(gap) or (second.kind == "count" and _PART_OF.fullmatch(gap)):
                first.unit, first.kind = second.unit, second.kind
                if first.value is not None and second.value is not None and second.kind == "money":
                    tail = s[second.start : second.end].lower()
                    for word, factor in (("trillion", 1e12), ("billion", 1e9), ("million", 1e6)):
                        if word in tail and first.value < 1000:
                            first.value = round_value(first.value * factor)
                            break
        elif second.unit is None and first.kind == "count" and _COUNT_JOIN.fullmatch(gap):
            second.unit, second.kind = first.unit, first.kind
