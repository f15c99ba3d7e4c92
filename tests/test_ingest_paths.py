"""Every way a story comes in reads it the same way (issue 12, item 7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.messages import say
from bot.nlp.cleaning import derive_title
from bot.nlp.source_tags import strip_source_tag
from bot.services.ingest import Ingestor
from bot.sources.documents import TEXT_FIELDS
from tests.conftest import article
from tests.support.article_pages import page
from tests.support.local_chat_session import chat_session


def run(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


# -- a paste with runs of blank lines stays one story -----------------------------------------


def test_three_blank_lines_inside_a_paste_do_not_split_the_story(tmp_path: Path) -> None:
    paragraphs = article("harbour bridge").split("\n\n")
    pasted = [paragraphs[0], "", "", ""] + paragraphs[1:3] + ["", "", "", ""] + paragraphs[3:]
    out = chat_session(tmp_path, [*pasted, ".", "/list", "/quit"])
    assert out.count("Saved.") == 1
    assert "too short" not in out
    assert "(1 in all)" in out


# -- clean and summarize read HTML as ingest does ---------------------------------------------


def test_clean_reads_an_html_file_as_ingest_does(tmp_path: Path, capsys) -> None:
    html = tmp_path / "page.html"
    html.write_text(page("airport"))
    code, out, _ = run(capsys, "clean", str(html))
    assert code == 0
    assert "<p>" not in out and "<html" not in out
    assert out.splitlines()[0] == "Harbour bridge approved"
    assert "airport project will go ahead" in out
    assert "Sign up for our newsletter" not in out


def test_summarize_reads_an_html_file_and_html_on_stdin(tmp_path: Path, capsys) -> None:
    html = tmp_path / "page.html"
    html.write_text(page("airport"))
    code, out, _ = run(capsys, "summarize", str(html), "-n", "2")
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 2 and all("<" not in line for line in lines)
    assert all("airport" in line for line in lines)


# -- JSON records take their text from the common fields ---------------------------------------


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_json_records_read_each_common_text_field(ingestor: Ingestor, field: str) -> None:
    record = {"id": "r1", "title": "Dam approved", field: article("dam")}
    [outcome] = ingestor.add_document(4, "a.jsonl", json.dumps(record).encode())
    assert outcome.status == "added", outcome.reason
    assert "dam project will go ahead" in outcome.story.text


def test_a_record_without_text_is_rejected_naming_the_fields(ingestor: Ingestor) -> None:
    lines = [
        json.dumps({"id": "a", "title": "Mine", "summary": article("mine")}),
        json.dumps({"id": "b", "article": article("canal")}),
        json.dumps(["not", "an", "object"]),
    ]
    outcomes = ingestor.add_document(4, "b.jsonl", "\n".join(lines).encode())
    assert [o.status for o in outcomes] == ["rejected", "added", "rejected"]
    for field in TEXT_FIELDS:
        assert f'"{field}"' in say(outcomes[0].reason)
    assert "empty" not in say(outcomes[0].reason)
    assert "JSON object" in say(outcomes[2].reason)


def test_summarize_jsonl_reads_article_records(tmp_path: Path, capsys) -> None:
    batch = tmp_path / "cnndm.jsonl"
    records = [
        {"id": "x", "article": article("tram")},
        {"id": "y", "body": article("port")},
        {"id": "z", "highlights": "nothing to read"},
    ]
    batch.write_text("\n".join(json.dumps(r) for r in records))
    code, out, _ = run(capsys, "summarize", "--jsonl", str(batch), "-n", "2")
    results = {r["id"]: r for r in map(json.loads, out.splitlines())}
    assert code == 0
    assert len(results["x"]["sentences"]) == 2 and "error" not in results["x"]
    assert len(results["y"]["sentences"]) == 2
    assert results["z"]["sentences"] == [] and '"article"' in results["z"]["error"]


# -- wire source tags leave titles ---------------------------------------------------------


@pytest.mark.parametrize(
    "title, expected",
    [
        ("(CNN) -- Storm closes schools", "Storm closes schools"),
        ("(CNN)Storm closes schools", "Storm closes schools"),
        ("LONDON (Reuters) - Bank raises rates", "Bank raises rates"),
        ("WASHINGTON (AP) — Senate passes bill", "Senate passes bill"),
        ("(EW.com) Show renewed for a third season", "Show renewed for a third season"),
        ("Storm closes schools (CNN)", "Storm closes schools (CNN)"),
        ("(CNN)", "(CNN)"),
        ("Talks (and protests) continue", "Talks (and protests) continue"),
    ],
)
def test_strip_source_tag(title: str, expected: str) -> None:
    assert strip_source_tag(title) == expected


def test_source_tags_leave_stored_titles(ingestor: Ingestor) -> None:
    given = ingestor.add_text(9, article("tram"), title="(CNN) -- Tram line approved")
    assert given.story.title == "Tram line approved"
    lead = "(CNN) -- " + article("museum")
    derived = ingestor.add_text(9, lead)
    assert not derived.story.title.startswith("(")
    assert derived.story.title.startswith("Officials in the capital")
    assert derive_title(derived.story.paragraphs) == derived.story.title
