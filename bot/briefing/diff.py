"""What changed between two versions of a briefing, as readers care about it (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.briefing.model import Briefing, Figure


@dataclass(frozen=True, slots=True)
class FigureChange:
    about: str
    old: str | None  # None: the figure is new
    new: str | None  # None: the figure is gone


@dataclass(frozen=True, slots=True)
class BriefingChange:
    old_title: str | None
    new_title: str
    key_points_added: tuple[str, ...] = ()
    key_points_removed: tuple[str, ...] = ()
    figures: tuple[FigureChange, ...] = field(default=())
    summary_changed: bool = False

    @property
    def title_changed(self) -> bool:
        return self.old_title is not None and self.old_title != self.new_title

    @property
    def is_empty(self) -> bool:
        return not (
            self.title_changed or self.key_points_added or self.key_points_removed
            or self.figures or self.summary_changed
        )

    def to_json(self) -> dict:
        return {
            "old_title": self.old_title,
            "new_title": self.new_title,
            "key_points_added": list(self.key_points_added),
            "key_points_removed": list(self.key_points_removed),
            "figures": [{"about": f.about, "old": f.old, "new": f.new} for f in self.figures],
            "summary_changed": self.summary_changed,
        }


def figure_label(figure: Figure) -> str:
    """How a figure reads in a reply: "28 villages", "30 km (18 mi)", "12.5%", "thousands of residents"."""
    if figure.value is None or figure.kind in ("date", "money", "duration", "age"):
        return figure.text
    if figure.unit == "%":
        main = f"{_number_unit(figure.value, None)}%"
    else:
        main = _number_unit(figure.value, figure.unit)
    if figure.conversions:
        main += " (" + ", ".join(_number_unit(c.value, c.unit) for c in figure.conversions) + ")"
    return main


def _number_unit(value: float | None, unit: str | None) -> str:
    if value is None:
        return unit or "?"
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    return f"{number} {unit}" if unit else number


def _figure_key(figure: Figure) -> tuple[str, str]:
    """Figures are matched across versions by what they measure, then by unit."""
    return (figure.about.strip().lower(), (figure.unit or "").lower())


def diff_briefings(old: Briefing, new: Briefing) -> BriefingChange:
    """Key points added or removed, figures changed / new / gone, headline and lead changes."""
    old_points, new_points = set(old.key_points), set(new.key_points)
    old_figs = {_figure_key(f): f for f in old.figures}
    new_figs = {_figure_key(f): f for f in new.figures}
    changes: list[FigureChange] = []
    for key, fig in new_figs.items():
        before = old_figs.get(key)
        if before is None:
            changes.append(FigureChange(fig.about or fig.text, None, figure_label(fig)))
        elif (before.value, before.text) != (fig.value, fig.text):
            changes.append(FigureChange(fig.about or fig.text, figure_label(before), figure_label(fig)))
    for key, fig in old_figs.items():
        if key not in new_figs:
            changes.append(FigureChange(fig.about or fig.text, figure_label(fig), None))
    changes = _pair_renamed(changes)
    return BriefingChange(
        old_title=old.title,
        new_title=new.title,
        key_points_added=tuple(p for p in new.key_points if p not in old_points),
        key_points_removed=tuple(p for p in old.key_points if p not in new_points),
        figures=tuple(changes),
        summary_changed=old.summary != new.summary,
    )


def _pair_renamed(changes: list[FigureChange]) -> list[FigureChange]:
    """A figure whose 'about' phrase shifted shows as gone + new: pair them when the unit matches.

    The unit is the last word of the label, so "28 villages" gone and "35 villages" new read as
    one change "28 villages -> 35 villages" instead of two unrelated lines.
    """
    gone = [c for c in changes if c.new is None]
    new = [c for c in changes if c.old is None]
    kept = [c for c in changes if c.old is not None and c.new is not None]
    unmatched_new = list(new)
    for g in gone:
        unit = g.old.split()[-1] if g.old else ""
        match = next((n for n in unmatched_new if n.new and n.new.split()[-1] == unit), None)
        if match is None:
            kept.append(g)
            continue
        unmatched_new.remove(match)
        kept.append(FigureChange(match.about, g.old, match.new))
    return kept + unmatched_new
