"""The shared news articles, by corpus, with stable ids: what the harnesses ingest and what the
question sets point at.

    for article in load_articles(Path("../shared/eval"), "cnndm"):
        article.id     # "cnndm:dm-test-008aa71f…"
        article.text   # paragraphs separated by blank lines

Corpora and their roles for questions (the README's answers section says the same):

* ``cnndm``, ``summeval``, ``xsum``, ``writers``: training and dev questions are written over
  these. SummEval and the writer summaries are kept only where they are not the same article as
  an earlier corpus (shared word 8-grams), so no article is in two corpora.
* ``bbc`` and ``giveme5w1h``: held out. No training question is ever written over them; the
  blind test sets are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

TRAINING_CORPORA = ("cnndm", "summeval", "xsum", "writers")
HELD_OUT_CORPORA = ("bbc", "giveme5w1h")
# More shared 8-word shingles than this means the same article (boilerplate shares a few).
SHARED_SHINGLES = 5


@dataclass(frozen=True)
class Article:
    """One news article as the harnesses ingest it."""

    id: str
    title: str | None
    text: str
    published: str | None = None


def read_jsonl(path: Path) -> Iterable[dict]:
    """Rows of a JSON-lines file."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def read_text(path: Path) -> str:
    """A file's text; one BBC file is latin-1, not UTF-8."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


_PTB = {
    "-LRB-": "(",
    "-RRB-": ")",
    "-LSB-": "[",
    "-RSB-": "]",
    "-LCB-": "{",
    "-RCB-": "}",
    "``": '"',
    "''": '"',
}


def detokenize_ptb(text: str) -> str:
    """Undo the Penn Treebank tokenization enough for sentence splitting to work."""
    for token, char in _PTB.items():
        text = text.replace(token, char)
    text = re.sub(r" (n't|'s|'re|'ve|'m|'ll|'d)\b", r"\1", text)
    text = re.sub(r" ([.,;:!?%)\]}])", r"\1", text)
    text = re.sub(r"([(\[{$£#]) ", r"\1", text)
    return text


def shingles(text: str, size: int = 8, first_words: int = 300) -> set[str]:
    """Lower-cased word 8-grams of the start of a text, to recognise the same article."""
    tokens = re.findall(r"[a-z0-9]+", text.lower())[:first_words]
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def _cnndm(root: Path) -> list[Article]:
    path = root / "cnndm-test-250" / "cnndm_test_frank250.jsonl"
    return [Article(f"cnndm:{row['id']}", None, row["article"]) for row in read_jsonl(path)]


def _summeval(root: Path) -> list[Article]:
    path = root / "summeval-100" / "summeval100.jsonl"
    return [
        Article(f"summeval:{row['id']}", None, detokenize_ptb(row["article_ptb"]))
        for row in read_jsonl(path)
    ]


def _xsum(root: Path) -> list[Article]:
    path = root / "xsum-test-251" / "xsum_test_frank251.jsonl"
    return [
        Article(f"xsum:{row['id']}", None, "\n\n".join(row["article_sentences"]))
        for row in read_jsonl(path)
    ]


def _writers(root: Path) -> list[Article]:
    rows = json.loads((root / "writer-summaries-109" / "writer_summaries.json").read_text("utf-8"))
    texts: dict[str, str] = {}
    for row in rows:
        texts.setdefault(row["article_id"], row["article"])
    return [
        Article(
            f"writers:{key}", None, "\n\n".join(p.strip() for p in text.split("\n") if p.strip())
        )
        for key, text in texts.items()
    ]


def _bbc(root: Path) -> list[Article]:
    articles = []
    for path in sorted((root / "bbc-news-summary" / "News Articles").glob("*/*.txt")):
        lines = read_text(path).strip().split("\n")
        body = [line.strip() for line in lines[1:] if line.strip()]
        key = f"bbc:{path.parent.name}/{path.stem}"
        articles.append(Article(key, lines[0].strip(), "\n\n".join(body)))
    return articles


def _giveme5w1h(root: Path) -> list[Article]:
    path = root / "giveme5w1h" / "gold_standard_flat.jsonl"
    return [
        Article(f"giveme5w1h:{row['id']}", row["title"], row["text"], row.get("date_publish"))
        for row in read_jsonl(path)
    ]


_LOADERS: dict[str, Callable[[Path], list[Article]]] = {
    "cnndm": _cnndm,
    "summeval": _summeval,
    "xsum": _xsum,
    "writers": _writers,
    "bbc": _bbc,
    "giveme5w1h": _giveme5w1h,
}
CORPORA = tuple(_LOADERS)


def load_articles(root: Path, corpus: str) -> list[Article]:
    """One corpus's articles; [] when its folder is absent."""
    try:
        return _LOADERS[corpus](root)
    except FileNotFoundError:
        return []


def training_articles(root: Path) -> list[Article]:
    """The articles training and dev questions are written over, each article once, and none
    that is also a held-out article."""
    seen: set[str] = set()
    for corpus in HELD_OUT_CORPORA:
        for article in load_articles(root, corpus):
            seen |= shingles(article.text)
    kept: list[Article] = []
    for corpus in TRAINING_CORPORA:
        for article in load_articles(root, corpus):
            own = shingles(article.text)
            if len(own & seen) > SHARED_SHINGLES:
                continue  # the same article as one kept from an earlier corpus
            seen |= own
            kept.append(article)
    return kept


def articles_by_id(root: Path, corpora: Iterable[str] = CORPORA) -> dict[str, Article]:
    """Every article of the given corpora, by id."""
    return {a.id: a for corpus in corpora for a in load_articles(root, corpus)}
