"""Sentence splitting, figure extraction and quote attribution on single sentences."""

from __future__ import annotations

import pytest

from bot.briefing.figures import extract_figures
from bot.briefing.model import Figure
from bot.briefing.quotes import extract_quotes
from bot.briefing.text import slugify, split_sentences, strip_markdown


def figs(sentence: str) -> list[tuple[str, float | None, str | None]]:
    return [(f.text, f.value, f.unit) for f in extract_figures(sentence)]


def only(sentence: str) -> Figure:
    found = extract_figures(sentence)
    assert len(found) == 1, [(f.text, f.value, f.unit) for f in found]
    return found[0]


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("Mr. Smith went to Washington. He met Dr. Jones at 3 p.m. on Jan. 5.",
         ["Mr. Smith went to Washington.", "He met Dr. Jones at 3 p.m. on Jan. 5."]),
        ("The U.S. economy grew 2.5% in the quarter. Analysts were surprised.",
         ["The U.S. economy grew 2.5% in the quarter.", "Analysts were surprised."]),
        ('He said, "We will win." Then he left.', ['He said, "We will win."', "Then he left."]),
        ("“Go now,” she said. “Really?” he asked.", ["“Go now,” she said.", "“Really?” he asked."]),
        ("Visit St. Louis, e.g. the arch. No. 5 won.", ["Visit St. Louis, e.g. the arch.", "No. 5 won."]),
        ("John F. Kennedy spoke. It rained!", ["John F. Kennedy spoke.", "It rained!"]),
        ("Prices rose in the U.S. The Fed acted.", ["Prices rose in the U.S.", "The Fed acted."]),
        ("", []),
    ],
)  # fmt: skip
def test_split_sentences(paragraph: str, expected: list[str]) -> None:
    assert split_sentences(paragraph) == expected


def test_strip_markdown_and_slugify() -> None:
    assert strip_markdown("**Bold** and *it* and __u__ and [link](http://x) in `code`") == (
        "Bold and it and u and link in code"
    )
    assert strip_markdown("snake_case_name and 2*3*4") == "snake_case_name and 2*3*4"
    assert slugify("Kyiv: Día 3 — Überblick!") == "kyiv-dia-3-uberblick"


@pytest.mark.parametrize(
    ("sentence", "text", "value", "unit", "kind"),
    [
        ("The fund has 1.2 million members.", "1.2 million members", 1.2e6, "members", "count"),
        ("It raised $15.8 billion.", "$15.8 billion", 15.8e9, "USD", "money"),
        ("It will invest 3bn euros.", "3bn euros", 3e9, "EUR", "money"),
        ("Profit hit £2.5m last year.", "£2.5m", 2.5e6, "GBP", "money"),
        ("The club sold 77,000 tickets.", "77,000 tickets", 77000, "tickets", "count"),
        ("There were seventy-seven survivors.", "seventy-seven survivors", 77, "survivors", "count"),
        ("Officials found a dozen bodies.", "a dozen bodies", 12, "bodies", "count"),
        ("The race took 2 hours 1 minute 39 seconds.", "2 hours 1 minute 39 seconds", 7299, "s", "duration"),
        ("A 45-year-old man was arrested.", "45-year-old", 45, "year", "age"),
        ("The victim was 82 years old.", "82 years old", 82, "year", "age"),
        ("It happened on June 20, 2014, in Paris.", "June 20, 2014", 2014, None, "date"),
        ("Unemployment fell to 3.9 per cent.", "3.9 per cent", 3.9, "%", "percent"),
        ("Rates rose 25 basis points.", "25 basis points", 25, "bp", "percent"),
        ("The wall is 5m high.", "5m", 5, "m", "quantity"),
        ("Winds of 200 km/h hit the island.", "200 km/h", 200, "km/h", "quantity"),
        ("Fires burned 4,000 hectares.", "4,000 hectares", 4000, "ha", "quantity"),
    ],
)  # fmt: skip
def test_single_figures(sentence: str, text: str, value: float, unit: str | None, kind: str) -> None:
    fig = only(sentence)
    assert (fig.text, fig.value, fig.unit, fig.kind) == (text, value, unit, kind)
    assert fig.sentence == sentence


def test_dates_with_and_without_year() -> None:
    [date] = extract_figures("Talks began on 24 February 2022 and resumed on March 3.")
    assert (date.iso, date.value) == ("2022-02-24", 2022)
    assert extract_figures("The vote is on March 3.") == []
    assert only("It was founded in 1998.").iso == "1998"


@pytest.mark.parametrize(
    "sentence",
    [
        "He was the second person to arrive and finished 44th.",
        "The blast happened at 3:32 a.m. local time.",
        "Cases of COVID-19 rose among Group of Seven members.",
        "The Apollo 17 crew landed.",
        "One of the soldiers was injured.",
        "She flew an F-16 over Route 66.",
        "Sales doubled in the 1990s.",
        "The train left at 10 pm.",
    ],
)
def test_not_figures(sentence: str) -> None:
    assert figs(sentence) == []


@pytest.mark.parametrize("modifier", ["up to", "around", "about", "nearly", "more than", "approximately", "at least"])
def test_approx_modifiers(modifier: str) -> None:
    fig = only(f"The storm destroyed {modifier} 300 homes.")
    assert fig.approx and fig.value == 300 and fig.text == "300 homes"
    assert not only("The storm destroyed 300 homes.").approx


def test_vague_amounts() -> None:
    fig = only("Tens of thousands of people marched.")
    assert (fig.value, fig.unit, fig.approx, fig.kind) == (None, "people", True, "count")
    fig = only("Dozens of flights were cancelled.")
    assert (fig.value, fig.unit, fig.approx) == (None, "flights", True)


def test_conversion_and_ranges() -> None:
    fig = only("The fire spread over 500 square kilometres (193 square miles).")
    assert (fig.unit, [(c.value, c.unit) for c in fig.conversions]) == ("km2", [(193, "mi2")])
    snow = only("Forecasters expect 20 to 30 centimeters of snow.")
    assert (snow.text, snow.low, snow.high, snow.unit) == ("20 to 30 centimeters", 20, 30, "cm")
    deal = only("The deal is worth $2-3 billion.")
    assert (deal.text, deal.value, deal.low, deal.high, deal.unit) == ("$2-3 billion", 2e9, 2e9, 3e9, "USD")


def test_about_phrases() -> None:
    assert only("Inflation rose to 3.2% in March.").about.startswith("Inflation rose")
    assert only("The company reported revenue of $4 billion.").about == "revenue"
    assert (
        only("Rescuers evacuated 1,500 residents of the town.").about == "residents of the town evacuated by Rescuers"
    )
    assert (
        only("It is grim, with rebel forces reportedly controlling 28 villages.").about
        == "villages controlled by rebel forces"
    )
    assert only("Police arrested 45 protesters on Monday.").about == "protesters arrested by Police"


def test_quotes_and_speakers() -> None:
    paragraphs = [
        "Prime Minister Jane Doe visited the site on Monday.",
        '"We will rebuild," Doe told reporters. "Every home."',
        "The ministry called the attack “a war crime,” while police said it was 'under investigation'.",
        "“It was terrifying,” said Maria Gomez, a resident. According to the mayor, “nothing was left.”",
        "He added: “We need help.”",
        "The report, titled “Lost Years”, was published.",
    ]
    quotes = {q.text: q.speaker for q in extract_quotes(paragraphs)}
    assert quotes["We will rebuild,"] == "Jane Doe"
    assert quotes["Every home."] == "Jane Doe"
    assert quotes["a war crime,"] == "ministry"
    assert quotes["under investigation"] == "police"
    assert quotes["It was terrifying,"] == "Maria Gomez"
    assert quotes["nothing was left."] == "mayor"
    assert quotes["We need help."] == "Maria Gomez"
    assert quotes["Lost Years"] is None


def test_unclosed_quote_runs_into_next_paragraph() -> None:
    paragraphs = ['"We lost everything. The water came so fast.', '"Nobody warned us," said Ali Hassan.']
    quotes = extract_quotes(paragraphs)
    assert [(q.text, q.speaker) for q in quotes] == [
        ("We lost everything. The water came so fast.", "Ali Hassan"),
        ("Nobody warned us,", "Ali Hassan"),
    ]
