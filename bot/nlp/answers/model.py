"""The learned answer model: what ``storybot train answers`` writes and ``answer`` reads.

Four learned parts, all fitted on the blind training questions (``training.py``):

- ``reader``: all-MiniLM-L6-v2 fine-tuned to mark the answer's words in a sentence, or to say
  the sentence has none (``reader.py``; its tuned layers in ``reader.safetensors``).

- ``sentence``: a logistic regression giving the probability that a candidate sentence holds
  the answer (it picks the sentences to parse, and the one to offer when no short answer is).
- ``span_ranker``: a LightGBM lambdarank model that scores the candidate spans of a question
  against each other, the reader's scores among its features (``span_ranker.txt``, LightGBM's
  own text format).
- ``calibrator``: small gradient-boosted trees (LightGBM, binary, ``calibrator.txt``) turning
  what the ranker's output says about the best span (its score, its share of the softmax over
  all spans, how much of that mass agrees on the same text, its margin over the runner-up, its
  sentence's probability and rank, its label and kind, the question's type) into the
  probability that the short answer is right. Its inputs are out-of-fold scores, so it learns
  how far to trust the ranker on questions the ranker did not see. Trees, not a logistic
  regression: on dev they kept 73 right answers at one wrong in ten, against 64 (same data).

And three thresholds chosen on the dev questions (other writers, other articles):
``answer_threshold`` on the best span's probability (at most one given answer in ten wrong
there); below it, ``sentence_threshold`` on the same probability, for offering the best span's
sentence on its own (at least seven offered sentences in ten hold the answer there); and
``sentence_only_threshold`` on the sentence model's probability, for the questions no span is
scored for (yes/no questions, or no span to pick), under the same rule.

``model.json`` is plain JSON (feature name → weight), so a change to the model is a readable
diff; the files are small and deterministic for the same data.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.nlp.answers.reader import Reader

MODEL_PATH = Path(__file__).with_name("model.json")
RANKER_PATH = Path(__file__).with_name("span_ranker.txt")
CALIBRATOR_PATH = Path(__file__).with_name("calibrator.txt")


@dataclass(frozen=True)
class LinearModel:
    """Logistic regression over named features."""

    weights: dict[str, float]
    intercept: float

    def probability(self, features: dict[str, float]) -> float:
        """P(positive) for one feature map; unknown features weigh nothing."""
        weights = self.weights
        score = self.intercept + sum(weights.get(k, 0.0) * v for k, v in features.items())
        if score < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-score))

    def to_dict(self) -> dict:
        return {
            "intercept": round(self.intercept, 6),
            "weights": {k: round(v, 6) for k, v in sorted(self.weights.items()) if v},
        }

    @classmethod
    def from_dict(cls, part: dict) -> LinearModel:
        return cls({k: float(v) for k, v in part["weights"].items()}, float(part["intercept"]))


class Trees:
    """A LightGBM model over feature maps, with a fixed list of feature names: the span ranker
    (scores comparable within a question) and the calibrator (probabilities)."""

    def __init__(self, text: str, names: Sequence[str]) -> None:
        import lightgbm

        self.text = text
        self.names = list(names)
        self.column = {name: i for i, name in enumerate(self.names)}
        self.booster = lightgbm.Booster(model_str=text)

    def matrix(self, rows: Sequence[dict[str, float]]):
        """The rows as a sparse matrix over the ranker's columns (unknown features dropped)."""
        import numpy as np
        from scipy.sparse import csr_matrix

        data: list[float] = []
        indices: list[int] = []
        pointers = [0]
        for row in rows:
            for name, value in row.items():
                column = self.column.get(name)
                if column is not None and value:
                    indices.append(column)
                    data.append(value)
            pointers.append(len(indices))
        return csr_matrix(
            (np.asarray(data, dtype=np.float32), indices, pointers),
            shape=(len(rows), len(self.names)),
        )

    def scores(self, rows: Sequence[dict[str, float]]) -> list[float]:
        """One score per row: for the ranker comparable within a question only; for the
        calibrator a probability."""
        if not rows:
            return []
        return [float(s) for s in self.booster.predict(self.matrix(rows), num_threads=1)]

    def probability(self, features: dict[str, float]) -> float:
        return self.scores([features])[0]


def _plain(text: str) -> str:
    return " ".join(w for w in text.lower().split() if w not in ("the", "a", "an"))


def calibration_features(
    texts: Sequence[str], scores: Sequence[float], rows: Sequence[dict[str, float]], kind: str
) -> tuple[int, dict[str, float]]:
    """The best span's index, and what the calibrator sees of it among all the spans."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    best = order[0]
    top = scores[best]
    margin = top - scores[order[1]] if len(order) > 1 else 5.0
    shares = [math.exp(max(s - top, -50.0)) for s in scores]
    total = sum(shares)
    share = shares[best] / total
    # Spans of the same answer in other words or other sentences ("Obama", "Barack Obama") add
    # up: the ranker splitting its mass among them is not doubt about the answer.
    plain = [_plain(text) for text in texts]
    key = plain[best]
    agree = sum(shares[i] for i, other in enumerate(plain) if key in other or other in key)
    row = rows[best]
    probabilities = sorted({r["sentence_p"] for r in rows}, reverse=True)
    runner_up = probabilities[1] if len(probabilities) > 1 else 0.0
    features = {
        "top": top,
        "margin": min(margin, 5.0),
        "share": share,
        "log_share": math.log(max(share, 1e-6)),
        "agree": agree / total,
        "spans": math.log1p(len(scores)),
        "sentence_p": row["sentence_p"],
        "best_sentence_p": probabilities[0],
        "sentence_gap": probabilities[0] - runner_up,
        "from_best_sentence": float(row["sentence_p"] == probabilities[0]),
        "repeats_question": row.get("repeats_question", 0.0),
        "near": row.get("near", 0.0),
        "length": row.get("length", 0.0),
        **{name: row[name] for name in READER_FEATURES if name in row},
        f"type={kind}": 1.0,
        f"type={kind}|share": share,
        f"type={kind}|top": top,
    }
    for name in row:
        if name.startswith("sentence_rank="):
            features["sentence_rank"] = float(name.partition("=")[2])
        elif "|label=" in name or "|kind=" in name:
            features["best:" + name.partition("|")[2]] = 1.0
    return best, features


# What the calibrator sees of the reader's view of the best span (``features.py``).
READER_FEATURES = ("reader", "reader_gap", "reader_sentence", "reader_sentence_gap", "reader_f1")


@dataclass(frozen=True)
class AnswerModel:
    """The learned parts and the thresholds that turn their outputs into decisions."""

    sentence: LinearModel
    span_ranker: Trees | None
    calibrator: Trees
    answer_threshold: float
    sentence_threshold: float
    meta: dict
    sentence_only_threshold: float = 1.0
    # One model per W of the main event (``facts.py``), fitted on Giveme5W1H's training split.
    facts: dict[str, LinearModel] = field(default_factory=dict)
    # The fine-tuned reader (``reader.py``), whose scores are span features; None: no reader
    # (the ranker then never sees its features, as in a model trained without one).
    reader: Reader | None = None

    def to_json(self) -> str:
        """Everything but the ranker's trees, as deterministic JSON."""
        payload = {
            "meta": self.meta,
            "answer_threshold": round(self.answer_threshold, 4),
            "sentence_threshold": round(self.sentence_threshold, 4),
            "sentence_only_threshold": round(self.sentence_only_threshold, 4),
            "sentence": self.sentence.to_dict(),
            "calibrator_features": self.calibrator.names,
            "span_features": self.span_ranker.names if self.span_ranker else [],
            "facts": {kind: model.to_dict() for kind, model in sorted(self.facts.items())},
        }
        return json.dumps(payload, indent=1, sort_keys=True) + "\n"

    def save(self, path: Path = MODEL_PATH) -> None:
        """``model.json`` at ``path``, the two tree models and the reader's layers beside it."""
        if self.reader is not None:
            from bot.nlp.answers.reader import READER_PATH
            from bot.nlp.answers.reader_training import save_reader

            save_reader(self.reader.model, path.with_name(READER_PATH.name))
        path.write_text(self.to_json(), encoding="utf-8")
        if self.span_ranker is not None:
            path.with_name(RANKER_PATH.name).write_text(self.span_ranker.text, encoding="utf-8")
        path.with_name(CALIBRATOR_PATH.name).write_text(self.calibrator.text, encoding="utf-8")


def read_model(path: Path = MODEL_PATH) -> AnswerModel:
    """An AnswerModel from ``model.json`` and the two tree models beside it."""
    data = json.loads(path.read_text(encoding="utf-8"))
    ranker = Trees(
        path.with_name(RANKER_PATH.name).read_text(encoding="utf-8"), data["span_features"]
    )
    calibrator = Trees(
        path.with_name(CALIBRATOR_PATH.name).read_text(encoding="utf-8"),
        data["calibrator_features"],
    )
    reader = None
    if data.get("meta", {}).get("reader"):
        from bot.nlp.answers.reader import READER_PATH, load_reader

        reader = load_reader(path.with_name(READER_PATH.name))
    return AnswerModel(
        reader=reader,
        sentence=LinearModel.from_dict(data["sentence"]),
        span_ranker=ranker,
        calibrator=calibrator,
        answer_threshold=float(data["answer_threshold"]),
        sentence_threshold=float(data["sentence_threshold"]),
        sentence_only_threshold=float(data.get("sentence_only_threshold", 1.0)),
        meta=data.get("meta", {}),
        facts={k: LinearModel.from_dict(v) for k, v in data.get("facts", {}).items()},
    )


@lru_cache(maxsize=1)
def load_model() -> AnswerModel:
    """The committed model (read once per process)."""
    return read_model()
