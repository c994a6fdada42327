"""The parser on realistic sample briefings of other topics and formats (tests/data/briefings)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.briefing.model import Briefing, Figure
from bot.briefing.parser import parse_briefing

DATA = Path(__file__).parent / "data" / "briefings"


def load(name: str) -> Briefing:
    path = DATA / name
    return parse_briefing(path.read_bytes(), path.name)


def one(b: Briefing, value: float | None, unit: str | None) -> Figure:
    found = [f for f in b.figures if f.value == value and f.unit == unit]
    assert len(found) == 1, (value, unit, [(f.text, f.value, f.unit) for f in b.figures])
    return found[0]


def speakers(b: Briefing) -> dict[str, str | None]:
    return {q.text: q.speaker for q in b.quotes}


@pytest.mark.parametrize("path", sorted(DATA.iterdir()), ids=lambda p: p.name)
def test_every_sample_parses(path: Path) -> None:
    b = parse_briefing(path.read_bytes(), path.name)
    assert b.title and b.summary and b.paragraphs and b.figures
    assert b.summary in " ".join(b.paragraphs) and len(b.summary) <= 450
    texts = [(f.text, f.sentence) for f in b.figures]
    assert len(texts) == len(set(texts))


def test_earthquake_markdown_front_matter() -> None:
    b = load("quake-turkey.md")
    assert (b.id, b.published, b.tags) == ("quake-turkey-2023", "2023-02-06", ("disaster", "Turkey", "Syria"))
    assert b.source == "https://example.org/news/quake"
    assert b.title == "Powerful Earthquake Kills More Than 2,300 in Turkey and Syria"
    assert b.key_points[0] == "More than 2,300 people have died across both countries."
    assert len(b.key_points) == 3 and len(b.paragraphs) == 4
    assert one(b, 7.8, "magnitude").kind == "quantity"
    assert one(b, 6.7, "magnitude").text == "6.7-magnitude"
    deaths = one(b, 2300, "people")  # headline, body and key point: listed once
    assert deaths.approx and deaths.kind == "count"
    depth = one(b, 18, "km")
    assert [(c.value, c.unit) for c in depth.conversions] == [(11, "mi")] and depth.about == "depth"
    assert one(b, 5600, "buildings").approx
    assert one(b, 45, "countries").kind == "count"
    assert one(b, 660, "s").kind == "duration"
    assert one(b, 1939, None).iso == "1939"
    assert one(b, None, None).text == "thousands"
    texts = {f.text for f in b.figures}
    assert not any(t.startswith(("4:17", "13", "17")) for t in texts)  # time of day, ordinal
    assert speakers(b) == {
        "We are facing one of the biggest disasters in the history of our republic,": "Recep Tayyip Erdogan"
    }


def test_earnings_crlf_bom_money() -> None:
    b = load("earnings-northwind.txt")
    assert b.title.startswith("Shares of Northwind Slide 12%")
    assert b.summary.startswith("Shares of Northwind Corp. fell 12%")
    assert one(b, 15.8e9, "USD").kind == "money"
    assert one(b, 16.4e9, "USD").text == "$16.4bn"
    assert one(b, 0.87, "USD").text == "87 cents"
    assert one(b, 3e9, "EUR").text == "€3bn"
    outlook = one(b, 60e9, "USD")
    assert (outlook.low, outlook.high, outlook.text) == (60e9, 62e9, "$60 billion and $62 billion")
    assert one(b, 23, "%").kind == "percent"
    assert one(b, 12, "%").about.endswith("fell in early trading")
    assert one(b, 1200, "jobs").approx
    assert one(b, 2026, None).kind == "date"
    assert set(speakers(b).values()) == {"Maria Lopez"}
    assert b.key_points[-1] == "About 1,200 jobs will go."


def test_election_percentages_ages_and_shared_units() -> None:
    b = load("election-runoff.txt")
    assert one(b, 54.3, "%").kind == "percent"
    assert one(b, 61, "%") and one(b, 48, "%")
    assert one(b, 58, "year").kind == "age"
    assert one(b, 8.2e6, "votes") and one(b, 6.9e6, "votes")
    assert one(b, 24, "people").approx  # "about two dozen"
    assert one(b, 37, "stations").kind == "count"
    assert one(b, 12 * 31557600, "s").about == "rule"
    assert not [f for f in b.figures if f.text.startswith("29")]  # "May 29" has no year
    said = speakers(b)
    assert said["The people have spoken, and I accept their verdict,"] == "Samuel Adeyemi"
    assert said["govern for every citizen, not only those who voted for me."] == "Daniel Okafor"
    assert "isolated irregularities" in said
    assert b.key_points[0] == "Okafor won 54.3% of the vote in the runoff."


def test_measles_no_key_points_word_numbers() -> None:
    b = load("measles-outbreak.txt")
    assert b.key_points == () and len(b.paragraphs) == 4
    assert (b.published, b.tags) == ("2024-03-14T09:30:00Z", ("health", "outbreak"))
    assert one(b, 19, "cases").kind == "count"
    assert one(b, 7, "counties").text.lower() == "seven counties"
    assert one(b, 5, "year").kind == "age"  # "under the age of five"
    assert one(b, 1, "person").text == "One infected person"
    assert one(b, 89.5, "%") and one(b, 95, "%")
    assert one(b, 3, "clinics") and one(b, 5000, "children").approx
    assert one(b, 1209600, "s").text == "two weeks"
    assert not [f for f in b.figures if f.text.lower().startswith("one of")]
    assert set(speakers(b).values()) == {"Helen Park"}
    assert len(b.quotes) == 2


def test_lunar_names_negative_and_labels() -> None:
    b = load("lunar-lander.md")
    assert b.key_points == (
        "Odysseus weighs 675 kilograms.",
        "It traveled some 1 million kilometers.",
        "NASA paid $118 million to carry six instruments.",
    )
    assert not [f for f in b.figures if f.text == "17" or f.value == 17]  # Apollo 17
    assert one(b, 1972, None).iso == "1972-12"
    assert one(b, 675, "kg").about == "lander"
    assert one(b, 118e6, "USD").approx
    assert one(b, -130, "°C").text == "minus 130 degrees Celsius"
    assert one(b, 1e6, "km").approx
    week = [f for f in b.figures if f.value == 604800 and f.unit == "s"]
    assert [(f.text, f.about) for f in week] == [("seven-day", "journey"), ("seven days", "lander would operate")]
    assert list(speakers(b).values()) == ["Tim Crain"]


def test_marathon_durations_and_pronoun_speaker() -> None:
    b = load("marathon-record.txt")
    assert one(b, 7235, "s").text == "2 hours 0 minutes 35 seconds"
    assert one(b, 3648, "s") and one(b, 34, "s")
    assert one(b, 8024, "s").text == "2:13:44"
    assert one(b, 23, "year").kind == "age"
    assert one(b, 2023, None).iso == "2023-10-08"
    assert one(b, 48000, "runners").approx
    assert one(b, 27e6, "USD").approx
    assert set(speakers(b).values()) == {"Kelvin Kiptum"}
