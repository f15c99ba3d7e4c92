"""What the reader (``reader.py``) says of one sentence, as plain data: the span features read it
without importing torch."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reading:
    """What the reader says of one sentence: a score per word-piece for starting and for ending
    the answer, and the score of "not here". Offsets are characters of the sentence."""

    offsets: tuple[tuple[int, int], ...]
    starts: tuple[float, ...]
    ends: tuple[float, ...]
    null: float
    best: tuple[int, int]  # the best span's characters in the sentence
    best_score: float  # its score less ``null``

    def span_score(self, start: int, end: int) -> float:
        """The score (less ``null``) of the span covering characters start…end."""
        first = next((i for i, (_, e) in enumerate(self.offsets) if e > start), None)
        last = next(
            (i for i in reversed(range(len(self.offsets))) if self.offsets[i][0] < end), None
        )
        if first is None or last is None or last < first:
            return -20.0
        return self.starts[first] + self.ends[last] - self.null
