"""Page furniture left in summaries, and the longest stored sentence (issue 12's goals).

    storybot summarize --jsonl ../shared/eval/giveme5w1h/gold_standard_flat.jsonl -n 3 \
        > /tmp/summaries.jsonl
    storybot --db /tmp/g5.db ingest --chat 1 ../shared/eval/giveme5w1h/gold_standard_flat.jsonl
    python -m benchmarks.furniture_check /tmp/summaries.jsonl --db /tmp/g5.db

The pattern list here is written apart from bot/nlp/furniture.py on purpose: a check that reused
the classifier's own patterns could only ever agree with it.  Each pattern names a kind of
page furniture a reader would not want quoted as news.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
from pathlib import Path

FURNITURE = {
    "newsletter": r"\bsubscrib|\binbox\b|\bnewsletter|invalid e-?mail",
    "caption-label": r"\b(?:image|media|video|photo) (?:caption|copyright|credit)\b",
    "photo-credit": r"\(photo:|\bphoto: [A-Z]|getty images?\b|\bgetty \d|/getty\b",
    "gallery-counter": r"\b(?:AP|EPA|AFP|PA|Reuters|Getty|Press Association)\s+\d{1,3}\b"
    r"|\b\d{1,3} of \d{1,3}\s+(?:[A-Z]{2,}|Full Screen|Getty)\b|\b\d{1,2}/\d{1,2} [A-Z]",
    "agency-credit": r"\b[A-Z]{2,4}:[A-Z][a-z]+ [A-Z][a-z]+\b",
    "scroll-video": r"scroll down for",
    "player": r"\bskip ad\b|\bautoplay\b|\bplay slideshow\b|\bview (?:photos|slideshow)\b"
    r"|video (?:loading|unavailable)|click to play|\bwatch next\b",
    "share": r"click to share|\bshare this\b|read or share|\bfollow [A-Z]\w+(?: [A-Z]\w+)? on "
    r"(?:twitter|facebook|instagram)|\(opens in new window\)",
    "stamp": r"\b(?:published|updated|last modified)\s*:?\s*(?:on\s+)?(?:\d|jan|feb|mar|apr|may"
    r"|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)",
    "byline": r"^by [A-Z][a-z]+ [A-Z][a-z]+|\bby \. |\breporter \. ",
    "standfirst": r"^[A-Z][\w.' ]{1,40} (?:examines|looks at|takes a look at|explains how)\b",
    "read-more": r"\bread more\b|\bclick here\b",
}
PATTERNS = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in FURNITURE.items()}
# A few patterns must keep their case to stay specific ("PA:Press", "1/19 The").
PATTERNS["agency-credit"] = re.compile(FURNITURE["agency-credit"])
PATTERNS["gallery-counter"] = re.compile(FURNITURE["gallery-counter"])
PATTERNS["standfirst"] = re.compile(FURNITURE["standfirst"])
PATTERNS["byline"] = re.compile(FURNITURE["byline"])


def furniture_in(sentence: str) -> list[str]:
    """The names of the furniture patterns a sentence matches."""
    return [name for name, pattern in PATTERNS.items() if pattern.search(sentence)]


def check_summaries(path: Path) -> tuple[int, int, list[tuple[str, str, list[str]]]]:
    """(summaries read, summaries with furniture, the offending sentences)."""
    total, flagged, found = 0, 0, []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        total += 1
        hits = [(s, furniture_in(s)) for s in record.get("sentences", [])]
        hits = [(s, names) for s, names in hits if names]
        flagged += bool(hits)
        found += [(str(record.get("id")), s, names) for s, names in hits]
    return total, flagged, found


def longest_sentences(db: Path, top: int = 5) -> list[tuple[int, str]]:
    """The longest stored sentences by word count."""
    with sqlite3.connect(db) as connection:
        texts = [row[0] for row in connection.execute("SELECT text FROM sentences")]
    ranked = sorted(((len(t.split()), t) for t in texts), reverse=True)
    return ranked[:top]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("summaries", type=Path, help="output of summarize --jsonl")
    parser.add_argument("--db", type=Path, help="a store the same articles were ingested into")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each hit")
    args = parser.parse_args(argv)
    total, flagged, found = check_summaries(args.summaries)
    print(f"summaries with furniture: {flagged} of {total}")
    if args.verbose:
        for story_id, sentence, names in found:
            print(f"  {story_id[:10]} {','.join(names)}: {sentence[:160]}")
    if args.db:
        for count, text in longest_sentences(args.db):
            print(f"{count} words: {text[:120]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
