"""Shared fixtures: a fresh store per test, the sample story, and the shared data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.services.ingest import Ingestor
from db.store import Store

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "bot" / "samples" / "sputnik-asat-2019.txt"


def shared_dir() -> Path:
    """../shared beside the repository, or $STORYBOT_SHARED."""
    return Path(os.environ.get("STORYBOT_SHARED", REPO.parent / "shared"))


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


def article(topic: str, sentences: int = 6) -> str:
    """A plain news-like article about a topic, long enough to be stored as a story."""
    lines = [
        f"Officials in the capital confirmed on Monday that the {topic} project will go ahead "
        "after months of public debate.",
        f"The {topic} plan was approved by the city council in a vote of eleven to four, "
        "according to the minutes of the meeting.",
        f"Supporters say the {topic} scheme will create hundreds of jobs and bring new visitors "
        "to the region over the next decade.",
        f"Critics of the {topic} proposal argue that the costs have been underestimated and that "
        "residents were not consulted properly.",
        f"Work on the {topic} site is expected to begin in the spring, with the first phase due "
        "to be completed within two years.",
        f"A spokesperson for the mayor said further details about the {topic} timetable would "
        "be published later this month.",
    ]
    return "\n\n".join(lines[:sentences])


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL 15 for the session (tests/postgres_server.py). Skipped when the
    binaries are missing, except under CI, where that fails the run."""
    from tests import postgres_server as pg

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
def backend_store(request, tmp_path: Path) -> Store:
    """A fresh store on each backend: the store's tests run against both."""
    if request.param == "sqlite":
        location = str(tmp_path / "test.db")
    else:
        location = request.getfixturevalue("postgres_url")
    opened = Store(location)
    yield opened
    opened.close()
