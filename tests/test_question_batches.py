"""Collecting written question batches: a later round adds to a set, never replaces it."""

from __future__ import annotations

import json
from pathlib import Path

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
