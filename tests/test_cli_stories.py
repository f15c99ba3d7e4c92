"""The stable CLI: ingest, list, show and clean, run as a user would run them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import SAMPLE, article


def run(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def test_ingest_list_show(tmp_path: Path, capsys) -> None:
    db = str(tmp_path / "cli.db")
    first = tmp_path / "first.txt"
    first.write_text(article("harbour"))
    code, out, _ = run(
        capsys, "--db", db, "ingest", "--chat", "7", str(first), str(SAMPLE), str(first)
    )
    assert code == 0
    lines = [line.split("\t") for line in out.strip().splitlines()]
    assert [line[2].split(":")[0] for line in lines] == ["added", "added", "duplicate"]
    story_id = lines[1][0]

    code, out, _ = run(capsys, "--db", db, "list", "--chat", "7", "--json")
    listed = [json.loads(line) for line in out.splitlines()]
    assert [str(item["id"]) for item in listed][0] == story_id
    code, out, _ = run(capsys, "--db", db, "list", "--chat", "8")
    assert out == ""

    code, out, _ = run(capsys, "--db", db, "show", story_id, "--json")
    shown = json.loads(out)
    assert shown["text"].count("\n\n") == 6 and "Listen Live" not in shown["text"]
    code, _, err = run(capsys, "--db", db, "show", "999")
    assert code == 1 and "No story" in err


def test_ingest_json_lines_from_stdin_with_source_ids(tmp_path: Path) -> None:
    records = [
        {"id": "a", "title": "Dam opens", "text": article("dam")},
        {"id": "b", "title": "Too short", "text": "Just a line."},
    ]
    stdin = "\n".join(json.dumps(r) for r in records)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "--db",
            str(tmp_path / "s.db"),
            "ingest",
            "--chat",
            "1",
            "--json",
            "-",
        ],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["source_id"], o["status"]) for o in out] == [("a", "added"), ("b", "rejected")]
    assert out[0]["title"] == "Dam opens" and isinstance(out[0]["id"], int)
    assert "too short" in out[1]["reason"]
    assert set(out[0]) == {"id", "source_id", "title", "status", "reason"}


def test_deeply_nested_json_is_a_clear_rejection_not_a_traceback(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(tmp_path / "d.db"), "ingest", "--chat", "1"]
        + [str(deep)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    assert "rejected: That JSON nests too deeply" in result.stdout


def test_clean_prints_title_blank_line_and_paragraphs(capsys) -> None:
    code, out, _ = run(capsys, "clean", str(SAMPLE))
    assert code == 0
    title, blank, *rest = out.rstrip("\n").split("\n")
    assert title and blank == ""
    paragraphs = "\n".join(rest).split("\n\n")
    assert len(paragraphs) == 7
    assert paragraphs[1].startswith("New Delhi (Sputnik): A month after Islamabad")


def test_ingest_reports_unreadable_paths(tmp_path: Path, capsys) -> None:
    code, out, _ = run(
        capsys,
        "--db",
        str(tmp_path / "x.db"),
        "ingest",
        "--chat",
        "1",
        str(tmp_path / "missing.txt"),
    )
    assert code == 1 and "rejected: can't read" in out


def test_the_database_path_comes_from_the_environment(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("STORYBOT_DB", str(tmp_path / "env.db"))
    (tmp_path / "a.txt").write_text(article("tram"))
    run(capsys, "ingest", "--chat", "1", str(tmp_path / "a.txt"))
    assert (tmp_path / "env.db").exists()


def test_ingest_from_stdin_speaks_to_a_cli_user(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(tmp_path / "s.db"), "ingest", "--chat", "7", "-"],
        input="hello world\n",
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "only 2 words" in result.stdout
    assert "question" not in result.stdout  # there is no asking from `ingest`


def test_digest_names_files_and_list_says_what_it_left_out(tmp_path: Path, capsys) -> None:
    db = str(tmp_path / "cli.db")
    folder = tmp_path / "deep" / "folder"
    folder.mkdir(parents=True)
    paths = []
    for topic in ("harbour bridge", "tram line", "city library"):
        path = folder / f"{topic.replace(' ', '-')}.txt"
        path.write_text(article(topic))
        paths.append(str(path))
    code, _, _ = run(capsys, "--db", db, "ingest", "--chat", "7", *paths)
    assert code == 0
    code, out, _ = run(capsys, "--db", db, "digest", "--chat", "7")
    assert code == 0 and "tram-line.txt" in out
    assert str(folder) not in out

    code, out, err = run(capsys, "--db", db, "list", "--chat", "7", "--limit", "2")
    assert len(out.splitlines()) == 2
    assert "1 more" in err and "--limit" in err
    code, out, err = run(capsys, "--db", db, "list", "--chat", "7")
    assert len(out.splitlines()) == 3 and "more" not in err
