"""The learned answer model: what ``storybot train answers`` writes and ``answer`` reads.

Three learned parts, all fitted on the blind training questions (``training.py``):

- ``sentence``: a logistic regression giving the probability that a candidate sentence holds
  the answer (it picks the sentences to parse, and the one to offer when no short answer is).
- ``span_ranker``: a LightGBM lambdarank model that scores the candidate spans of a question
  against each other (``span_ranker.txt``, LightGBM's own text format).
- ``calibrator``: a logistic regression turning the best span's score, its margin over the
  runner-up, its sentence's probability and the question's type into the probability that the
  short answer is right. Its inputs are out-of-fold scores, so it learns how far to trust the
  ranker on questions the ranker did not see.

And two thresholds chosen on the dev questions (other writers, other articles):
``answer_threshold`` (at most one given answer in ten wrong there) and ``sentence_threshold``
(at least four offered sentences in five hold the answer).

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

MODEL_PATH = Path(__file__).with_name("model.json")
RANKER_PATH = Path(__file__).with_name("span_ranker.txt")


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


class SpanRanker:
    """LightGBM scores for feature maps, over a fixed list of feature names."""

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
        """One score per row (comparable within a question, not a probability)."""
        if not rows:
            return []
        return [float(s) for s in self.booster.predict(self.matrix(rows), num_threads=1)]


def calibration_features(top: float, margin: float, sentence_p: float, kind: str) -> dict:
    """What the calibrator sees of a question's best span."""
    return {
        "top": top,
        "margin": min(margin, 5.0),
        "sentence_p": sentence_p,
        f"type={kind}": 1.0,
    }


@dataclass(frozen=True)
class AnswerModel:
    """The learned parts and the thresholds that turn their outputs into decisions."""

    sentence: LinearModel
    span_ranker: SpanRanker | None
    calibrator: LinearModel
    answer_threshold: float
    sentence_threshold: float
    meta: dict
    # One model per W of the main event (``facts.py``), fitted on Giveme5W1H's training split.
    facts: dict[str, LinearModel] = field(default_factory=dict)

    def to_json(self) -> str:
        """Everything but the ranker's trees, as deterministic JSON."""
        payload = {
            "meta": self.meta,
            "answer_threshold": round(self.answer_threshold, 4),
            "sentence_threshold": round(self.sentence_threshold, 4),
            "sentence": self.sentence.to_dict(),
            "calibrator": self.calibrator.to_dict(),
            "span_features": self.span_ranker.names if self.span_ranker else [],
            "facts": {kind: model.to_dict() for kind, model in sorted(self.facts.items())},
        }
        return json.dumps(payload, indent=1, sort_keys=True) + "\n"

    def save(self, path: Path = MODEL_PATH, ranker_path: Path = RANKER_PATH) -> None:
        path.write_text(self.to_json(), encoding="utf-8")
        if self.span_ranker is not None:
            ranker_path.write_text(self.span_ranker.text, encoding="utf-8")


def read_model(path: Path = MODEL_PATH, ranker_path: Path = RANKER_PATH) -> AnswerModel:
    """An AnswerModel from its two files."""
    data = json.loads(path.read_text(encoding="utf-8"))
    ranker = SpanRanker(ranker_path.read_text(encoding="utf-8"), data["span_features"])
    return AnswerModel(
        sentence=LinearModel.from_dict(data["sentence"]),
        span_ranker=ranker,
        calibrator=LinearModel.from_dict(data["calibrator"]),
        answer_threshold=float(data["answer_threshold"]),
        sentence_threshold=float(data["sentence_threshold"]),
        meta=data.get("meta", {}),
        facts={k: LinearModel.from_dict(v) for k, v in data.get("facts", {}).items()},
    )


@lru_cache(maxsize=1)
def load_model() -> AnswerModel:
    """The committed model (read once per process)."""
    return read_model()
