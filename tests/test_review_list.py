"""The bad reviews' list of 好差评 (`dashboard.review_list.review_table`), column by column:
each review's moments, statuses at as_of and names as the page shows them."""

from __future__ import annotations

import datetime as dt

import polars as pl

from dashboard.review_list import review_table
from i18n.text import t

AS_OF = dt.datetime(2026, 11, 27, 15, 0)
D = dt.datetime


def _frame() -> pl.DataFrame:
    """Four bad reviews: called back and rectified on time; called late and rectified after
    as_of (so not yet, and overdue); nothing yet, deadlines ahead; nothing yet, known late.
    The third has no window, staff, item or comment, the fourth an empty comment."""
    return pl.DataFrame(
        {
            "eval_id": ["E1", "E2", "E3", "E4"],
            "hall_id": ["H01", "H01", "H02", "H09"],
            "evaluated_at": [D(2026, 11, 20, 9, 5), D(2026, 11, 21, 10), D(2026, 11, 27, 11, 30),
                             D(2026, 11, 10, 16, 45)],
            "rating": [1, 2, 2, 1],
            "channel": ["window", "app", "sms", "window"],
            "window_id": ["W1", "W2", None, "W9"],
            "staff_id": ["S1", "S2", None, "S9"],
            "item_id": ["I1", "I2", None, "I9"],
            "comment": ["排队太久", "态度差", None, ""],
            "revisited_at": [D(2026, 11, 20, 15), D(2026, 11, 26, 9), None, None],
            "rectified_at": [D(2026, 11, 24, 10), D(2026, 11, 28, 9), None, None],
            "rectification_note": ["增开窗口", "培训", None, None],
            "revisit_due": [D(2026, 11, 21, 23, 59, 59)] * 2 + [D(2026, 11, 28, 23, 59, 59)] * 2,
            "rectify_due": [D(2026, 11, 27, 23, 59, 59), D(2026, 11, 26, 23, 59, 59),
                            D(2026, 12, 4, 23, 59, 59), D(2026, 11, 17, 23, 59, 59)],
            "revisit_known": [True, True, False, True],
            "revisit_on_time": [True, False, False, False],
            "rectify_known": [True, False, False, True],
            "rectify_on_time": [True, False, False, False],
            "overdue": [False, True, False, True],
        }
    )  # fmt: skip


REF = {
    "halls": pl.DataFrame({"hall_id": ["H01", "H02"], "name": ["示范区政务服务中心", "街道中心"]}),
    "windows": pl.DataFrame({"window_id": ["W1", "W2"], "label": ["A01", "A02"]}),
    "staff": pl.DataFrame({"staff_id": ["S1", "S2"], "name": ["张三", "李四"]}),
    "items": pl.DataFrame({"item_id": ["I1", "I2"], "name": ["社保登记", "不动产登记"]}),
}


def test_each_review_as_the_page_shows_it() -> None:
    lang = "zh"
    table = review_table(_frame(), REF, AS_OF, lang)
    col = {name: table[t(key, lang)].to_list() for name, key in (
        ("at", "ev.at"), ("rating", "ev.rating"), ("revisit", "ev.revisit"),
        ("revisit_due", "ev.revisit_due"), ("rectify", "ev.rectify"), ("hall", "f.hall"),
        ("window", "tk.window"), ("staff", "tk.staff"), ("comment", "ev.comment"),
        ("item", "cs.item"), ("channel", "cs.channel"), ("revisited", "ev.revisited"),
        ("rectified", "ev.rectified"), ("note", "ev.note"),
    )}  # fmt: skip
    st = {key: t(f"ev.st.{key}", lang) for key in ("on_time", "late", "overdue", "pending")}
    assert table.height == 4 and table.columns[0] == t("ev.at", lang)
    assert col["at"] == ["2026-11-20 09:05", "2026-11-21 10:00", "2026-11-27 11:30",
                         "2026-11-10 16:45"]  # fmt: skip
    assert col["rating"] == [t("rating.1", lang), t("rating.2", lang), t("rating.2", lang),
                             t("rating.1", lang)]  # fmt: skip
    assert col["revisit"] == [st["on_time"], st["late"], st["pending"], st["overdue"]]
    # E2's rectification comes after as_of: not done yet, and past its deadline
    assert col["rectify"] == [st["on_time"], st["overdue"], st["pending"], st["overdue"]]
    assert col["rectified"] == ["2026-11-24 10:00", "—", "—", "—"]
    assert col["revisited"] == ["2026-11-20 15:00", "2026-11-26 09:00", "—", "—"]
    assert col["revisit_due"][0] == "2026-11-21 23:59"
    # a hall without a name keeps its id; a missing window, staff member or item is a dash
    assert col["hall"] == ["示范区政务服务中心", "示范区政务服务中心", "街道中心", "H09"]
    assert col["window"] == ["A01", "A02", "—", "—"]
    assert col["staff"] == ["张三", "李四", "—", "—"]
    assert col["item"] == ["社保登记", "不动产登记", "—", "—"]
    assert col["comment"] == ["排队太久", "态度差", "—", "—"]
    assert col["channel"] == [t(f"code.channel.{c}", lang) for c in ("window", "app", "sms",
                                                                      "window")]  # fmt: skip
    assert col["note"] == ["增开窗口", "培训", "", ""]


def test_the_english_list_has_english_headings_and_statuses() -> None:
    table = review_table(_frame(), REF, AS_OF, "en")
    assert table.columns == [
        t(key, "en")
        for key in ("ev.at", "ev.rating", "ev.revisit", "ev.revisit_due", "ev.rectify",
                    "ev.rectify_due", "f.hall", "tk.window", "tk.staff", "ev.comment", "cs.item",
                    "cs.channel", "ev.revisited", "ev.rectified", "ev.note")
    ]  # fmt: skip
    assert table[t("ev.revisit", "en")].to_list()[0] == t("ev.st.on_time", "en")
