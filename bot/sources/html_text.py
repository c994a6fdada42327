"""HTML from feeds reduced to plain paragraphs with lxml: no markup, scripts or styles reach a briefing."""

from __future__ import annotations

import re

_BLOCKS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "header",
        "footer",
        "aside",
        "blockquote",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "table",
        "tr",
        "figure",
        "figcaption",
        "hr",
        "address",
        "main",
        "nav",
    ]
)
_DROP = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "head",
    "button",
    "select",
    "textarea",
)
_BREAK = "\ue000"  # a private-use character marks a paragraph boundary while the tree is flattened
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
# Control characters and lone surrogates: lxml refuses them and no chat can show them.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def safe_text(text: str) -> str:
    """``text`` without control characters (tabs and line breaks kept) and lone surrogates."""
    return _UNSAFE.sub("", text)


def html_to_text(html: str) -> str:
    """Paragraphs separated by blank lines; list items become "- " bullets. Plain text passes through."""
    html = safe_text(html).replace(_BREAK, "")
    if "<" not in html and "&" not in html:
        return _tidy(html.replace("\n", " "))
    import lxml.etree  # here, not at the top: the bot's main process reads no feed HTML
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return _tidy(html)
    for bad in list(root.iter(*_DROP)):
        bad.drop_tree()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        tag = element.tag.lower()
        if tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif tag in _BLOCKS:
            prefix = "- " if tag == "li" else ""
            element.text = _BREAK + prefix + (element.text or "")
            element.tail = _BREAK + (element.tail or "")
    for comment in list(root.iter(lxml.etree.Comment, lxml.etree.ProcessingInstruction)):
        comment.drop_tree()
    return _tidy(root.text_content())


def _tidy(text: str) -> str:
    paragraphs = []
    for block in text.split(_BREAK):
        lines = [_SPACES.sub(" ", line).strip() for line in block.split("\n")]
        joined = "\n".join(line for line in lines if line)
        if joined:
            paragraphs.append(joined)
    return "\n\n".join(paragraphs)
