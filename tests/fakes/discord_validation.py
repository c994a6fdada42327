"""Discord's message-body validation and mention resolution, as pure functions.

``validate_message`` returns a Discord error body (or None) for content and
embed limits; ``compute_pings`` works out who a message would notify given
its ``allowed_mentions`` (ignoring the sender's MENTION_EVERYONE permission
and role mentionability, i.e. it answers "could this have pinged anyone").
"""

from __future__ import annotations

import re
from typing import Any

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
_EMBED_LIMITS = {"title": 256, "description": 4096}
_FIELD_LIMITS = {"name": 256, "value": 1024}
_FIELDS_MAX = 25
_FOOTER_MAX = 2048
_AUTHOR_MAX = 256

_USER_RE = re.compile(r"<@!?(\d+)>")
_ROLE_RE = re.compile(r"<@&(\d+)>")

Errors = dict[str, Any]


def _too_long(limit: int) -> dict[str, Any]:
    return {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": f"Must be {limit} or fewer in length."}]}


def form_error(errors: Errors) -> dict[str, Any]:
    """Discord's 50035 Invalid Form Body error."""
    return {"code": 50035, "message": "Invalid Form Body", "errors": errors}


def _check_len(errors: Errors, key: str, value: Any, limit: int) -> int:
    text = value if isinstance(value, str) else ""
    if len(text) > limit:
        errors[key] = _too_long(limit)
    return len(text)


def _embed_errors(embed: dict[str, Any]) -> tuple[Errors, int]:
    """Errors of one embed and its counted size (title, description, fields, footer, author)."""
    errors: Errors = {}
    size = 0
    for key, limit in _EMBED_LIMITS.items():
        size += _check_len(errors, key, embed.get(key), limit)
    fields = embed.get("fields") or []
    if len(fields) > _FIELDS_MAX:
        errors["fields"] = _too_long(_FIELDS_MAX)
    field_errors: Errors = {}
    for index, fld in enumerate(fields):
        errs: Errors = {}
        for key, limit in _FIELD_LIMITS.items():
            size += _check_len(errs, key, fld.get(key), limit)
        if errs:
            field_errors[str(index)] = errs
    if field_errors and "fields" not in errors:
        errors["fields"] = field_errors
    footer_errs: Errors = {}
    size += _check_len(footer_errs, "text", (embed.get("footer") or {}).get("text"), _FOOTER_MAX)
    if footer_errs:
        errors["footer"] = footer_errs
    author_errs: Errors = {}
    size += _check_len(author_errs, "name", (embed.get("author") or {}).get("name"), _AUTHOR_MAX)
    if author_errs:
        errors["author"] = author_errs
    return errors, size


def _embeds_errors(embeds: list[dict[str, Any]]) -> Errors | None:
    if len(embeds) > EMBEDS_MAX:
        return _too_long(EMBEDS_MAX)
    errors: Errors = {}
    total = 0
    for index, embed in enumerate(embeds):
        errs, size = _embed_errors(embed)
        total += size
        if errs:
            errors[str(index)] = errs
    if errors:
        return errors
    if total > EMBED_TOTAL_MAX:
        return {
            "_errors": [
                {
                    "code": "MAX_EMBED_SIZE_EXCEEDED",
                    "message": f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}",
                }
            ]
        }
    return None


ROWS_MAX = 5
BUTTONS_PER_ROW = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
OPTION_TEXT_MAX = 100


def _components_errors(rows: Any) -> Errors | None:
    """Discord's checks of message components: action rows of up to five buttons or one select
    menu, custom ids of at most 100 characters and unique in the message, labels and options in
    their limits."""
    if not isinstance(rows, list):
        return {"_errors": [{"code": "MODEL_TYPE_CONVERT", "message": "Only iterables may be used in a ListType"}]}
    if len(rows) > ROWS_MAX:
        return _too_long(ROWS_MAX)
    errors: Errors = {}
    seen: set[str] = set()
    for r, row in enumerate(rows):
        items = row.get("components") or [] if isinstance(row, dict) else []
        if not isinstance(row, dict) or row.get("type") != 1 or not items:
            errors[str(r)] = {
                "_errors": [
                    {
                        "code": "COMPONENT_LAYOUT_WIDTH_EXCEEDED" if items else "BASE_TYPE_REQUIRED",
                        "message": "An action row needs components",
                    }
                ]
            }
            continue
        selects = [c for c in items if c.get("type") in (3, 5, 6, 7, 8)]
        if (selects and len(items) > 1) or len(items) > BUTTONS_PER_ROW:
            errors[str(r)] = {
                "_errors": [
                    {
                        "code": "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                        "message": "The specified component exceeds the maximum width",
                    }
                ]
            }
            continue
        item_errors: Errors = {}
        for i, item in enumerate(items):
            errs: Errors = {}
            custom_id = item.get("custom_id")
            if item.get("style") != 5:  # all but link buttons carry a custom id
                if not isinstance(custom_id, str) or not custom_id:
                    errs["custom_id"] = {
                        "_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]
                    }
                elif len(custom_id) > CUSTOM_ID_MAX:
                    errs["custom_id"] = _too_long(CUSTOM_ID_MAX)
                elif custom_id in seen:
                    errs["custom_id"] = {
                        "_errors": [
                            {
                                "code": "COMPONENT_CUSTOM_ID_DUPLICATED",
                                "message": "Component custom id cannot be duplicated",
                            }
                        ]
                    }
                else:
                    seen.add(custom_id)
            if item.get("type") == 2:
                _check_len(errs, "label", item.get("label"), BUTTON_LABEL_MAX)
            if item.get("type") == 3:
                options = item.get("options") or []
                if not 1 <= len(options) <= SELECT_OPTIONS_MAX:
                    errs["options"] = _too_long(SELECT_OPTIONS_MAX)
                for o, option in enumerate(options):
                    o_errs: Errors = {}
                    _check_len(o_errs, "label", option.get("label"), OPTION_TEXT_MAX)
                    _check_len(o_errs, "value", option.get("value"), OPTION_TEXT_MAX)
                    if o_errs:
                        errs.setdefault("options", {})[str(o)] = o_errs
            if errs:
                item_errors[str(i)] = errs
        if item_errors:
            errors[str(r)] = {"components": item_errors}
    return errors or None


def is_empty(body: dict[str, Any], has_files: bool = False) -> bool:
    """True when Discord would answer 50006 Cannot send an empty message."""
    keys = ("content", "embeds", "sticker_ids", "components", "poll", "attachments")
    return not has_files and not any(body.get(k) for k in keys)


def validate_message(
    body: dict[str, Any], *, require_content: bool = True, has_files: bool = False
) -> tuple[int, dict[str, Any]] | None:
    """Return (status, error body) if Discord would reject this message body, else None."""
    errors: Errors = {}
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        content = str(content)
    if content and len(content) > CONTENT_MAX:
        errors["content"] = _too_long(CONTENT_MAX)
    embed_errors = _embeds_errors(body.get("embeds") or [])
    if embed_errors:
        errors["embeds"] = embed_errors
    if body.get("components"):
        component_errors = _components_errors(body["components"])
        if component_errors:
            errors["components"] = component_errors
    if errors:
        return 400, form_error(errors)
    if require_content and is_empty(body, has_files):
        return 400, {"code": 50006, "message": "Cannot send an empty message"}
    return None


def compute_pings(content: str | None, allowed: dict[str, Any] | None) -> dict[str, Any]:
    """Who the message notifies: {"everyone", "here", "users", "roles"}.

    Without allowed_mentions everything in the content pings; with it only the
    ``parse`` types and the explicitly listed ids do.
    """
    text = content or ""
    everyone = "@everyone" in text
    here = "@here" in text
    users = [int(u) for u in dict.fromkeys(_USER_RE.findall(text))]
    roles = [int(r) for r in dict.fromkeys(_ROLE_RE.findall(text))]
    if allowed is not None:
        parse = allowed.get("parse") or []
        if "everyone" not in parse:
            everyone = here = False
        if "users" not in parse:
            listed = {int(u) for u in allowed.get("users") or []}
            users = [u for u in users if u in listed]
        if "roles" not in parse:
            listed = {int(r) for r in allowed.get("roles") or []}
            roles = [r for r in roles if r in listed]
    return {"everyone": everyone, "here": here, "users": users, "roles": roles}


def pinged(pings: dict[str, Any]) -> bool:
    """True if a ``compute_pings`` result notifies anybody."""
    return bool(pings["everyone"] or pings["here"] or pings["users"] or pings["roles"])
