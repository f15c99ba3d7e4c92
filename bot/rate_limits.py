"""A per-user rate limit against spam: a token bucket for each (chat, user).

Each bucket holds up to ``burst`` tokens and refills at ``rate`` tokens per ``per`` seconds. A
story (text to keep, a file, a link) spends one token; a command, a question or a button press
spends ``LIGHT_COST``: someone trying the bot out types many of those in a minute, while what
a flood costs the bot is mostly stories (fetching, cleaning, spaCy, the disk). A user who runs out is told once ("You're sending messages too fast …")
and every further message is dropped until a token has come back; the next time they run out
they are told again. Buckets that have refilled completely carry no information and are
pruned, so memory stays bounded by the users active in the last minute or so.

Nothing here knows Telegram: :mod:`bot.telegram.app` asks ``check`` for each update.

May import: nothing of the project.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Literal

TOO_FAST = "You're sending messages too fast; wait a minute."

RATE = 20  # messages …
PER_SECONDS = 60.0  # … per minute, sustained
BURST = 20  # at most this many at once (a handful of forwards in a row is normal use)
LIGHT_COST = 0.25  # a command, question or button press: four of them cost one story
PRUNE_AT = 10_000  # buckets kept before full ones are swept out

Verdict = Literal["allow", "warn", "drop"]


@dataclass
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


class RateLimiter:
    """Token buckets keyed by (chat id, user id); thread-safe, with an injectable clock."""

    def __init__(
        self,
        rate: float = RATE,
        per: float = PER_SECONDS,
        burst: int = BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or per <= 0 or burst < 1:
            raise ValueError("rate, per and burst must be positive")
        self.refill = rate / per  # tokens per second
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[Hashable, _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, key: Hashable, cost: float = 1.0) -> Verdict:
        """'allow' (``cost`` tokens were spent), 'warn' (the first refusal: tell the user
        once) or 'drop' (refused again: say nothing)."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= PRUNE_AT:
                    self._prune(now)
                bucket = self._buckets[key] = _Bucket(self.burst, now)
            else:
                elapsed = max(0.0, now - bucket.updated)
                bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.refill)
                bucket.updated = now
            if bucket.tokens >= cost:
                bucket.tokens -= cost
                bucket.warned = False
                return "allow"
            if bucket.warned:
                return "drop"
            bucket.warned = True
            return "warn"

    def available(self, key: Hashable) -> int:
        """Whole tokens the key could spend now (a file of records asks before reading)."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                return int(self.burst)
            return int(
                min(self.burst, bucket.tokens + max(0.0, now - bucket.updated) * self.refill)
            )

    def spend(self, key: Hashable, count: int) -> None:
        """Spend ``count`` more tokens at once (never below none): the records of one file
        cost what as many messages would, so a file is no way around the limit."""
        if count <= 0:
            return
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(self.burst, now)
            else:
                elapsed = max(0.0, now - bucket.updated)
                bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.refill)
                bucket.updated = now
            bucket.tokens = max(0.0, bucket.tokens - count)

    def __len__(self) -> int:
        return len(self._buckets)

    def _prune(self, now: float) -> None:
        """Forget buckets that would be full by now: they behave exactly like new ones."""
        full = [
            key
            for key, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.updated) * self.refill >= self.burst
        ]
        for key in full:
            del self._buckets[key]
