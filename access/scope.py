"""The scope a reader works in: which halls, departments and staff its figures may come from.

    scope = scope_for(conn, "d2")             # a director of H02: H02 and the halls below it
    scope.narrow(hall="H04")                  # the intersection, or OutOfScope
    stmt.where(scope_filter(scope, tickets))  # the rows of tickets the scope may see

`scope_filter` reaches each table's department the way `queries.metric_queries` does: a
ticket's department is its queue's, a case's its item's, an evaluation's its item's (else its
window's), a shift's its staff member's; reference tables and rollups use their own columns.
A restriction that a fact or rollup table cannot express (a staff scope on the hourly
histograms, a department scope on a table without departments) selects nothing: a scope
never widens by omission. Reference tables without the column (halls for a department, items
for a hall) are not narrowed: they hold names of things, not figures.

`names_visible` is False for viewers and kiosk screens: the readers built on a scope show
figures without staff names (or masked, `metrics.live.mask_name`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.selectable import Alias, FromClause

from access import accounts, tables
from queries import schema as s


class OutOfScope(PermissionError):
    """A request outside the caller's scope; the message names the caller and what it may see."""


@dataclass(frozen=True)
class Scope:
    """Who reads, and what they may see. None means no restriction (all halls: admin and the
    command line only); an empty set means nothing."""

    who: str  # a login, "kiosk:<link_id>" or "cli"
    role: str  # admin, director, manager, staff, viewer, kiosk
    hall_ids: frozenset[str] | None
    dept_ids: frozenset[str] | None = None
    staff_id: str | None = None
    names_visible: bool = True
    window_ids: frozenset[str] | None = None  # only from narrow(window=…)

    @classmethod
    def everything(cls, who: str = "cli", role: str = "admin") -> Scope:
        """The unrestricted scope of an admin or of the command line run without --as."""
        return cls(who=who, role=role, hall_ids=None)

    @classmethod
    def kiosk(cls, link_id: int, hall_id: str) -> Scope:
        """A big screen opened with a valid kiosk link: one hall, no names."""
        return cls(
            who=f"kiosk:{link_id}",
            role="kiosk",
            hall_ids=frozenset({hall_id}),
            names_visible=False,
        )

    def rights(self) -> Scope:
        """The same rights without the reader's name: what a cache keys its figures on, so
        that readers who may see exactly the same rows (two directors of the same halls, the
        kiosk links of one hall) share them instead of each reading their own."""
        return replace(self, who="")

    def allows_hall(self, hall_id: str) -> bool:
        return self.hall_ids is None or hall_id in self.hall_ids

    def allows_dept(self, dept_id: str) -> bool:
        return self.dept_ids is None or dept_id in self.dept_ids

    def _refuse(self, what: str, mine: frozenset[str] | None) -> OutOfScope:
        have = "nothing" if not mine else ", ".join(sorted(mine))
        return OutOfScope(
            f"超出权限范围 / out of scope: {self.who} ({self.role}) may not see {what}; "
            f"theirs: {have}"
        )

    def narrow(
        self,
        hall: str | None = None,
        dept: str | None = None,
        window: str | None = None,
        staff: str | None = None,
        conn: Connection | None = None,
    ) -> Scope:
        """This scope cut down to one hall / department / window / staff member.

        Raises OutOfScope when the request is outside the scope. With `conn`, a window's and
        a staff member's hall are looked up and checked too (without it, `scope_filter`
        still intersects them with the scope in SQL, so nothing leaks; the check only gives
        a clear refusal instead of empty figures).
        """
        out = self
        if hall is not None:
            if not self.allows_hall(hall):
                raise self._refuse(f"hall {hall}", self.hall_ids)
            out = replace(out, hall_ids=frozenset({hall}))
        if dept is not None:
            if not self.allows_dept(dept):
                raise self._refuse(f"department {dept}", self.dept_ids)
            out = replace(out, dept_ids=frozenset({dept}))
        if staff is not None:
            if self.staff_id is not None and staff != self.staff_id:
                raise self._refuse(f"staff {staff}", frozenset({self.staff_id}))
            home = _hall_of(conn, s.staff, "staff_id", staff) if conn is not None else None
            if home is not None and not out.allows_hall(home):
                raise self._refuse(f"staff {staff} of hall {home}", out.hall_ids)
            out = replace(out, staff_id=staff)
        if window is not None:
            if self.window_ids is not None and window not in self.window_ids:
                raise self._refuse(f"window {window}", self.window_ids)
            home = _hall_of(conn, s.windows, "window_id", window) if conn is not None else None
            if home is not None and not out.allows_hall(home):
                raise self._refuse(f"window {window} of hall {home}", out.hall_ids)
            out = replace(out, window_ids=frozenset({window}))
        return out

    def describe(self) -> str:
        """The scope as compact JSON text, for the audit trail."""

        def ids(value: frozenset[str] | None):
            return "all" if value is None else sorted(value)

        data = {"who": self.who, "role": self.role, "halls": ids(self.hall_ids)}
        if self.dept_ids is not None:
            data["depts"] = sorted(self.dept_ids)
        if self.staff_id is not None:
            data["staff"] = self.staff_id
        if self.window_ids is not None:
            data["windows"] = sorted(self.window_ids)
        data["names"] = self.names_visible
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _hall_of(conn: Connection, table: sa.Table, key: str, value: str) -> str | None:
    if not tables.exists(conn, table):
        return None
    return conn.execute(sa.select(table.c.hall_id).where(table.c[key] == value)).scalar()


# --- resolving an account's grants ---------------------------------------------------------------


def halls_below(conn: Connection, roots: Iterable[str]) -> frozenset[str]:
    """The roots and every hall under them through `halls.parent_hall_id` (cycles are safe:
    each hall is visited once)."""
    found = set(roots)
    if not found or not tables.exists(conn, s.halls):
        return frozenset(found)
    children: dict[str, list[str]] = {}
    for hall_id, parent in conn.execute(sa.select(s.halls.c.hall_id, s.halls.c.parent_hall_id)):
        if parent:
            children.setdefault(parent, []).append(hall_id)
    todo = list(found)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return frozenset(found)


def scope_for(conn: Connection, login: str) -> Scope:
    """The scope of an account from its role and grants. OutOfScope for an unknown or
    disabled account (it sees nothing)."""
    user = accounts.get_user(conn, login)
    if user is None:
        raise OutOfScope(f"没有这个用户 / no such user: {login!r}")
    if user.disabled:
        raise OutOfScope(f"账户已停用 / account {login!r} is disabled")
    granted = frozenset(g.hall_id for g in user.grants)
    if user.role == "admin":
        return Scope.everything(who=login)
    if user.role == "director":
        return Scope(who=login, role="director", hall_ids=halls_below(conn, granted))
    if user.role == "manager":
        depts = frozenset(g.dept_id for g in user.grants if g.dept_id)
        if len(depts) > 1:
            raise OutOfScope(
                f"{login} has grants for several departments ({', '.join(sorted(depts))}); "
                "a department manager has one: revoke the others"
            )
        return Scope(who=login, role="manager", hall_ids=granted, dept_ids=depts)
    if user.role == "staff":
        staff_ids = {g.staff_id for g in user.grants if g.staff_id}
        if len(staff_ids) != 1:
            return Scope(who=login, role="staff", hall_ids=frozenset(), staff_id="")
        return Scope(who=login, role="staff", hall_ids=granted, staff_id=staff_ids.pop())
    if user.role == "viewer":
        return Scope(who=login, role="viewer", hall_ids=granted, names_visible=False)
    raise OutOfScope(f"{login} has an unknown role {user.role!r}")


# --- the SQL filter ---------------------------------------------------------------------------

_REFERENCE = {t.name for t in s.REFERENCE_TABLES}


def _base_name(table: FromClause) -> str:
    while isinstance(table, Alias):
        table = table.element
    return table.name


def _column(table: FromClause, *names: str) -> ColumnElement | None:
    for name in names:
        if name in table.c:
            return table.c[name]
    return None


def _dept_expr(table: FromClause, name: str, depts: list[str]) -> ColumnElement | None:
    """`table`'s rows whose department is in `depts`, as metric_queries places them."""
    if name == "tickets":
        q = s.queues.alias()
        return table.c.queue_id.in_(sa.select(q.c.queue_id).where(q.c.dept_id.in_(depts)))
    if name == "cases":
        i = s.items.alias()
        return table.c.item_id.in_(sa.select(i.c.item_id).where(i.c.dept_id.in_(depts)))
    if name == "evaluations":  # coalesce(item's dept, window's dept), as two IN lists
        i, i2, w = s.items.alias(), s.items.alias(), s.windows.alias()
        item_in = table.c.item_id.in_(sa.select(i.c.item_id).where(i.c.dept_id.in_(depts)))
        item_has_dept = sa.select(i2.c.item_id).where(i2.c.dept_id.is_not(None))
        window_in = table.c.window_id.in_(sa.select(w.c.window_id).where(w.c.dept_id.in_(depts)))
        no_item_dept = sa.or_(table.c.item_id.is_(None), table.c.item_id.not_in(item_has_dept))
        return sa.or_(item_in, sa.and_(no_item_dept, window_in))
    if name == "attendance":
        st = s.staff.alias()
        return table.c.staff_id.in_(sa.select(st.c.staff_id).where(st.c.dept_id.in_(depts)))
    column = _column(table, "dept_id", "department")
    return None if column is None else column.in_(depts)


def scope_filter(scope: Scope, table: FromClause) -> ColumnElement[bool]:
    """A WHERE clause keeping the rows of `table` (a schema table or an alias of one) that
    `scope` may see; `sa.true()` for the unrestricted scope."""
    name = _base_name(table)
    lenient = name in _REFERENCE
    parts: list[ColumnElement[bool]] = []

    def restrict(expr: ColumnElement | None) -> None:
        if expr is not None:
            parts.append(expr)
        elif not lenient:
            parts.append(sa.false())

    if scope.hall_ids is not None:
        column = _column(table, "hall_id")
        restrict(None if column is None else column.in_(sorted(scope.hall_ids)))
    if scope.dept_ids is not None:
        restrict(_dept_expr(table, name, sorted(scope.dept_ids)))
    if scope.staff_id is not None:
        column = _column(table, "staff_id", "staff")
        restrict(None if column is None else column == scope.staff_id)
    if scope.window_ids is not None:
        column = _column(table, "window_id", "window")
        restrict(None if column is None else column.in_(sorted(scope.window_ids)))
    if not parts:
        return sa.true()
    return sa.and_(*parts)
