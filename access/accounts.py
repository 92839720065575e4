"""Local accounts (`hallpulse_users`) and what each may see (`hallpulse_grants`).

Roles and their grants:
- admin: every hall (no grants); users, imports, sync and settings.
- director: one or more halls, and through `halls.parent_hall_id` every hall below them.
- manager (department manager): one department, in the halls granted.
- staff (window staff): their own staff_id, in their hall.
- viewer: the halls granted, figures without names.

Every change is written to the audit trail in the same transaction. Sign-in
(`authenticate`) locks an account for `lockout_min` minutes after `max_failures` wrong
passwords in a row, and takes as long for an unknown login as for a wrong password.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from access import audit, passwords, tables
from access.settings import AccessSettings, load_access_settings
from queries import schema as s

ROLES: dict[str, tuple[str, str]] = {
    "admin": ("管理员", "Administrator"),
    "director": ("中心主任", "Director"),
    "manager": ("部门负责人", "Department manager"),
    "staff": ("窗口人员", "Window staff"),
    "viewer": ("只读查看", "Viewer"),
}
LOGIN_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


class AccountError(ValueError):
    """A request that cannot be done (unknown user, bad role, grant that does not fit)."""


@dataclass(frozen=True)
class Grant:
    hall_id: str
    dept_id: str | None = None
    staff_id: str | None = None


@dataclass(frozen=True)
class User:
    login: str
    display_name: str | None
    role: str
    has_password: bool
    oidc_subject: str | None
    email: str | None
    disabled: bool
    failed_count: int
    locked_until: dt.datetime | None
    must_change_password: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None
    grants: tuple[Grant, ...] = ()

    def to_json(self) -> dict:
        return {
            "login": self.login,
            "display_name": self.display_name,
            "role": self.role,
            "has_password": self.has_password,
            "oidc_subject": self.oidc_subject,
            "email": self.email,
            "disabled": self.disabled,
            "failed_count": self.failed_count,
            "locked_until": _iso(self.locked_until),
            "must_change_password": self.must_change_password,
            "created_at": _iso(self.created_at),
            "last_login_at": _iso(self.last_login_at),
            "grants": [
                {"hall_id": g.hall_id, "dept_id": g.dept_id, "staff_id": g.staff_id}
                for g in self.grants
            ],
        }


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat(sep=" ")


# --- reading ------------------------------------------------------------------------------------


def _grants_of(conn: Connection, logins: Sequence[str]) -> dict[str, tuple[Grant, ...]]:
    g = s.grants
    out: dict[str, list[Grant]] = {}
    if not logins:
        return {}
    rows = conn.execute(
        sa.select(g.c.login, g.c.hall_id, g.c.dept_id, g.c.staff_id)
        .where(g.c.login.in_(list(logins)))
        .order_by(g.c.login, g.c.hall_id, g.c.dept_id, g.c.grant_id)
    )
    for login, hall_id, dept_id, staff_id in rows:
        out.setdefault(login, []).append(Grant(hall_id, dept_id, staff_id))
    return {k: tuple(v) for k, v in out.items()}


def _user(row, grants: tuple[Grant, ...]) -> User:
    return User(
        login=row.login,
        display_name=row.display_name,
        role=row.role,
        has_password=bool(row.password_hash),
        oidc_subject=row.oidc_subject,
        email=row.email,
        disabled=bool(row.disabled),
        failed_count=int(row.failed_count or 0),
        locked_until=row.locked_until,
        must_change_password=bool(row.must_change_password),
        created_at=row.created_at,
        last_login_at=row.last_login_at,
        grants=grants,
    )


def list_users(conn: Connection) -> list[User]:
    """Every account with its grants, by login. No table yet: none."""
    if not tables.exists(conn, s.users):
        return []
    rows = conn.execute(sa.select(s.users).order_by(s.users.c.login)).all()
    grants = _grants_of(conn, [r.login for r in rows])
    return [_user(r, grants.get(r.login, ())) for r in rows]


def get_user(conn: Connection, login: str) -> User | None:
    if not tables.exists(conn, s.users):
        return None
    row = conn.execute(sa.select(s.users).where(s.users.c.login == login)).first()
    if row is None:
        return None
    return _user(row, _grants_of(conn, [login]).get(login, ()))


def count_users(conn: Connection) -> int:
    if not tables.exists(conn, s.users):
        return 0
    return conn.execute(sa.select(sa.func.count()).select_from(s.users)).scalar_one()


def _require(conn: Connection, login: str) -> User:
    user = get_user(conn, login)
    if user is None:
        raise AccountError(f"没有这个用户 / no such user: {login!r}")
    return user


# --- checks against the reference tables ---------------------------------------------------------


def _known(conn: Connection, table: sa.Table, key: str, ids: Iterable[str], what: str) -> None:
    ids = sorted(set(ids))
    if not ids:
        return
    if not tables.exists(conn, table):
        raise AccountError(f"no {table.name} yet: import {table.name} before granting {what}")
    have = {v for (v,) in conn.execute(sa.select(table.c[key]).where(table.c[key].in_(ids)))}
    missing = [i for i in ids if i not in have]
    if missing:
        raise AccountError(f"unknown {what} {', '.join(missing)} (not in {table.name})")


def _staff_hall(conn: Connection, staff_id: str) -> str | None:
    _known(conn, s.staff, "staff_id", [staff_id], "staff")
    return conn.execute(
        sa.select(s.staff.c.hall_id).where(s.staff.c.staff_id == staff_id)
    ).scalar_one()


def _planned_grants(
    conn: Connection, role: str, halls: Sequence[str], dept: str | None, staff: str | None
) -> list[Grant]:
    """The grant rows of a new account, checked against its role and the reference tables."""
    halls = list(dict.fromkeys(halls))
    if role == "admin":
        if halls or dept or staff:
            raise AccountError("an admin sees every hall: give no --hall, --dept or --staff")
        return []
    if role == "staff":
        if not staff:
            raise AccountError("window staff need --staff (their staff_id)")
        if dept:
            raise AccountError("window staff see their own figures: no --dept")
        home = _staff_hall(conn, staff)
        if len(halls) > 1:
            raise AccountError("window staff have one hall: give at most one --hall")
        hall = halls[0] if halls else home
        if hall is None:
            raise AccountError(f"staff {staff} has no hall in `staff`: give --hall")
        if home is not None and hall != home:
            raise AccountError(f"staff {staff} works in {home}, not {hall}")
        _known(conn, s.halls, "hall_id", [hall], "hall")
        return [Grant(hall, None, staff)]
    if staff:
        raise AccountError(f"--staff is for window staff, not a {role}")
    if not halls:
        raise AccountError(f"a {role} needs at least one --hall")
    _known(conn, s.halls, "hall_id", halls, "hall")
    if role == "manager":
        if not dept:
            raise AccountError("a department manager needs --dept")
        _known(conn, s.departments, "dept_id", [dept], "department")
        return [Grant(h, dept, None) for h in halls]
    if dept:
        raise AccountError(f"--dept is for department managers, not a {role}")
    return [Grant(h) for h in halls]


# --- writing -------------------------------------------------------------------------------------


def _check_login(login: str) -> None:
    if not LOGIN_PATTERN.fullmatch(login):
        raise AccountError(
            f"login {login!r}: 1–64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")


def add_user(
    conn: Connection,
    login: str,
    role: str,
    *,
    by: str,
    settings: AccessSettings | None = None,
    password: str | None = None,
    must_change_password: bool = False,
    halls: Sequence[str] = (),
    dept: str | None = None,
    staff: str | None = None,
    display_name: str | None = None,
    email: str | None = None,
    now: dt.datetime | None = None,
) -> User:
    """Create an account with its grants. Without a password the account can only sign in by
    single sign-on (matched by `email`, then bound to the provider's subject)."""
    _check_login(login)
    _check_role(role)
    if password is not None:
        passwords.check_rules(password, (settings or load_access_settings()).min_password_length)
    tables.ensure(conn)
    if get_user(conn, login) is not None:
        raise AccountError(f"用户已存在 / user {login!r} exists already")
    planned = _planned_grants(conn, role, halls, dept, staff)
    now = now or tables.network_now(conn)
    conn.execute(
        s.users.insert().values(
            login=login,
            display_name=display_name,
            role=role,
            password_hash=None if password is None else passwords.hash_password(password),
            email=email,
            disabled=False,
            failed_count=0,
            must_change_password=must_change_password and password is not None,
            created_at=now,
            password_changed_at=None if password is None else now,
        )
    )
    _insert_grants(conn, login, planned, by, now)
    audit.record(
        conn,
        who=by,
        role="cli" if by.startswith("cli:") else None,
        action="user_change",
        target=login,
        detail={
            "change": "add",
            "role": role,
            "grants": [g.__dict__ for g in planned],
            "password": "none"
            if password is None
            else "one-time"
            if must_change_password
            else "set",
        },
        at=now,
    )
    return _require(conn, login)


def _insert_grants(
    conn: Connection, login: str, grants: Sequence[Grant], by: str, now: dt.datetime
) -> None:
    if grants:
        conn.execute(
            s.grants.insert(),
            [
                {
                    "login": login,
                    "hall_id": g.hall_id,
                    "dept_id": g.dept_id,
                    "staff_id": g.staff_id,
                    "granted_at": now,
                    "granted_by": by,
                }
                for g in grants
            ],
        )


def _audit_change(conn, by: str, login: str, detail: dict, now: dt.datetime) -> None:
    audit.record(
        conn,
        who=by,
        role="cli" if by.startswith("cli:") else None,
        action="user_change",
        target=login,
        detail=detail,
        at=now,
    )


def set_disabled(
    conn: Connection, login: str, disabled: bool, *, by: str, now: dt.datetime | None = None
) -> User:
    """Disable (no sign-in, whatever the password) or enable an account."""
    _require(conn, login)
    now = now or tables.network_now(conn)
    values: dict = {"disabled": disabled}
    if not disabled:
        values.update(failed_count=0, locked_until=None)  # enabling also lifts a lockout
    conn.execute(s.users.update().where(s.users.c.login == login).values(**values))
    _audit_change(conn, by, login, {"change": "disable" if disabled else "enable"}, now)
    return _require(conn, login)


def set_password(
    conn: Connection,
    login: str,
    password: str,
    *,
    by: str,
    settings: AccessSettings | None = None,
    must_change_password: bool = False,
    now: dt.datetime | None = None,
) -> User:
    """Set a new password (checked against the rules); lifts a lockout."""
    _require(conn, login)
    passwords.check_rules(password, (settings or load_access_settings()).min_password_length)
    now = now or tables.network_now(conn)
    conn.execute(
        s.users.update()
        .where(s.users.c.login == login)
        .values(
            password_hash=passwords.hash_password(password),
            must_change_password=must_change_password,
            failed_count=0,
            locked_until=None,
            password_changed_at=now,
        )
    )
    _audit_change(conn, by, login, {"change": "password", "one_time": must_change_password}, now)
    return _require(conn, login)


def grant(
    conn: Connection,
    login: str,
    hall: str,
    *,
    by: str,
    dept: str | None = None,
    now: dt.datetime | None = None,
) -> User:
    """Let a director or viewer see one more hall, or a department manager their department
    in one more hall (a manager has one department: `dept`, when given, must be it)."""
    user = _require(conn, login)
    if user.role == "admin":
        raise AccountError(f"{login} is an admin and sees every hall already")
    if user.role == "staff":
        raise AccountError(f"{login} is window staff: their hall follows their staff_id")
    _known(conn, s.halls, "hall_id", [hall], "hall")
    if user.role == "manager":
        current = {g.dept_id for g in user.grants}
        if dept is None:
            if len(current) != 1:
                raise AccountError(f"{login} is a department manager: give --dept")
            dept = current.pop()
        elif current and dept not in current:
            raise AccountError(
                f"{login} manages {', '.join(sorted(d for d in current if d))}: a department "
                f"manager has one department (revoke those grants first to change it to {dept})"
            )
        _known(conn, s.departments, "dept_id", [dept], "department")
    elif dept:
        raise AccountError(f"--dept is for department managers, not a {user.role}")
    if any(g.hall_id == hall and g.dept_id == dept for g in user.grants):
        return user
    now = now or tables.network_now(conn)
    _insert_grants(conn, login, [Grant(hall, dept)], by, now)
    _audit_change(conn, by, login, {"change": "grant", "hall_id": hall, "dept_id": dept}, now)
    return _require(conn, login)


def revoke(
    conn: Connection,
    login: str,
    hall: str,
    *,
    by: str,
    dept: str | None = None,
    now: dt.datetime | None = None,
) -> User:
    """Take a hall (with `dept`: only that department's grant in it) away from an account."""
    user = _require(conn, login)
    g = s.grants
    stmt = g.delete().where(g.c.login == login, g.c.hall_id == hall)
    if dept is not None:
        stmt = stmt.where(g.c.dept_id == dept)
    if not any(x.hall_id == hall and (dept is None or x.dept_id == dept) for x in user.grants):
        raise AccountError(f"{login} has no grant for hall {hall}" + (f", {dept}" if dept else ""))
    now = now or tables.network_now(conn)
    conn.execute(stmt)
    _audit_change(conn, by, login, {"change": "revoke", "hall_id": hall, "dept_id": dept}, now)
    return _require(conn, login)


# --- signing in ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthResult:
    """The outcome of a sign-in: `ok`, else `reason` is unknown, wrong, locked, disabled or
    no_password (a single-sign-on account)."""

    ok: bool
    reason: str
    login: str
    user: User | None = None
    locked_until: dt.datetime | None = None
    must_change_password: bool = False

    def message(self, lang: str = "zh") -> str:
        """What the sign-in form says: the same words for an unknown login and a wrong
        password, so that the form does not tell which logins exist."""
        zh, en = {
            "ok": ("已登录", "signed in"),
            "unknown": ("用户名或密码错误", "wrong login or password"),
            "wrong": ("用户名或密码错误", "wrong login or password"),
            "disabled": ("账户已停用，请联系管理员", "this account is disabled: ask an admin"),
            "no_password": (
                "该账户使用统一身份认证登录",
                "this account signs in with single sign-on",
            ),
            "locked": (
                f"尝试次数过多，账户锁定至 {self.locked_until:%H:%M}" if self.locked_until else "",
                f"too many failed attempts: locked until {self.locked_until:%H:%M}"
                if self.locked_until
                else "",
            ),
        }[self.reason]
        return zh if lang == "zh" else en


def authenticate(
    conn: Connection,
    login: str,
    password: str,
    *,
    settings: AccessSettings | None = None,
    now: dt.datetime | None = None,
    client: str | None = None,
) -> AuthResult:
    """Check a local sign-in and record it (sign_in / sign_in_failed) in the audit trail.

    The password is always put through argon2 (against a dummy hash for an unknown login or
    a single-sign-on account), so timing does not tell which logins exist. A wrong password
    counts a failure; the `max_failures`-th in a row locks the account until `lockout_min`
    minutes later. A locked account is refused without counting; a correct password clears
    the count. A hash made with older parameters is replaced on success.
    """
    settings = settings or load_access_settings()
    tables.ensure(conn)
    now = now or tables.network_now(conn)
    row = conn.execute(sa.select(s.users).where(s.users.c.login == login)).first()
    stored = row.password_hash if row is not None else None
    matches = passwords.verify(stored or passwords.dummy_hash(), password) and bool(stored)

    def done(reason: str, user_row=None, locked_until=None, **detail) -> AuthResult:
        ok = reason == "ok"
        user = get_user(conn, login) if user_row is not None else None
        audit.record(
            conn,
            who=login,
            role=user.role if user else None,
            action="sign_in" if ok else "sign_in_failed",
            target="local",
            detail={"reason": reason, **detail} if not ok else None,
            client=client,
            at=now,
        )
        return AuthResult(
            ok=ok,
            reason=reason,
            login=login,
            user=user,
            locked_until=locked_until,
            must_change_password=bool(user and user.must_change_password),
        )

    if row is None:
        return done("unknown")
    if row.locked_until is not None and row.locked_until > now:
        return done("locked", row, row.locked_until)
    if not stored:
        return done("no_password", row)
    users = s.users
    if not matches:
        # counted in SQL, so that sign-ins in parallel cannot lose a failure; a lock that has
        # expired starts a fresh count
        fresh = users.c.locked_until.is_not(None)
        conn.execute(
            users.update()
            .where(users.c.login == login)
            .values(
                failed_count=sa.case((fresh, 1), else_=users.c.failed_count + 1),
                locked_until=None,
            )
        )
        failures = conn.execute(
            sa.select(users.c.failed_count).where(users.c.login == login)
        ).scalar_one()
        if failures < settings.max_failures:
            return done("wrong", row, failures=failures)
        locked_until = now + dt.timedelta(minutes=settings.lockout_min)
        conn.execute(
            users.update()
            .where(users.c.login == login)
            .values(failed_count=0, locked_until=locked_until)
        )
        return done("locked", row, locked_until, failures=failures)
    if row.disabled:
        return done("disabled", row)
    values: dict = {"failed_count": 0, "locked_until": None, "last_login_at": now}
    if passwords.needs_rehash(stored):
        values["password_hash"] = passwords.hash_password(password)
    conn.execute(users.update().where(users.c.login == login).values(**values))
    return done("ok", row)


def user_for_sso(
    conn: Connection, subject: str, email: str | None, *, now: dt.datetime | None = None
) -> User | None:
    """The account a single-sign-on identity maps to: the one bound to the provider's
    `subject`, else the one with this e-mail (case-insensitive) and no subject yet, which is
    then bound to it. None when no account fits or the account is disabled."""
    if not tables.exists(conn, s.users):
        return None
    users = s.users
    row = conn.execute(sa.select(users).where(users.c.oidc_subject == subject)).first()
    if row is None and email:
        row = conn.execute(
            sa.select(users).where(
                sa.func.lower(users.c.email) == email.lower(), users.c.oidc_subject.is_(None)
            )
        ).first()
        if row is not None:
            conn.execute(
                users.update().where(users.c.login == row.login).values(oidc_subject=subject)
            )
    if row is None or row.disabled:
        return None
    conn.execute(
        users.update()
        .where(users.c.login == row.login)
        .values(last_login_at=now or tables.network_now(conn))
    )
    return get_user(conn, row.login)
