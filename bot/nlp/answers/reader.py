"""The reader: which words of a candidate sentence answer the question, and how sure it is.

A pretrained encoder (``encoder.py``, all-MiniLM-L6-v2) reads the question and one candidate
sentence (after its story's title) together, and a linear head gives every word-piece of the
sentence a score for starting the answer and one for ending it; the ``[CLS]`` piece's pair is
the score for "this sentence does not answer". It was fine-tuned on the blind training
questions (``reader_training.py``), so it knows paraphrase ("bought" for "was acquired by")
from the pretraining the lexical features lack.

The reader does not decide alone: what it says of each candidate span (``Reading``) becomes
features of the span ranker and the calibrator (``features.py``, ``model.py``), beside the
parse, so the learned models weigh it against everything else.

Only the layers fine-tuning changed are committed (``reader.safetensors``, half precision);
the rest are the published weights, read from the pinned package.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
from torch import nn

from bot.nlp.answers.encoder import Encoder, pretrained_encoder, tokenizer
from bot.nlp.answers.reading import Reading

READER_PATH = Path(__file__).with_name("reader.safetensors")
FROZEN_LAYERS = 2  # the embeddings and the first layers keep their published weights
MAX_ANSWER_PIECES = 30
TITLE_MARK = " | "  # between the title and the sentence, as in training


class SpanReader(nn.Module):
    """The encoder with a start/end head."""

    def __init__(self, encoder: Encoder) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(encoder.norm.normalized_shape[0], 2)

    def forward(
        self, ids: torch.Tensor, segments: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.head(self.encoder(ids, segments, mask))
        padding = mask == 0
        return (
            logits[..., 0].masked_fill(padding, -1e4),
            logits[..., 1].masked_fill(padding, -1e4),
        )

    def trainable(self) -> list[str]:
        """The parameter names fine-tuning changes (and ``reader.safetensors`` holds)."""
        kept = ("encoder.word", "encoder.position", "encoder.segment", "encoder.norm")
        kept += tuple(f"encoder.layers.{i}." for i in range(FROZEN_LAYERS))
        return [name for name, _ in self.named_parameters() if not name.startswith(kept)]


def pretrained_reader() -> SpanReader:
    """A reader holding the published encoder and an untrained head."""
    return SpanReader(pretrained_encoder())


def context_text(title: str | None, sentence: str) -> tuple[str, int]:
    """What the reader reads after the question, and where the sentence starts in it."""
    prefix = f"{title.strip()}{TITLE_MARK}" if title and title.strip() else ""
    return prefix + sentence, len(prefix)


@dataclass(frozen=True)
class Encoded:
    """A batch of (question, context) pairs as the encoder takes them."""

    encodings: list
    ids: torch.Tensor
    segments: torch.Tensor
    mask: torch.Tensor


class Reader:
    """The fine-tuned reader, ready to read; safe to call from several threads."""

    def __init__(self, model: SpanReader) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer()
        self._lock = threading.Lock()

    def encode(self, questions: Sequence[str], texts: Sequence[str]) -> Encoded:
        """Each (question, context) pair as word-pieces, padded into one batch."""
        with self._lock:  # the tokenizer's padding settings are shared state
            encodings = self.tokenizer.encode_batch(list(zip(questions, texts, strict=True)))
        return Encoded(
            encodings,
            torch.tensor([e.ids for e in encodings]),
            torch.tensor([e.type_ids for e in encodings]),
            torch.tensor([e.attention_mask for e in encodings]),
        )

    def read(self, question: str, contexts: Sequence[tuple[str | None, str]]) -> list[Reading]:
        """One ``Reading`` per (title, sentence)."""
        if not contexts:
            return []
        texts = [context_text(title, sentence) for title, sentence in contexts]
        batch = self.encode([question] * len(texts), [text for text, _ in texts])
        with torch.inference_mode():
            starts, ends = self.model(batch.ids, batch.segments, batch.mask)
        return [
            _reading(encoding, skip, s, e)
            for encoding, (_, skip), s, e in zip(batch.encodings, texts, starts, ends, strict=True)
        ]


def _reading(encoding, skip: int, starts: torch.Tensor, ends: torch.Tensor) -> Reading:
    """One sentence's scores, kept for the sentence's own word-pieces (not the title's)."""
    pieces = [
        i
        for i, (sequence, (a, _)) in enumerate(
            zip(encoding.sequence_ids, encoding.offsets, strict=True)
        )
        if sequence == 1 and a >= skip
    ]
    null = float(starts[0] + ends[0])
    if not pieces:
        return Reading((), (), (), null, (0, 0), -20.0)
    index = torch.tensor(pieces)
    s, e = starts[index], ends[index]
    pairs = s[:, None] + e[None, :]
    n = len(pieces)
    allowed = torch.ones(n, n, dtype=torch.bool).triu().tril(MAX_ANSWER_PIECES - 1)
    pairs = pairs.masked_fill(~allowed, -1e9)
    flat = int(pairs.argmax())
    first, last = divmod(flat, n)
    offsets = tuple((encoding.offsets[i][0] - skip, encoding.offsets[i][1] - skip) for i in pieces)
    return Reading(
        offsets,
        tuple(s.tolist()),
        tuple(e.tolist()),
        null,
        (offsets[first][0], offsets[last][1]),
        float(pairs[first, last]) - null,
    )


@lru_cache(maxsize=1)
def load_reader(path: Path = READER_PATH) -> Reader:
    """The committed reader: the published encoder with the fine-tuned layers on top."""
    from safetensors.torch import load_file

    model = pretrained_reader()
    tuned = {name: tensor.float() for name, tensor in load_file(str(path)).items()}
    missing = set(model.trainable()) - set(tuned)
    if missing:
        raise ValueError(f"{path.name} lacks {sorted(missing)[:3]}")
    model.load_state_dict(tuned, strict=False)
    # One thread: questions run one per worker, and the pool already has a worker per core.
    torch.set_num_threads(1)
    return Reader(model)
