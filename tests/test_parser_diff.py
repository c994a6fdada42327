"""Figures across two versions of a briefing: matched by what they measure and where they stand."""

from __future__ import annotations

from pathlib import Path

from bot.briefing.diff import diff_briefings
from bot.briefing.parser import parse_briefing

BUNDLED = Path(__file__).resolve().parents[1] / "content" / "kursk-incursion.txt"


def changes(old: str, new: str) -> list[tuple[str | None, str | None]]:
    diff = diff_briefings(parse_briefing(old, "a.txt"), parse_briefing(new, "a.txt"))
    return [(c.old, c.new) for c in diff.figures]


def test_editing_one_mention_reports_one_change_and_nothing_new() -> None:
    raw = BUNDLED.read_text(encoding="utf-8")
    edited = raw.replace("controlling 28 villages", "controlling 35 villages")
    assert edited != raw and "of 28 villages" in edited  # the key point still says 28
    assert changes(raw, edited) == [("28 villages", "35 villages")]


def test_unchanged_briefing_has_no_figure_changes() -> None:
    raw = BUNDLED.read_text(encoding="utf-8")
    assert diff_briefings(parse_briefing(raw, "a.txt"), parse_briefing(raw, "a.txt")).is_empty


def test_reworded_sentence_keeps_its_figure() -> None:
    old = "Dam Report\n\nEngineers say the dam holds 40 million cubic metres. About 300 homes are at risk.\n"
    new = "Dam Report\n\nThe reservoir holds 40 million cubic metres, engineers say. About 300 homes are at risk.\n"
    assert changes(old, new) == []


def test_changed_new_and_gone_figures_pair_by_place() -> None:
    old = "Flood Update\n\nThe river rose 3 metres overnight. Rescuers evacuated 200 residents. Power failed in 12 towns.\n"
    new = "Flood Update\n\nThe river rose 4 metres overnight. Rescuers evacuated 250 residents. Schools closed in 9 districts.\n"
    assert sorted(changes(old, new), key=str) == sorted(
        [("3 m", "4 m"), ("200 residents", "250 residents"), (None, "9 districts"), ("12 towns", None)], key=str
    )


def test_labels_of_ranges_and_fractions() -> None:
    from bot.briefing.diff import figure_label
    from bot.briefing.figures import extract_figures

    [snow] = extract_figures("Forecasters expect 20 to 30 centimeters of snow.")
    [share] = extract_figures("Floods covered two-thirds of the town.")
    [votes] = extract_figures("Turnout was 1,234.5 votes per precinct.")
    assert (figure_label(snow), figure_label(share), figure_label(votes)) == ("20–30 cm", "two-thirds", "1,234.5 votes")
