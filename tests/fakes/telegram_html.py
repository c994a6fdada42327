"""Telegram's HTML parse mode, re-implemented for the fake Bot API server.

Mirrors the rules of TDLib's ``parse_html`` (the parser behind the real Bot API):
allowed tags, attribute syntax, the handful of named entities plus numeric ones,
UTF-16 entity offsets and the exact error wording (``... at byte offset N``, where
N counts UTF-8 bytes of the original text).  Like the real server it is lenient
about a bare ``&`` or ``>`` that is not part of an entity or tag: they stay text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["HtmlParseError", "parse_html", "utf16_len"]

_SPACES = frozenset(" \t\r\n\v\f")
_TAGS = frozenset(
    [
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    ]
)
_SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPECIAL = re.compile(r"[<&]")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")
_HEX = re.compile(r"[0-9A-Fa-f]*")
_DEC = re.compile(r"[0-9]*")
_ALPHA = re.compile(r"[A-Za-z]*")


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; ``str(exc)`` is TDLib's reason."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit Telegram counts in."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    tag: str
    argument: str
    offset: int  # UTF-16 offset of the entity start in the parsed text


@dataclass
class _State:
    text: str
    out: list[str] = field(default_factory=list)
    offset: int = 0  # UTF-16 length of the output so far
    stack: list[_Open] = field(default_factory=list)
    entities: list[dict] = field(default_factory=list)

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.offset += utf16_len(chunk)

    def error(self, reason: str, pos: int | None = None) -> HtmlParseError:
        if pos is None:
            return HtmlParseError(reason)
        byte_offset = len(self.text[:pos].encode("utf-8"))
        return HtmlParseError(f"{reason} at byte offset {byte_offset}")


def parse_html(text: str) -> tuple[str, list[dict]]:
    """Parse Telegram HTML into ``(plain_text, entities)`` or raise :class:`HtmlParseError`."""
    state = _State(text)
    i, n = 0, len(text)
    while i < n:
        match = _SPECIAL.search(text, i)
        if match is None:
            state.emit(text[i:])
            break
        j = match.start()
        if j > i:
            state.emit(text[i:j])
        if text[j] == "&":
            i = _entity_or_amp(state, j)
        elif j + 1 < n and text[j + 1] == "/":
            i = _end_tag(state, j)
        else:
            i = _start_tag(state, j)
    if state.stack:
        raise state.error(f'Can\'t find end tag corresponding to start tag "{state.stack[-1].tag}"')
    state.entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(state.out), state.entities


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the HTML entity at ``text[pos] == '&'``: (character, next position) or None."""
    end = pos + 1
    if text.startswith("#", end):
        end += 1
        is_hex = text.startswith("x", end)
        if is_hex:
            end += 1
        digits = (_HEX if is_hex else _DEC).match(text, end).group()
        end += len(digits)
        try:
            code = int(digits, 16 if is_hex else 10) if digits else 0
        except ValueError:
            return None
        if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        char = chr(code)
    else:
        name = _ALPHA.match(text, end).group()
        end += len(name)
        if name not in _NAMED_ENTITIES:
            return None
        char = _NAMED_ENTITIES[name]
    if text.startswith(";", end):
        end += 1
    return char, end


def _entity_or_amp(state: _State, pos: int) -> int:
    decoded = _decode_entity(state.text, pos)
    if decoded is None:
        state.emit("&")
        return pos + 1
    char, end = decoded
    state.emit(char)
    return end


def _skip_spaces(text: str, i: int) -> int:
    while i < len(text) and text[i] in _SPACES:
        i += 1
    return i


def _start_tag(state: _State, begin: int) -> int:
    """Parse ``<tag attr=...>`` starting at ``begin``; returns the position after ``>``."""
    text, n = state.text, len(state.text)
    i = begin + 1
    while i < n and text[i] not in _SPACES and text[i] != ">":
        i += 1
    if i >= n:
        raise state.error("Unclosed start tag", begin)
    tag = text[begin + 1 : i].lower()
    if tag not in _TAGS:
        raise state.error(f'Unsupported start tag "{tag}"', begin)
    argument = ""
    while i < n and text[i] != ">":
        i = _skip_spaces(text, i)
        if i < n and text[i] == ">":
            break
        name_begin = i
        while i < n and text[i] not in _SPACES and text[i] not in "=>":
            i += 1
        name = text[name_begin:i]
        if not name:
            raise state.error(f'Empty attribute name in the tag "{tag}"', begin)
        i = _skip_spaces(text, i)
        if i >= n or text[i] != "=":
            if tag == "blockquote" and name == "expandable":
                argument = "1"
                continue
            raise state.error(f'Expected equal sign in declaration of an attribute of the tag "{tag}"', begin)
        i = _skip_spaces(text, i + 1)
        if i >= n:
            raise state.error(f'Unclosed start tag "{tag}"', begin)
        value, i = _attribute_value(state, i)
        if i >= n:
            raise state.error("Unclosed start tag", begin)
        argument = _tag_argument(tag, name, value, argument)
    if i >= n:
        raise state.error("Unclosed start tag", begin)
    if tag == "span" and argument != "spoiler":
        raise state.error('Tag "span" must have class "tg-spoiler"', begin)
    state.stack.append(_Open(tag, argument, state.offset))
    return i + 1


def _attribute_value(state: _State, i: int) -> tuple[str, int]:
    text, n = state.text, len(state.text)
    quote = text[i]
    if quote not in "'\"":
        token = _NAME_TOKEN.match(text, i).group()
        end = i + len(token)
        if end < n and text[end] not in _SPACES and text[end] != ">":
            raise state.error("Unexpected end of name token", i)
        return token.lower(), end
    i += 1
    chars: list[str] = []
    while i < n and text[i] != quote:
        if text[i] == "&" and (decoded := _decode_entity(text, i)) is not None:
            chars.append(decoded[0])
            i = decoded[1]
            continue
        chars.append(text[i])
        i += 1
    if i < n:
        i += 1  # closing quote
    return "".join(chars), i


def _tag_argument(tag: str, name: str, value: str, current: str) -> str:
    if tag == "a" and name == "href":
        return value
    if tag == "code" and name == "class" and value.startswith("language-"):
        return value[len("language-") :]
    if tag == "span" and name == "class" and value.startswith("tg-"):
        return value[len("tg-") :]
    if tag == "tg-emoji" and name == "emoji-id":
        return value
    if tag == "blockquote" and name == "expandable":
        return "1"
    return current


def _end_tag(state: _State, begin: int) -> int:
    """Parse ``</tag>`` starting at ``begin``; returns the position after ``>``."""
    text, n = state.text, len(state.text)
    if not state.stack:
        raise state.error("Unexpected end tag", begin)
    i = begin + 2
    while i < n and text[i] not in _SPACES and text[i] != ">":
        i += 1
    name = text[begin + 2 : i]
    i = _skip_spaces(text, i)
    if i >= n or text[i] != ">":
        raise state.error("Unclosed end tag", begin)
    opened = state.stack.pop()
    if name and name != opened.tag:
        raise state.error(
            f"Unmatched end tag at byte offset {len(text[:begin].encode())}, "
            f'expected "</{opened.tag}>", found "</{name}>"'
        )
    if state.offset > opened.offset:
        _add_entity(state, opened, begin)
    return i + 1


def _add_entity(state: _State, opened: _Open, pos: int) -> None:
    offset, length = opened.offset, state.offset - opened.offset
    tag, argument, entities = opened.tag, opened.argument, state.entities
    same_span = bool(entities) and entities[-1]["offset"] == offset and entities[-1]["length"] == length
    if tag in _SIMPLE_TYPES:
        entities.append({"type": _SIMPLE_TYPES[tag], "offset": offset, "length": length})
    elif tag == "pre" and same_span and entities[-1]["type"] == "code":
        # <pre><code class="language-x">: TDLib merges both into one pre entity
        language = entities.pop().get("language")
        entities.append(_pre(offset, length, language))
    elif tag == "pre":
        entities.append(_pre(offset, length, None))
    elif tag == "code":
        entity = {"type": "code", "offset": offset, "length": length}
        if argument:
            entity["language"] = argument
        entities.append(entity)
    elif tag == "a" and argument:
        entities.append({"type": "text_link", "offset": offset, "length": length, "url": argument})
    elif tag == "blockquote":
        kind = "expandable_blockquote" if argument else "blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})
    elif tag == "tg-emoji":
        if not argument.isdigit():
            raise state.error("Invalid custom emoji identifier specified")
        entities.append({"type": "custom_emoji", "offset": offset, "length": length, "custom_emoji_id": argument})


def _pre(offset: int, length: int, language: str | None) -> dict:
    entity: dict = {"type": "pre", "offset": offset, "length": length}
    if language:
        entity["language"] = language
    return entity
