"""Reporting periods and the period each is compared with, as a table of cases."""

from __future__ import annotations

import datetime as dt

import pytest

from metrics.catalog import BY_KEY
from metrics.periods import NOW_ENV, delta_color, delta_text, now, previous, resolve

D = dt.date
# Saturday 2026-11-28 15:00
NOW = dt.datetime(2026, 11, 28, 15, 0)
EOD = dt.time(23, 59, 59)


@pytest.mark.parametrize(
    ("kind", "first", "last", "as_of", "before_first", "before_last", "before_as_of"),
    [
        # running periods end today and are judged now; compared with the same stretch before
        ("today", D(2026, 11, 28), D(2026, 11, 28), NOW, D(2026, 11, 27), D(2026, 11, 27),
         dt.datetime(2026, 11, 27, 15, 0)),
        ("this_week", D(2026, 11, 23), D(2026, 11, 28), NOW, D(2026, 11, 16), D(2026, 11, 21),
         dt.datetime(2026, 11, 21, 15, 0)),
        ("last_week", D(2026, 11, 16), D(2026, 11, 22), dt.datetime.combine(D(2026, 11, 22), EOD),
         D(2026, 11, 9), D(2026, 11, 15), dt.datetime.combine(D(2026, 11, 15), EOD)),
        ("this_month", D(2026, 11, 1), D(2026, 11, 28), NOW, D(2026, 10, 1), D(2026, 10, 28),
         dt.datetime(2026, 10, 28, 15, 0)),
        ("last_month", D(2026, 10, 1), D(2026, 10, 31), dt.datetime.combine(D(2026, 10, 31), EOD),
         D(2026, 9, 1), D(2026, 9, 30), dt.datetime.combine(D(2026, 9, 30), EOD)),
    ],
)  # fmt: skip
def test_periods_and_their_previous(
    kind, first, last, as_of, before_first, before_last, before_as_of
) -> None:
    period = resolve(kind, NOW)
    assert (period.first, period.last, period.as_of) == (first, last, as_of)
    before = previous(kind, period)
    assert (before.first, before.last, before.as_of) == (before_first, before_last, before_as_of)


def test_month_lengths_and_custom_ranges() -> None:
    # 31 March: this month 1..31 against February 1..28 (no 31 February)
    march = resolve("this_month", dt.datetime(2026, 3, 31, 10, 0))
    before = previous("this_month", march)
    assert (before.first, before.last) == (D(2026, 2, 1), D(2026, 2, 28))
    # a custom range (given reversed) is compared with as many days just before it
    custom = resolve("custom", NOW, D(2026, 11, 10), D(2026, 11, 1))
    assert (custom.first, custom.last, custom.days) == (D(2026, 11, 1), D(2026, 11, 10), 10)
    assert custom.as_of == dt.datetime.combine(D(2026, 11, 10), EOD)
    before = previous("custom", custom)
    assert (before.first, before.last) == (D(2026, 10, 22), D(2026, 10, 31))
    with pytest.raises(ValueError, match="custom"):
        resolve("custom", NOW)
    with pytest.raises(ValueError, match="unknown period"):
        resolve("fortnight", NOW)


@pytest.mark.parametrize(
    ("key", "value", "before", "lang", "text", "color"),
    [
        ("wait_within_target_rate", 0.95, 0.911, "zh", "+3.9 个百分点", "normal"),
        ("abandon_rate", 0.024, 0.048, "en", "-2.4 pp", "inverse"),
        ("issued", 9370, 10045, "zh", "-675", "off"),
        ("wait_mean_min", 3.7, 5.5, "zh", "-1.8 分钟", "inverse"),
        ("staffed_hours", 3779.9, 3779.9, "en", "±0.0 h", "off"),
        ("served_per_staffed_hour", 2.4, 2.3, "en", "+0.10", "normal"),
        ("on_time_rate", None, 0.99, "zh", None, "normal"),
    ],
)
def test_delta_text_and_colour(key, value, before, lang, text, color) -> None:
    metric = BY_KEY[key]
    assert delta_text(metric, value, before, lang) == text
    assert delta_color(metric) == color


def test_now_can_be_fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NOW_ENV, "2026-11-27T18:30:00")
    assert now() == dt.datetime(2026, 11, 27, 18, 30)
    monkeypatch.delenv(NOW_ENV)
    assert now().second == 0
