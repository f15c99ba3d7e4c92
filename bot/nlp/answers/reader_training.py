"""Fine-tuning the reader (``reader.py``) on the blind training questions.

Each training question gives the reader a few (question, sentence) pairs: the sentences among
its best-ranked candidates that hold the answer, with the accepted answer's characters marked
(the writer's evidence sentence when none of the candidates holds it), and the best-ranked ones
that do not, marked "not here" (the ``[CLS]`` piece), so the reader learns both where the answer
is and when a sentence has none. Unanswerable questions give only "not here" pairs; yes/no
questions none (their answer is not a span).

Training is seeded, with a fixed number of threads and batches of similar length, so the same
questions give the same weights; only the layers above ``FROZEN_LAYERS`` and the head change.
A full run tunes three readers for over two hours, so each keeps a checkpoint in ``--work``
every ``CHECKPOINT_STEPS`` steps, and a run stopped part-way resumes from it to the same
weights an unbroken run gives.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import torch

from bot.nlp.answers.reader import (
    Reader,
    SpanReader,
    context_text,
    pretrained_reader,
)

POSITIVES = 2  # holding sentences per question, at most
NEGATIVES = 3  # best-ranked sentences without the answer, per question
# Two passes: offline on dev, a reader tuned twice over half the training pairs put a right
# span first for 68% of the answerable questions against 59% for one pass (as many as one
# pass over all the pairs gives), for twice the training time.
EPOCHS = 2
BATCH = 32
LEARNING_RATE = 1e-4
WARMUP = 0.1  # share of the steps over which the rate rises
WEIGHT_DECAY = 0.01
SEED = 7
THREADS = 2
CHECKPOINT_STEPS = 200  # about five minutes of tuning on the 2-core machine


@dataclass(frozen=True)
class Pair:
    """One training pair: the question, the candidate's title and sentence, and the answer's
    characters in the sentence (None: the sentence does not answer)."""

    question: str
    title: str | None
    sentence: str
    answer: tuple[int, int] | None


def answer_characters(sentence: str, accepted: Sequence[str]) -> tuple[int, int] | None:
    """Where the first accepted answer found in the sentence stands (yes/no are not spans)."""
    lower = sentence.lower()
    for answer in accepted:
        if answer.lower() in ("yes", "no") or not answer.strip():
            continue
        at = lower.find(answer.lower())
        if at >= 0:
            return at, at + len(answer)
    return None


def question_pairs(
    item: dict, ranked: Sequence[tuple[str | None, str, bool]], evidence_title: str | None
) -> list[Pair]:
    """A question's pairs from its ranked candidates (title, sentence, holds the answer)."""
    if item["type"] == "yesno":
        return []
    question = item["question"]
    accepted = item["answers"] if item["answerable"] else []
    pairs = []
    for title, sentence, _ in [c for c in ranked if c[2]][:POSITIVES]:
        span = answer_characters(sentence, accepted)
        if span is not None:
            pairs.append(Pair(question, title, sentence, span))
    evidence = item.get("evidence")
    if accepted and not pairs and evidence:
        span = answer_characters(evidence, accepted)
        if span is not None:
            pairs.append(Pair(question, evidence_title, evidence, span))
    for title, sentence, _ in [c for c in ranked if not c[2]][:NEGATIVES]:
        pairs.append(Pair(question, title, sentence, None))
    return pairs


def pairs_digest(pairs: Sequence[Pair]) -> str:
    """A fingerprint of the training pairs and settings (names a cached fold reader)."""
    settings = [EPOCHS, BATCH, LEARNING_RATE, WARMUP, WEIGHT_DECAY, SEED]
    text = json.dumps([settings, [list(p.__dict__.values()) for p in pairs]])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _targets(reader: Reader, batch: Sequence[Pair]):
    """The batch's tensors and each pair's answer pieces (0, 0 for "not here")."""
    texts = [context_text(p.title, p.sentence) for p in batch]
    encoded = reader.encode([p.question for p in batch], [text for text, _ in texts])
    starts, ends = [], []
    for pair, (_, skip), encoding in zip(batch, texts, encoded.encodings, strict=True):
        first = last = 0
        if pair.answer is not None:
            a, b = pair.answer[0] + skip, pair.answer[1] + skip
            pieces = [
                i
                for i, (sequence, (start, end)) in enumerate(
                    zip(encoding.sequence_ids, encoding.offsets, strict=True)
                )
                if sequence == 1 and end > a and start < b
            ]
            if pieces:  # an answer cut off by truncation counts as "not here"
                first, last = pieces[0], pieces[-1]
        starts.append(first)
        ends.append(last)
    return (
        encoded.ids,
        encoded.segments,
        encoded.mask,
        torch.tensor(starts),
        torch.tensor(ends),
    )


def fine_tune(
    pairs: Sequence[Pair],
    log: TextIO = sys.stdout,
    epochs: int = EPOCHS,
    batch: int = BATCH,
    learning_rate: float = LEARNING_RATE,
    checkpoint: Path | None = None,
    every: int = CHECKPOINT_STEPS,
) -> SpanReader:
    """The published encoder fine-tuned on these pairs (seeded: same pairs, same weights).

    With ``checkpoint``, the training state is saved there every ``every`` steps, and a
    checkpoint already there (from a run stopped part-way on the same pairs) is resumed.
    """
    with training_threads():
        return _fine_tune(pairs, log, epochs, batch, learning_rate, checkpoint, every)


@contextmanager
def training_threads() -> Iterator[None]:
    """Torch on the training's fixed thread count, put back after: the bot reads on one
    thread, and the same thread count keeps the model files the same."""
    threads = torch.get_num_threads()
    torch.set_num_threads(THREADS)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@dataclass
class _Progress:
    """Where a fine-tuning run stands: steps done, and the pass and batch it is at."""

    done: int = 0
    epoch: int = 0
    position: int = 0  # batches of this pass already taken
    # The order of a pass's batches is drawn from this state of the shuffling generator.
    epoch_rng: tuple | None = None


def _save_checkpoint(
    path: Path,
    model: SpanReader,
    optimizer,
    schedule,
    settings: tuple[int, float],
    at: _Progress,
) -> None:
    """Everything the rest of the run depends on, written whole or not at all."""
    state = model.state_dict()
    version, internal, gauss = at.epoch_rng
    payload = {
        "settings": list(settings),
        "done": at.done,
        "epoch": at.epoch,
        "position": at.position,
        "epoch_rng": [version, list(internal), gauss],
        "torch_rng": torch.get_rng_state(),
        "model": {name: state[name] for name in model.trainable()},
        "optimizer": optimizer.state_dict(),
        "schedule": schedule.state_dict(),
    }
    partial = path.with_name(path.name + ".part")
    torch.save(payload, partial)
    os.replace(partial, path)


def _resume(
    path: Path, model: SpanReader, optimizer, schedule, settings: tuple[int, float]
) -> _Progress | None:
    """The progress of a checkpoint of this run, its state loaded; None when there is none."""
    if not path.exists():
        return None
    saved = torch.load(path, weights_only=True)
    # The same pairs tuned for other steps or at another rate: start again.
    if saved["settings"] != list(settings):
        return None
    model.load_state_dict(saved["model"], strict=False)
    optimizer.load_state_dict(saved["optimizer"])
    schedule.load_state_dict(saved["schedule"])
    torch.set_rng_state(saved["torch_rng"])
    version, internal, gauss = saved["epoch_rng"]
    return _Progress(
        saved["done"], saved["epoch"], saved["position"], (version, tuple(internal), gauss)
    )


def _fine_tune(
    pairs: Sequence[Pair],
    log: TextIO,
    epochs: int,
    batch: int,
    learning_rate: float,
    checkpoint: Path | None = None,
    every: int = CHECKPOINT_STEPS,
) -> SpanReader:
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    model = pretrained_reader()
    trainable = set(model.trainable())
    for name, parameter in model.named_parameters():
        parameter.requires_grad = name in trainable
    reader = Reader(model)
    model.train()
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=learning_rate, weight_decay=WEIGHT_DECAY)
    steps = epochs * math.ceil(len(pairs) / batch)
    warmup = max(1, int(WARMUP * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, (steps - step) / steps)
    )
    loss_of = torch.nn.CrossEntropyLoss()
    settings = (steps, learning_rate)  # a checkpoint made under others is not resumed
    at = _Progress()
    if checkpoint is not None:
        resumed = _resume(checkpoint, model, optimizer, schedule, settings)
        if resumed is not None:
            at = resumed
            rng.setstate(at.epoch_rng)
            print(f"  reader: resumed at step {at.done}/{steps}", file=log)
    for epoch in range(at.epoch, epochs):
        at.epoch, at.epoch_rng = epoch, rng.getstate()
        # Batches of similar length waste little on padding; their order is shuffled.
        order = sorted(
            range(len(pairs)),
            key=lambda i: len(pairs[i].question) + len(pairs[i].sentence) + rng.random() * 40,
        )
        batches = [order[i : i + batch] for i in range(0, len(order), batch)]
        rng.shuffle(batches)
        for position in range(at.position, len(batches)):
            indices = batches[position]
            ids, segments, mask, starts, ends = _targets(reader, [pairs[i] for i in indices])
            start_logits, end_logits = model(ids, segments, mask)
            loss = (loss_of(start_logits, starts) + loss_of(end_logits, ends)) / 2
            loss.backward()
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            at.done, at.position = at.done + 1, position + 1
            if at.done % 200 == 0 or at.done == steps:
                print(f"  reader: step {at.done}/{steps}, loss {loss.item():.3f}", file=log)
            if checkpoint is not None and at.done % every == 0 and at.done < steps:
                _save_checkpoint(checkpoint, model, optimizer, schedule, settings, at)
        at.position = 0
    return model.eval()


def save_reader(model: SpanReader, path: Path) -> None:
    """The fine-tuned layers and head, in half precision (the rest is the published model)."""
    from safetensors.torch import save_file

    state = model.state_dict()
    tuned = {name: state[name].detach().half().contiguous() for name in model.trainable()}
    save_file(tuned, str(path))


def tuned_reader(pairs: Sequence[Pair], work: Path, name: str, log: TextIO) -> Reader:
    """A reader fine-tuned on the pairs, cached in ``work`` under the pairs' fingerprint."""
    from bot.nlp.answers.reader import load_reader

    path = work / f"{name}-{pairs_digest(pairs)}.safetensors"
    if not path.exists():
        print(f"fine-tuning the reader ({name}): {len(pairs)} pairs", file=log)
        checkpoint = path.with_suffix(".checkpoint")
        save_reader(fine_tune(pairs, log, checkpoint=checkpoint), path)
        checkpoint.unlink(missing_ok=True)
    return load_reader.__wrapped__(path)
