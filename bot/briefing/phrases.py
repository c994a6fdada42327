"""Small word-level heuristics: the noun a number counts, and what a figure is about."""

from __future__ import annotations

import re

from bot.briefing.numbers import APPROX_LAST_WORDS, APPROX_WORDS, alternation

STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "and",
        "or",
        "nor",
        "but",
        "as",
        "than",
        "that",
        "which",
        "who",
        "whom",
        "whose",
        "this",
        "these",
        "those",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "will",
        "would",
        "could",
        "should",
        "may",
        "might",
        "must",
        "can",
        "shall",
        "it",
        "its",
        "he",
        "she",
        "they",
        "them",
        "their",
        "his",
        "her",
        "we",
        "our",
        "you",
        "your",
        "i",
        "me",
        "my",
        "us",
        "per",
        "each",
        "more",
        "less",
        "most",
        "least",
        "also",
        "still",
        "only",
        "just",
        "into",
        "onto",
        "over",
        "under",
        "after",
        "before",
        "since",
        "until",
        "during",
        "about",
        "around",
        "up",
        "down",
        "out",
        "off",
        "not",
        "no",
        "so",
        "if",
        "when",
        "while",
        "where",
        "there",
        "here",
        "ago",
        "later",
        "earlier",
        "apiece",
        "respectively",
        "said",
        "says",
        "say",
        "told",
        "according",
        "what",
        "how",
        "why",
        "then",
        "now",
        "again",
        "even",
        "both",
        "all",
        "any",
        "some",
        "such",
        "every",
        "other",
        "another",
        "own",
        "same",
        "very",
        "too",
        "already",
        "yet",
        "across",
        "among",
        "along",
        "between",
        "within",
        "without",
        "through",
        "toward",
        "towards",
        "against",
        "amid",
        "via",
        "near",
        "beyond",
        "inside",
        "outside",
        "including",
        "like",
        "plus",
        "versus",
        "vs",
        "out",
    ]
)
_IRREGULAR = frozenset(
    [
        "people",
        "children",
        "men",
        "women",
        "police",
        "personnel",
        "staff",
        "cattle",
        "livestock",
        "aircraft",
        "sheep",
        "fish",
        "deer",
        "feet",
        "teeth",
        "mice",
        "geese",
        "crew",
        "infantry",
        "militia",
        "offspring",
    ]
)
_SINGULAR_S = frozenset(
    [
        "measles",
        "mumps",
        "news",
        "series",
        "species",
        "diabetes",
        "politics",
        "economics",
        "physics",
        "lens",
        "bus",
        "gas",
        "chaos",
        "crisis",
        "analysis",
        "basis",
        "thesis",
        "status",
        "campus",
        "virus",
        "bonus",
        "census",
    ]
)
_COUNT_MODIFIERS = frozenset(["more", "other", "additional", "fewer", "further", "extra"])
_ADJECTIVE_END = re.compile(r"(?:ed|ing|ly|ian|ese|al|ive|ful|ous|ic|ish|ary|ern|ior|less|able)$")
_DETERMINERS = frozenset(["the", "those", "these", "its", "their", "his", "her", "our", "all", "a", "an"])
_AFTER_STARTERS = frozenset(
    [
        "into",
        "deep",
        "long",
        "wide",
        "high",
        "tall",
        "away",
        "across",
        "along",
        "from",
        "of",
        "in",
        "per",
        "on",
        "off",
        "for",
        "higher",
        "lower",
        "above",
        "below",
        "beyond",
        "inland",
        "offshore",
        "north",
        "south",
        "east",
        "west",
        "northeast",
        "northwest",
        "southeast",
        "southwest",
        "behind",
        "ahead",
        "old",
        "annually",
    ]
)
_TRAILING_DROP = frozenset(
    [
        "to",
        "by",
        "of",
        "at",
        "from",
        "for",
        "than",
        "with",
        "in",
        "on",
        "is",
        "was",
        "were",
        "are",
        "be",
        "been",
        "as",
        "a",
        "an",
        "the",
        "its",
        "his",
        "her",
        "their",
        "some",
        "about",
        "around",
        "over",
        "under",
        "nearly",
        "almost",
        "roughly",
        "approximately",
        "up",
        "reaching",
        "totalling",
        "totaling",
        "worth",
        "and",
        "or",
        "between",
        "after",
        "before",
        "since",
        "until",
        "within",
        "more",
        "less",
        "than",
    ]
)
_VERB_END = re.compile(r"(?:ed|ing|ate|ise|ize|ain|ll|ill|ure)$")
_AUX_PARTICIPLE = re.compile(
    r"\s+(?:have|has|had|were|was|are|is|been|be|being)(?:\s(?:been|now|already|reportedly)){0,3}"
    r"\s+([a-z]+(?:ed|en|wn|t))\b"
)
_TOKEN = re.compile(r"\s+([A-Za-z][A-Za-z'’-]*)")
_ABBREVIATION = re.compile(r"(?:[A-Z]\.){2,4}(?=\s)")
_WORDS = re.compile(r"(?:[A-Z]\.){2,4}|[A-Za-z][\w'’-]*(?:\.(?=\w))?[\w'’-]*")
# Approximation words (one list, in numbers.py) and a sign are left out of descriptions.
_APPROX_TAIL = re.compile(rf"(?i:\b(?:{alternation((*APPROX_WORDS, 'minus'))})\s*)$")
_APPROX_LAST_WORDS = APPROX_LAST_WORDS | {"minus"}
_WORD_ONLY = re.compile(r"[A-Za-z][\w'’-]*")
_SUBJECT_BREAK = re.compile(r"[,;:(—–]|\s-\s|\b(?:and|but|while|whereas|which|who|with|after|as|that)\b")
_CLAUSE_BREAK = re.compile(r"[,;:()—–]|\s-\s|\b(?:and|but|while|whereas|which|who)\b")
_MAX_WORDS = 8
_LOOKBACK = 120  # characters before a figure that can describe it
_ATTRIBUTIVE = re.compile(r"\w-[A-Za-z]+$")


def plural(noun: str) -> str:
    """ "page" -> "pages", "member" -> "members", "storey" -> "storeys", "city" -> "cities"."""
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "o", "u"):
        return noun[:-1] + "ies"
    return noun + "s"


def is_plural_noun(word: str) -> bool:
    w = word.lower()
    if w in _IRREGULAR:
        return True
    if w in _SINGULAR_S:
        return False
    if word[:1].isupper() and w.endswith("is") and len(w) > 4:  # "Israelis", "Iraqis"
        return True
    return len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "'s", "’s")) and w not in STOP


def noun_after(s: str, pos: int, *, singular: bool, through_of: bool) -> tuple[int, int, str] | None:
    """The counted noun after a number at ``pos``: (phrase start, phrase end, noun), or None."""
    phrase_start: int | None = None
    modifiers = 0
    first = True
    while modifiers <= 3:
        m = _TOKEN.match(s, pos)
        if m is None:
            return None
        word = m.group(1)
        low = word.lower()
        if first and low == "of" and through_of:
            pos = m.end()
            det = _TOKEN.match(s, pos)
            if det and det.group(1).lower() in _DETERMINERS:
                pos = det.end()
            first = False
            continue
        first = False
        if low in _COUNT_MODIFIERS and phrase_start is None:  # "2 more hostages", "three other people"
            phrase_start = m.start(1)
            modifiers += 1
            pos = m.end()
            continue
        if low in STOP:
            return None
        if phrase_start is None:
            phrase_start = m.start(1)
        abbreviation = _ABBREVIATION.match(s, m.start(1))
        if abbreviation:  # "13 U.S. troops": an initialism is a modifier
            modifiers += 1
            pos = abbreviation.end()
            continue
        if is_plural_noun(word):
            return phrase_start, m.end(), word if word.isupper() else low
        if singular and not _ADJECTIVE_END.search(low):
            return phrase_start, m.end(), word if word.isupper() else low
        if singular and low in _SINGULAR_S:
            return None
        modifiers += 1
        pos = m.end()
    return None


def _tokens(text: str) -> list[str]:
    return _WORDS.findall(text)


def _clip(words: list[str]) -> str:
    return " ".join(words[:_MAX_WORDS])


def _after_phrase(s: str, end: int, *, starters_only: bool) -> tuple[list[str], int]:
    words: list[str] = []
    ends: list[int] = []
    pos = end
    while len(words) < 4:
        m = _TOKEN.match(s, pos)
        if m is None:
            break
        low = m.group(1).lower()
        if not words and starters_only and low not in _AFTER_STARTERS:
            break
        if words and low in STOP and low not in _DETERMINERS and low != "of":
            break
        if not words and not starters_only and low in STOP:
            break
        words.append(m.group(1))
        ends.append(m.end())
        pos = m.end()
    while words and words[-1].lower() in _TRAILING_DROP:
        words.pop()
        ends.pop()
    return words, (ends[-1] if ends else end)


def _strip_approx(text: str) -> str:
    """The text without a trailing "up to", "more than", ... (only its end is searched)."""
    for _ in range(3):  # "at least about": a few modifiers, stripped one at a time
        last = text[-24:].rsplit(None, 1)[-1:]
        if not last or last[0].lower() not in _APPROX_LAST_WORDS:
            break
        m = _APPROX_TAIL.search(text, max(0, len(text) - 40))
        if m is None:
            break
        text = text[: m.start()]
    return text


def _before_phrase(s: str, start: int, kind: str) -> list[str]:
    text = _strip_approx(s[max(0, start - _LOOKBACK) : start])
    tail = text[-120:].split()
    if len(tail) >= 2 and tail[-1] == "of":  # "a depth of 18 km", "quarterly revenue of $15.8 billion"
        words: list[str] = []
        for word in reversed([w for w in tail[-4:-1] if _WORD_ONLY.fullmatch(w)]):
            if word.lower() in STOP or (_VERB_END.search(word.lower()) and words):
                break
            words.insert(0, word)
        if words:
            return words
    breaks = list(_CLAUSE_BREAK.finditer(text))
    clause = text[breaks[-1].end() :] if breaks else text
    words = _tokens(clause)
    while words and words[-1].lower() in _TRAILING_DROP:
        words.pop()
    if not words and breaks and kind == "age":  # "Jane Smith, 45," -> the name before the comma
        prev = text[breaks[-2].end() if len(breaks) > 1 else 0 : breaks[-1].start()]
        words = _tokens(prev)[-3:]
    words = words[-4:]
    while words and words[0].lower() in STOP:
        words.pop(0)
    return words


def _sentence_subject(s: str) -> list[str]:
    """The opening words of the sentence, up to its first clause break: a last-resort label."""
    head = s[:120]
    m = _CLAUSE_BREAK.search(head)
    words = _tokens(head[: m.start()] if m else head)[:4]
    while words and words[-1].lower() in _TRAILING_DROP:
        words.pop()
    while words and words[0].lower() in STOP:
        words.pop(0)
    return words


_IRREGULAR_DONE = {
    "taking": "taken", "holding": "held", "building": "built", "hitting": "hit", "leaving": "left",
    "losing": "lost", "sending": "sent", "seeing": "seen", "finding": "found", "bringing": "brought",
    "buying": "bought", "selling": "sold", "keeping": "kept", "making": "made", "giving": "given",
    "winning": "won", "putting": "put", "cutting": "cut", "setting": "set", "shooting": "shot",
    "spending": "spent", "paying": "paid", "having": "had", "getting": "got", "seizing": "seized",
    "using": "used", "moving": "moved", "saving": "saved", "raising": "raised", "closing": "closed",
    "producing": "produced", "reducing": "reduced", "causing": "caused", "housing": "housed",
    "leading": "led", "feeding": "fed", "fighting": "fought", "catching": "caught",
}  # fmt: skip
_DONE_FORMS = frozenset(v for v in _IRREGULAR_DONE.values() if len(v) > 3 and v not in STOP) | frozenset(
    [
        "taken",
        "given",
        "driven",
        "stolen",
        "chosen",
        "shown",
        "thrown",
        "drawn",
        "grown",
        "beaten",
        "bitten",
        "broken",
        "frozen",
        "written",
    ]
)
_AUXILIARIES = frozenset(
    [
        "has",
        "have",
        "had",
        "was",
        "were",
        "is",
        "are",
        "be",
        "been",
        "being",
        "will",
        "would",
        "could",
        "should",
        "may",
        "might",
        "also",
        "still",
        "now",
    ]
)


def _participle(verb: str) -> str | None:
    """ "controlling" -> "controlled", "evacuated" -> "evacuated"; None when unsure."""
    low = verb.lower()
    if low in _IRREGULAR_DONE:
        return _IRREGULAR_DONE[low]
    if low in _DONE_FORMS:  # "had taken two villages"
        return low
    if low.endswith("ed") and len(low) > 4:
        return low
    if low.endswith("ing") and len(low) > 5:
        stem = low[:-3]
        if (
            stem.endswith(("e", "a", "i", "o", "u", "y", "w"))
            or stem[-1] == stem[-2]
            or stem.endswith(
                (
                    "ct",
                    "st",
                    "rt",
                    "nt",
                    "ld",
                    "rm",
                    "rn",
                    "sh",
                    "ch",
                    "ck",
                    "ss",
                    "ll",
                    "lp",
                    "rk",
                    "rd",
                    "nd",
                    "pt",
                    "ft",
                    "ck",
                    "ng",
                    "gn",
                    "mp",
                    "sk",
                    "sp",
                    "lt",
                    "wn",
                )
            )
        ):
            return stem + "ed"
    return None


def _subject_before(prefix: str, verb: str) -> list[str]:
    """The short noun phrase doing ``verb`` just before it: "with Ukrainian forces reportedly controlling"."""
    head = prefix[: prefix.rfind(verb)]
    breaks = list(_SUBJECT_BREAK.finditer(head))
    words = _tokens(head[breaks[-1].end() :] if breaks else head)
    while words and (words[-1].lower() in _AUXILIARIES or words[-1].lower().endswith("ly")):
        words.pop()
    while words and words[0].lower() in STOP:
        words.pop(0)
    if not words or len(words) > 4 or any(w.lower() in STOP for w in words):
        return []
    return words


_COMPARATIVES = frozenset(["lower", "higher", "greater", "smaller", "bigger", "larger", "fewer"])
_NOT_AFTER_AMOUNT = frozenset(
    [
        "yesterday",
        "today",
        "tonight",
        "overnight",
        "annually",
        "apiece",
        "each",
        "respectively",
        "higher",
        "lower",
        "more",
        "less",
    ]
)


def _is_noun_after_amount(word: str) -> bool:
    """A word right after an amount that names what the amount is: "3% gain", "$5 billion deal"."""
    low = word.lower()
    if not word[0].islower() or low in STOP or low in _NOT_AFTER_AMOUNT or low.endswith("ly"):
        return False
    return not _VERB_END.search(low)


def describe(s: str, start: int, end: int, noun: tuple[int, int] | None, kind: str) -> str:
    """A short phrase from the sentence saying what the figure at [start, end) measures."""
    prefix = _strip_approx(s[max(0, start - _LOOKBACK) : start])
    if noun is not None:
        words = _tokens(s[noun[0] : noun[1]])
        lead = _tokens(prefix)[-2:]
        verb = None
        if lead:
            low = lead[-1].lower()
            is_verb = _VERB_END.search(low) or low in _DONE_FORMS or (len(lead) == 2 and lead[0] == "to")
            if low not in STOP and is_verb and lead[-1][0].islower():
                verb = lead[-1]
        tail, tail_end = _after_phrase(s, noun[1], starters_only=True)
        done = _participle(verb) if verb else None
        if done and verb:  # "forces controlling 28 villages" -> "villages controlled by forces"
            subject = _subject_before(prefix, verb)
            first = tail[0].lower() if tail else ""
            of = tail if first == "of" else []  # "residents of the town evacuated"
            source = tail if first == "from" else []  # "people forced from their homes"
            return _clip(words + of + [done] + source + (["by", *subject] if subject else []))
        if tail and tail[0].lower() in ("of", "from", "in", "on"):
            words += tail
        else:
            tail_end = noun[1]
        if verb:
            words = [verb, *words]
        participle = _AUX_PARTICIPLE.match(s, tail_end)
        if participle:
            words.append(participle.group(1))
        return _clip(words)
    follows = _TOKEN.match(s, end)
    if follows and follows.group(1) in _COMPARATIVES:  # "a 31% lower risk of heart disease"
        follows = _TOKEN.match(s, follows.end())
    if kind in ("money", "percent", "quantity") and follows and _is_noun_after_amount(follows.group(1)):
        words = _after_phrase(s, end, starters_only=False)[0]  # "a $24.6 billion merger of X"
        if words:
            return _clip(words)
    if kind != "age" and (
        _ATTRIBUTIVE.search(s[start:end]) or s[max(0, start - 12) : start].rstrip().endswith("magnitude")
    ):
        after = _after_phrase(s, end, starters_only=False)[0][:2]  # "a 12-year rule" -> rule
        if len(after) == 2 and _VERB_END.search(after[1].lower()):
            after.pop()
        if after:
            return _clip(after)
    before = _before_phrase(s, start, kind)
    after = _after_phrase(s, end, starters_only=True)[0]
    if not before and not after:
        after = _after_phrase(s, end, starters_only=False)[0]
    if not before and not after:
        before = _sentence_subject(s)
    return _clip(before + after)
