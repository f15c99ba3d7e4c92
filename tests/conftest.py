"""Shared fixtures: a fresh store per test, the sample story, and the shared data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.services.ingest import Ingestor
from db.store import Store
from tests.support.stories import REPO, SAMPLE, article, shared_dir

__all__ = ["REPO", "SAMPLE", "article", "shared_dir"]  # imported by tests from here too

# Ingest's analysis runs in this process (and in every storybot a test starts) unless a test
# sets up a pool itself: a pool per test would load spaCy once per worker per test.
os.environ.setdefault("STORYBOT_NLP_WORKERS", "1")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store(tmp_path / "test.db")
    yield opened
    opened.close()


@pytest.fixture
def ingestor(store: Store) -> Ingestor:
    return Ingestor(store, allow_loopback_fetch=True)


@pytest.fixture(scope="session")
def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL 15 for the session (tests/support/postgres_server.py). Skipped when
    the binaries are missing, except under CI, where that fails the run."""
    from tests.support import postgres_server as pg

    if not pg.available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL binaries missing in {pg.PG_BIN}: .ci/run installs them")
        pytest.skip(f"PostgreSQL binaries missing in {pg.PG_BIN}")
    server = pg.PostgresServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """The URL of an empty PostgreSQL database (a fresh schema) for one test."""
    return postgres_server.fresh_url()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_location(request, tmp_path: Path) -> str:
    """Where a new database goes on each backend: a file, or an empty PostgreSQL schema."""
    if request.param == "sqlite":
        return str(tmp_path / "test.db")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def backend_store(backend_location: str) -> Store:
    """A fresh store on each backend: the store's tests run against both."""
    opened = Store(backend_location)
    yield opened
    opened.close()
