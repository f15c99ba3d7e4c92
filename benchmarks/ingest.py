"""Bulk ingest speed: stories per second, entities included, on the BBC News Summary articles.

    storybot bench ingest --data ../shared/eval        (or python -m benchmarks.ingest ...)
    storybot bench ingest --data ../shared/eval --workers 1 2     (one core, then a pool of 2)

With one worker it pins itself to one core (where the OS allows) and analyses in process, so
the figure matches the goal's "one core"; with more, the cleaning and entity pass run in a
warm pool of that many processes (started before the clock starts) on every core it may use.
Each run stores into a fresh database; peak RSS is the parent's plus each worker's (VmHWM,
Linux): an upper bound for the process tree, since their peaks need not coincide.

Then, in the same run, the floor of the cost: spaCy's own ``nlp.pipe`` over the same article
texts with the entity pipeline ingest uses (``entity_pipeline()``), one process pinned to one
core, nothing else done; the one-core ingest rate is printed as a share of it (goal: ≥ 80%).
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


def peak_rss_mb(pid: int | str = "self") -> float | None:
    """A process's peak resident memory in MB (VmHWM), or None where /proc has no such line."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="storybot bench ingest", description=__doc__)
    parser.add_argument(
        "--data", required=True, help="the shared eval folder (holds bbc-news-summary)"
    )
    parser.add_argument("--limit", type=int, help="only the first N articles")
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1],
        metavar="N",
        help="analysis processes per run; several numbers: one run each, in this order "
        "(1: in process, pinned to one core)",
    )
    args = parser.parse_args(argv)
    if any(n < 1 for n in args.workers):
        parser.error("--workers takes whole numbers of at least 1")
    folder = Path(args.data) / ARTICLES
    if not folder.is_dir():
        print(f"skipped: {folder} not found")
        return 0
    from bot.sources.documents import RawStory

    articles = read_bbc(folder, args.limit)
    raws = [RawStory(text=body, title=title, source_kind="bulk") for title, body in articles]
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    print(
        "| workers | articles | added | duplicate | rejected | seconds | stories/s "
        "| × first run | peak RSS MB (parent + workers) | cpu |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    first_rate: float | None = None
    one_core_rate: float | None = None
    for workers in args.workers:
        if workers == 1:
            pinning = pin_to_one_core()
        else:
            if cores is not None:
                os.sched_setaffinity(0, cores)
            pinning = f"{len(cores) if cores else os.cpu_count()} cores"
        counts, elapsed, rss = _run(raws, workers)
        rate = len(raws) / elapsed
        first_rate = first_rate or rate
        print(
            f"| {workers} | {len(raws)} | {counts['added']} | {counts['duplicate']} "
            f"| {counts['rejected']} | {elapsed:.1f} | {rate:.1f} | {rate / first_rate:.2f} "
            f"| {rss} | {pinning} |",
            flush=True,
        )
        if workers == 1:
            one_core_rate = rate
    pin_to_one_core()
    seconds = entity_pass_seconds([body for _, body in articles])
    floor = len(articles) / seconds
    print(
        f"\nspaCy's own entity pass (`entity_pipeline().pipe`, the same {len(articles)} texts, "
        f"one process, pinned to one core): {seconds:.1f} s, {floor:.1f} stories/s."
    )
    if one_core_rate is not None:
        print(
            f"One-core ingest runs at {one_core_rate / floor:.0%} of it "
            f"({one_core_rate:.1f} / {floor:.1f} stories/s; goal ≥ 80%)."
        )
    return 0


def entity_pass_seconds(texts: list[str]) -> float:
    """Seconds for the entity pipeline's own ``nlp.pipe`` over the texts (model loaded first,
    outside the clock), every Doc's entities read so none of the work is skipped."""
    from bot.nlp.language import entity_pipeline

    nlp = entity_pipeline()
    started = time.perf_counter()
    for doc in nlp.pipe(texts):
        _ = doc.ents
    return time.perf_counter() - started


def _run(raws: list, workers: int) -> tuple[dict[str, int], float, str]:
    """Ingest every raw story into a fresh store: (counts, seconds, peak RSS)."""
    import multiprocessing

    from bot.nlp.language import entity_pipeline
    from bot.services.analysis_pool import AnalysisPool
    from bot.services.ingest import Ingestor
    from db.store import Store

    pool = AnalysisPool(workers)
    if pool.in_process:
        entity_pipeline()  # model loading is a one-off start-up cost, not per-story work
    pool.start()  # the workers load theirs before the clock starts
    try:
        with tempfile.TemporaryDirectory() as scratch:
            ingestor = Ingestor(Store(Path(scratch) / "bench.db"), pool=pool)
            started = time.perf_counter()
            outcomes = ingestor.ingest(1, raws)
            elapsed = time.perf_counter() - started
        worker_peaks = [peak_rss_mb(p.pid) for p in multiprocessing.active_children()]
    finally:
        pool.close()
    parent = peak_rss_mb()
    known = [peak for peak in worker_peaks if peak is not None]
    rss = _mb(parent)
    if known:
        rss = f"{_mb(parent + sum(known) if parent else None)} ({_mb(parent)} + " + (
            " + ".join(_mb(peak) for peak in known) + ")"
        )
    counts = {
        status: sum(1 for o in outcomes if o.status == status)
        for status in ("added", "duplicate", "rejected")
    }
    return counts, elapsed, rss


if __name__ == "__main__":
    sys.exit(main())
