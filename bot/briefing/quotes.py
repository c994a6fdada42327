"""Finding quoted passages and who the text says spoke them."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from bot.briefing.model import Quote
from bot.briefing.text import split_sentences

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
_NAME_RUN = re.compile(
    r"[A-Z][\w'’.-]*(?:\s+(?:(?:of|de|da|van|von|der|al|bin|la|le|du|dos|el)\s+)?[A-Z][\w'’.-]*)*"
)
_TITLES = frozenset(
    """president prime minister chancellor governor gov senator sen rep representative secretary
    general gen dr mr mrs ms mx prof professor chief executive ceo cfo coo spokesman spokeswoman
    spokesperson king queen prince princess pope mayor judge justice director chairman chairwoman
    chair coach captain capt commander admiral ambassador colonel col lt lieutenant sergeant sgt
    deputy vice acting former foreign defense defence interior health finance economy state officer
    head leader manager analyst economist envoy lawmaker sheriff detective inspector superintendent
    marshal premier dean rabbi rev reverend father archbishop bishop cardinal sheikh emir crown lord
    sir dame mp senior attorney striker midfielder defender goalkeeper forward chancellor minister
    commissioner secretary-general ceo""".split()
)
_NOT_NAMES = frozenset(
    """in on at after before but and the a an this that however meanwhile still when while if as
    for since despite during following yet so then also monday tuesday wednesday thursday friday
    saturday sunday january february march april may june july august september october november
    december""".split()
)
_PRONOUNS = {"he", "she", "they", "we", "i", "it"}
_AFTER_VERB_FIRST = re.compile(rf"\s*(?:[,—–-]\s*)?{_VERBS}\s+(?P<who>[^.!?;:\"“”]{{1,120}})")
_AFTER_SUBJECT_FIRST = re.compile(
    rf"\s*(?:[,—–-]\s*)?(?P<who>[^.!?;:\"“”]{{1,100}}?)\s+(?:has\s+|had\s+|also\s+|later\s+|then\s+)?{_VERBS}\b"
)
_LOWER_NEXT = re.compile(r"\s*[a-z,]")
_WHO_TAIL = re.compile(
    r"\s+(?:in|on|at|during|after|before|when|while|who|as|to|from|via|last|this|on)\b.*$|\s*[,—–].*$"
)
_WHAT_X_CALLS = re.compile(
    r"\bwhat\s+(?P<who>[\w'’ -]{1,50}?)\s+(?:describes?|described|calls?|called|terms?|termed|"
    r"dubs?|dubbed|labell?ed|labels?)(?:\s+as)?\s*$"
)
_ACCORDING = re.compile(r"\b[Aa]ccording\s+to\s+(?P<who>[^,.;:\"“”]{2,80})")
_CLAUSE_BREAK = re.compile(r",|;|\bthat\b|\bbut\b|\band\b|\bwho\b|\bwhich\b|\bwhile\b")
_LEADING_ADVERBIAL = re.compile(r"^(?:(?:In|On|At|After|Before|During|Last|Earlier|Later|Speaking|Since)\b[^,]{0,60},\s*)")
_VERBISH = re.compile(
    r"^[a-z]+(?:ed|ing)$|^(?:is|was|were|are|has|have|had|but|and|or|in|on|at|with|for|from|by|to|"
    r"of|after|before|during|as|into|about|over|under|since|while|when|which|that|who)$"
)
_DETERMINER = re.compile(r"^(?:the|a|an)\s+", re.I)
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*\s*$")

_LOOKBACK = 400  # characters before a quote searched for its attribution
_MAX_ATTRIBUTED = 500
_DOUBLE_MARK = re.compile(r"[“„«\"]")
_OPEN_DOUBLE = {"“": "”", "„": "“", "«": "»", "\"": "\""}
_SINGLE = re.compile(
    r"(?:(?<=^)|(?<=[\s(\[—–]))[‘'](?=[A-Za-z])(?P<body>[^‘’'\"“”\n]{1,400}?)(?<=[\w.,!?])[’'](?=[\s.,;:!?)\]—–]|$)"
)


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
    for m in _SINGLE.finditer(p) if ("'" in p or "‘" in p) else ():
        k = bisect_right(starts, m.start()) - 1
        inside = k >= 0 and spans[k].start <= m.start() < spans[k].end
        if not inside and " " in m.group("body").strip():
            spans.append(_Span(m.start(), m.end(), m.group("body").strip(), True))
    spans.sort(key=lambda s: s.start)
    return spans


def strip_title(run: str) -> str:
    """ "Russian President Vladimir Putin" -> "Vladimir Putin"."""
    tokens = run.split()
    while tokens and tokens[0].lower() in _NOT_NAMES:
        tokens.pop(0)
    last_title = -1
    for i, tok in enumerate(tokens):
        if tok.lower().rstrip(".").rstrip("'’s") in _TITLES or tok.lower().rstrip(".") in _TITLES:
            last_title = i
    name = tokens[last_title + 1 :]
    return " ".join(name if name else tokens).strip(" ,")


def _name_runs(text: str) -> list[str]:
    runs = []
    for m in _NAME_RUN.finditer(text):
        name = strip_title(m.group(0))
        if name and name.lower() not in _NOT_NAMES:
            runs.append(name)
    return runs


def pick_speaker(chunk: str) -> str | None:
    """The speaker named by an attribution phrase, e.g. "the chief executive, Jane Doe"."""
    parts = [p.strip() for p in re.split(r",|\s[—–]\s", chunk) if p.strip()]
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
    tail = list(_NAME_RUN.finditer(parts[-1]))
    if tail and tail[-1].end() == len(parts[-1]):  # "mission director Tim Crain"
        run = tail[-1].group(0)
        before = parts[-1][: tail[-1].start()].split()
        if len(run.split()) >= 2 or (before and before[-1].lower() in _TITLES):
            name = strip_title(run)
            if name:
                return name
    phrase = _DETERMINER.sub("", parts[0])
    words = phrase.split()
    if not words or len(words) > 6 or _VERBISH.match(words[0]) or _VERB.search(phrase):
        return None
    first_run = _NAME_RUN.match(phrase)
    if first_run and first_run.end() == len(phrase):
        return strip_title(phrase)
    return phrase


def _attribution_after(p: str, span: _Span) -> str | None:
    if not span.closed or span.text[-1:] == "." and not _LOWER_NEXT.match(p, span.end):
        return None
    m = _AFTER_VERB_FIRST.match(p, span.end)
    if m:
        return pick_speaker(_WHO_TAIL.sub("", m.group("who")))
    m = _AFTER_SUBJECT_FIRST.match(p, span.end)
    if m and len(m.group("who").split()) <= 10:
        return pick_speaker(m.group("who"))
    return None


def _attribution_before(pre: str) -> str | None:
    m = _WHAT_X_CALLS.search(pre)
    if m:
        return pick_speaker(m.group("who"))
    m = _ACCORDING.search(pre)
    if m:
        return pick_speaker(m.group("who"))
    verbs = list(_VERB.finditer(pre))
    for verb in reversed(verbs):
        head = pre[: verb.start()].rstrip(" ,")
        clause = _CLAUSE_BREAK.split(head)[-1].strip() if head else ""
        who = pick_speaker(clause) if clause and len(clause.split()) <= 6 else None
        if who:
            return who
    if verbs:  # fall back on the subject at the start of the sentence
        subject = _LEADING_ADVERBIAL.sub("", pre[: verbs[0].start()])
        subject = _CLAUSE_BREAK.split(subject)[0].strip()
        runs = _name_runs(subject)
        if runs:
            return runs[0]
        if subject and len(subject.split()) <= 5:
            return pick_speaker(subject)
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
        runs = (part for p in paragraphs for n in _name_runs(p) for part in n.split(" of "))
        self.full_names: dict[str, str] = {}  # surname -> first full name with it
        for name in runs:
            if len(name.split()) >= 2:
                self.full_names.setdefault(name.split()[-1], name)
        self.last_person: str | None = None

    def resolve(self, who: str | None, paragraph: str, context: str) -> str | None:
        """``paragraph`` is the text before the quote; ``context`` the paragraphs before that."""
        if who is None:
            return None
        if who in _PRONOUNS:
            if who not in ("he", "she"):
                return None
            # Prefer the paragraph's subject ("Kiptum, who ... " / "Okafor said ..."), then
            # the latest full name mentioned, then the latest speaker.
            subject = _LEADING_ADVERBIAL.sub("", paragraph)
            opening = _NAME_RUN.match(subject)
            name = strip_title(opening.group(0)) if opening else ""
            if name and name.lower() not in _NOT_NAMES and name.lower() not in _PRONOUNS:
                return self.resolve(name, "", "")
            runs = [n for n in _name_runs(paragraph) if len(n.split()) >= 2]
            return runs[-1] if runs else self.last_person
        if " " not in who and who[:1].isupper():
            who = self.full_names.get(who, who)
        if who[:1].isupper():
            self.last_person = who
        return who


def extract_quotes(paragraphs: Sequence[str]) -> list[Quote]:
    """Every quoted passage in the paragraphs, with its speaker where the text gives one."""
    resolver = _Resolver(paragraphs)
    found: list[tuple[_Span, str | None, int]] = []
    for index, p in enumerate(paragraphs):
        previous: str | None = None
        context = " ".join(paragraphs[max(0, index - 2) : index])[-_LOOKBACK:]
        for span in find_quotes(p):
            if len(found) >= _MAX_ATTRIBUTED:  # no real article has this many; stay linear
                found.append((span, None, index))
                continue
            who = _attribution_after(p, span)
            pre = _sentence_before(p, span.start)
            if who is None and pre:
                who = _attribution_before(pre)
            speaker = resolver.resolve(who, p[max(0, span.start - _LOOKBACK) : span.start], context)
            if speaker is None and not pre and previous is not None:
                speaker = previous  # a quote that continues the same speaker's words
            found.append((span, speaker, index))
            previous = speaker or previous
    # An unclosed quote runs on into the next paragraph: it belongs to that quote's speaker.
    for i in range(len(found) - 2, -1, -1):
        span, speaker, index = found[i]
        nxt_span, nxt_speaker, nxt_index = found[i + 1]
        if not span.closed and speaker is None and nxt_index == index + 1:
            found[i] = (span, nxt_speaker, index)
    quotes: list[Quote] = []
    seen: set[str] = set()
    for span, speaker, _ in found:
        key = span.text.lower()
        if key in seen:
            continue
        seen.add(key)
        quotes.append(Quote(span.text, speaker))
    return quotes
