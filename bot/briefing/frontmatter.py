"""The optional `---` front-matter block at the top of a briefing: id, published, source, tags."""

from __future__ import annotations

import re

_DELIMITER = re.compile(r"^\s*(?:---|\.\.\.)\s*$")
_FIELD = re.compile(r"^\s*([A-Za-z][\w -]*?)\s*:\s*(.*?)\s*$")
_SOURCE_KEYS = ("source", "source_url", "source-url", "url", "link")


def split_front_matter(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """({key: value}, remaining lines). Without a well-formed block, ({}, lines) unchanged."""
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) or lines[start].strip() != "---":
        return {}, lines
    fields: dict[str, str] = {}
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if _DELIMITER.match(line):
            return fields, lines[i + 1 :]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _FIELD.match(line)
        if m is None:
            return {}, lines  # not key: value lines, so this is no front matter
        fields[m.group(1).strip().lower().replace(" ", "_")] = _unquote(m.group(2))
    return {}, lines


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse_tags(value: str) -> tuple[str, ...]:
    """ "a, b" or "[a, b]" or "['a', "b"]" -> ("a", "b")."""
    value = value.strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    tags = (_unquote(t.strip()) for t in value.split(","))
    return tuple(dict.fromkeys(t.strip() for t in tags if t.strip()))


def source_of(fields: dict[str, str]) -> str | None:
    for key in _SOURCE_KEYS:
        if fields.get(key):
            return fields[key]
    return None
