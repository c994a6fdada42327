"""Figure classes on made-up sentences: number words, ranges, fractions, scales, what is not a figure."""

from __future__ import annotations

import pytest

from bot.briefing.figures import extract_figures
from bot.briefing.model import Figure
from bot.briefing.parser import parse_briefing


def only(sentence: str) -> Figure:
    found = extract_figures(sentence)
    assert len(found) == 1, [(f.text, f.value, f.unit) for f in found]
    return found[0]


@pytest.mark.parametrize(
    ("sentence", "text", "value", "unit"),
    [
        ("Prices rose seven percent last year.", "seven percent", 7, "%"),
        ("The city borrowed forty million dollars.", "forty million dollars", 40e6, "USD"),
        ("The dam is two hundred years old.", "two hundred years old", 200, "year"),
        ("The hill rises twelve hundred feet above the plain.", "twelve hundred feet", 1200, "ft"),
        ("Rescuers pulled a dozen miners out.", "a dozen miners", 12, "miners"),
        ("Three storms crossed the gulf.", "Three storms", 3, "storms"),
        ("The fund lent five hundred thirty-eight farmers money.", "five hundred thirty-eight farmers", 538, "farmers"),
        ("The index closed above ten-thousand on Friday.", "ten-thousand", 10000, None),
        ("Officials counted two hundred-seventy ballots.", "two hundred-seventy ballots", 270, "ballots"),
    ],
)  # fmt: skip
def test_numbers_in_words(sentence: str, text: str, value: float, unit: str | None) -> None:
    fig = only(sentence)
    assert (fig.text, fig.value, fig.unit) == (text, value, unit)


@pytest.mark.parametrize(
    ("sentence", "text", "year"),
    [
        ("The bridge opened in eighteen-eighty-two and closed later.", "eighteen-eighty-two", 1882),
        ("The law changed in two thousand two.", "two thousand two", 2002),
        ("Voters remember the two thousand election well.", "two thousand", 2000),
        ("The goal is set for Two-Thousand-Ten by the agency.", "Two-Thousand-Ten", 2010),
        ("The mill was built in nineteen ninety-nine.", "nineteen ninety-nine", 1999),
    ],
)  # fmt: skip
def test_years_in_words_are_dates(sentence: str, text: str, year: int) -> None:
    fig = only(sentence)
    assert (fig.text, fig.value, fig.kind, fig.iso) == (text, year, "date", str(year))


def test_number_words_that_count_are_not_years() -> None:
    fig = only("The festival drew two thousand visitors.")
    assert (fig.value, fig.unit, fig.kind) == (2000, "visitors", "count")


@pytest.mark.parametrize(
    ("sentence", "text", "low", "high", "unit"),
    [
        ("Forecasters expect 20 to 30 km of new ice.", "20 to 30 km", 20, 30, "km"),
        ("The outlook calls for 13-15 tropical storms.", "13-15 tropical storms", 13, 15, "storms"),
        ("Turnout will be between 40 and 45 percent.", "40 and 45 percent", 40, 45, "%"),
        ("Repairs will cost €2–3 million.", "€2–3 million", 2e6, 3e6, "EUR"),
        ("Talks could last two to three weeks.", "two to three weeks", 2 * 604800, 3 * 604800, "s"),
        ("Major storms are categories 3-5.", "3-5", 3, 5, "category"),
    ],
)  # fmt: skip
def test_ranges_are_one_figure(sentence: str, text: str, low: float, high: float, unit: str) -> None:
    fig = only(sentence)
    assert (fig.text, fig.low, fig.high, fig.value, fig.unit) == (text, low, high, low, unit)
    data = fig.to_json()
    assert (data["low"], data["high"]) == (low, high)


def test_not_ranges() -> None:
    assert [f.high for f in extract_figures("The home side won 3-1 after extra time.")] in ([], [None], [None, None])
    fig = extract_figures("Prices rose 5% in May and 7% in June.")
    assert [(f.value, f.high) for f in fig] == [(5, None), (7, None)]
    assert "low" not in fig[0].to_json()


@pytest.mark.parametrize(
    ("sentence", "text", "value", "unit"),
    [
        ("Floods covered two-thirds of the town.", "two-thirds", 2 / 3, "fraction"),
        ("The budget was cut in half this spring.", "in half", 0.5, "fraction"),
        ("A quarter of the crop was lost.", "A quarter", 0.25, "fraction"),
        ("She won by four-tenths of a second.", "four-tenths of a second", 0.4, "s"),
        ("A third of a million people fled.", "A third of a million people", 333333.333333, "people"),
    ],
)  # fmt: skip
def test_fractions(sentence: str, text: str, value: float, unit: str) -> None:
    fig = only(sentence)
    assert (fig.text, fig.unit) == (text, unit)
    assert fig.value == pytest.approx(value)


@pytest.mark.parametrize(
    ("sentence", "value", "unit"),
    [
        ("A category four storm hit the coast.", 4, "category"),
        ("The Category 5 hurricane weakened overnight.", 5, "category"),
        ("A magnitude 7.1 quake struck at dawn.", 7.1, "magnitude"),
    ],
)
def test_scales_that_measure(sentence: str, value: float, unit: str) -> None:
    fig = only(sentence)
    assert (fig.value, fig.unit) == (value, unit)


@pytest.mark.parametrize(
    ("sentence", "value", "unit", "kind"),
    [
        ("Turnout reached 61.5%.", 61.5, "%", "percent"),
        ("The airline lost $4.5 billion.", 4.5e9, "USD", "money"),
        ("The plan costs €200 million.", 200e6, "EUR", "money"),
        ("The trail is 12 kilometres long.", 12, "km", "quantity"),
        ("The siege lasted 18 months.", 18 * 2629800, "s", "duration"),
    ],
)
def test_percent_money_measures_durations(sentence: str, value: float, unit: str, kind: str) -> None:
    fig = only(sentence)
    assert (fig.value, fig.unit, fig.kind) == (value, unit, kind)


@pytest.mark.parametrize(
    "sentence",
    [
        "She finished third and was the first woman to do so.",
        "The briefing starts at 9:30 a.m. sharp.",
        "Shares in the S&P 500 and the FTSE 100 fell.",
        "Group of Seven leaders met the Big Three.",
        "One of the pilots was unhurt.",
        "The two met in private.",
    ],
)
def test_not_figures(sentence: str) -> None:
    assert [(f.text, f.value) for f in extract_figures(sentence)] == []


def test_demonyms_are_counted_nouns() -> None:
    found = extract_figures("More than 1,400 Israelis, 4,100 Palestinians have been killed.")
    assert [(f.text, f.value, f.unit) for f in found] == [
        ("1,400 Israelis", 1400, "israelis"), ("4,100 Palestinians", 4100, "palestinians"),
    ]  # fmt: skip


def test_figure_keeps_a_bounded_excerpt_of_a_long_sentence() -> None:
    sentence = "The council said " + "nothing new again " * 200 + "that 28 villages were flooded " + "and more " * 200
    [fig] = extract_figures(sentence)
    assert fig.value == 28 and "28 villages" in fig.sentence
    assert len(fig.sentence) <= 310 and fig.sentence.startswith("…") and fig.sentence.endswith("…")


def test_headline_mention_comes_first_and_repeats_fold_into_it() -> None:
    raw = "2 More Hostages Freed\n\nHamas freed two more hostages on Monday, officials said.\n"
    b = parse_briefing(raw, "h.txt")
    assert [(f.text, f.value, f.unit) for f in b.figures] == [("2 More Hostages", 2, "hostages")]


def test_same_number_with_two_meanings_is_two_figures() -> None:
    raw = (
        "Markets Mixed\n\nThe index rose 3% on Monday.\n\nBond yields also fell 3% over the month.\n\n"
        "The index rose 3% again, officials said.\n"
    )
    b = parse_briefing(raw, "m.txt")
    assert [f.about for f in b.figures if f.value == 3] == ["index rose on Monday", "Bond yields also fell"]


def test_initialisms_between_number_and_noun() -> None:
    found = extract_figures("The blast killed 13 U.S. troops and injured at least 18 U.K. aid workers.")
    assert [(f.text, f.value, f.unit) for f in found] == [
        ("13 U.S. troops", 13, "troops"), ("18 U.K. aid workers", 18, "workers"),
    ]  # fmt: skip


def test_one_key_point_with_the_same_amount_twice() -> None:
    raw = (
        "Blasts in the Capital\n\nTwo blasts hit the capital on Thursday.\n\n"
        "- The blasts killed dozens of civilians and injured dozens of civilians near the gate.\n"
    )
    b = parse_briefing(raw, "b.txt")
    assert [f.about for f in b.figures if f.text == "dozens of civilians"] == [
        "civilians killed by blasts",
        "civilians injured",
    ]


@pytest.mark.parametrize(
    ("sentence", "texts"),
    [
        ('"Prices are high," one trader said.', []),
        ("One area of concern is the island.", []),
        ("One person died and one further month of repairs is needed.", ["One person", "one further month"]),
        ("The region had less than half its normal rain.", ["half"]),
        ("Half a million people fled.", ["Half a million people"]),
        ("Orders fell in the second half of the quarter.", []),
        ("Exports fell for a third straight month.", []),
        ("Costs were cut by a third.", ["a third"]),
    ],
)
def test_one_and_half(sentence: str, texts: list[str]) -> None:
    assert [f.text for f in extract_figures(sentence)] == texts


def test_dateline_in_any_script_is_not_the_lead() -> None:
    b = parse_briefing("Fire Near Málaga\n\nMÁLAGA, Spain (AP) — A wildfire burned 9,500 hectares.\n", "f.txt")
    assert b.summary == "A wildfire burned 9,500 hectares."


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The fleet was grounded from 2019-2021.", [("2019-2021", 2019, "date", 2019, 2021)]),
        ("The home side won 3-1 on Sunday.", []),
        ("The club is among the top 10 in Europe.", []),
        ("About one in five homes lacked power.", [("one in five", 0.2, "fraction", None, None)]),
        ("Nearly 1 in 3 adults smoke.", [("1 in 3", 0.333333333333, "fraction", None, None)]),
    ],
)
def test_year_ranges_scores_ranks_and_shares(sentence: str, expected: list[tuple[object, ...]]) -> None:
    found = [(f.text, f.value, f.kind, f.low, f.high) for f in extract_figures(sentence)]
    assert found == expected


@pytest.mark.parametrize(
    ("sentence", "text", "value", "unit", "about"),
    [
        ("The judge issued a 62-page ruling.", "62-page", 62, "pages", "ruling"),
        ("A five-member panel will review it.", "five-member", 5, "members", "panel"),
        ("Regulators blocked the $24.6 billion merger of Kroger.", "$24.6 billion", 24.6e9, "USD", "merger of Kroger"),
        ("The storm forced 12,000 people from their homes.", "12,000 people", 12000, "people", "people forced from their homes by storm"),
    ],
)  # fmt: skip
def test_what_the_amount_is(sentence: str, text: str, value: float, unit: str, about: str) -> None:
    fig = only(sentence)
    assert (fig.text, fig.value, fig.unit, fig.about) == (text, value, unit, about)


def test_a_one_off_is_no_count() -> None:
    assert [f.text for f in extract_figures("It was a one-off payment.")] == []


@pytest.mark.parametrize(
    ("sentence", "text", "value", "unit"),
    [
        ("It took one and a half hours.", "one and a half hours", 5400, "s"),
        ("Two and a half million people voted.", "Two and a half million people", 2.5e6, "people"),
        ("Two thirds of a million people live there.", "Two thirds of a million people", 666666.666667, "people"),
        ("The bridge stood for two hundred years.", "two hundred years", 200 * 31557600, "s"),
        ("Temperatures ranged from minus 5 to 10 degrees.", "minus 5 to 10 degrees", -5, "°"),
    ],
)  # fmt: skip
def test_compound_amounts(sentence: str, text: str, value: float, unit: str) -> None:
    fig = only(sentence)
    assert (fig.text, fig.unit) == (text, unit)
    assert fig.value == pytest.approx(value)


def test_a_game_result_is_no_figure() -> None:
    found = extract_figures("Seattle beat the Aces 88-79 on Sunday after leading 50-41 at halftime.")
    assert [f.text for f in found] == []


def test_a_range_in_a_key_point_is_not_folded_into_its_lower_end() -> None:
    raw = "Steps\n\nWalking 7,000 steps a day helps.\n\n- Adults who walked 7,000 to 9,000 steps daily fared best.\n"
    b = parse_briefing(raw, "s.txt")
    assert [(f.value, f.high) for f in b.figures] == [(7000, None), (7000, 9000)]


@pytest.mark.parametrize("words", ["in excess of", "as many as", "an estimated", "upwards of", "close to"])
def test_one_list_of_approximation_words(words: str) -> None:
    fig = only(f"Rescuers reached {words} 300 stranded villagers.")
    assert fig.approx and fig.value == 300
    assert words.split()[-1] not in fig.about.split()
