"""Argument types shared by every `hall` command: each turns a bad value into a message that
names it (argparse prints it with the option)."""

from __future__ import annotations

import argparse
import datetime as dt
import math
from collections.abc import Callable

from workdays import clock


class ClockWord(str):
    """`today` / `now` on the command line: the hall's date or time, resolved once the
    command knows its hall (`on_hall_clock`), not the server's."""


TODAY = ClockWord("today")
NOW = ClockWord("now")


def date(text: str) -> dt.date:
    """YYYY-MM-DD, or `today` (TODAY until `on_hall_clock` makes it the hall's date)."""
    if text == "today":
        return TODAY
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def datetime(text: str) -> dt.datetime:
    """YYYY-MM-DD HH:MM[:SS], or `now` (NOW until `on_hall_clock` makes it the hall's time)."""
    if text == "now":
        return NOW
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date-time (YYYY-MM-DD HH:MM[:SS]): {text!r}"
        ) from None


def on_hall_clock(args: argparse.Namespace, zone: Callable[[], str]) -> None:
    """Replace `today` / `now` in the parsed arguments with the date and time in the hall's
    zone; `zone()` (which may read the database) is called only when one was given."""
    words = {k: v for k, v in vars(args).items() if isinstance(v, ClockWord)}
    if not words:
        return
    tz = zone()
    for key, word in words.items():
        setattr(args, key, clock.today(tz) if word == "today" else clock.now(tz))


def _whole(text: str, smallest: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = smallest - 1
    if value < smallest:
        raise argparse.ArgumentTypeError(f"must be {what}: {text!r}")
    return value


def positive_int(text: str) -> int:
    return _whole(text, 1, "a positive whole number")


def non_negative_int(text: str) -> int:
    return _whole(text, 0, "a whole number ≥ 0")


def _number(text: str, positive: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        what = "a positive number" if positive else "a number ≥ 0"
        raise argparse.ArgumentTypeError(f"must be {what}: {text!r}")
    return value


def positive(text: str) -> float:
    return _number(text, positive=True)


def non_negative(text: str) -> float:
    return _number(text, positive=False)
