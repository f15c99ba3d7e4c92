"""Exact and near-duplicate detection: content hashes, shingles and MinHash buckets.

"The same story" means the same URL, the same normalized text, or word-shingle Jaccard
similarity of 0.9 or more. MinHash with locality-sensitive banding finds the few stored stories
worth comparing, so a chat with ten thousand stories is not scanned on every message.
"""

from __future__ import annotations

import hashlib
import random
import re
import zlib

import numpy as np

NEAR_DUPLICATE_SIMILARITY = 0.9
SHINGLE_WORDS = 3
BANDS = 16
ROWS_PER_BAND = 4
_PRIME = 4294967311  # the first prime above 2**32
# Fixed seeds: signatures are stored, so they must be the same in every process.
_rng = random.Random(20261125)
_A = np.array([_rng.randrange(1, 2**31) for _ in range(BANDS * ROWS_PER_BAND)], dtype=np.uint64)
_B = np.array([_rng.randrange(0, 2**32) for _ in range(BANDS * ROWS_PER_BAND)], dtype=np.uint64)


def normalized_words(text: str) -> list[str]:
    """Lower-cased word tokens, so that spacing, case and punctuation do not matter."""
    return re.findall(r"\w+", text.lower())


def content_hash(text: str) -> str:
    """A hash of the normalized text: equal for texts that differ only in spacing or case."""
    return hashlib.sha256(" ".join(normalized_words(text)).encode()).hexdigest()


def shingles(text: str) -> set[str]:
    """The set of overlapping word triples (the whole text when it is shorter)."""
    tokens = normalized_words(text)
    if len(tokens) < SHINGLE_WORDS:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + SHINGLE_WORDS]) for i in range(len(tokens) - 2)}


def similarity(a: set[str], b: set[str]) -> float:
    """Jaccard similarity of two shingle sets."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def buckets(shingle_set: set[str]) -> list[tuple[int, int]]:
    """The (band, bucket) pairs of the text's MinHash signature."""
    if not shingle_set:
        return []
    hashes = np.fromiter(
        (zlib.crc32(s.encode()) for s in shingle_set), dtype=np.uint64, count=len(shingle_set)
    )
    signature = ((np.outer(_A, hashes) + _B[:, None]) % _PRIME).min(axis=1)
    rows = signature.reshape(BANDS, ROWS_PER_BAND)
    return [(band, zlib.crc32(rows[band].tobytes())) for band in range(BANDS)]
