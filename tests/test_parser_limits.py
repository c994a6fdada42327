"""Hostile shapes of input: they parse (pytest-timeout guards the time), what is kept stays
proportional to the input, and over-size files are refused with a reason. Speed is measured in
bench/parse.py, not here."""

from __future__ import annotations

import json

import pytest

from bot.briefing.model import BriefingError
from bot.briefing.parser import MAX_BRIEFING_BYTES, MAX_FIGURES, parse_briefing, size_problem

SIZE = 60_000  # enough for quadratic work or a backtracking pattern to show as a hang


def stored_bytes(raw: str) -> int:
    return len(json.dumps(parse_briefing(raw, "x.txt").to_json(), ensure_ascii=False).encode())


@pytest.mark.timeout(20)
def test_heading_padded_with_spaces() -> None:
    b = parse_briefing("#" + " " * SIZE + "Flood Warning\n\nRivers rose 2 metres.\n", "x.txt")
    assert b.title == "Flood Warning"


@pytest.mark.timeout(20)
def test_numbers_one_per_paragraph() -> None:
    raw = "Counts\n\n" + "\n\n".join(f"{i} people" for i in range(SIZE // 5))
    b = parse_briefing(raw, "x.txt")
    assert len(b.paragraphs) == SIZE // 5
    # the first MAX_FIGURES mentions, in order: a file of nothing but numbers is no article
    assert [f.value for f in b.figures] == list(range(MAX_FIGURES))


@pytest.mark.timeout(20)
def test_one_paragraph_of_numbers_without_a_full_stop_is_stored_linearly() -> None:
    raw = "Counts\n\n" + " ".join(f"{i % 997} km" for i in range(SIZE // 7))
    assert stored_bytes(raw) < 60 * len(raw)  # each figure keeps a bounded excerpt, not the sentence


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "body",
    [
        "!" * SIZE,
        "." * SIZE,
        "[" * SIZE + "x",
        "**a " * (SIZE // 4),
        "~~a " * (SIZE // 4),
        "a." * (SIZE // 2),
        "- " * (SIZE // 2),
        "Ab " * (SIZE // 3),
        '"' + "word " * (SIZE // 5),
        "“Yes,” said Al. " * (SIZE // 16),
        "one two three four " * (SIZE // 19),
        "‘a b " * (SIZE // 5),
    ],
    ids=["bangs", "dots", "brackets", "bold", "strike", "initials", "dashes", "capitals", "open-quote", "quotes",
         "number-words", "single-quotes"],
)  # fmt: skip
def test_pathological_lines_finish(body: str) -> None:
    raw = "Title\n\n" + body + "\n"
    assert stored_bytes(raw) < 80 * len(raw)


def test_size_limit() -> None:
    assert MAX_BRIEFING_BYTES == 2_000_000
    assert size_problem(MAX_BRIEFING_BYTES) is None
    assert size_problem(MAX_BRIEFING_BYTES + 1) == "file too large (2,000,001 bytes; the limit is 2,000,000)"
    assert size_problem(11, limit=10) is not None
    with pytest.raises(BriefingError, match="too large"):
        parse_briefing(b"Title\n\n" + b"x" * 100, "x.txt", max_bytes=50)


def _variable_repeats(items: object, inside: bool) -> list[str]:
    """Repeats of variable length found inside another repeat, in a parsed pattern."""
    from re import _constants as c  # type: ignore[attr-defined]

    found: list[str] = []
    for op, arg in items:  # type: ignore[union-attr]
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, sub = arg
            if inside and low != high:
                found.append(f"{op} {low}..{high}")
            found += _variable_repeats(sub, inside or high > 1)
        elif op is c.SUBPATTERN:
            found += _variable_repeats(arg[-1], inside)
        elif op is c.BRANCH:
            for branch in arg[1]:
                found += _variable_repeats(branch, inside)
        elif op in (c.ASSERT, c.ASSERT_NOT):
            found += _variable_repeats(arg[1], inside)
        elif op is c.ATOMIC_GROUP:
            found += _variable_repeats(arg, inside)
    return found


def test_no_pattern_repeats_a_repeat() -> None:
    """Nested quantifiers are how a pattern goes exponential or polynomial on hostile text."""
    import importlib
    import re
    from re import _parser  # type: ignore[attr-defined]

    offenders = {}
    for name in ("figures", "layout", "numbers", "phrases", "quotes", "text", "frontmatter", "parser"):
        module = importlib.import_module(f"bot.briefing.{name}")
        for attr, value in vars(module).items():
            if isinstance(value, re.Pattern):
                nested = _variable_repeats(_parser.parse(value.pattern, value.flags), False)
                if nested:
                    offenders[f"{name}.{attr}"] = nested
    assert offenders == {}
