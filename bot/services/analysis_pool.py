"""Where the CPU-heavy work runs: in this process, or in a pool of warm worker processes.

Cleaning, sentence splitting, spaCy's entity pass, summaries and answers hold the GIL, so
threads cannot spread them over cores; processes can. Each worker loads its models once (the
initializer), and only pure work crosses to it: raw stories in, prepared stories or analyses
out; a question in, an answer out (:mod:`bot.services.reading_work`). The store is written by
the parent alone, so deduplication, quotas and per-chat order stay where they were.

A pool that can't start or a worker that dies never costs a reply: the call is logged and
run in this process instead, and the pool is started afresh for the next call (after
``MAX_POOL_FAILURES`` in a row, everything stays in this process).
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from bot.nlp.language import Entity

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)

BLAS_THREAD_SETTINGS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
# Broken pools in a row after which the work stays in this process for good: a worker that
# dies at every start (no memory for another spaCy model) must not be respawned forever.
MAX_POOL_FAILURES = 3
PARENT_CHECK_SECONDS = 1.0  # how often a worker checks that the bot's process is still there

Analysis = tuple[list[tuple[int, str]], list[Entity]]  # a story's sentences and its entities


def _warm(answers: bool = False) -> None:
    """Each worker's initializer: the entity model loads once per worker, not per story; with
    ``answers``, what questions and summaries need too (the parser, the answer model)."""
    from bot.nlp.language import entity_pipeline

    entity_pipeline()
    if answers:
        from bot.nlp.answers import warm_up

        warm_up()


def _start_worker(answers: bool) -> None:
    """Each worker's initializer: it leaves with its parent, then loads its models."""
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    _warm(answers)


def _exit_with_parent(parent: int) -> None:
    """End this worker once the process that started it is gone. A parent killed outright
    (SIGKILL, the OOM killer) shuts no pool down, and its workers would otherwise wait on
    their queue for good, each holding its spaCy models (about 400 MB)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


class AnalysisPool:
    """Runs a pure function over items, in this process or spread over worker processes."""

    def __init__(self, workers: int = 1, *, answers: bool = False) -> None:
        self.workers = max(1, workers)
        self.answers = answers  # the workers also answer questions: warm their models too
        self._executor: Executor | None = None
        self._lock = threading.Lock()
        self._failures = 0  # broken pools in a row

    @property
    def in_process(self) -> bool:
        """Whether the work runs here (one worker: no pool, as before the pool existed)."""
        return self.workers <= 1

    def map_chunks(self, work: Callable[[Sequence[T]], list[R]], items: Sequence[T]) -> list[R]:
        """``work`` over ``items``, split into one chunk per worker; results in item order.

        A single item goes to a worker too: the bot saves one story per message, and many
        chats' single stories at once are what the pool spreads over the cores."""
        if self.in_process or not items:
            return work(items)
        size = math.ceil(len(items) / self.workers)
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        executor: Executor | None = None
        try:
            executor = self._pool()
            results: list[R] = []
            for chunk_result in executor.map(work, chunks):
                results.extend(chunk_result)
        except Exception as error:
            self._failed(executor, error, getattr(work, "__name__", "work"))
            return work(items)
        self._failures = 0  # as in ``call``: a pool that works again starts the count afresh
        return results

    def call(self, work: Callable[..., R], *args: Any, here: Callable[[], R] | None = None) -> R:
        """``work(*args)`` in a worker, or in this process with one worker. ``here`` is what
        runs in this process instead, when it differs (a worker reads the store over its own
        connection; this process over its own): with one worker, and as the fallback when the
        pool fails."""
        local = here or (lambda: work(*args))
        if self.in_process:
            return local()
        executor: Executor | None = None
        try:
            executor = self._pool()
            result = executor.submit(work, *args).result()
        except Exception as error:
            self._failed(executor, error, getattr(work, "__name__", "work"))
            return local()
        self._failures = 0  # "in a row": a pool that works again starts the count afresh
        return result

    def _failed(self, executor: Executor | None, error: Exception, what: str) -> None:
        """Log why a call runs here after all; a broken pool is dropped (the next call starts
        a fresh one), and after MAX_POOL_FAILURES broken pools in a row the work stays here."""
        broken = executor is None or isinstance(error, BrokenProcessPool)
        if not broken:
            # The work itself failed in the worker (its read connection, say): this process
            # tries it too, and any error it raises is the one the caller would have seen.
            log.warning("%s failed in a worker (%r); running it in this process", what, error)
            return
        with self._lock:
            if executor is not None and executor is not self._executor:
                return  # another thread's call already dropped this pool
            self._failures += 1
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
            if self._failures >= MAX_POOL_FAILURES:
                self.workers = 1
                log.error(
                    "the analysis pool failed %d times in a row (%r): all work runs in this "
                    "process from now on",
                    self._failures,
                    error,
                )
                return
        log.error(
            "the analysis pool failed (%r); %s runs in this process, and the next call starts "
            "a fresh pool",
            error,
            what,
        )

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
                    initializer=_start_worker,
                    initargs=(self.answers,),
                )
            return self._executor

    def start(self) -> None:
        """Start the workers now and wait until every one has its models loaded. A pool that
        can't start is logged, and its work runs in this process (see the module notes)."""
        if self.in_process:
            return
        executor: Executor | None = None
        try:
            executor = self._pool()
            for future in [executor.submit(_warm, self.answers) for _ in range(self.workers)]:
                future.result()
            with self._lock:
                self._failures = 0
        except Exception as error:
            # Whatever went wrong, this pool is not ready: dropped like a broken one.
            self._failed(None, error, "starting the pool")

    def close(self) -> None:
        """Stop the workers (they stop at exit anyway)."""
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown()
                self._executor = None


IN_PROCESS = AnalysisPool(1)
