"""`dashboard.widgets.side_by_side`: a page's reads at the same time, results in order."""

from __future__ import annotations

import threading

import pytest

from dashboard.together import side_by_side


def test_reads_run_at_the_same_time_and_come_back_in_order() -> None:
    """Each read waits for the others at a barrier: read one after another, the first would
    wait alone until the barrier's timeout breaks it."""
    barrier = threading.Barrier(3, timeout=10)

    def read(value: int):
        return lambda: (barrier.wait(), value)[1]

    assert side_by_side([read(1), read(2), read(3)]) == [1, 2, 3]


def test_a_failed_read_raises_in_the_page() -> None:
    def fails():
        raise ConnectionError("the database went away")

    with pytest.raises(ConnectionError, match="went away"):
        side_by_side([lambda: 1, fails])


def test_one_read_runs_where_it_is() -> None:
    assert side_by_side([threading.current_thread]) == [threading.current_thread()]
    assert side_by_side([]) == []
