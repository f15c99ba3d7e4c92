"""The naive baseline every answers table shows beside storybot, run on the same questions.

BM25 over all the chat's sentences (the same full-text index the bot has); the answer is the
first spaCy entity of the asked type in the top sentence, or for what / why / how / yes-no
questions that sentence's first 25 words (10 for short kinds with no such entity). It never
abstains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from db.store import ChatStories

LABELS = {
    "who": ("PERSON", "ORG", "NORP"),
    "when": ("DATE", "TIME"),
    "where": ("GPE", "LOC", "FAC"),
    "how_many": ("CARDINAL", "QUANTITY", "MONEY", "PERCENT"),
    "which": ("PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART"),
}
WH = re.compile(r"^(who|whom|whose|what|when|where|why|how|which)\b", re.IGNORECASE)


@dataclass(frozen=True)
class BaselineAnswer:
    answer: str | None
    sentence: str | None
    story_id: int | None


def baseline_type(question: str) -> str:
    """The asked type from the wh-word alone."""
    lower = question.lower()
    match = WH.match(lower)
    if match is None:
        return "what"
    word = match.group(1)
    if word in ("who", "whom", "whose"):
        return "who"
    if word == "how":
        return "how_many" if re.match(r"how (many|much|old|long)\b", lower) else "how"
    return word


def baseline_answer(chat: ChatStories, question: str) -> BaselineAnswer:
    """The top BM25 sentence and its first entity of the asked type."""
    from bot.nlp.language import full_pipeline
    from bot.nlp.languages import is_answer_stop_word as is_stop_word

    words = [w for w in re.findall(r"\w+", question) if not is_stop_word(w)]
    hits = chat.search_sentences(" ".join(words), limit=1)
    if not hits:
        return BaselineAnswer(None, None, None)
    top = hits[0]
    kind = baseline_type(question)
    labels = LABELS.get(kind)
    if labels:
        for ent in full_pipeline()(top.text).ents:
            if ent.label_ in labels:
                return BaselineAnswer(ent.text, top.text, top.story_id)
    limit = 10 if labels else 25
    return BaselineAnswer(" ".join(top.text.split()[:limit]), top.text, top.story_id)
