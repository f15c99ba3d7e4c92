"""The summary benchmark harness runs on a tiny fixture in the shared eval layout."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

pytest.importorskip("rouge_score")

from benchmarks import summaries as harness  # noqa: E402 - after the importorskip

ARTICLES = [
    (
        "Flood barrier fails in York",
        [
            "A flood barrier in York failed on Sunday after the River Ouse rose to its highest "
            "level in twenty years. About 300 residents were forced from their homes.",
            "The Environment Agency said the pumps were overwhelmed by debris. Engineers worked "
            "through the night to restore power.",
            "Forecasters expect more rain on Tuesday. Twelve severe flood warnings are in force.",
        ],
    ),
    (
        "Rail strike called off",
        [
            "Rail workers called off Friday's strike after a late pay offer from the operator. "
            "Union leaders said members would vote on the deal next week.",
            "Services across the north are expected to run normally. The operator said it was "
            "pleased that talks had succeeded.",
            "Passengers had been warned of severe disruption. Some schools had planned closures.",
        ],
    ),
]

# Stories of their own for the writer-summary set (the others all reuse ARTICLES).
WRITER_ARTICLES = [
    [
        "The city council approved a new cycle lane along the river on Monday night.",
        "Work on the two-mile route will start in April and cost about four million pounds.",
        "Shop owners on the quay said they feared losing parking spaces for their customers.",
    ],
    [
        "A rare orchid has been found growing on a roundabout in Swindon by a retired teacher.",
        "Botanists said the plant had not been recorded in the county for over sixty years.",
        "The council has agreed to stop mowing the verge until the flowers have set seed.",
    ],
]


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    """Write rows as JSON lines, creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


@pytest.fixture
def eval_dir(tmp_path: Path) -> Path:
    """Two articles per set, in the same layout and field names as ../shared/eval."""
    cnndm, summeval, xsum = [], [], []
    for title, paragraphs in ARTICLES:
        text = " ".join(paragraphs)
        first = paragraphs[0].split(". ")[0] + "."
        cnndm.append({"id": title, "article": text, "highlights": [first, "More to come."]})
        summeval.append(
            {
                "id": title,
                "article_ptb": text.replace("(", "-LRB- ").replace(",", " ,"),
                "references_ptb": [first, "Something else entirely ."],
            }
        )
        xsum.append({"id": title, "article": "\n".join(paragraphs), "summary_lower_tok": first})
    _write_jsonl(tmp_path / "cnndm-test-250" / "cnndm_test_frank250.jsonl", cnndm)
    _write_jsonl(tmp_path / "summeval-100" / "summeval100.jsonl", summeval)
    _write_jsonl(tmp_path / "xsum-test-251" / "xsum_test_frank251.jsonl", xsum)
    writers = [
        {"article_id": f"w{number}", "article": "\n\n".join(paragraphs), "summary": summary}
        for number, paragraphs in enumerate(WRITER_ARTICLES)
        for summary in (paragraphs[0], paragraphs[1])
    ]
    # The same story as a held-out CNN/DM article must never be tuned on.
    writers.append({"article_id": "shared", "article": cnndm[0]["article"], "summary": "x"})
    writers_path = tmp_path / "writer-summaries-109" / "writer_summaries.json"
    writers_path.parent.mkdir(parents=True)
    writers_path.write_text(json.dumps(writers), encoding="utf-8")
    for number, (title, paragraphs) in enumerate(ARTICLES, start=1):
        name = f"{number:03d}.txt"
        article = tmp_path / "bbc-news-summary" / "News Articles" / "business" / name
        summary = tmp_path / "bbc-news-summary" / "Summaries" / "business" / name
        article.parent.mkdir(parents=True, exist_ok=True)
        summary.parent.mkdir(parents=True, exist_ok=True)
        body = title + "\n\n" + "\n\n".join(paragraphs) + "\n"
        # The real set has one latin-1 file; make one here too.
        body = body.replace("Passengers", "Café passengers")
        article.write_bytes(body.encode("latin-1" if number == 2 else "utf-8"))
        summary.write_text("".join(p.split(". ")[0] + "." for p in paragraphs), encoding="utf-8")
    return tmp_path


def test_harness_prints_a_table_for_every_set_and_method(eval_dir: Path) -> None:
    out = io.StringIO()
    methods = ("auto", "lead", "lexrank", "edmundson")
    results = harness.run(eval_dir, limit=None, methods=methods, out=out)
    table = out.getvalue()
    assert set(results) == {"cnndm", "summeval", "xsum", "bbc", "writers"}
    assert "| set | role | n | method | R1 | R2 | RLsum | CPU ms/article |" in table
    for folder in harness.FOLDERS.values():
        assert folder in table
    assert "storybot" in table and "dev (tuned on)" in table and "test (held out)" in table
    for per_method in results.values():
        assert per_method["_count"]["articles"] == 2
        for method in methods:
            scores = per_method[method]
            assert 0 < scores["rouge2"] <= 100
            assert scores["ms"] > 0


def test_cnndm_lead_matches_its_highlight(eval_dir: Path) -> None:
    results = harness.run(eval_dir, limit=1, methods=("lead",), sets=("cnndm",), out=io.StringIO())
    assert results["cnndm"]["lead"]["rouge1"] > 40


def test_bbc_summary_sentences_are_split_apart(eval_dir: Path) -> None:
    examples = harness.load_bbc(eval_dir)
    assert len(examples) == 2
    assert all(e.sentences == 3 for e in examples)
    assert all(e.references[0].count("\n") == 2 for e in examples)
    assert any("Café" in p for p in examples[1].document.paragraphs)


def test_ptb_detokenization() -> None:
    text = "He said -LRB- twice -RRB- that it is n't over , and `` we 'll see '' ."
    assert (
        harness.detokenize_ptb(text) == "He said (twice) that it isn't over, and \" we'll see \"."
    )


def test_missing_data_dir_skips_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert harness.main(["--data", str(tmp_path / "nowhere")]) == 0
    assert "skipping" in capsys.readouterr().out


def test_unknown_set_is_rejected(eval_dir: Path) -> None:
    with pytest.raises(SystemExit):
        harness.main(["--data", str(eval_dir), "--sets", "imdb"])


def test_writer_articles_shared_with_a_held_out_set_are_dropped(eval_dir: Path) -> None:
    examples = harness.load_writers(eval_dir)
    assert len(examples) == len(WRITER_ARTICLES)
    assert all(len(e.references) == 2 for e in examples)


def test_writer_articles_are_all_kept_without_held_out_sets(eval_dir: Path) -> None:
    (eval_dir / "cnndm-test-250" / "cnndm_test_frank250.jsonl").unlink()
    (eval_dir / "summeval-100" / "summeval100.jsonl").unlink()
    assert len(harness.load_writers(eval_dir)) == len(WRITER_ARTICLES) + 1


def test_tuner_refuses_held_out_sets(eval_dir: Path) -> None:
    from benchmarks import tune_summaries

    with pytest.raises(SystemExit):
        tune_summaries.main(["--data", str(eval_dir), "--sets", "cnndm"])


def test_tuner_prints_weights_from_dev_sets(eval_dir: Path, capsys: pytest.CaptureFixture) -> None:
    from benchmarks import tune_summaries

    assert tune_summaries.main(["--data", str(eval_dir), "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert "start" in out and out.strip().splitlines()[-1].startswith("NewsWeights(")


def test_tuner_folds_put_every_article_in_exactly_one_part() -> None:
    from benchmarks import tune_summaries

    rows = list(range(10))
    prepared = {"writers": rows[:], "bbc": [99]}
    tune_summaries.split_folds(prepared, "writers", 3)
    parts = [prepared[f"writers-{k}"] for k in (1, 2, 3)]
    assert "writers" not in prepared and prepared["bbc"] == [99]
    assert sorted(x for part in parts for x in part) == rows
    assert all(len(part) in (3, 4) for part in parts)
    again = {"writers": rows[:]}
    tune_summaries.split_folds(again, "writers", 3)
    assert [again[f"writers-{k}"] for k in (1, 2, 3)] == parts
