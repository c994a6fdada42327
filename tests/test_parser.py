"""The parser on the bundled briefing, on format variations, and on files it must refuse."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.briefing.model import Briefing, BriefingError, Figure
from bot.briefing.parser import MAX_BRIEFING_BYTES, parse_briefing

BUNDLED = Path(__file__).resolve().parents[1] / "content" / "kursk-incursion.txt"


@pytest.fixture(scope="module")
def kursk() -> Briefing:
    return parse_briefing(BUNDLED.read_bytes(), BUNDLED.name)


def _find(b: Briefing, value: float | None, unit: str | None) -> list[Figure]:
    return [f for f in b.figures if f.value == value and f.unit == unit]


def test_bundled_structure(kursk: Briefing) -> None:
    assert kursk.id == "kursk-incursion"
    assert kursk.title.startswith("Ukrainian Offensive Pushes Deep")
    assert kursk.summary.startswith("In a surprising and aggressive escalation")
    assert "evacuate thousands of residents" in kursk.summary
    assert len(kursk.summary) <= 400
    assert len(kursk.key_points) == 4
    assert kursk.key_points[0].startswith("Ukrainian forces have advanced up to 30 kilometers")
    assert len(kursk.paragraphs) == 8
    assert kursk.paragraphs[-1].startswith("As the conflict continues")
    assert not any("Key" in p and "Developments" in p for p in kursk.paragraphs)
    assert not any("•" in p for p in kursk.paragraphs + kursk.key_points)


def test_bundled_figures(kursk: Briefing) -> None:
    [km30] = _find(kursk, 30, "km")
    assert km30.approx and km30.kind == "quantity"
    assert [(c.value, c.unit) for c in km30.conversions] == [(18, "mi")]
    [res] = _find(kursk, 11000, "residents")
    assert res.approx and res.kind == "count" and "Belgorod" in res.about
    [villages] = _find(kursk, 28, "villages")
    assert not villages.approx
    [km12] = _find(kursk, 12, "km")
    assert [(c.value, c.unit) for c in km12.conversions] == [(7.4, "mi")]
    assert len(_find(kursk, 40, "km")) == 1
    [date] = [f for f in kursk.figures if f.kind == "date"]
    assert (date.value, date.iso, date.text) == (2022, "2022-02", "February 2022")
    vague = [f for f in kursk.figures if f.value is None]
    assert {f.unit for f in vague} == {"residents", "soldiers"}
    assert all(f.approx for f in vague)
    assert any(f.text == "thousands of newly conscripted soldiers" for f in vague)
    assert len(kursk.figures) == 8


def test_bundled_quotes(kursk: Briefing) -> None:
    by_text = {q.text: q.speaker for q in kursk.quotes}
    assert set(by_text) == {
        "enemy action",
        "push, to kick the enemy out of our territory.",
        "the power of diplomacy may help.",
    }
    assert "Putin" in by_text["push, to kick the enemy out of our territory."]
    assert "Zelenskyy" in by_text["the power of diplomacy may help."]
    assert by_text["enemy action"] == "authorities"


def test_bundled_json_shape(kursk: Briefing) -> None:
    data = kursk.to_json()
    fig = next(f for f in data["figures"] if f["kind"] == "date")
    assert fig["value"] == 2022 and fig["iso"] == "2022-02"
    assert Briefing.from_json(data).to_json() == data


def test_crlf_bom_and_str_input_agree(kursk: Briefing) -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    crlf = ("\ufeff" + text.replace("\n", "\r\n")).encode("utf-8")
    assert parse_briefing(crlf, BUNDLED.name) == kursk
    assert parse_briefing(text, BUNDLED.name) == kursk
    assert parse_briefing(text + "\n\n", BUNDLED.name) == kursk


MARKDOWN = """---
id: Budget Vote 2024
published: 2024-05-02
source_url: https://example.org/budget
tags: [politics, economy]
editor: jdoe
---
# Parliament **Approves** Budget

The parliament approved a **$1.2 trillion** budget on Thursday by 301 votes to 120. It includes *new* spending on __defence__.

Key points:
* Spending rises 4.5% next year.
* Defence gets $80 billion.

The opposition said it would challenge the vote.
"""


def test_markdown_and_front_matter() -> None:
    b = parse_briefing(MARKDOWN.encode(), "budget.md")
    assert b.id == "budget-vote-2024"
    assert b.title == "Parliament Approves Budget"
    assert (b.published, b.source, b.tags) == ("2024-05-02", "https://example.org/budget", ("politics", "economy"))
    assert b.key_points == ("Spending rises 4.5% next year.", "Defence gets $80 billion.")
    assert b.paragraphs[0].endswith("It includes new spending on defence.")
    assert b.paragraphs[-1] == "The opposition said it would challenge the vote."
    assert "*" not in b.summary and "_" not in b.summary
    [budget] = _find(b, 1.2e12, "USD")
    assert budget.kind == "money" and budget.text == "$1.2 trillion"
    assert _find(b, 4.5, "%") and _find(b, 80e9, "USD")


@pytest.mark.parametrize(
    "heading",
    ["Key points:", "What we know:", "Highlights:", "Key Developments", "## Highlights",
     "**Key takeaways**", "Here is what happened on Tuesday:"],
)  # fmt: skip
def test_key_point_headings(heading: str) -> None:
    raw = f"Storm Hits Coast\n\nA storm hit the coast on Monday.\n\n{heading}\n- Winds reached 150 km/h.\n- Power was cut to 20,000 homes.\n\nMore storms are expected.\n"
    b = parse_briefing(raw, "storm.txt")
    assert b.key_points == ("Winds reached 150 km/h.", "Power was cut to 20,000 homes.")
    assert b.paragraphs == ("A storm hit the coast on Monday.", "More storms are expected.")
    assert _find(b, 150, "km/h") and _find(b, 20000, "homes")


def test_section_labels_between_bullets_are_not_key_points() -> None:
    raw = "Talks Resume\n\nTalks resumed in Geneva.\n\nWhat we know:\nMilitary\n- Two drones were downed.\nDiplomacy\n- Envoys met for 3 hours.\n"
    b = parse_briefing(raw, "talks.txt")
    assert b.key_points == ("Two drones were downed.", "Envoys met for 3 hours.")
    assert b.paragraphs == ("Talks resumed in Geneva.",)


def test_no_key_points_and_hard_wrapped_paragraphs() -> None:
    raw = "Bridge Reopens\n\nThe bridge reopened on Friday after\nrepairs that cost EUR 3.5 million.\n\nTraffic was light.\n"
    b = parse_briefing(raw, "My Bridge File!.txt")
    assert b.id == "my-bridge-file"
    assert b.key_points == ()
    assert b.paragraphs[0] == "The bridge reopened on Friday after repairs that cost EUR 3.5 million."
    assert _find(b, 3.5e6, "EUR")


def test_default_id_and_front_matter_id() -> None:
    assert parse_briefing("Title\n\nBody.", "x.txt", default_id="Given ID").id == "given-id"
    raw = "---\nid: from-file\n---\nTitle\n\nBody."
    assert parse_briefing(raw, "x.txt", default_id="given").id == "from-file"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"  \n\r\n\t ", "empty"),
        (b"\xef\xbb\xbf\n", "empty"),
        (b"Title\x00\x01\x02", "binary"),
        (b"Caf\xe9 news\n\nBody.", "UTF-8"),
        (b"- only a bullet\n- another", "no title"),
        (b"---\nid: x\n---\n", "empty"),
    ],
)
def test_refused(raw: bytes, reason: str) -> None:
    with pytest.raises(BriefingError) as info:
        parse_briefing(raw, "bad.txt")
    message = str(info.value)
    assert reason.lower() in message.lower() or (reason == "empty" and "title" in message)
    assert "\n" not in message and "bad.txt" not in message


def test_too_large() -> None:
    raw = b"Title\n\n" + b"word " * (MAX_BRIEFING_BYTES // 5 + 1)
    with pytest.raises(BriefingError, match="large"):
        parse_briefing(raw, "big.txt")


def test_dateline_is_not_part_of_the_lead():
    text = "Quake Shakes City\n\nANKARA, Turkey (AP) — A strong quake shook the capital on Monday. Buildings swayed.\n"
    assert parse_briefing(text, "q.txt").summary == "A strong quake shook the capital on Monday. Buildings swayed."
    plain = "Markets Rally\n\nWASHINGTON -- Stocks rose sharply. Bonds fell.\n"
    assert parse_briefing(plain, "m.txt").summary == "Stocks rose sharply. Bonds fell."
