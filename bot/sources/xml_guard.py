"""Removing a feed's DOCTYPE before parsing, so no entity it declares (billion laughs, external files) can expand."""

from __future__ import annotations

import re

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ELEMENT_START = re.compile(rb"<[A-Za-z_]")
_SCAN_LIMIT = 1_000_000  # a prolog longer than this is not a feed


def strip_doctype(data: bytes) -> tuple[bytes, bool]:
    """(document without its DOCTYPE declaration, whether one declared entities). Elsewhere untouched.

    A DOCTYPE may only stand before the root element; its internal subset is skipped with quotes honoured,
    so an entity value holding ">" or "]" cannot end it early. References to removed entities then stay
    unexpanded text (the strict parser fails on them and feedparser's loose parser keeps them literally).
    """
    match = _DOCTYPE.search(data, 0, _SCAN_LIMIT)
    if match is None:
        return data, False
    first_element = _ELEMENT_START.search(data, 0, match.start())
    if first_element is not None:
        return data, False  # "<!DOCTYPE" after the root element is text inside it, not a declaration
    end = _declaration_end(data, match.end())
    declared = data[match.start() : end]
    return data[: match.start()] + data[end:], b"<!ENTITY" in declared.upper()


def _declaration_end(data: bytes, i: int) -> int:
    quote: int | None = None
    depth = 0
    limit = min(len(data), _SCAN_LIMIT)
    while i < limit:
        c = data[i]
        if quote is not None:
            if c == quote:
                quote = None
        elif c in (0x22, 0x27):  # " '
            quote = c
        elif c == 0x5B:  # [
            depth += 1
        elif c == 0x5D:  # ]
            depth = max(0, depth - 1)
        elif c == 0x3E and depth == 0:  # >
            return i + 1
        i += 1
    return limit
