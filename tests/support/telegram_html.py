"""What Telegram shows for a message sent with ``parse_mode=HTML``, or why it refuses it: for
the tests that check every message the bot renders."""

from __future__ import annotations

import html
import re

from handlers.render import MESSAGE_LIMIT

ALLOWED_TAGS = {"b", "i", "u", "s", "a", "code", "pre", "blockquote"}
_PIECE = re.compile(r"<[^<>]*>|&[^&;<>\s]*;?|[^<>&]+|[<>&]")
_TAG = re.compile(r'<(/?)([a-z]+)( href="[^"<>]*")?>\Z')
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});\Z")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def telegram_text(message: str) -> str:
    """The text Telegram shows for an HTML message; AssertionError if Telegram would refuse it
    (a tag it doesn't support, unbalanced or crossed tags, a bare <, > or &, a malformed
    entity, an empty text, or more than 4,096 UTF-16 code units after entity parsing)."""
    plain: list[str] = []
    open_tags: list[str] = []
    for match in _PIECE.finditer(message):
        piece = match.group()
        if piece.startswith("<"):
            tag = _TAG.match(piece)
            assert tag, f"not a tag Telegram accepts: {piece[:80]!r}"
            closing, name, href = tag.groups()
            assert name in ALLOWED_TAGS, f"tag <{name}> is not allowed"
            if closing:
                assert not href and open_tags and open_tags[-1] == name, f"unbalanced {piece!r}"
                open_tags.pop()
            else:
                assert bool(href) == (name == "a"), f"attributes only as <a href>: {piece!r}"
                open_tags.append(name)
        elif piece.startswith("&"):
            assert _ENTITY.match(piece), f"malformed entity {piece[:20]!r}"
            decoded = html.unescape(piece)
            assert len(decoded) == 1 and not 0xD800 <= ord(decoded) <= 0xDFFF, piece
            plain.append(decoded)
        else:
            assert piece not in "<>", f"bare {piece!r} in {message[:200]!r}"
            plain.append(piece)
    assert not open_tags, f"unclosed tags {open_tags}"
    text = "".join(plain)
    assert text.strip(), "Telegram refuses an empty message"
    assert utf16_len(text) <= MESSAGE_LIMIT, f"{utf16_len(text)} UTF-16 units > {MESSAGE_LIMIT}"
    return text
