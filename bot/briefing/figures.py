"""Finding the figures (quantities, money, percentages, dates, durations, ages) in one sentence."""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left
from dataclasses import dataclass, field

from bot.briefing.model import Conversion, Figure, FigureKind
from bot.briefing.numbers import (
    APPROX_LAST_WORDS,
    APPROX_WORDS,
    CURRENCY_SYMBOLS,
    CURRENCY_WORDS,
    MONTHS,
    SCALES,
    SMALL,
    TIME_UNITS,
    UNITS,
    WORD_NUMBER,
    alternation,
    is_year_pair,
    parse_numeral,
    parse_words,
    round_value,
)
from bot.briefing.phrases import describe, noun_after, plural
from bot.briefing.text import excerpt

_NUM = r"\d{1,3}(?:,\d\d\d)+(?:\.\d+)?|\d+(?:\.\d+)?"
_CUR = r"(?:US\$|CA?\$|AU?\$|HK\$|NZ\$|R\$|[$€£¥₹₽₴₩₺₦]|(?:USD|EUR|GBP|JPY|CHF|CNY)\s?)"
_VAGUE = (
    r"(?:(?:tens|hundreds|thousands|millions|dozens|scores)(?:\s+(?:of\s+)?(?:thousands|millions))?"
    r"|(?:several|a\s+few|many)\s+(?:dozen|hundred|thousand|million|billion)s?)"
)
_SCALE_AFTER = r"(?:(?P<sep>[\s-]?)(?P<scale>(?i:thousand|million|billion|trillion)|mln|mn|bn|tn|[kmbMBK])(?![\w]))?"
_CORE = re.compile(
    rf"(?P<cur>{_CUR})?(?:(?P<num>{_NUM})|(?i:\b(?P<vague>{_VAGUE})\b)|(?i:\b(?P<words>{WORD_NUMBER})\b))"
    + _SCALE_AFTER
)
# The same for sentences with no number words: far fewer places to try.
_CORE_DIGITS = re.compile(rf"(?P<cur>{_CUR})?(?P<num>{_NUM})(?P<vague>(?!))?(?P<words>(?!))?" + _SCALE_AFTER)
# And for sentences with number words but no digits.
_CORE_WORDS = re.compile(
    rf"(?P<cur>(?!))?(?P<num>(?!))?(?=[a-zA-Z])(?:(?i:\b(?P<vague>{_VAGUE})\b)|(?i:\b(?P<words>{WORD_NUMBER})\b))"
    + _SCALE_AFTER
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
_APPROX_BEFORE = re.compile(rf"(?i:\b(?:{alternation(APPROX_WORDS)})|~)\s*$")
_APPROX_AFTER = re.compile(r"(?:\s+or\s+(?:so|more)\b|-plus\b|\+)", re.I)
_AGED = re.compile(rf"\b(?:aged|ages?\s+of|age)\s+(?P<n>\d{{1,3}}|(?i:{WORD_NUMBER}))\b")
_NAME_AGE = re.compile(r"\b[A-Z][a-z'’-]+,\s(?P<n>\d{1,3}),(?!\d)")
_RACE_TIME = re.compile(
    r"\b(?:in|of|time|clocked|timed)\s+(?P<t>(?P<h>\d{1,2}):(?P<m>[0-5]\d):(?P<s>[0-5]\d))\b"
    r"(?!\s*(?:[ap]\.?m|[AP]M|GMT|UTC))"
)
_CONVERSION_OPEN = re.compile(r"\s*\(\s*(?:(?:about|around|some|roughly|approximately|nearly|or)\s+)?")
_CONVERSION_CLOSE = re.compile(r"\s*\)")
_BEFORE_UNIT = re.compile(r"\b(?:magnitude|categor(?:y|ies))[\s-]+$", re.I)
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
    r"|\b\d{1,2}(?::\d\d){1,2}\s*(?:[ap]\.?m\b\.?|[AP]M\b)?|\b\d{1,2}\s*(?:[ap]\.m\.|[ap]m\b|[AP]M\b)"
    r"|\b\d+(?:st|nd|rd|th)\b|'?\b\d{2,4}'?s\b|(?<![\w$€£])[A-Za-z]+-?\d[\w-]*"
    r"|\b\d+/\d+\b"
)
_LINKS = re.compile(r"https?://\S+|www\.\S+|(?<![\w.-])[\w.-]{1,64}@[\w.-]+")
_DIGITS = re.compile(r"\d+")
_NEAR_DIGITS = 40  # characters either side of a digit run that a not-a-figure span can reach
_NOT_FIGURE_WORDS = re.compile(r"(?i:\bone\s+(?:of|another|more)\b)")
_HAS_DIGIT = re.compile(r"\d")
_NAME_PREFIX = re.compile(
    r"(?:\b(?:No\.|Nos\.|number|Number|Article|article|Chapter|Section|Resolution|Flight|flight|"
    r"Route|Highway|Interstate|Level|Grade|Stage|Phase|Season|Episode|Act|top|Top|bottom|Bottom)|#)\s*$"
)
_PREV_WORD = re.compile(r"([A-Za-z][\w'’.-]*)\s*$")
_YEAR_CONTEXT = re.compile(
    r"(?i:\b(?:in|since|by|until|till|from|of|during|before|after|early|late|mid|the|fiscal|"
    r"through|between|and|to|for|year|spring|summer|autumn|fall|winter)\b[\s-]*$|mid-$)"
)
_WEEKDAYS = frozenset(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])
_AT_START = re.compile(r"[\s\"'“‘(\[—–-]*$")
_LOOKBACK = 32  # characters before a number that its context checks read (the longest is "in excess of")


# The last word of each phrase the end-anchored patterns below look for: a cheap test on the
# word before a number decides whether a pattern needs to run at all.
_APPROX_LAST = APPROX_LAST_WORDS | {"~"}
_PREFIX_LAST = frozenset(
    [
        "No.",
        "Nos.",
        "number",
        "Number",
        "Article",
        "article",
        "Chapter",
        "Section",
        "Resolution",
        "Flight",
        "flight",
        "Route",
        "Highway",
        "Interstate",
        "Level",
        "Grade",
        "Stage",
        "Phase",
        "Season",
        "Episode",
        "Act",
        "top",
        "Top",
        "bottom",
        "Bottom",
    ]
)
_SCALE_LAST = frozenset(["magnitude", "category", "categories"])


def _word_before(s: str, start: int) -> str:
    """The word just before ``start`` (spaces and hyphens skipped), as written."""
    window = s[max(0, start - _LOOKBACK) : start].rstrip(" -")
    if window.endswith(("#", "~", "−")):
        return window[-1]
    words = window.rsplit(None, 1)
    return words[-1] if words else ""


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
    raw: float | None = None  # the number as written, before scale words and unit conversion
    bare: bool = False  # number words with nothing counted or measured
    high: float | None = None  # the upper end of a range


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


def _age_hits(s: str, has_digit: bool, has_age_word: bool) -> list[_Hit]:
    hits = []
    for m in _AGED.finditer(s) if has_age_word else ():
        value = _value_of(m.group("n"))
        if value is not None:
            hits.append(_Hit(m.start("n"), m.end("n"), value, "year", "age"))
    for m in _NAME_AGE.finditer(s) if has_digit else ():
        value = float(m.group("n"))
        if 0 < value < 120:
            hits.append(_Hit(m.start("n"), m.end("n"), value, "year", "age"))
    return hits


def _is_name_number(s: str, start: int, headline: bool) -> bool:
    """Digits that are part of a name: "Apollo 17", "Article 5", "Flight 370"."""
    offset = max(0, start - _LOOKBACK)
    before = s[offset:start]
    last = _word_before(s, start)
    if (last in _PREFIX_LAST or last == "#") and _NAME_PREFIX.search(before):
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


def _words_year(s: str, m: re.Match[str], value: float | None, end: int) -> bool:
    """Number words that name a year: "eighteen-eighty-two", "two thousand two", "the two thousand election"."""
    if value is None or not 1000 <= value <= 2099 or not float(value).is_integer():
        return False
    words = m.group("words")
    if is_year_pair(words):
        return True
    if value % 1000 == 0:  # "two thousand": a year only after "the", "in", ... and before no plural
        window = s[max(0, m.start() - _LOOKBACK) : m.start()]
        noun = noun_after(s, end, singular=False, through_of=False)
        return noun is None and _YEAR_CONTEXT.search(window) is not None
    return value % 1000 < 100 and noun_after(s, end, singular=False, through_of=False) is None


def _number_hit(s: str, m: re.Match[str], headline: bool) -> _Hit | None:
    value, vague = _core_value(m)
    cur = m.group("cur")
    start = m.start()
    words = m.group("words")
    last = _word_before(s, start)
    scale_before = _BEFORE_UNIT.search(s, max(0, start - _LOOKBACK), start) if last.lower() in _SCALE_LAST else None
    if words:
        if not vague and value is None:
            return None
        compound = "-" in words.strip("-") and len(re.split(r"[\s-]+", words)) >= 2
        if words[0].isupper() and not (headline or compound or scale_before or _at_start(s, start)):
            return None  # "Group of Seven", "the Big Three"
    if m.group("num"):
        prev = s[start - 1 : start]
        if prev and (prev.isalnum() or prev in "._/#"):
            return None
    written = value
    value, end = _apply_scale(m, value)
    half = _AND_A_HALF.match(s, end) if value is not None and not m.group("scale") else None
    if half:  # "one and a half hours", "two and a half million people"
        value = written = (value or 0) + 0.5
        end = half.end()
        if half.group("scale"):
            value = value * SCALES[half.group("scale").lower()]
    if words and not cur and _words_year(s, m, value, end):
        return _Hit(start, end, value, None, "date", iso=f"{value:.0f}", raw=value)
    scaled = bool(m.group("scale")) and end == m.end() and m.group("scale") is not None
    unit, kind, value, end = _read_unit(s, end, value, cur, scaled or vague)
    if m.group("num") and unit is None and end < len(s) and s[end].isalpha():
        return None  # glued letters that are no unit: "5G", "4x4"
    hyphened = _HYPHEN_NOUN.match(s, end) if unit is None and value not in (None, 1) else None
    if hyphened and hyphened.group(1) not in _NOT_COUNTED:  # "a 62-page ruling", "a five-member panel"
        return _Hit(start, hyphened.end(), round_value(value or 0), plural(hyphened.group(1)), "count", raw=written)
    if unit is None and scale_before:
        unit = "magnitude" if scale_before.group(0).lower().startswith("magnitude") else "category"
    maybe_negative = value is not None and (last == "−" or last.lower() == "minus")
    negative = _NEGATIVE.search(s, max(0, start - _LOOKBACK), start) if maybe_negative else None
    if negative and value is not None:
        value, written, start = -value, -(written or 0), negative.start()
    hit = _Hit(start, end, value, unit, kind, approx=vague, raw=written)
    if kind == "duration":
        _compound_duration(s, hit)
    raw = m.group("num") or ""
    is_year = not cur and not m.group("scale") and re.fullmatch(r"1[89]\d\d|20\d\d", raw) is not None
    if unit is None:
        noun = noun_after(s, end, singular=(value == 1 and not vague), through_of=vague or value != 1)
        window = s[max(0, start - _LOOKBACK) : start]
        year_here = is_year and (noun is None or _YEAR_CONTEXT.search(window) or _at_start(s, start))
        if year_here and _APPROX_BEFORE.search(window) is None:
            return _Hit(start, end, value, None, "date", iso=raw)
        if noun is not None:
            noun_start, noun_end, word = noun
            if word.lower() in TIME_UNITS:
                if value is None:
                    return None
                hit.kind, hit.unit = "duration", "s"
                hit.value = value * TIME_UNITS[word.lower()]
            else:
                if value == 1 and words and _ONE_WHO.match(s, noun_end):
                    return None  # "one trader said", "One area of concern": a pronoun, not a count
                hit.kind, hit.unit = "count", word
            hit.noun = (noun_start, noun_end)
            hit.end = noun_end
        elif vague:
            hit.kind = "count"
        elif words:
            # "the two met": small amounts in words stand only if a range or a neighbour gives
            # them a unit; "above ten-thousand" stands alone
            hit.bare = value is None or value < 100
        elif not scale_before and _is_name_number(s, start, headline):
            return None  # "Apollo 17"
    named = not cur and not m.group("scale") and not scale_before
    if m.group("num") and named and _is_name_number(s, start, headline):
        return None  # "Apollo 17 crew", "Article 5"
    if hit.value is not None:
        hit.value = round_value(hit.value)
    return hit


_FRACTION_WORDS = {
    "half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4,
    "fourths": 4, "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6, "seventh": 7, "sevenths": 7,
    "eighth": 8, "eighths": 8, "ninth": 9, "ninths": 9, "tenth": 10, "tenths": 10,
    "hundredth": 100, "hundredths": 100,
}  # fmt: skip
_FRACTION = re.compile(
    r"(?i:\b(?P<n>a|one|two|three|four|five|six|seven|eight|nine)[\s-]"
    rf"(?P<d>{'|'.join(sorted(_FRACTION_WORDS, key=len, reverse=True))})\b"
    r"|\b(?:cut|reduced|fell|dropped|split)\s+(?:by\s+|in\s+)?(?P<half>half)\b"
    r"|\b(?P<half_of>half)\s(?:of|the|its|their|his|her|our)\b)"
)
_RATIO = re.compile(
    r"(?i:\b(?P<a>one|two|three|four|five|six|seven|eight|nine|ten|\d{1,3})\sin\s(?:every\s)?"
    r"(?P<b>two|three|four|five|six|seven|eight|nine|ten|\d{1,3})\b)"
)
_NEXT_WORD_AFTER = re.compile(r"[ ]([a-z]+)")
_AFTER_FRACTION = frozenset(
    [
        "of",
        "less",
        "more",
        "fewer",
        "higher",
        "lower",
        "smaller",
        "larger",
        "bigger",
        "as",
        "in",
        "on",
        "at",
        "by",
        "from",
        "than",
        "to",
        "and",
        "or",
        "since",
        "over",
        "between",
        "among",
        "across",
    ]
)
_ORDINAL_BEFORE = re.compile(r"\b(?:first|second|last|other|latter|former|back|front)\s$", re.I)
_FRACTION_OF = re.compile(
    r"\s+of\s+(?:a|an|one)\s+(?:(?P<scale>thousand|million|billion|trillion)\b|(?=(?P<unit>[a-z]+)\b))", re.I
)


def _ratio_hits(s: str) -> list[_Hit]:
    """ "one in five homes", "1 in 3 adults": a share, as a fraction."""
    hits = []
    for m in _RATIO.finditer(s):
        a, b = (_value_of(m.group(g)) for g in ("a", "b"))
        if a and b and a < b:
            hits.append(_Hit(m.start(), m.end(), round_value(a / b), "fraction", "fraction", raw=a / b))
    return hits


def _fraction_hits(s: str) -> list[_Hit]:
    """ "two-thirds of the town", "cut in half", "four-tenths of a second", "a third of a million people"."""
    hits = []
    for m in _FRACTION.finditer(s):
        if m.group("half_of"):
            if _ORDINAL_BEFORE.search(s, max(0, m.start() - 12), m.start()):
                continue  # "the second half of the year" is a period, not a fraction
            hits.append(_Hit(m.start("half_of"), m.end("half_of"), 0.5, "fraction", "fraction", raw=0.5))
            continue
        if m.group("half"):
            hits.append(
                _Hit(
                    m.start("half") - 3 if s[m.start("half") - 3 : m.start("half")] == "in " else m.start("half"),
                    m.end(),
                    0.5,
                    "fraction",
                    "fraction",
                    raw=0.5,
                )
            )
            continue
        n = m.group("n").lower()
        if n == "a" and s[max(0, m.start() - 4) : m.start()].lower() == "and ":
            continue  # "one and a half hours" is read whole with its number
        numerator = 1 if n == "a" else SMALL[n]
        plural = m.group("d").lower().endswith("s")
        if plural != (numerator > 1) and m.group("d").lower() not in ("half",) and numerator > 1:
            continue  # "two third" is no fraction; "a thirds" neither
        after = _NEXT_WORD_AFTER.match(s, m.end())
        if after and after.group(1) not in _AFTER_FRACTION:
            continue  # "a third straight month", "a fifth term": an ordinal, not a share
        value = numerator / _FRACTION_WORDS[m.group("d").lower()]
        hit = _Hit(m.start(), m.end(), round_value(value), "fraction", "fraction", raw=value)
        of = _FRACTION_OF.match(s, m.end())
        if of and of.group("scale"):
            whole = _Hit(m.start(), of.end(), round_value(value * SCALES[of.group("scale").lower()]), None, "count")
            noun = noun_after(s, of.end(), singular=False, through_of=True)
            if noun is not None:
                whole.unit, whole.noun, whole.end = noun[2], (noun[0], noun[1]), noun[1]
            hit = whole
        elif of and of.group("unit"):
            unit, kind, converted, end = _read_unit(s, of.end(), value, None, False)
            if unit is not None and converted is not None:
                hit = _Hit(m.start(), end, round_value(converted), unit, kind, raw=value)
        hits.append(hit)
    return hits


_NUMBER_WORDS = frozenset(
    [*SMALL, *_FRACTION_WORDS, "dozen", "dozens", "hundred", "hundreds", "thousand", "thousands",
     "million", "millions", "billion", "billions", "trillion", "tens", "scores"]
)  # fmt: skip
_LETTERS = re.compile(r"[a-z]+")


_ONE_WHO = re.compile(r"\s+(?:of|said|says|told|tells|added|wrote|noted|argued|who)\b")
_HYPHEN_NOUN = re.compile(r"-([a-z]{3,20})\b(?!-)")
_NOT_COUNTED = frozenset(["odd", "something", "plus", "fold", "time", "times", "point", "way", "ish", "like"])
_AND_A_HALF = re.compile(r"\sand\sa\shalf\b(?:[\s-](?P<scale>million|billion|thousand|trillion)\b)?", re.I)
_AGE_WORDS = frozenset(("aged", "age", "ages"))


def _second_of_a_dropped_pair(s: str, start: int, taken: _Spans) -> bool:
    before = s[max(0, start - 2) : start]
    return len(before) == 2 and before[1] in "-–" and before[0].isdigit() and not taken.overlaps(start - 2, start - 1)


def _not_figure_spans(s: str) -> list[tuple[int, int]]:
    """Dates without a year, clock times, ordinals, codes, links: read only near the digits."""
    spans: list[tuple[int, int]] = []
    lo = hi = -1
    for m in _DIGITS.finditer(s):
        start, end = max(0, m.start() - _NEAR_DIGITS), min(len(s), m.end() + _NEAR_DIGITS)
        if start > hi:
            if hi > lo:
                spans += [(x.start(), x.end()) for x in _NOT_FIGURES.finditer(s, lo, hi)]
            lo = start
        hi = end
    if hi > lo:
        spans += [(x.start(), x.end()) for x in _NOT_FIGURES.finditer(s, lo, hi)]
    if "://" in s or "www." in s or "@" in s:
        spans += [(x.start(), x.end()) for x in _LINKS.finditer(s)]
    return spans


def extract_figures(sentence: str, *, headline: bool = False, limit: int | None = None) -> list[Figure]:
    """Every figure in one sentence (or headline, or key point), in reading order; the first ``limit``."""
    s = sentence
    has_digit = _HAS_DIGIT.search(s) is not None
    # A cheap first look at the words decides which of the costlier patterns run at all.
    words = frozenset(_LETTERS.findall(s.lower()))
    if not has_digit and _NUMBER_WORDS.isdisjoint(words):
        return []
    # Dates first, then ages and race times that do not overlap them: both lists come out in
    # order, so the spans they take are built once and only read afterwards.
    early = _date_hits(s) if has_digit else []
    dates = _Spans([(h.start, h.end) for h in early])
    extra = _Spans()
    candidates = _age_hits(s, has_digit, not _AGE_WORDS.isdisjoint(words))
    if has_digit:
        candidates += _clock_durations(s)
    if not _FRACTION_WORDS.keys().isdisjoint(words):
        candidates += _fraction_hits(s)
    if "in" in words:
        candidates += _ratio_hits(s)
    for hit in sorted(candidates, key=lambda h: h.start):
        if not dates.overlaps(hit.start, hit.end) and not extra.overlaps(hit.start, hit.end):
            early.append(hit)
            extra.add(hit.start, hit.end)
    early.sort(key=lambda h: h.start)
    taken_early = _Spans([(h.start, h.end) for h in early])
    taken_late = _Spans()  # numbers, found left to right: appended in order

    def taken(start: int, end: int) -> bool:
        return taken_early.overlaps(start, end) or taken_late.overlaps(start, end)

    spans = [(m.start(), m.end()) for m in _NOT_FIGURE_WORDS.finditer(s)] if "one" in words else []
    if has_digit:
        spans += _not_figure_spans(s)
    blocked = _Spans(spans)
    hits = list(early)
    core = _CORE_DIGITS if _NUMBER_WORDS.isdisjoint(words) else _CORE if has_digit else _CORE_WORDS
    for m in core.finditer(s):
        if limit is not None and len(hits) > limit:
            break
        if _second_of_a_dropped_pair(s, m.start(), taken_late):
            continue  # "the Aces 88-79": the result of a game, whose first number was no figure
        if not m.group(0).strip() or taken(m.start(), m.end()):
            continue
        if blocked.overlaps(m.start(), m.end()):
            continue
        found = _number_hit(s, m, headline)
        if found is None or taken(found.start, found.end):
            continue
        hit = found
        conv = _conversion(s, hit.end) if hit.unit and hit.kind != "count" else None
        while conv is not None:
            hit.conversions.append(conv[0])
            hit.end = conv[1]
            conv = _conversion(s, hit.end)
        hits.append(hit)
        taken_late.add(hit.start, hit.end)
    hits.sort(key=lambda h: h.start)
    hits = _join_ranges(s, hits)
    _share_range_units(s, hits)
    return [_figure(s, hit) for hit in hits if not hit.bare][:limit]


def _figure(s: str, hit: _Hit) -> Figure:
    window = s[max(0, hit.start - _LOOKBACK) : hit.start]
    maybe = _word_before(s, hit.start).lower() in _APPROX_LAST
    approx = hit.approx or (maybe and _APPROX_BEFORE.search(window) is not None)
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
        low=hit.value if hit.high is not None else None,
        high=hit.high,
    )


_RANGE_JOIN = re.compile(r"\s*(?:-|–|—|to|and|or)\s*(?:\$|€|£)?")
_RANGE = re.compile(r"[ ]?(?:-|–|—)[ ]?(?:\$|€|£)?|\s+(?:to|through)\s+(?:\$|€|£)?")
_BETWEEN = re.compile(r"\b(?:between|from)\s+(?:\$|€|£)?$", re.I)
_RANGE_AND = re.compile(r"\s+(?:and|to)\s+(?:\$|€|£)?")
_SCORE_BEFORE = re.compile(r"\b(?:won|lost|beat|defeated|drew|score|scored|victory|win|loss|defeat)\s+$", re.I)
_COUNT_JOIN = re.compile(r"\s+(?:against|versus|vs\.?|to|and|or|compared\s+with)\s+")
_PART_OF_OPEN = re.compile(r"\s+(?:out\s+)?of\s+(?:the\s+|its\s+|their\s+|all\s+)?")


def _part_of(gap: str) -> bool:
    """ "37 of the 2,400 polling stations": "of", a determiner and at most two words between."""
    m = _PART_OF_OPEN.match(gap)
    if m is None or len(gap) > 80:
        return False
    rest = gap[m.end() :]
    return len(rest.split()) <= 2 and (not rest or rest[-1].isspace())


_RANGE_KINDS = frozenset(("quantity", "money", "percent", "duration", "count"))


def _is_range(s: str, first: _Hit, second: _Hit) -> bool:
    """ "20 to 30 km", "13-15 storms", "between 20 and 30", "$2-3 billion": one figure, two ends."""
    if first.kind == second.kind == "date" and len(first.iso or "") == len(second.iso or "") == 4:
        return _RANGE.fullmatch(s[first.end : second.start]) is not None  # "from 2019-2021"
    if first.kind not in _RANGE_KINDS or second.kind not in _RANGE_KINDS or first.high is not None:
        return False
    if first.value is None or second.value is None or first.conversions or first.noun:
        return False
    if first.unit is not None and second.unit is not None and first.unit != second.unit:
        return False
    gap = s[first.end : second.start]
    window = s[max(0, first.start - 20) : first.start]
    if _RANGE.fullmatch(gap):
        descending = (first.raw or 0) > (second.raw or 0)
        if _SCORE_BEFORE.search(window) or (descending and "-" in gap and first.unit is None and second.unit is None):
            first.bare = second.bare = first.unit is None and second.unit is None
            return False  # "won 3-1", "beat them 88-79": a result, not two figures
        return not descending
    return _RANGE_AND.fullmatch(gap) is not None and _BETWEEN.search(window) is not None


def _join_ranges(s: str, hits: list[_Hit]) -> list[_Hit]:
    out: list[_Hit] = []
    for hit in hits:
        prev = out[-1] if out else None
        if prev is None or not _is_range(s, prev, hit):
            out.append(hit)
            continue
        low = prev.value
        if prev.unit is None and hit.raw and prev.raw is not None and hit.value is not None:
            low = round_value(prev.raw * hit.value / hit.raw)  # "two to three weeks", "$2-3 billion"
        elif prev.kind == "money" and hit.raw and hit.value and prev.value == prev.raw and hit.value / hit.raw >= 1000:
            low = round_value((prev.raw or 0) * hit.value / hit.raw)
        out[-1] = _Hit(
            prev.start,
            hit.end,
            low,
            hit.unit or prev.unit,
            hit.kind if hit.unit else prev.kind,
            approx=prev.approx or hit.approx,
            conversions=hit.conversions,
            noun=hit.noun,
            raw=prev.raw,
            high=hit.value,
            iso=prev.iso,
        )
    return out


def _share_range_units(s: str, hits: list[_Hit]) -> None:
    """Give a bare number the unit of its neighbour in "20 to 30 km", "$2-3 billion",
    "8.2 million votes against 6.9 million" and "37 of the 2,400 polling stations"."""
    ordered = sorted(hits, key=lambda h: h.start)
    for first, second in itertools.pairwise(ordered):
        gap = s[first.end : second.start]
        if first.kind in ("date", "fraction") or second.kind in ("date", "duration", "age", "fraction"):
            continue
        if first.unit is None and second.unit is not None:
            first.bare = False
            if _RANGE_JOIN.fullmatch(gap) or (second.kind == "count" and _part_of(gap)):
                first.unit, first.kind = second.unit, second.kind
                if first.value is not None and second.value is not None and second.kind == "money":
                    tail = s[second.start : second.end].lower()
                    for word, factor in (("trillion", 1e12), ("billion", 1e9), ("million", 1e6)):
                        if word in tail and first.value < 1000:
                            first.value = round_value(first.value * factor)
                            break
        elif second.unit is None and first.kind == "count" and _COUNT_JOIN.fullmatch(gap):
            second.unit, second.kind, second.bare = first.unit, first.kind, False
