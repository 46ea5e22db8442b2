"""lms/core/caching.py: values cached under versions, and values refreshed at most so often."""

import pytest

from lms.core import caching
from lms.core.caching import RefreshingCache


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(caching.time, "time", clock)
    return clock


@pytest.fixture
def highlights():
    return RefreshingCache("test-highlights", fresh_for=60)


def counting(values):
    calls = []

    def compute():
        calls.append(1)
        return values[len(calls) - 1]

    return compute, calls


def test_a_fresh_value_is_not_recomputed(clock, highlights):
    compute, calls = counting(["first", "second"])
    assert highlights.get_or_compute("board", compute) == "first"
    clock.now += 59
    assert highlights.get_or_compute("board", compute) == "first"
    assert len(calls) == 1


def test_an_old_value_is_recomputed_by_the_next_read(clock, highlights):
    compute, calls = counting(["first", "second"])
    highlights.get_or_compute("board", compute)
    clock.now += 61
    assert highlights.get_or_compute("board", compute) == "second"
    assert len(calls) == 2


def test_others_keep_the_old_value_while_one_request_recomputes(clock, highlights):
    compute, calls = counting(["first", "second"])
    highlights.get_or_compute("board", compute)
    clock.now += 61

    def read_while_refreshing():
        # A second request arrives while the first is still computing.
        assert highlights.get_or_compute("board", compute) == "first"
        return "second"

    assert highlights.get_or_compute("board", read_while_refreshing) == "second"
    assert len(calls) == 1  # the second request did not compute too
    assert highlights.get_or_compute("board", compute) == "second"


def test_a_failed_recomputation_lets_the_next_request_try_again(clock, highlights):
    compute, _calls = counting(["first", "second"])
    highlights.get_or_compute("board", compute)
    clock.now += 61

    def broken():
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        highlights.get_or_compute("board", broken)
    assert highlights.get_or_compute("board", compute) == "second"


@pytest.mark.django_db
def test_forget_shows_a_change_at_once(clock, highlights):
    compute, _calls = counting(["first", "second"])
    highlights.get_or_compute("board", compute)
    highlights.forget()
    assert highlights.get_or_compute("board", compute) == "second"
