"""How an alert reads: from an outbox payload to a neutral Reply (rendered per platform later)."""

from __future__ import annotations

from bot.reply import Block, Inline, Paragraph, Reply, bold, bullets, italic, para

def footer(briefing_id: str | None = None) -> Paragraph:
    """The way on from an alert: its own briefing (not whichever is newest), or the list."""
    more = f"/summary {briefing_id} for the full briefing" if briefing_id else "/briefings for every briefing"
    return para(italic(f"{more} · /unsubscribe to stop these alerts"))


def alert_reply(kind: str, payload: dict) -> Reply:
    if kind == "new":
        return _new(payload)
    if kind == "changed":
        return _changed(payload)
    if kind == "digest":
        return _digest(payload)
    if kind == "broadcast":
        return Reply((para(payload["text"]),), title="Announcement")
    return Reply((para(payload.get("text") or payload.get("title") or "Update"),))


def _new(p: dict) -> Reply:
    blocks: list[Block] = [para(p.get("summary") or "")]
    if p.get("key_points"):
        blocks += [para(bold("Key developments")), bullets(p["key_points"])]
    blocks.append(footer(p.get("briefing_id")))
    return Reply(tuple(blocks), title=f"New briefing: {p['title']}")


def change_blocks(change: dict) -> list[Block]:
    blocks: list[Block] = []
    if change.get("old_title") and change["old_title"] != change["new_title"]:
        blocks.append(para(bold("Headline: "), f"{change['old_title']} → {change['new_title']}"))
    figures: list[Inline] = []
    for f in change.get("figures", []):
        if f["old"] and f["new"]:
            figures.append([f"{f['about']}: ", bold(f["old"]), " → ", bold(f["new"])])
        elif f["new"]:
            figures.append([f"{f['about']}: ", bold(f["new"]), " (new)"])
        else:
            figures.append([f"{f['about']}: ", f["old"], " (no longer reported)"])
    if figures:
        blocks += [para(bold("Figures")), bullets(figures)]
    if change.get("key_points_added"):
        blocks += [para(bold("New developments")), bullets(change["key_points_added"])]
    if change.get("key_points_removed"):
        blocks += [para(bold("No longer listed")), bullets(change["key_points_removed"])]
    if not blocks and change.get("summary_changed"):
        blocks.append(para("The lead was rewritten."))
    return blocks


def _changed(p: dict) -> Reply:
    blocks = change_blocks(p.get("change", {}))
    blocks.append(footer(p.get("briefing_id")))
    return Reply(tuple(blocks), title=f"Updated: {p['title']}")


def _digest(p: dict) -> Reply:
    items = p.get("items", [])
    if not items:
        blocks: list[Block] = [para("No new or changed briefings since the last digest.")]
        if p.get("current_title"):
            blocks.append(para("Current briefing: ", bold(p["current_title"])))
        return Reply(tuple(blocks), title=f"Daily digest · {p['date']}")
    blocks = []
    for item in items:
        label = "New" if item["kind"] == "new" else "Updated"
        blocks.append(para(bold(f"{label}: {item['title']}")))
        if item["kind"] == "new":
            blocks.append(para(item.get("summary") or ""))
        else:
            blocks += change_blocks(item.get("change", {}))
    blocks.append(footer())
    return Reply(tuple(blocks), title=f"Daily digest · {p['date']}")
