"""Ingest through a pool of worker processes stores what ingest in this process stores."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.services import ingest
from bot.services.analysis_pool import AnalysisPool
from bot.services.ingest import Ingestor
from bot.sources.documents import RawStory
from db.store import Store
from tests.conftest import REPO


def _raws(sample: str) -> list[RawStory]:
    paragraphs = [p for p in sample.split("\n\n") if p.strip()]
    raws = [RawStory(text=sample, title="The sample", source_kind="bulk")]
    # Halves of the sample in other orders: whether each is kept or a near duplicate, the
    # pool's outcome must be the in-process one.
    for shift in range(1, 4):
        rotated = paragraphs[shift:] + paragraphs[:shift]
        raws.append(RawStory(text="\n\n".join(rotated[: len(rotated) // 2]), source_kind="bulk"))
    raws.append(RawStory(text="Too short to keep.", source_kind="bulk"))
    raws.append(RawStory(text=sample, source_kind="bulk"))  # the same story again
    return raws


def _stored(store: Store, chat_id: int) -> list[tuple]:
    rows = []
    chat = store.chat(chat_id)
    for story in chat.latest_stories(limit=100):
        rows.append(
            (
                story.title,
                story.text,
                tuple(chat.sentences(story.id)),
                tuple(chat.entities(story.id)),
            )
        )
    return rows


def test_pool_stores_what_in_process_ingest_stores(tmp_path: Path, sample_text: str) -> None:
    raws = _raws(sample_text)
    here = Store(tmp_path / "here.db")
    pool = AnalysisPool(2)
    try:
        pooled = Store(tmp_path / "pooled.db")
        expected = Ingestor(here).ingest(1, raws)
        got = Ingestor(pooled, pool=pool).ingest(1, raws)
    finally:
        pool.close()
    assert [(o.status, o.reason) for o in got] == [(o.status, o.reason) for o in expected]
    assert any(o.status == "rejected" for o in got) and any(o.status == "added" for o in got)
    stored = _stored(pooled, 1)
    assert stored == _stored(here, 1)
    assert stored and all(sentences for _, _, sentences, _ in stored)
    assert any(entities for _, _, _, entities in stored)


def test_one_worker_runs_in_process() -> None:
    assert AnalysisPool(0).in_process and AnalysisPool(1).in_process
    assert not AnalysisPool(2).in_process


def _running(pid: int) -> bool:
    """Whether the process exists and is not a zombie waiting to be reaped."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_workers_leave_with_a_killed_parent() -> None:
    # A bot killed outright shuts no pool down: its workers must not live on, each holding
    # its models.
    script = (
        "import multiprocessing, os, signal\n"
        "from bot.services.analysis_pool import AnalysisPool\n"
        "AnalysisPool(2).start()\n"
        "print(*[p.pid for p in multiprocessing.active_children()], flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    workers = [int(pid) for pid in ran.stdout.split()]
    assert len(workers) == 2, ran.stderr
    deadline = time.monotonic() + 60  # a bound on the wait, not a measured time
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_running(pid) for pid in workers)


class _FlakyExecutor:
    """An executor whose map breaks (as a dead worker's pool does) when told to."""

    def __init__(self, broken: bool) -> None:
        self.broken = broken

    def map(self, work, chunks):
        from concurrent.futures.process import BrokenProcessPool

        if self.broken:
            raise BrokenProcessPool("a worker died")
        return [work(chunk) for chunk in chunks]

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


def test_a_working_map_starts_the_failure_count_afresh(monkeypatch) -> None:
    pool = AnalysisPool(2)
    outcomes = iter([True, False, True, False, True, False])

    def next_pool():
        pool._executor = _FlakyExecutor(next(outcomes))
        return pool._executor

    monkeypatch.setattr(pool, "_pool", next_pool)
    for _ in range(6):  # broken, working, broken, ...: never three broken pools in a row
        assert pool.map_chunks(lambda items: [x * 2 for x in items], [1, 2, 3]) == [2, 4, 6]
    assert pool.workers == 2


def _not_here(*args: object, **kwargs: object) -> None:
    raise AssertionError("ran in this process, not in a worker")


def test_an_edited_post_is_cleaned_and_analysed_in_a_worker(
    tmp_path: Path, sample_text: str, monkeypatch
) -> None:
    first = RawStory(text="\n\n".join(sample_text.split("\n\n")[:6]), message_id=7)
    here = Ingestor(Store(tmp_path / "here.db"))
    here.ingest(1, [first])
    expected = here.replace_for_message(1, 7, sample_text)
    pool = AnalysisPool(2)
    try:
        pooled = Ingestor(Store(tmp_path / "pooled.db"), pool=pool)
        pooled.ingest(1, [first])
        before = _stored(pooled.store, 1)
        # This process can no longer clean or find entities: the edit's come from a worker
        # (spawned workers import the module afresh, unpatched).
        monkeypatch.setattr(ingest, "prepare", _not_here)
        monkeypatch.setattr(ingest, "find_entities", _not_here)
        got = pooled.replace_for_message(1, 7, sample_text)
    finally:
        pool.close()
    assert expected is not None and got is not None
    assert (got.status, got.story.id) == (expected.status, expected.story.id) == ("added", 1)
    stored = _stored(pooled.store, 1)
    assert stored == _stored(here.store, 1)
    assert len(stored) == 1 and len(stored[0][2]) > len(before[0][2])  # the edit's sentences
    assert any(entities for _, _, _, entities in stored)
