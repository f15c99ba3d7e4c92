"""Answers to questions about a chat's stories, and the main event of one story.

May import: ``bot.messages`` (the reason there is no short answer, never its words),
``bot.nlp.language``, ``bot.nlp.languages`` (the index's stemmer and stop words),
``bot.nlp.tokenizer``, ``bot.nlp.dates``, ``db`` and the standard
library, numpy, rapidfuzz, LightGBM; torch, tokenizers and safetensors only in the
reader's modules (``encoder.py``, ``reader.py``, ``reader_training.py``: the rest reads the
reader's output as plain data); scikit-learn only in ``training.py``. Never ``telegram`` or
``handlers``.
"""

from bot.nlp.answers.answering import Answer, answer, warm_up
from bot.nlp.answers.facts import Facts, facts, main_event

__all__ = [
    "Answer",
    "Facts",
    "answer",
    "facts",
    "main_event",
    "warm_up",
]
