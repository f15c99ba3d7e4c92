"""Stories for tests and benchmarks: the sample page, and plain news-like articles by topic."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "bot" / "samples" / "sputnik-asat-2019.txt"


def shared_dir() -> Path:
    """../shared beside the repository, or $STORYBOT_SHARED."""
    return Path(os.environ.get("STORYBOT_SHARED", REPO.parent / "shared"))


def article(topic: str, sentences: int = 6) -> str:
    """A plain news-like article about a topic, long enough to be stored as a story."""
    lines = [
        f"Officials in the capital confirmed on Monday that the {topic} project will go ahead "
        "after months of public debate.",
        f"The {topic} plan was approved by the city council in a vote of eleven to four, "
        "according to the minutes of the meeting.",
        f"Supporters say the {topic} scheme will create hundreds of jobs and bring new visitors "
        "to the region over the next decade.",
        f"Critics of the {topic} proposal argue that the costs have been underestimated and that "
        "residents were not consulted properly.",
        f"Work on the {topic} site is expected to begin in the spring, with the first phase due "
        "to be completed within two years.",
        f"A spokesperson for the mayor said further details about the {topic} timetable would "
        "be published later this month.",
    ]
    return "\n\n".join(lines[:sentences])
