"""What Telegram shows for a message sent with ``parse_mode=HTML``, or why it refuses it: for
the tests that check every message the bot renders. The rules are the fake Bot API's
(``fake_telegram.html_rules``), held to the documentation: one reading of Telegram's HTML."""

from __future__ import annotations

from tests.support.fake_telegram import MESSAGE_LIMIT, ApiError, parse_html, utf16_len


def telegram_text(message: str) -> str:
    """The text Telegram shows for an HTML message; AssertionError if Telegram would refuse it
    (a tag it doesn't support, unbalanced or crossed tags, a bare <, > or &, a malformed
    entity, an empty text, or more than 4,096 UTF-16 code units after entity parsing)."""
    try:
        text, _ = parse_html(message, as_documented=True)
    except ApiError as refusal:
        raise AssertionError(f"{refusal.description} in {message[:200]!r}") from None
    assert text.strip(), "Telegram refuses an empty message"
    assert utf16_len(text) <= MESSAGE_LIMIT, f"{utf16_len(text)} UTF-16 units > {MESSAGE_LIMIT}"
    return text
