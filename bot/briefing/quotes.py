"""Finding quoted passages and who the text says spoke them."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from bot.briefing.model import Quote
from bot.briefing.text import UPPER, split_sentences

_VERBS = (
    r"(?:said|says|say|told|tells|added|adds|stated|states|noted|notes|wrote|writes|tweeted|posted|"
    r"warned|warns|declared|declares|announced|announces|insisted|insists|emphasi[sz]ed|emphasi[sz]es|"
    r"stressed|stresses|argued|argues|explained|explains|claimed|claims|acknowledged|acknowledges|"
    r"hinted|hints|suggested|suggests|suggesting|described|describes|called|calls|asked|asks|urged|"
    r"urges|replied|responded|continued|admitted|admits|conceded|confirmed|vowed|vows|promised|"
    r"recalled|remarked|observed|predicted|cautioned|complained|reported|joked|quipped|pledged|"
    r"threatened|demanded|labell?ed|dubbed|branded|termed|mentioned|commented|concluded|shouted|"
    r"testified|alleged|maintained|signall?ed|lamented|praised|critici[sz]ed|denounced|welcomed|"
    r"highlighted|saying|adding|telling|warning|noting|declaring|calling|describing|insisting)"
)
_VERB = re.compile(rf"\b{_VERBS}\b")
_NAME_JOINERS = frozenset(["of", "de", "da", "van", "von", "der", "al", "bin", "la", "le", "du", "dos", "el"])
# A capitalised word in any script, or a joiner; the run logic lives in name_spans.
_NAME_PIECE = re.compile(rf"(?<![\w'’.-])(?:[{re.escape(UPPER)}][\w'’.-]*|(?:{'|'.join(sorted(_NAME_JOINERS))})\b)")
_TITLES = frozenset(
    [
        "president",
        "prime",
        "minister",
        "chancellor",
        "governor",
        "gov",
        "senator",
        "sen",
        "rep",
        "representative",
        "secretary",
        "general",
        "gen",
        "dr",
        "mr",
        "mrs",
        "ms",
        "mx",
        "prof",
        "professor",
        "chief",
        "executive",
        "ceo",
        "cfo",
        "coo",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "king",
        "queen",
        "prince",
        "princess",
        "pope",
        "mayor",
        "judge",
        "justice",
        "director",
        "chairman",
        "chairwoman",
        "chair",
        "coach",
        "captain",
        "capt",
        "commander",
        "admiral",
        "ambassador",
        "colonel",
        "col",
        "lt",
        "lieutenant",
        "sergeant",
        "sgt",
        "deputy",
        "vice",
        "acting",
        "former",
        "foreign",
        "defense",
        "defence",
        "interior",
        "health",
        "finance",
        "economy",
        "state",
        "officer",
        "head",
        "leader",
        "manager",
        "analyst",
        "economist",
        "envoy",
        "lawmaker",
        "sheriff",
        "detective",
        "inspector",
        "superintendent",
        "marshal",
        "premier",
        "dean",
        "rabbi",
        "rev",
        "reverend",
        "father",
        "archbishop",
        "bishop",
        "cardinal",
        "sheikh",
        "emir",
        "crown",
        "lord",
        "sir",
        "dame",
        "mp",
        "senior",
        "attorney",
        "striker",
        "midfielder",
        "defender",
        "goalkeeper",
        "forward",
        "chancellor",
        "minister",
        "commissioner",
        "secretary-general",
        "ceo",
        "councillor",
        "councilor",
        "councilman",
        "councilwoman",
        "alderman",
        "assemblyman",
        "assemblywoman",
        "congressman",
        "congresswoman",
    ]
)
_NOT_NAMES = frozenset(
    [
        "in",
        "on",
        "at",
        "after",
        "before",
        "but",
        "and",
        "the",
        "a",
        "an",
        "this",
        "that",
        "however",
        "meanwhile",
        "still",
        "when",
        "while",
        "if",
        "as",
        "for",
        "since",
        "despite",
        "during",
        "following",
        "yet",
        "so",
        "then",
        "also",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "all",
        "some",
        "most",
        "many",
        "both",
        "each",
        "every",
    ]
)
_PRONOUNS = {"he", "she", "they", "we", "i", "it"}
_AFTER_VERB_FIRST = re.compile(rf"\s*(?:[,—–-]\s*)?{_VERBS}\s+(?P<who>[^.!?;:\"“”]{{1,120}})")
_AFTER_SUBJECT_FIRST = re.compile(
    rf"\s*(?:[,—–-]\s*)?(?P<who>[^.!?;:\"“”]{{1,100}}?)\s+(?:has\s+|had\s+|also\s+|later\s+|then\s+)?{_VERBS}\b"
)
# '"...," while Keir Starmer said': the next clause has its own speaker, not this quote's.
_NEW_CLAUSE = re.compile(r"(?:while|but|and|as|whereas|although|though|when|because|after|before|since)\b", re.I)
_LOWER_NEXT = re.compile(r"\s*[a-z,]")
_WHO_TAIL = re.compile(
    r"\s+(?:in|on|at|during|after|before|when|while|who|as|to|from|via|last|this|on)\b.*$|\s*[,—–].*$"
)
_WHAT_X_CALLS = re.compile(
    r"\bwhat\s+(?P<who>[\w'’ -]{1,50}?)\s+(?:describes?|described|calls?|called|terms?|termed|"
    r"dubs?|dubbed|labell?ed|labels?)(?:\s+as)?\s*$"
)
_ACCORDING = re.compile(r"\b[Aa]ccording\s+to\s+(?P<who>[^,.;:\"“”]{2,80})")
_CLAUSE_BREAK = re.compile(r",(?!\d)|;|\s[—–]\s|—|\b(?:that|but|and|who|which|while|with|as)\b")
_NAME_TAG = re.compile(r"^\s*(?P<who>[^\W\d_][\w'’. -]{0,60}?)\s*:\s*$")
_LEADING_ADVERBIAL = re.compile(
    r"^(?:(?:In|On|At|After|Before|During|Last|Earlier|Later|Speaking|Since|Also|Meanwhile|Separately)\b[^,]{0,60},\s*)"
)
_PERSON_ROLES = frozenset(
    [
        "leader",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "minister",
        "official",
        "officer",
        "resident",
        "analyst",
        "economist",
        "president",
        "director",
        "secretary",
        "governor",
        "mayor",
        "senator",
        "lawmaker",
        "executive",
        "chairman",
        "chairwoman",
        "founder",
        "professor",
        "expert",
        "researcher",
        "scientist",
        "engineer",
        "lawyer",
        "attorney",
        "judge",
        "coach",
        "player",
        "manager",
        "worker",
        "employee",
        "member",
        "mother",
        "father",
        "son",
        "daughter",
        "wife",
        "husband",
        "student",
        "teacher",
        "doctor",
        "nurse",
        "witness",
        "survivor",
        "victim",
        "farmer",
        "owner",
        "ceo",
        "chief",
        "head",
        "commander",
        "general",
        "envoy",
        "ambassador",
    ]
)
# "the company said": a business named earlier speaks under its own name.
_ORGANISATION_NOUN = re.compile(
    r"^(?:the\s)?(?:company|firm|retailer|airline|carrier|automaker|carmaker|lender|insurer|chain|"
    r"manufacturer|maker|startup|brand|broadcaster|publisher|club|conglomerate|giant|group)$",
    re.I,
)
_VERBISH = re.compile(
    r"^[a-z]+(?:ed|ing)$|^(?:is|was|were|are|has|have|had|but|and|or|in|on|at|with|for|from|by|to|"
    r"of|after|before|during|as|into|about|over|under|since|while|when|which|that|who)$"
)
_DETERMINER = re.compile(r"^(?:the|a|an)\s+", re.I)
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*\s*$")

_LOOKBACK = 400  # characters before a quote searched for its attribution
_MAX_QUOTE_CHARS = 2000  # an unclosed quote mark must not copy a whole long paragraph again
_DOUBLE_MARK = re.compile(r"[“„«\"]")
_OPEN_DOUBLE = {"“": "”", "„": "“", "«": "»", '"': '"'}
# Single quotes: an opening mark before a letter; the closing mark is the first one within
# 400 characters that no letter follows, so apostrophes ("We’ve", "Macy’s") stay inside.
_SINGLE_OPEN = re.compile(r"(?:^|(?<=[\s(\[—–]))[‘'](?=[^\W\d_])")
_SINGLE_CLOSE = re.compile(r"(?<=[^\s‘'])[’'](?![^\W\d_])")
_MAX_SINGLE = 400


@dataclass(slots=True)
class _Span:
    start: int  # index of the opening mark
    end: int  # index after the closing mark (or end of paragraph)
    text: str
    closed: bool


def _opens_straight(p: str, i: int) -> bool:
    return i == 0 or p[i - 1] in " \t\n([{—–-/:"


def find_quotes(p: str) -> list[_Span]:
    """Quoted passages in one paragraph: double quotes of any style, then single quotes outside."""
    spans: list[_Span] = []
    i = 0
    while True:
        found = _DOUBLE_MARK.search(p, i)
        if found is None:
            break
        i = found.start()
        ch = p[i]
        if ch in _OPEN_DOUBLE and (ch != '"' or _opens_straight(p, i)):
            closers = {_OPEN_DOUBLE[ch], '"', "”"}
            j = i + 1
            while j < len(p) and p[j] not in closers:
                j += 1
            closed = j < len(p)
            body = p[i + 1 : j].strip()
            if body:
                spans.append(_Span(i, j + 1 if closed else len(p), body, closed))
            i = j + 1
            continue
        i += 1
    starts = [s.start for s in spans]
    for start, end, body in _single_quotes(p) if ("'" in p or "‘" in p) else ():
        k = bisect_right(starts, start) - 1
        inside = k >= 0 and spans[k].start <= start < spans[k].end
        if not inside and " " in body:
            spans.append(_Span(start, end, body, True))
    spans.sort(key=lambda s: s.start)
    return spans


def _single_quotes(p: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of passages in single quote marks: ‘like this,’ or 'like this'."""
    found: list[tuple[int, int, str]] = []
    pos = 0
    while True:
        opening = _SINGLE_OPEN.search(p, pos)
        if opening is None:
            return found
        closing = _SINGLE_CLOSE.search(p, opening.end(), opening.end() + _MAX_SINGLE)
        body = p[opening.end() : closing.start()] if closing else ""
        if closing is None or any(c in body for c in '"“”\n'):
            pos = opening.end()
            continue
        found.append((opening.start(), closing.end(), body.strip()))
        pos = closing.end()


def name_spans(text: str) -> list[tuple[int, int]]:
    """Runs of capitalised words ("Ólafur Ragnar Grímsson", "Bank of England") as (start, end).

    Only capitalised words and joiners are visited; two of them belong to one run when only
    a few spaces separate them.
    """
    spans: list[tuple[int, int]] = []
    start = end = -1
    joiner_end = -1  # end of a joiner waiting for a capitalised word after it
    for m in _NAME_PIECE.finditer(text):
        word = m.group(0)
        is_joiner = word in _NAME_JOINERS
        after = joiner_end if joiner_end >= 0 else end
        adjacent = start >= 0 and 0 < m.start() - after <= 3 and text[after : m.start()].isspace()
        if adjacent and _ends_sentence(text[start:end]):
            adjacent = False  # "... of ING. He added": a full stop, not an initial
        if is_joiner:
            if adjacent and joiner_end < 0:
                joiner_end = m.end()
                continue
            if start >= 0:
                spans.append((start, end))
            start = end = joiner_end = -1
            continue
        if adjacent:
            end = m.end()
        else:
            if start >= 0:
                spans.append((start, end))
            start, end = m.start(), m.end()
        joiner_end = -1
    if start >= 0:
        spans.append((start, end))
    out = []
    for a, b in spans:
        last = text[a:b].split()[-1]
        if last.endswith(".") and len(last) > 2 and "." not in last[:-1]:
            b -= 1  # "in Zürich." ends a sentence; "K." and "U.S." keep their stops
        out.append((a, b))
    return out


def _ends_sentence(run: str) -> bool:
    last = run.rsplit(None, 1)[-1]
    if not last.endswith(".") or "." in last[:-1] or len(last) <= 2:
        return False  # no stop, "U.S.", "K."
    return last[:-1].lower() not in _ABBREVIATED


def _name_at_start(text: str) -> str:
    """The run of capitalised words that opens ``text``, or ""."""
    spans = name_spans(text[:200])
    return text[: spans[0][1]] if spans and spans[0][0] == 0 else ""


def _name_at_end(text: str) -> tuple[int, str] | None:
    """(start, run) of the capitalised run that ends ``text``, if one does."""
    spans = name_spans(text)
    if spans and spans[-1][1] == len(text.rstrip()):
        return spans[-1][0], text[spans[-1][0] : spans[-1][1]]
    return None


def strip_title(run: str) -> str:
    """ "Russian President Vladimir Putin" -> "Vladimir Putin"."""
    tokens = run.split()
    while tokens and tokens[0].lower() in _NOT_NAMES:
        tokens.pop(0)
    last_title = -1
    for i, tok in enumerate(tokens):
        if tok.lower().rstrip(".").rstrip("'’s") in _TITLES or tok.lower().rstrip(".") in _TITLES:
            last_title = i
    name = " ".join(tokens[last_title + 1 :] or tokens).strip(" ,")
    person, of, _place = name.partition(" of ")
    if of and len(person.split()) >= 2:  # "Ali Şahin of Zürich"; "Bank of England" stays whole
        return person
    return name


def _name_runs(text: str) -> list[str]:
    runs = []
    for a, b in name_spans(text):
        name = strip_title(text[a:b])
        if name and name.lower() not in _NOT_NAMES:
            runs.append(name)
    return runs


_COMMA = re.compile(r",(?!\d)")  # not the comma in "2,270"
_POSSESSIVES = frozenset(["her", "his", "their", "its", "our", "my", "the", "a", "an"])
_NO_ONE = frozenset(
    ["another", "others", "other", "some", "one", "many", "most", "few", "several", "both", "all", "none"]
)


def _person_of_place(part: str) -> str:
    """ "Dr. Priya Raman of the University of Sydney" -> "Dr. Priya Raman"; "Bank of England" stays."""
    head, of, _rest = part.partition(" of ")
    named = [t for t in head.split() if t.lower().rstrip(".") not in _TITLES]
    if of and len(named) >= 2 and _name_at_start(head) == head:  # not "Secretary of State Schwartz"
        return head
    return part


def pick_speaker(chunk: str) -> str | None:
    """The speaker named by an attribution phrase, e.g. "the chief executive, Jane Doe"."""
    parts = [_person_of_place(p.strip(" \"“”‘’'")) for p in re.split(r",(?!\d)|\s[—–]\s", chunk)]
    parts = [p for p in parts if p and not p[:1].isdigit()]  # "Okonkwo, 22," / "2,270 stores"
    if len(parts) == 1 and parts[0].lower() in _NO_ONE:
        return None  # "Another said": nobody the text names
    for part in reversed(parts):
        if part.lower() in _PRONOUNS:
            return part.lower()
        tokens = part.split()
        if all(t[0].isupper() or t in ("of", "de", "van", "von", "al", "bin") for t in tokens):
            name = strip_title(part)
            if name:
                return name
    if not parts:
        return None
    tail = _name_at_end(parts[-1])
    if tail:  # "mission director Tim Crain"
        run = tail[1]
        before = parts[-1][: tail[0]].split()
        if len(run.split()) >= 2 or (before and before[-1].lower() in _TITLES):
            name = strip_title(run)
            if name:
                return name
    phrase = _DETERMINER.sub("", parts[0])
    words = phrase.split()
    if not words or len(words) > 6 or _VERBISH.match(words[0]) or _VERB.search(phrase):
        return None
    if _name_at_start(phrase) == phrase:
        return strip_title(phrase)
    return phrase


_ABBREVIATED = frozenset(
    [
        "sen",
        "rep",
        "gov",
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "sgt",
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "rev",
        "st",
        "jr",
        "sr",
        "u.s",
        "u.k",
        "u.n",
        "adm",
        "cmdr",
    ]
)


def _through_abbreviations(p: str, start: int, found: str) -> str:
    """Extend an attribution cut at a full stop when the stop ends "Sen." or an initial ("K.")."""
    end = start + len(found)
    while end < len(p) and p[end] == "." and len(found) < 120:
        last = found.split()[-1].lower() if found.split() else ""
        if not (last in _ABBREVIATED or (len(last) == 1 and last.isalpha())):
            break
        more = re.match(r"\.[^.!?;:\"“”]{0,80}", p[end : end + 81])
        if more is None:
            break
        found += more.group(0)
        end = start + len(found)
    return found


def _attribution_after(p: str, span: _Span) -> str | None:
    if not span.closed or (span.text[-1:] == "." and not _LOWER_NEXT.match(p, span.end)):
        return None
    m = _AFTER_VERB_FIRST.match(p, span.end)
    if m:
        who = _through_abbreviations(p, m.start("who"), m.group("who"))
        return pick_speaker(_WHO_TAIL.sub("", who))
    m = _AFTER_SUBJECT_FIRST.match(p, span.end)
    if m and len(m.group("who").split()) <= 10 and not _NEW_CLAUSE.match(m.group("who")):
        return pick_speaker(m.group("who"))
    return None


def _appositive_subject(head: str) -> str | None:
    """ "Frank McKenzie, the head of Central Command" -> "Frank McKenzie" (the name, not the office)."""
    parts = _COMMA.split(head)
    if len(parts) < 2:
        return None
    appositive = parts[-1].strip()
    if not appositive or not (_DETERMINER.match(appositive) or appositive[0].islower()):
        return None
    named = _name_at_end(parts[-2].strip())
    relative = appositive.split()[0] in ("who", "which")  # "Khan, who has ..., added"
    if named and (len(named[1].split()) >= 2 or relative):
        return strip_title(named[1]) or None
    return None


def _attribution_before(pre: str) -> str | None:
    tag = _NAME_TAG.match(pre)
    if tag and _name_at_start(tag.group("who")) == tag.group("who") and not _VERB.search(tag.group("who")):
        return strip_title(tag.group("who")) or None  # "Zelenskyy: “...”"
    m = _WHAT_X_CALLS.search(pre)
    if m:
        return pick_speaker(m.group("who"))
    m = _ACCORDING.search(pre)
    if m:
        return pick_speaker(m.group("who"))
    verbs = list(_VERB.finditer(pre))
    for verb in reversed(verbs):
        head = pre[: verb.start()].rstrip(" ,")
        apposed = _appositive_subject(head)
        if apposed:
            return apposed
        clause = _CLAUSE_BREAK.split(head)[-1].strip() if head else ""
        who = pick_speaker(clause) if clause and len(clause.split()) <= 6 else None
        if who:
            return who
    if verbs:  # the sentence's subject, when it is a name ("Smith, who ..., said")
        subject = _LEADING_ADVERBIAL.sub("", pre[: verbs[0].start()])
        subject = _CLAUSE_BREAK.split(subject)[0].strip()
        opening = _name_at_start(subject)
        if opening and len(opening.split()) >= 2:
            return strip_title(opening) or None
    return None


def _sentence_before(p: str, start: int) -> str:
    before = p[max(0, start - _LOOKBACK) : start]
    if not before.strip() or _SENTENCE_END.search(before):
        return ""
    pieces = split_sentences(before)
    return pieces[-1] if pieces else ""


class _Resolver:
    """Turns pronouns and surnames into the full names the briefing uses."""

    def __init__(self, paragraphs: Sequence[str]) -> None:
        self.paragraphs = paragraphs
        self._full_names: dict[str, str] | None = None
        self.last_person: str | None = None

    @property
    def full_names(self) -> dict[str, str]:
        """Surname -> the first full name with it; read from the text the first time it is needed."""
        if self._full_names is None:
            self._full_names = {}
            runs = (part for p in self.paragraphs for n in _name_runs(p) for part in n.split(" of "))
            for name in runs:
                if len(name.split()) >= 2:
                    self._full_names.setdefault(name.split()[-1], name)
        return self._full_names

    def _organisation_before(self, texts: Sequence[str]) -> str | None:
        """The last subject named in ``texts`` that is no person: "Also Monday, Macy’s, a retailer, says"."""
        for text in reversed(texts):
            for sentence in reversed(split_sentences(text)):
                opening = _LEADING_ADVERBIAL.sub("", sentence)
                subject = _name_at_start(opening)
                if not subject or subject.lower() in _NOT_NAMES or subject.lower() in _PRONOUNS:
                    continue
                role = opening[len(subject) :].lstrip(" ,").split(",")[0].lower().split()
                if subject == self.last_person or any(w.strip("’'s,") in _PERSON_ROLES for w in role[:6]):
                    continue  # a person: "Jane Ortiz, a union leader, ..."
                return subject
        return None

    def _person_subject(self, sentence: str) -> str | None:
        """The person a sentence opens with: "Jane Doe said", "Okafor, 58, said", "Her mother, Ada, ..."."""
        opening = _LEADING_ADVERBIAL.sub("", sentence)
        name = strip_title(_name_at_start(opening))
        low = name.lower()
        if name and (len(name.split()) >= 2 or name in self.full_names) and low not in _NOT_NAMES:
            return name  # not "Economists"
        parts = _COMMA.split(opening[:200])
        if len(parts) >= 3 and parts[0].split()[:1] and parts[0].split()[0].lower() in _POSSESSIVES:
            apposed = parts[1].strip()  # "Her mother, Ada, watched"
            if apposed and _name_at_start(apposed) == apposed and apposed.lower() not in _NOT_NAMES:
                return apposed
        return None

    def resolve(
        self, who: str | None, paragraph: str, earlier: str = "", earlier_paragraphs: Sequence[str] = ()
    ) -> str | None:
        """``paragraph`` is the text before the quote in its paragraph; ``earlier`` the end of the one
        before; ``earlier_paragraphs`` the few before that, oldest first, for "the company said"."""
        if who is None:
            return None
        if who in _PRONOUNS:
            if who not in ("he", "she"):
                return None
            # Prefer the subject of the sentences just before ("Her mother, Ada, watched ..."),
            # then the paragraph's ("Kiptum, who ... "), then the latest full name, then the
            # latest speaker.
            for sentence in [*split_sentences(paragraph)[-2:][::-1], paragraph]:
                name = self._person_subject(sentence)
                if name:
                    return self.resolve(name, "")
            for text in (paragraph, earlier):
                runs = [n for n in _name_runs(text) if len(n.split()) >= 2]
                if runs:
                    return self.resolve(runs[-1], "")
            return self.last_person
        if _ORGANISATION_NOUN.match(who) and earlier_paragraphs:
            named = self._organisation_before(earlier_paragraphs)
            if named:
                return named
        if " " not in who and who[:1].isupper():
            who = self.full_names.get(who, who)
        if who[:1].isupper():
            self.last_person = who
        return who


def _previous_paragraph_speaker(
    paragraphs: Sequence[str], index: int, last_quote: tuple[_Span, str | None, int] | None
) -> str | None:
    """Who speaks a quote that opens a paragraph with no attribution of its own.

    The paragraph before says so: it ends with a colon after a quote or name ("..., said X:"),
    or its last sentence says someone speaks ("Maynard says ...", "X tells VOA ..."), or it
    ended inside an unclosed quote that this one continues.
    """
    if index == 0:
        return None
    before = paragraphs[index - 1].rstrip()
    same_paragraph = last_quote is not None and last_quote[2] == index - 1
    if (
        same_paragraph
        and last_quote is not None
        and (not last_quote[0].closed or before.endswith(":"))
        and last_quote[1] is not None
    ):
        return last_quote[1]
    sentences = split_sentences(before[-_LOOKBACK:])
    if not sentences:
        return None
    last = sentences[-1]
    if find_quotes(last):
        return None
    return _attribution_before(last.rstrip(":"))


def extract_quotes(paragraphs: Sequence[str]) -> list[Quote]:
    """Every quoted passage in the paragraphs, with its speaker where the text gives one."""
    resolver = _Resolver(paragraphs)
    found: list[tuple[_Span, str | None, int]] = []
    for index, p in enumerate(paragraphs):
        previous: str | None = None
        for span in find_quotes(p):
            who = _attribution_after(p, span)
            pre = _sentence_before(p, span.start)
            if who is None and pre:
                who = _attribution_before(pre)
            if who is None and not p[: span.start].strip():
                who = _previous_paragraph_speaker(paragraphs, index, found[-1] if found else None)
            earlier = paragraphs[index - 1][-_LOOKBACK:] if index else ""
            recent = [q[-_LOOKBACK:] for q in paragraphs[max(0, index - 3) : index]]
            recent.append(p[max(0, span.start - _LOOKBACK) : span.start])
            speaker = resolver.resolve(who, p[max(0, span.start - _LOOKBACK) : span.start], earlier, recent)
            if speaker is None and not pre and previous is not None:
                speaker = previous  # a quote that continues the same speaker's words
            found.append((span, speaker, index))
            previous = speaker or previous
    # An unclosed quote runs on into the next paragraph: it belongs to that quote's speaker.
    for i in range(len(found) - 2, -1, -1):
        span, speaker, index = found[i]
        _nxt_span, nxt_speaker, nxt_index = found[i + 1]
        if not span.closed and speaker is None and nxt_index == index + 1:
            found[i] = (span, nxt_speaker, index)
    quotes: list[Quote] = []
    seen: set[str] = set()
    for span, speaker, _ in found:
        key = span.text.lower()
        if key in seen:
            continue
        seen.add(key)
        text = span.text if len(span.text) <= _MAX_QUOTE_CHARS else span.text[:_MAX_QUOTE_CHARS].rsplit(" ", 1)[0] + "…"
        quotes.append(Quote(text, speaker))
    return quotes
