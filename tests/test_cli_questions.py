"""``storybot ask`` and ``storybot facts`` on a stored chat."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.messages import Problem, Refusal, say
from tests.conftest import SAMPLE
from tests.support.sample_answers import sample_answer


def run(capsys, monkeypatch, *argv: str, stdin: str | None = None) -> tuple[int, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    return exit_info.value.code, capsys.readouterr().out


@pytest.fixture
def db(tmp_path: Path, capsys, monkeypatch) -> str:
    path = str(tmp_path / "q.db")
    run(capsys, monkeypatch, "--db", path, "ingest", "--chat", "5", str(SAMPLE))
    return path


def test_ask_text_and_json(db: str, capsys, monkeypatch) -> None:
    expected = sample_answer()
    code, out = run(capsys, monkeypatch, "--db", db, "ask", "--chat", "5", expected.question)
    # The short answer, or the closest-sentence note; then the quoted sentence and the title.
    answer_line, evidence = out.strip().split("\n")
    if expected.answer is not None:
        assert answer_line.startswith(expected.answer)
    else:
        assert answer_line == say(Refusal(Problem.NO_SHORT_ANSWER))
    assert evidence.startswith(f'"{expected.sentence}"') and "—" in evidence
    code, out = run(
        capsys, monkeypatch, "--db", db, "ask", "--chat", "5", "--json", "Where did they sign it?"
    )
    result = json.loads(out)
    assert set(result) == {"answer", "type", "date", "sentence", "story_id", "title"}
    assert result["type"] == "where"
    assert result["answer"] is None or len(result["answer"].split()) <= 10
    assert result["answer"] is None or result["answer"] in result["sentence"]


def test_other_chats_and_unanswerable_questions_abstain(db: str, capsys, monkeypatch) -> None:
    _, out = run(
        capsys,
        monkeypatch,
        "--db",
        db,
        "ask",
        "--chat",
        "6",
        "--json",
        sample_answer().question,
    )
    assert json.loads(out)["sentence"] is None  # chat 5's story is not chat 6's
    _, out = run(
        capsys,
        monkeypatch,
        "--db",
        db,
        "ask",
        "--chat",
        "5",
        "--json",
        "Who won the football match?",
    )
    assert json.loads(out)["answer"] is None


def test_ask_batch_and_facts(db: str, capsys, monkeypatch) -> None:
    questions = "\n".join(
        json.dumps({"id": i, "question": q})
        for i, q in enumerate(["Who signed the joint statement?", '"NEAR* (:'], 1)
    )
    _, out = run(
        capsys, monkeypatch, "--db", db, "ask", "--chat", "5", "--jsonl", "-", stdin=questions
    )
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in results] == [1, 2] and results[1]["answer"] is None
    _, out = run(capsys, monkeypatch, "--db", db, "facts", "1", "--json")
    assert set(json.loads(out)) == {"who", "what", "when", "where"}
