"""Where ingest's CPU-heavy work runs: in this process, or in a pool of warm worker processes.

Cleaning, sentence splitting and spaCy's entity pass hold the GIL, so threads cannot spread
them over cores; processes can. Each worker loads the entity model once (the initializer),
and only pure work crosses to it: raw stories in, prepared stories or analyses out. The store
is written by the parent alone, so deduplication, quotas and per-chat order stay where they
were.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import TypeVar

from bot.nlp.language import Entity

T = TypeVar("T")
R = TypeVar("R")

BLAS_THREAD_SETTINGS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

Analysis = tuple[list[tuple[int, str]], list[Entity]]  # a story's sentences and its entities


def _warm() -> None:
    """Each worker's initializer: the entity model loads once per worker, not per story."""
    from bot.nlp.language import entity_pipeline

    entity_pipeline()


class AnalysisPool:
    """Runs a pure function over items, in this process or spread over worker processes."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, workers)
        self._executor: Executor | None = None
        self._lock = threading.Lock()

    @property
    def in_process(self) -> bool:
        """Whether the work runs here (one worker: no pool, as before the pool existed)."""
        return self.workers <= 1

    def map_chunks(self, work: Callable[[Sequence[T]], list[R]], items: Sequence[T]) -> list[R]:
        """``work`` over ``items``, split into one chunk per worker; results in item order."""
        if self.in_process or len(items) <= 1:
            return work(items)
        size = math.ceil(len(items) / self.workers)
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        results: list[R] = []
        for chunk_result in self._pool().map(work, chunks):
            results.extend(chunk_result)
        return results

    def _pool(self) -> Executor:
        with self._lock:  # the saving threads may reach here at once; one pool for all
            if self._executor is None:
                # One math thread per worker: each worker is one of the cores already, and
                # numpy's BLAS giving each of them a thread per core oversubscribes the CPU
                # (measured: 2 workers ran no faster than 1 until this). Spawned workers
                # read these from the environment as they start.
                for name in BLAS_THREAD_SETTINGS:
                    os.environ.setdefault(name, "1")
                # spawn, not fork: the bot forks from a process with threads and an event
                # loop, and a forked child can inherit a lock some thread held.
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_warm,
                )
            return self._executor

    def start(self) -> None:
        """Start the workers now and wait until every one has its model loaded."""
        if not self.in_process:
            pool = self._pool()
            for future in [pool.submit(_warm) for _ in range(self.workers)]:
                future.result()

    def close(self) -> None:
        """Stop the workers (they stop at exit anyway)."""
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown()
                self._executor = None


IN_PROCESS = AnalysisPool(1)
