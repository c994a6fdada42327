"""Plain-text helpers for briefings: normalising input, stripping Markdown, splitting sentences."""

from __future__ import annotations

import re
import unicodedata

# Spaces that editors and CMS exports put where a plain space is meant.
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000\t]")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_MULTISPACE = re.compile(r"[ ]{2,}")

_MD_CHARS = re.compile(r"[*_`\[~]")
# Inner parts exclude their own opener or are bounded, so an unclosed marker scans a bounded
# stretch instead of the rest of the text (which made a line of "[[[[" quadratic).
_MD_LINK = re.compile(r"!?\[([^\[\]]{0,1000})\]\([^()\s]{0,2000}\)")
_MD_CODE = re.compile(r"`([^`]*)`")
_MD_STRONG = re.compile(r"\*\*(?=\S)([^*]{1,1000}?)(?<=\S)\*\*|__(?=\S)([^_]{1,1000}?)(?<=\S)__")
_MD_EM_STAR = re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])")
_MD_EM_UNDER = re.compile(r"(?<![\w_])_(?=\S)([^_]+?)(?<=\S)_(?![\w_])")
_MD_STRIKE = re.compile(r"~~(?=\S)([^~]{1,1000}?)(?<=\S)~~")

# Abbreviations after which a period never ends a sentence (compared lowercase, no final dot).
_ABBREV_ALWAYS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "mx",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "mt",
        "ft",
        "rev",
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "cmdr",
        "adm",
        "sgt",
        "cpl",
        "pvt",
        "gov",
        "sen",
        "rep",
        "pres",
        "supt",
        "insp",
        "det",
        "hon",
        "messrs",
        "mme",
        "mlle",
        "fr",
        "sra",
        "sr",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "e.g",
        "i.e",
        "etc",
        "vs",
        "cf",
        "approx",
        "est",
        "dept",
        "univ",
        "ave",
        "blvd",
        "rd",
        "fig",
        "vol",
        "ch",
        "pp",
        "ed",
        "eds",
        "al",
    ]
)
# Abbreviations that end a sentence only when the next word is a typical sentence opener.
_ABBREV_SOMETIMES = frozenset(
    [
        "a.m",
        "p.m",
        "u.s",
        "u.k",
        "u.n",
        "e.u",
        "u.a.e",
        "d.c",
        "inc",
        "corp",
        "co",
        "ltd",
        "llc",
        "plc",
        "bros",
        "no",
        "nos",
    ]
)
# Abbreviations that only ever precede a number ("No. 3", "Art. 5").
_ABBREV_BEFORE_NUMBER = frozenset(["no", "nos", "art", "sec", "para", "op"])
_OPENERS = frozenset(
    [
        "the",
        "a",
        "an",
        "it",
        "he",
        "she",
        "they",
        "we",
        "i",
        "you",
        "this",
        "that",
        "these",
        "those",
        "there",
        "but",
        "and",
        "or",
        "so",
        "yet",
        "in",
        "on",
        "at",
        "as",
        "after",
        "before",
        "when",
        "while",
        "if",
        "for",
        "since",
        "however",
        "meanwhile",
        "still",
        "also",
        "his",
        "her",
        "their",
        "its",
        "our",
        "officials",
        "police",
        "authorities",
        "analysts",
    ]
)
# Starts only at the first mark of a run and never gives back what it took: a line of
# "!!!!" or "...." is read once, not once per character.
_BOUNDARY = re.compile(r"(?<![.!?…])(?:[.!?]++|…++)[\"'”’»)\]]*+(?=\s+[\"'“‘«(\[]?[A-Z0-9À-Ý])")
_LAST_WORD = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_NEXT_WORD = re.compile(r"\s+[\"'“‘«(\[]?([A-Za-z0-9]+)")

_SLUG_DROP = re.compile(r"[^a-z0-9]+")
# Capital letters of every script in the Basic Multilingual Plane, for character classes
# ("Ólafur", "Şahin", "MÁLAGA"); Python's re has no \p{Lu}.
UPPER = "".join(c for c in map(chr, range(0x10000)) if c.isupper() and c.isalpha())


def normalize(text: str) -> str:
    """Unix line ends, no BOM or invisible characters, odd spaces made plain."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text)
    return unicodedata.normalize("NFC", text)


def strip_markdown(text: str) -> str:
    """Remove inline Markdown (links, code, bold, italics, strike-through), keeping the words."""
    if not _MD_CHARS.search(text):
        return text
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_CODE.sub(r"\1", text)
    for _ in range(2):  # nested emphasis such as ***x***
        text = _MD_STRONG.sub(lambda m: m.group(1) or m.group(2), text)
        text = _MD_EM_STAR.sub(r"\1", text)
        text = _MD_EM_UNDER.sub(r"\1", text)
    text = _MD_STRIKE.sub(r"\1", text)
    return text


def clean_inline(text: str) -> str:
    """Markdown stripped and runs of spaces collapsed: the form every stored string takes."""
    return _MULTISPACE.sub(" ", strip_markdown(text)).strip()


def _is_boundary(text: str, dot_at: int, end: int) -> bool:
    if text[dot_at] != ".":
        return True
    match = _LAST_WORD.search(text, max(0, dot_at - 40), dot_at)
    if match is None:
        return True
    word = match.group(1).lower().rstrip(".")
    nxt = _NEXT_WORD.match(text, end)
    next_word = nxt.group(1) if nxt else ""
    if word in _ABBREV_BEFORE_NUMBER:
        return not next_word[:1].isdigit()
    if word in _ABBREV_ALWAYS:
        return False
    if word in _ABBREV_SOMETIMES or (len(word) == 1 and word.isalpha()):
        # A lone capital ("John F. Kennedy") or an abbreviation: split only before an opener.
        if len(word) == 1 and match.group(1).isupper():
            return False
        return next_word.lower() in _OPENERS
    if "." in word:  # other dotted abbreviations, e.g. "a.k.a."
        return next_word.lower() in _OPENERS
    return True


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences, keeping closing quotes and brackets with their sentence."""
    text = paragraph.strip()
    if not text:
        return []
    out: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        # The first sentence-ending character of the punctuation run decides.
        if not _is_boundary(text, match.start(), match.end()):
            continue
        piece = text[start : match.end()].strip()
        if piece:
            out.append(piece)
        start = match.end()
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return out


CONTEXT_CHARS = 300  # what a figure keeps of its sentence: bounded, so storage stays linear


def excerpt(text: str, start: int, end: int, limit: int = CONTEXT_CHARS) -> str:
    """``text`` if it is short, else about ``limit`` characters around [start, end), cut at spaces."""
    if len(text) <= limit:
        return text
    room = max(0, limit - (end - start)) // 2
    lo, hi = max(0, start - room), min(len(text), end + room)
    if lo > 0:
        space = text.find(" ", lo, start)
        lo = space + 1 if space >= 0 else lo
    if hi < len(text):
        space = text.rfind(" ", end, hi)
        hi = space if space >= 0 else hi
    return ("…" if lo > 0 else "") + text[lo:hi].strip() + ("…" if hi < len(text) else "")


def slugify(text: str) -> str:
    """Lowercase ASCII letters, digits and single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _SLUG_DROP.sub("-", ascii_text.lower()).strip("-")
