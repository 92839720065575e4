"""Who sees what: passwords, accounts and sign-in, scopes and their SQL filter, the audit trail,
kiosk links, the first admin and the `hall user|kiosk|audit` commands.

The table-backed parts run on SQLite, PostgreSQL and MariaDB (the `engine` fixture). Sign-in
logic runs with a cheap argon2id profile (`fast_hashing`) so that a dozen sign-ins do not
take seconds; the real profile is checked on its own.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher, Type

from access import accounts, audit, bootstrap, kiosk, passwords
from access.scope import OutOfScope, Scope, halls_below, scope_filter, scope_for
from access.settings import AccessSettings, load_access_settings
from cli.main import main
from metrics.settings import SettingsError, load_settings
from queries import schema as s
from queries.db import make_engine
from simulation.demo import DemoOptions
from simulation.writer import write_demo

NOW = dt.datetime(2026, 11, 25, 10, 0, 0)
SETTINGS = AccessSettings()
BY = "cli:test"
GOOD = "correct horse battery"


@pytest.fixture
def fast_hashing(monkeypatch):
    """argon2id with 1 pass over 1 MiB: the same code paths, milliseconds per hash."""
    monkeypatch.setattr(
        passwords,
        "_HASHER",
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID),
    )


def _add_halls(conn, *rows: tuple[str, str | None]) -> None:
    s.metadata.create_all(conn, tables=[s.halls, s.departments])
    conn.execute(
        s.halls.insert(), [{"hall_id": h, "name": h, "parent_hall_id": p} for h, p in rows]
    )


# --- passwords and settings ---------------------------------------------------------------------


def test_hashes_are_argon2id_salted_and_verify():
    stored = passwords.hash_password(GOOD)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert stored != passwords.hash_password(GOOD)  # salted
    assert passwords.verify(stored, GOOD)
    assert not passwords.verify(stored, GOOD + " ")
    assert not passwords.verify(None, GOOD)
    assert not passwords.verify("not a hash", GOOD)
    assert not passwords.needs_rehash(stored)
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(GOOD)
    assert passwords.verify(weak, GOOD) and passwords.needs_rehash(weak)
    otp = passwords.one_time_password()
    assert len(otp) == passwords.ONE_TIME_LENGTH and otp != passwords.one_time_password()


def test_minimum_length_refused_in_both_languages():
    with pytest.raises(passwords.PasswordRefused) as refused:
        passwords.check_rules("short-pw", 12)
    assert "至少需要 12 个字符" in str(refused.value)
    assert "at least 12 characters" in str(refused.value) and "this one has 8" in str(refused.value)
    passwords.check_rules("十二个汉字的密码也算十二个字", 12)  # characters, not bytes
    with pytest.raises(passwords.PasswordRefused):
        passwords.check_rules(" " * 12, 12)


def test_access_settings_from_the_file(tmp_path: Path):
    path = tmp_path / "hallpulse.toml"
    assert load_access_settings(path) == AccessSettings()  # no file: defaults
    assert (AccessSettings().min_password_length, AccessSettings().max_failures) == (12, 5)
    assert (AccessSettings().lockout_min, AccessSettings().idle_timeout_min) == (15, 30)
    path.write_text(
        '[metrics]\nwait_target_min = 15\n[access]\nauth = "oidc"\nmax_failures = 3\n',
        encoding="utf-8",
    )
    assert load_access_settings(path) == AccessSettings(auth="oidc", max_failures=3)
    assert load_settings(path).wait_target_min == 15  # [access] is not an unknown section
    for bad, words in (
        ("[access]\nmax_failure = 3\n", "unknown setting(s) max_failure"),
        ('[access]\nauth = "ldap"\n', "auth must be one of local, oidc, none"),
        ("[access]\nmin_password_length = 4\n", "min_password_length must be a whole number ≥ 8"),
        ("[access]\nlockout_min = true\n", "lockout_min must be a whole number"),
    ):
        path.write_text(bad, encoding="utf-8")
        with pytest.raises(SettingsError, match=r".*") as error:
            load_access_settings(path)
        assert str(path) in str(error.value) and words in str(error.value)


# --- accounts and sign-in -----------------------------------------------------------------------


def test_lockout_after_failures_and_release_later(engine, fast_hashing):
    rules = AccessSettings(max_failures=3, lockout_min=10)
    with engine.begin() as conn:
        accounts.add_user(conn, "ops", "admin", by=BY, settings=rules, password=GOOD, now=NOW)
    with engine.begin() as conn:

        def sign_in(password: str, at: dt.datetime):
            return accounts.authenticate(
                conn, "ops", password, settings=rules, now=at, client="10.0.0.7"
            )

        assert [sign_in("wrong password", NOW).reason for _ in range(2)] == ["wrong", "wrong"]
        third = sign_in("wrong password", NOW)
        assert third.reason == "locked" and third.locked_until == NOW + dt.timedelta(minutes=10)
        assert "10:10" in third.message("en") and "10:10" in third.message("zh")
        # locked: the right password is refused too, and does not extend the lock
        still = sign_in(GOOD, NOW + dt.timedelta(minutes=9, seconds=59))
        assert not still.ok and still.locked_until == NOW + dt.timedelta(minutes=10)
        later = sign_in(GOOD, NOW + dt.timedelta(minutes=10))
        assert later.ok and later.user.role == "admin" and not later.must_change_password
        user = accounts.get_user(conn, "ops")
        assert (user.failed_count, user.locked_until) == (0, None)
        assert user.last_login_at == NOW + dt.timedelta(minutes=10)
        # locked again; once the lock has run out, one more wrong password is a fresh count
        again = NOW + dt.timedelta(hours=1)
        assert [sign_in("nope nope nope", again).reason for _ in range(3)][-1] == "locked"
        fresh = sign_in("nope nope nope", again + dt.timedelta(minutes=10))
        assert fresh.reason == "wrong" and accounts.get_user(conn, "ops").failed_count == 1
        unknown = accounts.authenticate(conn, "nobody", GOOD, settings=rules, now=NOW)
        assert unknown.reason == "unknown" and unknown.message() == third_message_wrong()
        rows = audit.read(conn, who="ops")
    assert rows["action"].to_list() == ["sign_in_failed"] * 4 + ["sign_in"] + ["sign_in_failed"] * 4
    assert set(rows["client"].to_list()) == {"10.0.0.7"}
    assert [json.loads(d)["reason"] for d in rows["detail"].to_list()[:4]] == [
        "wrong",
        "wrong",
        "locked",
        "locked",
    ]


def third_message_wrong() -> str:
    """An unknown login and a wrong password read the same."""
    return accounts.AuthResult(ok=False, reason="wrong", login="x").message()


def test_disabled_accounts_are_refused_and_enabling_lets_them_in(engine, fast_hashing):
    with engine.begin() as conn:
        accounts.add_user(conn, "ops", "admin", by=BY, settings=SETTINGS, password=GOOD, now=NOW)
        accounts.set_disabled(conn, "ops", True, by=BY, now=NOW)
        refused = accounts.authenticate(conn, "ops", GOOD, settings=SETTINGS, now=NOW)
        assert refused.reason == "disabled" and "disabled" in refused.message("en")
        # a disabled account with a wrong password reads as a wrong password
        wrong = accounts.authenticate(conn, "ops", "guess guess guess", settings=SETTINGS, now=NOW)
        assert wrong.reason == "wrong"
        accounts.set_disabled(conn, "ops", False, by=BY, now=NOW)
        assert accounts.authenticate(conn, "ops", GOOD, settings=SETTINGS, now=NOW).ok
        accounts.set_password(conn, "ops", "a new long password", by=BY, settings=SETTINGS, now=NOW)
        assert accounts.authenticate(conn, "ops", GOOD, settings=SETTINGS, now=NOW).reason == (
            "wrong"
        )
        with pytest.raises(passwords.PasswordRefused):
            accounts.set_password(conn, "ops", "too short", by=BY, settings=SETTINGS)
        changes = audit.read(conn, action="user_change")
    assert [json.loads(d)["change"] for d in changes["detail"]] == [
        "add",
        "disable",
        "enable",
        "password",
    ]
    assert set(changes["who"]) == {BY} and set(changes["target"]) == {"ops"}


def test_single_sign_on_accounts_have_no_password_and_bind_their_subject(engine, fast_hashing):
    with engine.begin() as conn:
        _add_halls(conn, ("H01", None))
        accounts.add_user(
            conn, "li", "viewer", by=BY, settings=SETTINGS, halls=["H01"], email="Li@Hall.cn"
        )
        assert accounts.authenticate(conn, "li", GOOD, settings=SETTINGS).reason == "no_password"
        assert accounts.user_for_sso(conn, "sub-1", "nobody@hall.cn") is None
        user = accounts.user_for_sso(conn, "sub-1", "li@hall.cn", now=NOW)
        assert user.login == "li" and user.oidc_subject == "sub-1"
        assert accounts.user_for_sso(conn, "sub-1", None).login == "li"  # bound now
        accounts.set_disabled(conn, "li", True, by=BY)
        assert accounts.user_for_sso(conn, "sub-1", None) is None


def test_account_rules_refuse_what_does_not_fit(engine):
    with engine.begin() as conn:
        _add_halls(conn, ("H01", None))
        conn.execute(s.departments.insert(), [{"dept_id": "D01", "name": "D01"}])
        add = accounts.add_user
        cases = (
            (lambda: add(conn, "a b", "admin", by=BY, settings=SETTINGS), "login 'a b'"),
            (lambda: add(conn, "x", "boss", by=BY, settings=SETTINGS), "unknown role"),
            (lambda: add(conn, "x", "director", by=BY, settings=SETTINGS), "at least one --hall"),
            (
                lambda: add(conn, "x", "director", by=BY, settings=SETTINGS, halls=["H09"]),
                "unknown hall H09",
            ),
            (
                lambda: add(conn, "x", "manager", by=BY, settings=SETTINGS, halls=["H01"]),
                "needs --dept",
            ),
            (
                lambda: add(conn, "x", "admin", by=BY, settings=SETTINGS, halls=["H01"]),
                "every hall",
            ),
            (lambda: add(conn, "x", "staff", by=BY, settings=SETTINGS), "need --staff"),
        )
        for attempt, words in cases:
            with pytest.raises(accounts.AccountError, match=r".*") as refused:
                attempt()
            assert words in str(refused.value)
        add(conn, "m", "manager", by=BY, settings=SETTINGS, halls=["H01"], dept="D01")
        with pytest.raises(accounts.AccountError, match="exists already"):
            add(conn, "m", "viewer", by=BY, settings=SETTINGS, halls=["H01"])
        assert accounts.list_users(conn)[0].grants == (accounts.Grant("H01", "D01"),)


# --- scopes -------------------------------------------------------------------------------------


def _reference(conn, table: sa.Table, key: str, value: str) -> dict:
    return dict(conn.execute(sa.select(table.c[key], table.c[value])).all())


def _departments(conn) -> dict[str, dict]:
    return {
        name: _reference(conn, table, key, "dept_id")
        for name, table, key in (
            ("queue", s.queues, "queue_id"),
            ("item", s.items, "item_id"),
            ("window", s.windows, "window_id"),
            ("staff", s.staff, "staff_id"),
        )
    }


def _expected(scope: Scope, table: sa.Table, rows: list[dict], depts: dict) -> Counter:
    """The rows of `table` the scope may see, filtered here in Python from all its `rows`
    (`depts`: the department of each queue, item, window and staff member)."""
    queue_dept, item_dept = depts["queue"], depts["item"]
    window_dept, staff_dept = depts["window"], depts["staff"]
    reference = table.name in {t.name for t in s.REFERENCE_TABLES}
    dept_of = {
        "tickets": lambda r: queue_dept.get(r["queue_id"]),
        "cases": lambda r: item_dept.get(r["item_id"]),
        "evaluations": lambda r: item_dept.get(r["item_id"]) or window_dept.get(r["window_id"]),
        "attendance": lambda r: staff_dept.get(r["staff_id"]),
    }.get(table.name, lambda r: r.get("dept_id", r.get("department", ...)))
    keep = Counter()
    for row in rows:
        if scope.hall_ids is not None:
            if "hall_id" in row:
                if row["hall_id"] not in scope.hall_ids:
                    continue
            elif not reference:
                continue
        if scope.dept_ids is not None:
            dept = dept_of(row)
            if dept is ...:
                if not reference:
                    continue
            elif dept not in scope.dept_ids:
                continue
        if scope.staff_id is not None:
            staff = row.get("staff_id", row.get("staff", ...))
            if staff is ...:
                if not reference:
                    continue
            elif staff != scope.staff_id:
                continue
        keep[tuple(row.values())] += 1
    return keep


SCOPED_TABLES = (
    s.tickets,
    s.cases,
    s.evaluations,
    s.attendance,
    s.windows,
    s.staff,
    s.queues,
    s.items,
    s.halls,
    s.rollup_tickets,
    s.rollup_evaluations,
    s.rollup_intake,
    s.rollup_histograms,
)


def test_scopes_on_the_demo_network_filter_in_sql(engine):
    """One day of the demo network: H01 (district) ← H02 (← H04, H05), H03 (← H06, H07)."""
    write_demo(engine, DemoOptions(end=NOW.date(), days=1))
    with engine.begin() as conn:
        staff_id, staff_hall = conn.execute(
            sa.select(s.tickets.c.staff_id, s.tickets.c.hall_id)
            .where(s.tickets.c.hall_id == "H02", s.tickets.c.staff_id.is_not(None))
            .limit(1)
        ).one()
        add = accounts.add_user
        add(conn, "d2", "director", by=BY, settings=SETTINGS, halls=["H02"])
        add(conn, "d1", "director", by=BY, settings=SETTINGS, halls=["H01"])
        add(conn, "m1", "manager", by=BY, settings=SETTINGS, halls=["H01", "H02"], dept="D01")
        add(conn, "w1", "staff", by=BY, settings=SETTINGS, staff=staff_id)
        add(conn, "v1", "viewer", by=BY, settings=SETTINGS, halls=["H03"])
        add(conn, "root", "admin", by=BY, settings=SETTINGS)

    with engine.connect() as conn:
        d2 = scope_for(conn, "d2")
        assert d2.hall_ids == {"H02", "H04", "H05"} and d2.names_visible
        assert d2.allows_hall("H04") and not d2.allows_hall("H03") and not d2.allows_hall("H01")
        assert scope_for(conn, "d1").hall_ids == {f"H0{i}" for i in range(1, 8)}
        m1 = scope_for(conn, "m1")
        assert (m1.hall_ids, m1.dept_ids) == ({"H01", "H02"}, {"D01"})
        w1 = scope_for(conn, "w1")
        assert (w1.hall_ids, w1.staff_id) == ({staff_hall}, staff_id)
        v1 = scope_for(conn, "v1")
        assert v1.hall_ids == {"H03"} and not v1.names_visible  # granted halls only
        root = scope_for(conn, "root")
        assert root.hall_ids is None and scope_filter(root, s.tickets).compare(sa.true())
        with pytest.raises(OutOfScope, match="no such user"):
            scope_for(conn, "nobody")

        depts = _departments(conn)
        every = {
            t.name: [dict(r) for r in conn.execute(sa.select(t)).mappings()] for t in SCOPED_TABLES
        }
        for scope in (d2, m1, w1, v1, root, Scope.kiosk(1, "H05")):
            for table in SCOPED_TABLES:
                rows = conn.execute(sa.select(table).where(scope_filter(scope, table))).all()
                got = Counter(tuple(r) for r in rows)
                want = _expected(scope, table, every[table.name], depts)
                assert got == want, (scope.who, table.name)
            tickets = conn.execute(
                sa.select(sa.func.count()).where(scope_filter(scope, s.tickets))
            ).scalar_one()
            assert tickets > 0, scope.who  # each scope sees something of the demo day

        # the filter on an alias, in a query that joins the same reference tables itself
        e2, q2, i2 = s.evaluations.alias("e2"), s.queues.alias("q2"), s.items.alias("i2")
        joined = sa.select(e2.c.eval_id).select_from(e2.outerjoin(i2, i2.c.item_id == e2.c.item_id))
        plain = sa.select(s.evaluations.c.eval_id)
        for scope in (m1, d2):
            a = set(conn.execute(joined.where(scope_filter(scope, e2))).scalars())
            b = set(conn.execute(plain.where(scope_filter(scope, s.evaluations))).scalars())
            assert a == b and a
        t_q = sa.select(s.tickets.c.ticket_id, q2.c.dept_id).select_from(
            s.tickets.join(q2, q2.c.queue_id == s.tickets.c.queue_id)
        )
        assert {d for _, d in conn.execute(t_q.where(scope_filter(m1, s.tickets)))} == {"D01"}

        # narrowing: the intersection, or a refusal that names who and what
        assert d2.narrow(hall="H04").hall_ids == {"H04"}
        with pytest.raises(OutOfScope) as refused:
            d2.narrow(hall="H03")
        assert "d2 (director) may not see hall H03" in str(refused.value)
        assert "H02, H04, H05" in str(refused.value)
        with pytest.raises(OutOfScope, match="department D02"):
            m1.narrow(dept="D02")
        assert m1.narrow(hall="H02", dept="D01").hall_ids == {"H02"}
        with pytest.raises(OutOfScope, match="staff S9999"):
            w1.narrow(staff="S9999")
        h01_window = conn.execute(
            sa.select(s.windows.c.window_id).where(s.windows.c.hall_id == "H01").limit(1)
        ).scalar_one()
        assert d2.narrow(window=h01_window).window_ids == {h01_window}  # no conn: SQL decides
        assert (
            conn.execute(
                sa.select(sa.func.count()).where(
                    scope_filter(d2.narrow(window=h01_window), s.tickets)
                )
            ).scalar_one()
            == 0
        )
        with pytest.raises(OutOfScope, match=f"window {h01_window} of hall H01"):
            d2.narrow(window=h01_window, conn=conn)
        assert root.narrow(window=h01_window, conn=conn).window_ids == {h01_window}
        with pytest.raises(OutOfScope, match="theirs: H03"):  # the hall narrowed first
            root.narrow(hall="H03", window=h01_window, conn=conn)
        described = json.loads(d2.narrow(hall="H05").describe())
        assert described == {"who": "d2", "role": "director", "halls": ["H05"], "names": True}

    with engine.begin() as conn:  # an item without a department: the window's counts
        e, w = s.evaluations, s.windows
        item = conn.execute(
            sa.select(e.c.item_id)
            .join(w, w.c.window_id == e.c.window_id)
            .where(w.c.dept_id == "D01", e.c.hall_id.in_(["H01", "H02"]), e.c.item_id.isnot(None))
            .limit(1)
        ).scalar_one()
        conn.execute(s.items.update().where(s.items.c.item_id == item).values(dept_id=None))
        rows = [dict(r) for r in conn.execute(sa.select(e)).mappings()]
        got = Counter(tuple(r) for r in conn.execute(sa.select(e).where(scope_filter(m1, e))))
        assert got == _expected(m1, e, rows, _departments(conn))
        assert any(r["item_id"] == item for r in rows if tuple(r.values()) in got)

    with engine.begin() as conn:  # a cycle in the network: each hall is visited once
        conn.execute(
            s.halls.update().where(s.halls.c.hall_id == "H01").values(parent_hall_id="H04")
        )
        assert halls_below(conn, ["H04"]) == {f"H0{i}" for i in range(1, 8)}
        assert halls_below(conn, ["H06"]) == {"H06"}


# --- audit --------------------------------------------------------------------------------------


def test_audit_appends_and_reads_by_time_and_who(engine):
    scope = Scope(who="d2", role="director", hall_ids=frozenset({"H02"}))
    first = audit.record(
        engine,
        who="d2",
        role="director",
        action="download",
        target="tickets.csv",
        scope=scope,
        detail={"rows": 120, "名称": "取号"},
        client="10.0.0.7",
        at=NOW,
    )
    with engine.begin() as conn:
        second = audit.record(conn, who="v1", action="page_view", target="总览", at=NOW)
    with pytest.raises(RuntimeError), engine.begin() as conn:  # rolls back with the caller
        audit.record(conn, who="v1", action="report", at=NOW)
        raise RuntimeError
    third = audit.record(engine, who="d2", action="sign_out", at=NOW + dt.timedelta(days=1))
    assert first < second < third
    with pytest.raises(ValueError, match="unknown audit action 'delete'"):
        audit.record(engine, who="x", action="delete")
    with engine.connect() as conn:
        everything = audit.read(conn)
        assert everything["audit_id"].to_list() == [first, second, third]
        assert audit.read(conn, NOW.date(), NOW.date())["audit_id"].to_list() == [first, second]
        assert audit.read(conn, first=NOW.date() + dt.timedelta(days=1)).height == 1
        mine = audit.read(conn, who="d2").to_dicts()
        assert audit.read(conn, limit=1)["audit_id"].to_list() == [third]
    assert [r["action"] for r in mine] == ["download", "sign_out"]
    row = mine[0]
    assert (row["at"], row["role"], row["target"], row["client"]) == (
        NOW,
        "director",
        "tickets.csv",
        "10.0.0.7",
    )
    assert json.loads(row["detail"]) == {"rows": 120, "名称": "取号"}
    assert json.loads(row["scope"])["halls"] == ["H02"]
    public = {n for n in dir(audit) if not n.startswith("_") and callable(getattr(audit, n))}
    assert not {n for n in public if "update" in n or "delete" in n or "remove" in n}


def test_audit_read_before_any_row_is_empty(engine):
    with engine.connect() as conn:
        assert audit.read(conn).is_empty()


# --- kiosk links --------------------------------------------------------------------------------


def test_kiosk_tokens_are_stored_as_hashes_and_expire_or_revoke(engine):
    with engine.begin() as conn:
        _add_halls(conn, ("H01", None), ("H02", "H01"))
        link, token = kiosk.add(conn, "H01", by=BY, label="东屏", now=NOW)
        timed, timed_token = kiosk.add(
            conn, "H02", by=BY, expires_at=NOW + dt.timedelta(days=7), now=NOW
        )
        with pytest.raises(kiosk.KioskError, match="unknown hall 'H09'"):
            kiosk.add(conn, "H09", by=BY)
        with pytest.raises(kiosk.KioskError, match="not in the future"):
            kiosk.add(conn, "H01", by=BY, expires_at=NOW, now=NOW)
    assert len(token) >= 43 and token != timed_token
    with engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(sa.select(s.kiosk_links))]
    assert not any(token in str(v) or timed_token in str(v) for row in stored for v in row)
    assert kiosk.token_hash(token) in {v for row in stored for v in row}
    assert kiosk.url("http://hall:8501/", "H01", token) == (
        f"http://hall:8501/screen?hall=H01&kiosk={token}"
    )

    with engine.begin() as conn:
        assert kiosk.check(conn, token, NOW).hall_id == "H01"
        assert kiosk.get(conn, link.link_id).last_seen_at == NOW
        assert kiosk.check(conn, timed_token, NOW + dt.timedelta(days=6)).hall_id == "H02"
        assert kiosk.check(conn, timed_token, NOW + dt.timedelta(days=7)) is None  # expired
        assert kiosk.check(conn, token[:-1], NOW) is None
        assert kiosk.check(conn, "", NOW) is None and kiosk.check(conn, None, NOW) is None
        kiosk.revoke(conn, link.link_id, by=BY, now=NOW + dt.timedelta(hours=1))
        assert kiosk.check(conn, token, NOW + dt.timedelta(hours=2)) is None
        with pytest.raises(kiosk.KioskError, match="revoked already"):
            kiosk.revoke(conn, link.link_id, by=BY)
        states = {k.link_id: k.state(NOW + dt.timedelta(days=8)) for k in kiosk.list_links(conn)}
        assert states == {link.link_id: "revoked", timed.link_id: "expired"}
        trail = audit.read(conn)
    assert trail["action"].to_list() == ["kiosk_add", "kiosk_add", "kiosk_revoke"]
    assert trail["target"].to_list()[-1] == f"kiosk:{link.link_id}"


def test_kiosk_scope_is_one_hall_without_names():
    scope = Scope.kiosk(3, "H01")
    assert (scope.who, scope.role, scope.hall_ids) == ("kiosk:3", "kiosk", {"H01"})
    assert not scope.names_visible and not scope.allows_hall("H02")


# --- the first admin ------------------------------------------------------------------------------


def test_first_admin_only_on_an_empty_database(engine, fast_hashing):
    password = bootstrap.first_admin(engine)
    assert password and len(password) == passwords.ONE_TIME_LENGTH
    assert bootstrap.first_admin(engine) is None
    with engine.begin() as conn:
        result = accounts.authenticate(conn, "admin", password, settings=SETTINGS, now=NOW)
    assert result.ok and result.must_change_password and result.user.role == "admin"


# --- the command line -----------------------------------------------------------------------------

HALL = Path(sys.executable).parent / "hall"


def test_cli_round_trip(tmp_path: Path, monkeypatch, capsys):
    """The installed `hall` for what a person types (password on stdin, JSON out); the same
    parser in-process for the rest, which would cost seconds per process start."""
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        _add_halls(conn, ("H01", None), ("H02", "H01"), ("H04", "H02"))
    engine.dispose()
    config = str(tmp_path / "none.toml")
    env = {**os.environ, "HALL_DB_URL": url, "HALLPULSE_CONFIG": config}
    monkeypatch.setenv("HALL_DB_URL", url)
    monkeypatch.setenv("HALLPULSE_CONFIG", config)

    def installed(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(HALL), *args],
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
            timeout=60,
        )

    def hall(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    added = installed("user", "add", "d2", "--role", "director", "--hall", "H02", "--name",
                      "王五", "--password-stdin", stdin=GOOD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "added d2 (director): H02" in added.stdout and GOOD not in added.stdout
    code, _, err = hall("user", "add", "d3", "--role", "director", "--hall", "H02",
                        "--password-stdin", stdin="short\n")  # fmt: skip
    assert code == 1 and "at least 12 characters" in err
    code, out, _ = hall("user", "add", "v1", "--role", "viewer", "--hall", "H01", "H04")
    one_time = out.splitlines()[-1]
    assert code == 0 and len(one_time) == passwords.ONE_TIME_LENGTH
    assert hall("user", "grant", "d2", "--hall", "H01")[0] == 0
    assert hall("user", "grant", "d2", "--hall", "H01", "--revoke")[0] == 0
    assert hall("user", "disable", "v1")[0] == 0
    code, _, err = hall("user", "grant", "d2", "--hall", "H09")
    assert code == 1 and "unknown hall H09" in err

    code, out, err = hall("user", "list", "--json")
    assert code == 0, err
    users = {u["login"]: u for u in json.loads(out)}
    assert set(users) == {"d2", "v1"}
    assert users["d2"]["display_name"] == "王五" and users["d2"]["grants"] == [
        {"hall_id": "H02", "dept_id": None, "staff_id": None}
    ]
    assert users["v1"]["disabled"] and users["v1"]["must_change_password"]
    assert "v1 [viewer]: H01, H04 — disabled, must change password" in hall("user", "list")[1]

    engine = make_engine(url)
    with engine.begin() as conn:
        assert accounts.authenticate(conn, "d2", GOOD, settings=SETTINGS).ok
        assert scope_for(conn, "d2").hall_ids == {"H02", "H04"}
    engine.dispose()

    code, out, err = hall("kiosk", "add", "H02", "--label", "东屏", "--days", "7",
                          "--base-url", "http://screen.local:8501")  # fmt: skip
    assert code == 0, err
    link_url = out.splitlines()[-1]
    assert link_url.startswith("http://screen.local:8501/screen?hall=H02&kiosk=")
    links = json.loads(hall("kiosk", "list", "--json")[1])
    assert [(k["hall_id"], k["label"], k["state"]) for k in links] == [("H02", "东屏", "active")]
    assert link_url.split("kiosk=")[1] not in json.dumps(links)
    assert hall("kiosk", "revoke", str(links[0]["link_id"]))[0] == 0
    assert json.loads(hall("kiosk", "list", "--json")[1])[0]["state"] == "revoked"

    trail = installed("audit", "--json")
    assert trail.returncode == 0, trail.stderr
    rows = json.loads(trail.stdout)
    actions = [r["action"] for r in rows]
    assert actions == ["user_change"] * 5 + ["sign_in", "kiosk_add", "kiosk_revoke"]
    who = {r["who"] for r in rows if r["action"] != "sign_in"}
    assert len(who) == 1 and who.pop().startswith("cli:")
    assert [r["detail"]["change"] for r in rows[:5]] == [
        "add",
        "add",
        "grant",
        "revoke",
        "disable",
    ]
    assert [r["detail"]["password"] for r in rows[:2]] == ["set", "one-time"]
    assert GOOD not in trail.stdout and one_time not in trail.stdout
    only_d2 = json.loads(hall("audit", "--user", "d2", "--json")[1])
    assert [r["action"] for r in only_d2] == ["sign_in"]
    text = hall("audit", "--action", "kiosk_add")[1]
    assert "kiosk_add kiosk:1" in text and "东屏" in text


def test_readers_with_the_same_rights_share_cached_figures(monkeypatch) -> None:
    """The dashboard's cached readers key on a scope's rights, not on the reader's name: two
    directors of the same hall are served one read, a director of another hall or a
    department's manager gets their own (a narrower scope is never served a wider one's)."""
    import streamlit as st

    from dashboard import cached

    reads: list[Scope] = []
    shared: list[Scope] = []  # the partials read once for two readers, in the same rights

    def compute(conn, period, settings, dimension, sections, *, scope, keys, given, parallel):
        reads.append(scope)
        return {"halls": sorted(scope.hall_ids or [])}

    def partial(*args, scope):
        shared.append(scope)
        return pl.DataFrame({"group": []})

    monkeypatch.setattr(cached, "compute", compute)

    def packages(*args, scope):
        shared.append(scope)
        return dict.fromkeys(cached.PACKAGE_PARTIALS, pl.DataFrame({"group": []}))

    monkeypatch.setattr(cached, "package_rows", packages)
    monkeypatch.setattr(cached, "histogram_buckets", partial)
    monkeypatch.setattr(cached, "settings", lambda: None)
    st.cache_data.clear()
    day, at = dt.date(2026, 11, 27), dt.datetime(2026, 11, 27, 18, 0)
    one = frozenset({"H01"})
    wang = Scope(who="wang", role="director", hall_ids=one)
    li = Scope(who="li", role="director", hall_ids=one)
    other = Scope(who="zhao", role="director", hall_ids=frozenset({"H02"}))
    manager = Scope(who="sun", role="manager", hall_ids=one, dept_ids=frozenset({"D1"}))
    url = "sqlite://"
    assert cached.figures(url, day, day, at, scope=wang) == {"halls": ["H01"]}
    assert cached.figures(url, day, day, at, scope=li) == {"halls": ["H01"]}
    assert len(reads) == 1 and reads[0].who == "" and reads[0].hall_ids == one
    cached.figures(url, day, day, at, scope=other)
    cached.figures(url, day, day, at, scope=manager)
    assert [r.hall_ids for r in reads[1:]] == [frozenset({"H02"}), one]
    assert reads[2].dept_ids == frozenset({"D1"})
    assert wang.rights() == li.rights() != manager.rights()
    assert shared == [r for r in reads for _ in range(2)]  # the packages' cases, the waits
    st.cache_data.clear()
