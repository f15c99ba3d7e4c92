"""The nearest-rank percentile the benchmarks and latency reports share."""

from __future__ import annotations

import pytest

from benchmarks.percentiles import percentile


def test_nearest_rank() -> None:
    values = list(range(200, 0, -1))  # 1..200, unsorted
    assert percentile(values, 0.95) == 190
    assert percentile(values, 0.5) == 100
    assert percentile(values, 1.0) == 200
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([3, 1, 2], 0.0) == 1


def test_no_values_is_an_error() -> None:
    with pytest.raises(ValueError):
        percentile([], 0.95)
