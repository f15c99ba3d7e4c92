"""Turning a file a user sends (or the operator ingests) into raw stories.

Accepted: .txt and .md (pasted text), .html/.htm (article extraction), .json (one object or a
list) and .jsonl (one object per line) with the fields title, url, published, source, id and the
story text in one of TEXT_FIELDS (datasets and exporters name it differently) or in html.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import PurePath

from bot.messages import Problem, Refusal, Refused

MAX_DOCUMENT_BYTES = 2_000_000
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}
SUPPORTED = ", ".join(sorted(TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES))
# Where a JSON record may keep its story text, in the order they are tried: "text" is ours,
# "article" is CNN/DailyMail's, "content" and "body" are common exporter and CMS names.
TEXT_FIELDS = ("text", "article", "content", "body")


class Rejected(Refused):
    """Input that cannot become a story; ``error.refusal`` says why (bot/messages.py words it)."""


class TooShort(Rejected):
    """Text with words, but too few for a story. In a chat it may have been meant as a
    question, so a chat's reply can say how to ask one (the CLI's has no use for that)."""


@dataclass(frozen=True)
class RawStory:
    """A story as it arrives, before cleaning: plain text to clean, or HTML to extract."""

    text: str | None = None
    html: str | None = None
    title: str | None = None
    url: str | None = None
    source: str | None = None
    source_kind: str = "text"
    published: str | None = None
    added_by: str | None = None
    message_id: int | None = None
    source_id: str | None = None
    # Why this input can never be a story (a JSON record without a text field): ingest rejects
    # it with this refusal, while the other records of the same file are still read.
    problem: Refusal | None = None


def read_document(
    filename: str, data: bytes, *, source_kind: str = "document", added_by: str | None = None
) -> list[RawStory]:
    """The raw stories in a file, or Rejected with the reason."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise Rejected(Problem.FILE_TOO_BIG, size=len(data), limit=MAX_DOCUMENT_BYTES)
    suffix = PurePath(filename or "").suffix.lower()
    # The file's name is the story's source, never the folder it was read from (the CLI is
    # given paths; a digest would print "/home/…/story.txt").
    name = PurePath(filename).name if filename else filename
    if suffix and suffix not in TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES:
        raise Rejected(Problem.FILE_TYPE, suffix=suffix, supported=SUPPORTED)
    text = decode_text(data)
    if not suffix:
        suffix = _sniff_suffix(text)
    if suffix in HTML_SUFFIXES:
        return [RawStory(html=text, source_kind=source_kind, added_by=added_by, source=name)]
    if suffix in JSON_SUFFIXES:
        return read_records(text, source_kind=source_kind, added_by=added_by)
    return [RawStory(text=text, source_kind=source_kind, added_by=added_by, source=name)]


def decode_text(data: bytes) -> str:
    """UTF-8 text, or Rejected for binary data and other encodings."""
    if b"\x00" in data[:8192]:
        raise Rejected(Problem.BINARY_FILE)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Rejected(Problem.NOT_UTF8) from error
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.05 * min(len(text), 8192):
        raise Rejected(Problem.BINARY_FILE)
    return text


def _sniff_suffix(text: str) -> str:
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html")) or "<body" in text[:5000].lower():
        return ".html"
    if head.startswith(("{", "[")):
        return ".jsonl" if "\n{" in text else ".json"
    return ".txt"


def read_records(
    text: str, *, source_kind: str = "bulk", added_by: str | None = None
) -> list[RawStory]:
    """Stories from JSON (an object or a list of objects) or JSON Lines."""
    stripped = text.strip()
    if not stripped:
        raise Rejected(Problem.EMPTY_FILE)
    # Python's JSON parser (and str() of what it built) recurses once per level, so a file
    # nested thousands deep raises RecursionError, not JSONDecodeError: that is the user's
    # input being unusable, not the bot failing, and it is said so.
    try:
        return [record_to_raw(r, source_kind, added_by) for r in _parse_records(stripped)]
    except RecursionError as error:
        raise Rejected(Problem.JSON_TOO_DEEP) from error


def _parse_records(stripped: str) -> list[object]:
    """The records of a whole-file JSON value, else of JSON Lines."""
    try:
        loaded = json.loads(stripped)
        return loaded if isinstance(loaded, list) else [loaded]
    except json.JSONDecodeError:
        records = []
        for number, line in enumerate(stripped.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise Rejected(Problem.BAD_JSON_LINE, line=number) from error
        return records


def record_text(record: dict) -> str | None:
    """The story text of a JSON record: the first non-empty of TEXT_FIELDS, else None."""
    for name in TEXT_FIELDS:
        value = _string(record.get(name))
        if value and value.strip():
            return value
    return None


def missing_text(record: object) -> Refusal:
    """Why a JSON record gave no text (its wording names the fields that are read)."""
    if not isinstance(record, dict):
        return Refusal(Problem.RECORD_NOT_AN_OBJECT)
    return Refusal(Problem.RECORD_WITHOUT_TEXT, {"fields": TEXT_FIELDS})


def record_to_raw(
    record: object, source_kind: str = "bulk", added_by: str | None = None
) -> RawStory:
    """One JSON record as a raw story; a record without story text carries the problem."""
    if not isinstance(record, dict):
        return RawStory(source_kind=source_kind, added_by=added_by, problem=missing_text(record))
    text = record_text(record)
    html = _string(record.get("html"))
    has_html = bool(html and html.strip())
    return RawStory(
        text=text,
        html=html,
        problem=None if text or has_html else missing_text(record),
        title=_string(record.get("title")),
        url=_string(record.get("url")),
        source=_string(record.get("source")),
        published=_string(record.get("published")),
        source_kind=source_kind,
        added_by=added_by,
        source_id=_string(record.get("id")),
    )


def _string(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)
