"""Collecting written question batches: a later round adds to a set, never replaces it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.question_batches import collect, load_rows


def _write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def _question(text: str) -> dict:
    return {"article": "a:1", "question": text, "type": "who", "answers": ["X"]}


def test_a_later_round_adds_to_the_set_and_recollecting_replaces_only_its_batch(
    tmp_path: Path,
) -> None:
    out = tmp_path / "questions"
    first = tmp_path / "first"
    _write(first / "dev-01" / "questions.jsonl", [_question("Who a?"), _question("Who b?")])
    collect(first, out)
    later = tmp_path / "later"
    _write(later / "dev-01b" / "questions.jsonl", [_question("Who c?")])
    assert collect(later, out)["dev"] == 3
    rows = load_rows(out / "dev.jsonl")
    assert [(r["id"], r["question"]) for r in rows] == [
        ("dev-01-001", "Who a?"),
        ("dev-01-002", "Who b?"),
        ("dev-01b-001", "Who c?"),
    ]
    # The same batch collected again replaces its own rows, and only those.
    _write(later / "dev-01b" / "questions.jsonl", [_question("Who d?"), _question("Who e?")])
    assert collect(later, out)["dev"] == 4
    assert [r["question"] for r in load_rows(out / "dev.jsonl")] == [
        "Who a?",
        "Who b?",
        "Who d?",
        "Who e?",
    ]
    assert load_rows(out / "train.jsonl") == []


def test_the_second_bbc_chat_shares_no_article_with_the_first() -> None:
    """test-bbc8 and test-bbc9 ask about a second chat of BBC stories: no story of it (not even
    a repeat of the same text under another id) is in the first chat, and the two sets ask
    about different articles."""
    from benchmarks.question_batches import (
        SECOND_CHAT_SETS,
        bbc_second_chat,
        bbc_second_chat_articles,
        bbc_test_articles,
    )
    from tests.support.stories import shared_dir

    root = shared_dir() / "eval"
    if not (root / "bbc-news-summary").exists():
        pytest.skip("the shared BBC News Summary articles are not here")
    first, second = bbc_test_articles(root)[1], bbc_second_chat(root)
    assert len(second) == len(first) == 400
    assert not {a.id for a in first} & {a.id for a in second}
    assert not {a.text for a in first} & {a.text for a in second}
    asked = [{a.id for a in bbc_second_chat_articles(root, name)} for name in SECOND_CHAT_SETS]
    assert all(len(ids) == 50 for ids in asked) and not asked[0] & asked[1]
    assert set().union(*asked) <= {a.id for a in second}
