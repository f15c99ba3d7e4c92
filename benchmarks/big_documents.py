"""Memory with big HTML files arriving at once: peak resident memory (RSS) of one process
that stores ``--documents`` generated 2 MB .html files from as many chats concurrently, on
as many threads, as the bot's saving threads would.

    python -m benchmarks.big_documents [--documents 6]

The goal (issue 14): peak RSS ≤ 600 MB with 6 such documents at once. Peak RSS is the
process's ``ru_maxrss``; the baseline is measured after a small story has loaded the
language models, so the figure is what the bot itself would reach.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import threading
import time
from pathlib import Path

from bot.services.ingest import Ingestor
from db.store import Store
from tests.support.stories import article

DOCUMENT_BYTES = 1_990_000
WORDS = [
    "the",
    "council",
    "approved",
    "harbour",
    "bridge",
    "plan",
    "after",
    "months",
    "of",
    "debate",
    "residents",
    "said",
    "costs",
    "were",
    "high",
    "mayor",
    "promised",
    "jobs",
    "visitors",
    "region",
    "decade",
    "spring",
    "phase",
]


def big_html(seed: int) -> bytes:
    """An article page of about 2 MB: many paragraphs of sentences (the size limit)."""
    rng = random.Random(seed)
    parts = [f"<!doctype html><html><head><title>Big page {seed}</title></head><body><article>"]
    size = 0
    number = 0
    while size < DOCUMENT_BYTES - 200:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 30)))
        paragraph = f"<p>{sentence.capitalize()}. Item {seed}-{number}.</p>\n"
        parts.append(paragraph)
        size += len(paragraph)
        number += 1
    parts.append("</article></body></html>")
    return "".join(parts).encode()[:DOCUMENT_BYTES]


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=6)
    args = parser.parse_args(argv)
    documents = [big_html(seed) for seed in range(args.documents)]
    with tempfile.TemporaryDirectory() as scratch:
        store = Store(Path(scratch) / "bench.db")
        ingestor = Ingestor(store)
        ingestor.add_text(999, article("warm up"))  # loads the language models
        baseline = peak_mb()
        statuses: list[str] = []

        def send(chat_id: int, data: bytes) -> None:
            outcomes = ingestor.add_document(chat_id, f"big{chat_id}.html", data)
            statuses.extend(o.status for o in outcomes)

        started = time.perf_counter()
        threads = [
            threading.Thread(target=send, args=(chat_id, data))
            for chat_id, data in enumerate(documents, start=1)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        store.close()
    print(f"documents: {args.documents} x {DOCUMENT_BYTES / 1e6:.2f} MB .html, at once")
    print(f"stored: {statuses.count('added')} of {len(statuses)}")
    print(f"peak RSS: {peak_mb()} MB (after warm-up: {baseline} MB); wall time {elapsed:.1f} s")
    print(f"goal: peak RSS <= 600 MB: {'met' if peak_mb() <= 600 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
