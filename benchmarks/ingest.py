"""Bulk ingest speed: stories per second, entities included, on the BBC News Summary articles.

    storybot bench ingest --data ../shared/eval        (or python -m benchmarks.ingest ...)

Pins itself to one core (where the OS allows) so the figure matches the goal's "one core".
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ARTICLES = Path("bbc-news-summary") / "News Articles"


def read_bbc(folder: Path, limit: int | None = None) -> list[tuple[str, str]]:
    """(title, body) of each article; the first line is the title. One file is latin-1."""
    articles = []
    for path in sorted(folder.glob("*/*.txt")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        title, _, body = text.strip().partition("\n")
        articles.append((title.strip(), body.strip()))
        if limit and len(articles) >= limit:
            break
    return articles


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        return "pinned to 1 core"
    return "not pinned"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="storybot bench ingest", description=__doc__)
    parser.add_argument(
        "--data", required=True, help="the shared eval folder (holds bbc-news-summary)"
    )
    parser.add_argument("--limit", type=int, help="only the first N articles")
    args = parser.parse_args(argv)
    folder = Path(args.data) / ARTICLES
    if not folder.is_dir():
        print(f"skipped: {folder} not found")
        return 0
    pinning = pin_to_one_core()
    from bot.nlp.language import entity_pipeline
    from bot.services.ingest import Ingestor
    from bot.sources.documents import RawStory
    from db.store import Store

    articles = read_bbc(folder, args.limit)
    entity_pipeline()  # model loading is a one-off start-up cost, not per-story work
    with tempfile.TemporaryDirectory() as scratch:
        ingestor = Ingestor(Store(Path(scratch) / "bench.db"))
        raws = [RawStory(text=body, title=title, source_kind="bulk") for title, body in articles]
        started = time.perf_counter()
        outcomes = ingestor.ingest(1, raws)
        elapsed = time.perf_counter() - started
    counts = {
        status: sum(1 for o in outcomes if o.status == status)
        for status in ("added", "duplicate", "rejected")
    }
    print("| articles | added | duplicate | rejected | seconds | stories/s | cpu |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {len(articles)} | {counts['added']} | {counts['duplicate']} | {counts['rejected']} "
        f"| {elapsed:.1f} | {len(articles) / elapsed:.1f} | {pinning} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
