"""Telegram's HTML (``parse_mode=HTML``) as the Bot API reads it: the tags it accepts, its
entities, and lengths in UTF-16 code units as Telegram counts them."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

from .protocol import (
    JSON,
    ApiError,
    bad_request,
)

# -- Telegram HTML ----------------------------------------------------------------------------

_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
}
_ATTRIBUTE = re.compile(r"""([A-Za-z][\w-]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_ENTITY_REF = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def parse_html(source: str, *, as_documented: bool = False) -> tuple[str, list[JSON]]:
    """Telegram's HTML parse mode: the plain text and its entities (UTF-16 offsets).

    Raises ApiError 400 "can't parse entities: …" for unsupported or unbalanced tags, as the
    Bot API does. Only <, >, & and " named references and numeric references are decoded.
    ``as_documented`` also refuses what the Bot API tolerates but its documentation forbids: a
    bare > or an & that starts no reference (the bot's own output is held to the docs).
    """
    text: list[str] = []
    length = 0  # of the plain text so far, in UTF-16 code units
    stack: list[tuple[str, int, JSON]] = []  # (tag, start offset, entity)
    entities: list[JSON] = []
    position = 0

    def fail(detail: str) -> ApiError:
        byte = len(source[:position].encode("utf-8"))
        return bad_request(f"can't parse entities: {detail} at byte offset {byte}")

    while position < len(source):
        char = source[position]
        if char == "<":
            end = source.find(">", position)
            if end < 0:
                raise fail("Unclosed start tag")
            inside = source[position + 1 : end]
            if inside.startswith("/"):
                name = inside[1:].strip().lower()
                if not stack:
                    raise fail(f'Unexpected end tag "{name}"')
                tag, start, entity = stack.pop()
                if name != tag:
                    raise fail(f'Unmatched end tag "{name}", expected "</{tag}>"')
                if length > start:
                    entity["offset"], entity["length"] = start, length - start
                    entities.append(entity)
            else:
                match = re.match(r"([A-Za-z][A-Za-z0-9-]*)", inside)
                name = match.group(1).lower() if match else ""
                if name not in _TAG_ENTITY:
                    raise fail(f'Unsupported start tag "{name or inside}"')
                attributes = {
                    key.lower(): unescape(value.strip("\"'")) if value else ""
                    for key, value in _ATTRIBUTE.findall(inside[len(name) :])
                }
                stack.append((name, length, _entity_for(name, attributes, fail)))
            position = end + 1
            continue
        if char == ">" and as_documented:
            raise fail('Bare ">": the docs ask for &gt;')
        # Otherwise Telegram accepts a bare '>' in text, and keeps it as text.
        if char == "&":
            reference = _ENTITY_REF.match(source, position)
            if reference:
                decoded = unescape(reference.group(0))
                text.append(decoded)
                length += utf16_len(decoded)
                position = reference.end()
                continue
            if as_documented:
                raise fail('Bare "&": the docs ask for &amp;')
        text.append(char)
        length += utf16_len(char)
        position += 1
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(text), entities


def _entity_for(name: str, attributes: dict[str, str], fail: Callable[[str], ApiError]) -> JSON:
    kind = _TAG_ENTITY[name]
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise fail('Tag "span" must have class "tg-spoiler"')
    entity: JSON = {"type": kind}
    if name == "a":
        href = attributes.get("href", "")
        if not href:
            raise fail("Can't find href attribute in a tag")
        entity["url"] = href
    if name == "blockquote" and "expandable" in attributes:
        entity["type"] = "expandable_blockquote"
    if name == "tg-emoji":
        if not attributes.get("emoji-id"):
            raise fail('Tag "tg-emoji" must have attribute "emoji-id"')
        entity["custom_emoji_id"] = attributes["emoji-id"]
    return entity
