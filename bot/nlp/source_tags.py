"""Source tags that wire copy puts in front of a story: "(CNN) --", "LONDON (Reuters) -".

They say who filed the text, not what happened, so a title that starts with one reads as
"(CNN) Officials say ..." in /list and digests. Only a tag at the very start is removed: a
bracket later in a title is part of what the headline says.
"""

from __future__ import annotations

import re

# An optional dateline in capitals ("LONDON", "NEW YORK, Jan 5"), then a bracketed tag of one to
# four capitalised words or a domain ("(CNN)", "(AP Photo)", "(EW.com)", "(The Hollywood
# Reporter)"), then an optional dash.  The tag must be followed by more title, never end it.
_SOURCE_TAG = re.compile(
    r"^(?:[A-Z][A-Z .'-]{1,30}(?:,[^()]{1,20})?\s+)?"
    r"\((?:[A-Z][\w.&'-]*)(?:\s+[A-Z][\w.&'-]*){0,3}\)"
    r"\s*(?:[-–—]{1,2}|:)?\s*"
)


def strip_source_tag(text: str) -> str:
    """The text without a leading wire-style source tag; unchanged when it has none."""
    match = _SOURCE_TAG.match(text)
    if match is None:
        return text
    rest = text[match.end() :]
    # "(CNN)" alone, or a tag followed only by punctuation, is all there is: keep it.
    return rest if any(ch.isalnum() for ch in rest) else text
