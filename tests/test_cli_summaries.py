"""``storybot summarize``: the stable CLI the checks use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SAMPLE, article
from tests.support.cli_runs import run


def test_sentences_one_per_line_in_story_order(capsys, monkeypatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "summarize", str(SAMPLE), "-n", "2")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 2
    text = " ".join(SAMPLE.read_text().split())
    assert text.index(lines[0][:40]) < text.index(lines[1][:40])
    assert all("READ MORE" not in line for line in lines)


def test_json_output_word_limit_and_stdin(capsys, monkeypatch) -> None:
    code, out, _ = run(
        capsys,
        monkeypatch,
        "summarize",
        "-",
        "--words",
        "40",
        "--json",
        "--method",
        "lexrank",
        stdin=SAMPLE.read_text(),
    )
    result = json.loads(out)
    assert set(result) == {"title", "sentences", "method"} and result["method"] == "lexrank"
    assert (
        sum(len(s.split()) for s in result["sentences"]) <= 60
    )  # one long sentence may be kept whole


def test_batch_loads_once_and_reports_each_story(tmp_path: Path, capsys, monkeypatch) -> None:
    batch = tmp_path / "b.jsonl"
    batch.write_text(
        "\n".join(
            [
                json.dumps({"id": 1, "title": "Bridge", "text": article("bridge")}),
                json.dumps({"id": 2, "title": "Short", "text": "One line."}),
                "not json",
            ]
        )
    )
    code, out, _ = run(capsys, monkeypatch, "summarize", "--jsonl", str(batch), "-n", "1")
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in results] == [1, 2, None]
    assert len(results[0]["sentences"]) == 1
    assert results[1]["sentences"] == [] and "error" in results[1]


@pytest.mark.parametrize(
    "argv",
    [["summarize"], ["summarize", "x.txt", "-n", "0"], ["summarize", "x.txt", "--method", "best"]],
)
def test_bad_arguments_get_a_usage_message(capsys, monkeypatch, argv) -> None:
    code, _, err = run(capsys, monkeypatch, *argv)
    assert code == 2 and ("usage" in err.lower() or "positive" in err)


def test_too_short_text_is_a_clear_error(tmp_path: Path, capsys, monkeypatch) -> None:
    short = tmp_path / "s.txt"
    short.write_text("Too short.")
    code, _, err = run(capsys, monkeypatch, "summarize", str(short))
    assert code == 1 and err.strip()
