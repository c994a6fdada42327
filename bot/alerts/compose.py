"""How an alert reads: from an outbox payload to a neutral Reply (rendered per platform later).

Composed in the language in use (the worker composes each alert once per language); the
briefing's own words are shown as written.
"""

from __future__ import annotations

from datetime import date

from bot.i18n import _, day, use_language
from bot.reply import Action, ActionRow, Block, Inline, Paragraph, Reply, bold, bullets, italic, para


def footer(briefing_id: str | None = None) -> Paragraph:
    """The way on from an alert: its own briefing (not whichever is newest), or the list."""
    more = (
        _("/summary {id} for the full briefing").format(id=briefing_id)
        if briefing_id
        else _("/briefings for every briefing")
    )
    return para(italic(more + " · " + _("/unsubscribe to stop these alerts")))


def open_briefing(briefing_id: str | None) -> tuple[ActionRow, ...]:
    """A button under an alert that opens its own briefing, where front-ends show buttons."""
    return ((Action(_("Full briefing"), "summary", (briefing_id,)),),) if briefing_id else ()


def alert_reply(kind: str, payload: dict, language: str | None = None) -> Reply:
    """The alert in `language` (else the language in use)."""
    if language is not None:
        with use_language(language):
            return alert_reply(kind, payload)
    if kind == "new":
        return _new(payload)
    if kind == "changed":
        return _changed(payload)
    if kind == "digest":
        return _digest(payload)
    if kind == "broadcast":
        return Reply((para(payload["text"]),), title=_("Announcement"))
    return Reply((para(payload.get("text") or payload.get("title") or _("Update")),))


def _new(p: dict) -> Reply:
    blocks: list[Block] = [para(p.get("summary") or "")]
    if p.get("key_points"):
        blocks += [para(bold(_("Key developments"))), bullets(p["key_points"])]
    blocks.append(footer(p.get("briefing_id")))
    title = _("New briefing: {title}").format(title=p["title"])
    return Reply(tuple(blocks), title=title, actions=open_briefing(p.get("briefing_id")))


def change_blocks(change: dict) -> list[Block]:
    blocks: list[Block] = []
    if change.get("old_title") and change["old_title"] != change["new_title"]:
        blocks.append(para(bold(_("Headline: ")), f"{change['old_title']} → {change['new_title']}"))
    figures: list[Inline] = []
    for f in change.get("figures", []):
        if f["old"] and f["new"]:
            figures.append([f"{f['about']}: ", bold(f["old"]), " → ", bold(f["new"])])
        elif f["new"]:
            figures.append([f"{f['about']}: ", bold(f["new"]), " " + _("(new)")])
        else:
            figures.append([f"{f['about']}: ", f["old"], " " + _("(no longer reported)")])
    if figures:
        blocks += [para(bold(_("Figures"))), bullets(figures)]
    if change.get("key_points_added"):
        blocks += [para(bold(_("New developments"))), bullets(change["key_points_added"])]
    if change.get("key_points_removed"):
        blocks += [para(bold(_("No longer listed"))), bullets(change["key_points_removed"])]
    if not blocks and change.get("summary_changed"):
        blocks.append(para(_("The lead was rewritten.")))
    return blocks


def _changed(p: dict) -> Reply:
    blocks = change_blocks(p.get("change", {}))
    blocks.append(footer(p.get("briefing_id")))
    title = _("Updated: {title}").format(title=p["title"])
    return Reply(tuple(blocks), title=title, actions=open_briefing(p.get("briefing_id")))


def _digest(p: dict) -> Reply:
    items = p.get("items", [])
    if not items:
        blocks: list[Block] = [para(_("No new or changed briefings since the last digest."))]
        if p.get("current_title"):
            blocks.append(para(_("Current briefing: "), bold(p["current_title"])))
        return Reply(tuple(blocks), title=_digest_title(p["date"]))
    blocks = []
    for item in items:
        label = _("New: {title}") if item["kind"] == "new" else _("Updated: {title}")
        blocks.append(para(bold(label.format(title=item["title"]))))
        if item["kind"] == "new":
            blocks.append(para(item.get("summary") or ""))
        else:
            blocks += change_blocks(item.get("change", {}))
    blocks.append(footer())
    return Reply(tuple(blocks), title=_digest_title(p["date"]))


def _digest_title(when: str) -> str:
    try:
        shown = day(date.fromisoformat(when))
    except (TypeError, ValueError):
        shown = str(when)
    return _("Daily digest · {date}").format(date=shown)
