"""The format checker question writers run in their batch folder: ``python3 check.py``.

It reads ``articles.jsonl`` and ``questions.jsonl`` beside it and reports every line that breaks
the rules' format: unknown fields or types, a first answer or an evidence sentence not copied
exactly from the article, the wrong number of questions. It needs only the standard library.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

TYPES = {"who", "what", "when", "where", "which", "how_many", "why", "how", "yesno"}
FIELDS = {"article", "question", "type", "answers", "evidence", "answerable", "typo", "date"}
SHORT_TYPES = {"who", "when", "where", "which", "how_many"}


def normal(text: str) -> str:
    """Whitespace and quote marks folded, so copying from a terminal still matches."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
    text = text.replace("\u201d", '"').replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip()


def check(folder: Path) -> list[str]:
    """The problems found, as lines; [] when the file is fine."""
    articles = {}
    with (folder / "articles.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            articles[row["id"]] = normal((row.get("title") or "") + "\n" + row["text"])
    path = folder / "questions.jsonl"
    if not path.exists():
        return [f"{path} does not exist yet"]
    problems: list[str] = []
    per_article: Counter = Counter()
    unanswerable = typos = total = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(f"{where}: not JSON ({error})")
            continue
        total += 1
        extra = set(item) - FIELDS
        if extra:
            problems.append(f"{where}: unknown fields {sorted(extra)}")
        text = articles.get(item.get("article"))
        if text is None:
            problems.append(f"{where}: article {item.get('article')!r} is not in this batch")
            continue
        per_article[item["article"]] += 1
        question = item.get("question")
        if not isinstance(question, str) or len(question.split()) < 3:
            problems.append(f"{where}: the question is missing or too short")
        kind = item.get("type")
        if kind not in TYPES:
            problems.append(f"{where}: type {kind!r} is not one of {sorted(TYPES)}")
        answers = item.get("answers")
        answerable = item.get("answerable")
        if not isinstance(answerable, bool):
            problems.append(f"{where}: answerable must be true or false")
            continue
        if item.get("typo"):
            typos += 1
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            problems.append(f"{where}: answers must be a list of strings")
            continue
        if not answerable:
            unanswerable += 1
            if answers or item.get("evidence") is not None:
                problems.append(
                    f"{where}: an unanswerable question has answers: [] and evidence: null"
                )
            continue
        if not answers:
            problems.append(f"{where}: an answerable question needs at least one answer")
            continue
        if len(answers) > 4:
            problems.append(f"{where}: at most 4 answers")
        evidence = item.get("evidence")
        if not isinstance(evidence, str) or normal(evidence) not in text:
            problems.append(f"{where}: the evidence is not copied exactly from the article")
        if kind == "yesno":
            if answers[0].lower() not in ("yes", "no"):
                problems.append(f"{where}: a yesno answer is yes or no")
            continue
        first = normal(answers[0])
        if first not in text:
            problems.append(
                f"{where}: the first answer {answers[0]!r} is not copied exactly from the article"
            )
        elif isinstance(evidence, str) and first not in normal(evidence):
            problems.append(f"{where}: the first answer is not inside the evidence sentence")
        limit = 10 if kind in SHORT_TYPES else 25
        if len(first.split()) > limit:
            problems.append(f"{where}: the first answer has more than {limit} words")
        date = item.get("date")
        if date is not None and not re.fullmatch(r"\d{4}-\d\d-\d\d", str(date)):
            problems.append(f"{where}: date must be YYYY-MM-DD")
    missing = [a for a in articles if per_article[a] == 0]
    if missing:
        problems.append(f"{len(missing)} articles have no question yet: {missing[:5]}…")
    if total:
        print(
            f"{total} questions over {len(per_article)} of {len(articles)} articles; "
            f"unanswerable {unanswerable} ({unanswerable / total:.0%}), typos {typos}"
        )
    return problems


def main() -> int:
    problems = check(Path(__file__).resolve().parent)
    for problem in problems:
        print(problem)
    print("OK" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
