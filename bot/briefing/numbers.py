"""Reading numbers and units: numerals, number words, scale words, and the unit vocabulary."""

from __future__ import annotations

import re
from collections.abc import Iterable

from text_to_num import text2num

SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
SCALES = {
    "hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
    "k": 1e3, "mln": 1e6, "mn": 1e6, "m": 1e6, "bn": 1e9, "b": 1e9, "tn": 1e12, "tr": 1e12,
}  # fmt: skip
VAGUE = {"dozens", "scores", "hundreds", "thousands", "millions", "billions", "tens"}

_WORD = "|".join(sorted(SMALL, key=len, reverse=True))
_JOIN = r"(?:[\s-]and[\s-]|[\s-])"  # one separator: the text has single spaces by now
_NEXT = rf"(?:{_JOIN}(?:{_WORD}|dozen|hundred|thousand|million|billion|trillion))"
# "seventy-seven", "two hundred and fifty", "a dozen", "half a million". The repeated group
# holds no quantifier of its own, so a long run of number words is read once, in one pass.
WORD_NUMBER = (
    rf"(?:(?:{_WORD}){_NEXT}{{0,8}}"
    rf"|(?:a|one)\s(?:dozen|hundred|thousand|million|billion|trillion){_NEXT}{{0,6}}"
    r"|half\sa\s(?:million|billion|trillion|dozen)|a\sdozen|a\shalf)"
)
_NUMERAL = re.compile(r"^(\d{1,3}(?:,\d\d\d)+|\d+)?(\.\d+)?$")

CURRENCY_SYMBOLS = {
    "us$": "USD", "$": "USD", "c$": "CAD", "ca$": "CAD", "a$": "AUD", "au$": "AUD",
    "hk$": "HKD", "nz$": "NZD", "r$": "BRL", "€": "EUR", "£": "GBP", "¥": "JPY",
    "₹": "INR", "₽": "RUB", "₴": "UAH", "₩": "KRW", "₺": "TRY", "₦": "NGN", "chf": "CHF",
}  # fmt: skip
CURRENCY_WORDS = {
    "dollars": "USD", "dollar": "USD", "euros": "EUR", "euro": "EUR", "pounds sterling": "GBP",
    "sterling": "GBP", "yen": "JPY", "yuan": "CNY", "renminbi": "CNY", "rupees": "INR",
    "roubles": "RUB", "rubles": "RUB", "hryvnias": "UAH", "hryvnia": "UAH", "francs": "CHF",
    "pesos": "MXN", "won": "KRW", "lira": "TRY", "rand": "ZAR", "naira": "NGN",
    "usd": "USD", "eur": "EUR", "gbp": "GBP", "jpy": "JPY", "cny": "CNY", "inr": "INR",
    "rub": "RUB", "uah": "UAH", "cad": "CAD", "aud": "AUD", "chf": "CHF",
}  # fmt: skip

# Measurement units: spelling -> normalised unit. Longer spellings are tried first.
UNITS = {
    "kilometers": "km", "kilometres": "km", "kilometer": "km", "kilometre": "km", "km": "km",
    "miles": "mi", "mile": "mi", "mi": "mi", "meters": "m", "metres": "m", "meter": "m",
    "metre": "m", "m": "m", "centimeters": "cm", "centimetres": "cm", "cm": "cm",
    "millimeters": "mm", "millimetres": "mm", "mm": "mm", "feet": "ft", "foot": "ft", "ft": "ft",
    "inches": "in", "inch": "in", "yards": "yd", "yard": "yd",
    "square kilometers": "km2", "square kilometres": "km2", "sq km": "km2", "km2": "km2",
    "km²": "km2", "square miles": "mi2", "sq mi": "mi2", "square meters": "m2",
    "square metres": "m2", "square feet": "ft2", "sq ft": "ft2", "hectares": "ha", "ha": "ha",
    "acres": "acre", "acre": "acre",
    "kilograms": "kg", "kilogrammes": "kg", "kilogram": "kg", "kg": "kg", "grams": "g",
    "gram": "g", "milligrams": "mg", "mg": "mg", "tonnes": "t", "tonne": "t", "tons": "t",
    "ton": "t", "metric tons": "t", "pounds": "lb", "lbs": "lb", "lb": "lb", "ounces": "oz",
    "kilometers per hour": "km/h", "kilometres per hour": "km/h", "km/h": "km/h", "kph": "km/h",
    "miles per hour": "mph", "mph": "mph", "knots": "kn",
    "degrees celsius": "°C", "degrees fahrenheit": "°F", "°c": "°C", "°f": "°F",
    "degrees": "°", "liters": "l", "litres": "l", "liter": "l", "litre": "l",
    "gallons": "gal", "barrels": "bbl", "cubic meters": "m3", "cubic metres": "m3",
    "megawatts": "MW", "mw": "MW", "gigawatts": "GW", "gw": "GW", "kilowatts": "kW",
    "kw": "kW", "kilowatt-hours": "kWh", "kwh": "kWh", "terawatt-hours": "TWh", "twh": "TWh",
    "calories": "kcal", "kcal": "kcal", "magnitude": "magnitude",
    "basis points": "bp", "bps": "bp", "percentage points": "pp", "percentage point": "pp",
    "points": "points", "point": "points", "times": "times", "fold": "times",
}  # fmt: skip

# Time units in seconds (a year is 365.25 days, a month a twelfth of that).
TIME_UNITS = {
    "second": 1, "seconds": 1, "secs": 1, "sec": 1, "minute": 60, "minutes": 60, "mins": 60,
    "min": 60, "hour": 3600, "hours": 3600, "hrs": 3600, "hr": 3600, "day": 86400,
    "days": 86400, "week": 604800, "weeks": 604800, "fortnight": 1209600,
    "month": 2629800, "months": 2629800, "year": 31557600, "years": 31557600,
    "decade": 315576000, "decades": 315576000, "century": 3155760000, "centuries": 3155760000,
}  # fmt: skip

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip


# The one list of words that make the figure after them approximate ("up to 30 km").
APPROX_WORDS = (
    "up to", "around", "about", "nearly", "almost", "more than", "over", "approximately", "roughly",
    "some", "at least", "close to", "as many as", "as much as", "fewer than", "less than", "under",
    "an estimated", "estimated", "upwards of", "in excess of", "circa", "approx.", "approx",
)  # fmt: skip
# The last word of each: a cheap test before the end-anchored patterns built from the list.
APPROX_LAST_WORDS = frozenset(w.split()[-1] for w in APPROX_WORDS)


def alternation(words: Iterable[object]) -> str:
    """A regex alternation of the given spellings, longest first, spaces matching any spacing."""
    items = sorted({str(w) for w in words}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in items)


def parse_numeral(text: str) -> float | None:
    """ "11,000" -> 11000.0, "7.4" -> 7.4; None if it is not a plain numeral."""
    text = text.strip()
    if not _NUMERAL.match(text) or not any(c.isdigit() for c in text):
        return None
    return float(text.replace(",", ""))


def _year_pair(words: list[str]) -> float | None:
    """ "eighteen eighty two" -> 1882, "twenty twenty" -> 2020: years read as two numbers."""
    if len(words) < 2 or len(words) > 3 or any(w not in SMALL for w in words):
        return None
    century = SMALL[words[0]]
    rest = [SMALL[w] for w in words[1:]]
    if not 10 <= century <= 20:  # years 1000-2099
        return None
    if len(rest) == 2 and not (rest[0] >= 20 and rest[0] % 10 == 0 and 0 < rest[1] < 10):
        return None
    if len(rest) == 1 and rest[0] < 10:
        return None  # "twenty two" is 22
    return float(century * 100 + sum(rest))


def is_year_pair(text: str) -> bool:
    return _year_pair(_number_words(text)) is not None


def _number_words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s-]+", text.lower()) if w and w != "and"]


def parse_words(text: str) -> float | None:
    """ "seventy-seven" -> 77, "two hundred and fifty" -> 250, "a dozen" -> 12, "eighteen-eighty-two" -> 1882.

    Plain cardinals go to text2num; dozens, halves and years read as two numbers are handled here.
    """
    words = _number_words(text)
    if not words:
        return None
    if words[0] == "half" and len(words) == 3:
        return SCALES.get(words[2], 12 if words[2] == "dozen" else 0) / 2 or None
    year = _year_pair(words)
    if year is not None:
        return year
    if not {"a", "dozen", "half"} & set(words):
        try:
            return float(text2num(" ".join(words), "en"))
        except ValueError:
            pass
    total = 0.0
    current = 0.0
    seen = False
    for word in words:
        if word in SMALL:
            current += SMALL[word]
            seen = True
        elif word == "a":
            current += 1
        elif word == "dozen":
            current = (current or 1) * 12
            seen = True
        elif word == "half":
            current += 0.5
            seen = True
        elif word == "hundred":
            current = (current or 1) * 100
            seen = True
        elif word in ("thousand", "million", "billion", "trillion"):
            total += (current or 1) * SCALES[word]
            current = 0
            seen = True
        else:
            return None
    return total + current if seen else None


def round_value(value: float) -> float:
    """Undo binary noise from scaling (15.8 * 1e9 -> 15800000000.0)."""
    return float(f"{value:.12g}")
