"""Shared fixtures: a fresh store per test, the sample story, and the shared data folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.services.ingest import Ingestor
from db.store import Store
from tests.support.stories import REPO, SAMPLE, article, shared_dir

__all__ = ["REPO", "SAMPLE", "article", "shared_dir"]  # imported by tests from here too


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
