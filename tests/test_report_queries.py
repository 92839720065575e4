"""The weekly report's SQL (queries/report_queries.py) on SQLite, PostgreSQL and MariaDB, on the
hand-checked dataset of test_metrics.py: the lists must agree with the metric counts."""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy.engine import Engine
from test_metrics import AS_OF, FIRST, LAST, seed

from access.scope import Scope
from metrics.engine import Deadlines, bad_review_status
from metrics.figures import compute
from metrics.settings import Settings
from queries import report_queries as rq
from queries.db import calendar_frame
from queries.metric_queries import Filters
from reports.weekly_data import overdue_cases

ALL = Scope.everything("test")  # unrestricted reads, as an admin

D = dt.date
WEEK_OF_0928 = (D(2026, 9, 28), D(2026, 10, 4))


def test_lists_agree_with_the_metrics(engine: Engine):
    seed(engine, "derived")
    settings = Settings()
    with engine.connect() as conn:
        figures = compute(conn, Filters(FIRST, LAST, AS_OF, {"hall": "H1"}), settings, scope=ALL)
        calendar = calendar_frame(conn)
        overdue = overdue_cases(rq.open_cases(conn, "H1", AS_OF, scope=ALL), calendar, AS_OF)
        candidates = rq.open_cases(conn, "H1", AS_OF, overdue_candidates=True, scope=ALL)
        # C10, C11 (derived due 10-19, 10-20) stay as candidates; C13 (given 10-19) does not
        assert set(candidates["case_id"]) == {"C10", "C11", "C12", "C14", "C15"}
        assert overdue_cases(candidates, calendar, AS_OF).equals(overdue)
        # C12 instant due 10-16; C14 due 10-15 (completed only after as_of); C15 due 09-10
        assert overdue["case_id"].to_list() == ["C15", "C14", "C12"]  # most overdue first
        assert overdue.height == figures["cases"]["overdue_open"]
        assert overdue["days_overdue"].to_list() == [38, 3, 2]
        assert overdue["item"].to_list() == ["不动产登记", "不动产登记", "社保卡补办"]
        assert overdue["department"].to_list() == ["不动产", "不动产", "社保"]
        assert overdue.filter(pl.col("case_id") == "C15")["due"][0] == dt.datetime(
            2026, 9, 10, 18, 0
        )

        bad = rq.bad_review_list(conn, "H1", FIRST, LAST, scope=ALL)
        assert bad["eval_id"].to_list() == ["E08", "E09", "E07", "E06", "E10", "E11"]
        assert bad.height == figures["evaluations"]["bad_count"]
        status = bad_review_status(bad, AS_OF, settings, Deadlines(calendar)).sort("eval_id")
        assert status["overdue"].sum() == figures["evaluations"]["bad_overdue"]
        e06 = status.filter(pl.col("eval_id") == "E06").row(0, named=True)
        assert (e06["window"], e06["department"], e06["revisit_on_time"]) == ("B01", "不动产", True)
        e11 = status.filter(pl.col("eval_id") == "E11").row(0, named=True)
        assert (e11["window"], e11["department"]) == (None, None)


def test_departments_without_cases(engine: Engine):
    seed(engine, "given")
    with engine.connect() as conn:
        assert rq.hall_departments(conn, "H1", scope=ALL)["dept_id"].to_list() == ["D1", "D2"]
        # 10-05 … 10-11: only C05 (I2, 不动产) was accepted
        none = rq.departments_without_cases(conn, "H1", D(2026, 10, 5), D(2026, 10, 11), scope=ALL)
        assert none.rows() == [("D1", "社保")]
        # 09-21 … 09-27: no case at all
        empty_week = rq.departments_without_cases(
            conn, "H1", D(2026, 9, 21), D(2026, 9, 27), scope=ALL
        )
        assert empty_week["dept_id"].to_list() == ["D1", "D2"]
        assert rq.departments_without_cases(conn, "H1", FIRST, LAST, scope=ALL).is_empty()
        assert rq.hall_departments(conn, "NOPE", scope=ALL).is_empty()


def test_arrivals_waits_halls_and_span(engine: Engine):
    seed(engine, "given")
    first, last = WEEK_OF_0928
    with engine.connect() as conn:
        arrivals = rq.arrivals_by_hour(conn, "H1", first, last, scope=ALL)
        got = {(d.isoformat(), h): n for d, h, n, _ in arrivals.iter_rows()}
        assert got == {
            ("2026-09-28", 9): 3,  # T01 09:00, T02 09:50, T03 09:50
            ("2026-09-28", 10): 1,  # T04
            ("2026-09-28", 17): 1,  # T07 17:59:59
            ("2026-09-28", 18): 1,  # T08
            ("2026-09-28", 19): 1,  # T09 19:59:59
            ("2026-09-28", 20): 1,  # T10
            ("2026-09-29", 13): 1,  # T05
            ("2026-09-29", 14): 1,  # T06
            ("2026-10-02", 18): 1,  # T11
        }
        assert set(arrivals.filter(pl.col("date") == D(2026, 10, 2))["weekday"]) == {5}
        assert (
            arrivals["n"].sum()
            == compute(
                conn,
                Filters(
                    first, last, dt.datetime.combine(last, dt.time(23, 59, 59)), {"hall": "H1"}
                ),
                Settings(),
                scope=ALL,
            )["tickets"]["issued"]
        )

        # valid waits (minutes): T01 5, T02 12, T03 0, T04 25, T09 8, T05 30, T11 10; T06 was
        # called before it was issued: no wait
        waits = rq.wait_histogram(conn, "H1", first, last, bin_min=5, scope=ALL)
        assert waits.rows() == [(0, 1), (5, 2), (10, 2), (15, 0), (20, 0), (25, 1), (30, 1)]
        assert rq.wait_histogram(conn, "H1", D(2026, 9, 21), D(2026, 9, 27), scope=ALL).is_empty()

        assert rq.halls_with_data(conn, first, last, scope=ALL)["hall_id"].to_list() == ["H1"]
        assert rq.halls_with_data(conn, D(2026, 9, 21), D(2026, 9, 27), scope=ALL).is_empty()
        assert rq.all_halls(conn, scope=ALL)["name"].to_list() == ["城东政务服务中心"]
        assert rq.hall_info(conn, "H1", scope=ALL)["name"] == "城东政务服务中心"
        assert rq.hall_info(conn, "H9", scope=ALL) is None
        # first and last day with a ticket, case or evaluation: C15 09-07 … E14 10-19, C14 10-20
        # is a completion, not an acceptance
        assert rq.data_span(conn, scope=ALL) == (D(2026, 9, 7), D(2026, 10, 19))
