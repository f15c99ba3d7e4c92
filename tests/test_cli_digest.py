"""``storybot digest``: the digest a chat would get, as plain text or JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from bot.cli import digests as digest_cli
from bot.services.ingest import Ingestor
from db.store import Store
from tests.support.reports import REPORTS, raw


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Run the CLI with the digest command registered (whether or not the lead has yet)."""
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if "digest" not in commands.choices:
        digest_cli.register(commands)
    args = parser.parse_args(list(argv))
    code = args.handler(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    store = Store(path)
    Ingestor(store).ingest(5, [raw(r) for r in REPORTS[:4]])  # two events, two reports each
    store.close()
    return path


def test_json_has_the_documented_shape(db: Path, capsys) -> None:
    code, out, _ = run(capsys, "--db", str(db), "digest", "--chat", "5", "--json")
    data = json.loads(out)
    assert code == 0 and set(data) == {"items", "since", "until"}
    assert [len(item["story_ids"]) for item in data["items"]] == [2, 2]
    assert set(data["items"][0]) == {"headline", "summary", "story_ids", "sources"}
    assert data["items"][0]["headline"] in (REPORTS[2].title, REPORTS[3].title)


def test_text_is_the_telegram_message_as_plain_text(db: Path, capsys) -> None:
    code, out, _ = run(capsys, "--db", str(db), "digest", "--chat", "5")
    assert code == 0 and out.startswith("Digest: 2 events from 4 stories since ")
    assert "1. " in out and "<b>" not in out and "https://wire.example.com/" in out


def test_since_in_the_future_gives_nothing_new(db: Path, capsys) -> None:
    code, out, _ = run(
        capsys, "--db", str(db), "digest", "--chat", "5", "--since", "2999-01-01T10:00+02:00"
    )
    assert code == 0 and out.strip() == "Nothing new since Tue 1 Jan, 08:00 UTC."


def test_since_must_be_iso_8601(db: Path, capsys) -> None:
    code, _, err = run(capsys, "--db", str(db), "digest", "--chat", "5", "--since", "yesterday")
    assert code == 2 and "ISO 8601" in err


def test_the_cli_does_not_mark_the_digest_sent(db: Path, capsys) -> None:
    run(capsys, "--db", str(db), "digest", "--chat", "5", "--json")
    code, out, _ = run(capsys, "--db", str(db), "digest", "--chat", "5", "--json")
    assert len(json.loads(out)["items"]) == 2


def test_main_entry_point_when_registered(db: Path, capsys, monkeypatch) -> None:
    import bot.cli as cli

    if digest_cli not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, digest_cli))
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", str(db), "digest", "--chat", "5", "--json"])
    assert exit_info.value.code == 0
    assert json.loads(capsys.readouterr().out)["items"]
