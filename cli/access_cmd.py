"""`hall user`, `hall kiosk`, `hall audit`: local accounts, big-screen links, the audit trail.

    hall user add LOGIN --role ROLE [--hall H ...] [--dept D] [--staff S] [--name NAME]
                  [--email E] [--password-stdin | --sso]
    hall user disable|enable LOGIN
    hall user passwd LOGIN [--password-stdin]
    hall user list [--json]
    hall user grant LOGIN --hall H [--dept D] [--revoke]
    hall kiosk add HALL [--label L] [--expires DATE | --days N] [--base-url URL]
    hall kiosk list [--hall H] [--json]
    hall kiosk revoke ID
    hall audit [--from DATE] [--to DATE] [--user WHO] [--action A] [--limit N] [--json]

Without --password-stdin a strong one-time password is made, printed once, and must be changed
at the first sign-in. Every change is recorded in the audit trail as `cli:<OS user>`.
Exit codes: 0 done; 1 refused (the message says why); 2 the database cannot be reached.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys

from cli import args as args_

DB_HELP = "database URL (default: $HALL_DB_URL, else sqlite:///data/hall.db)"
BASE_URL_ENV = "HALLPULSE_BASE_URL"
DEFAULT_BASE_URL = "http://localhost:8501"


def register(sub: argparse._SubParsersAction) -> None:
    """Add `hall user`, `hall kiosk` and `hall audit` to the `hall` parser."""
    from access.accounts import ROLES
    from access.audit import ACTIONS

    user = sub.add_parser("user", help="local accounts: add, disable, passwords, grants")
    user_sub = user.add_subparsers(dest="user_command", required=True)

    add = user_sub.add_parser(
        "add",
        help="create an account",
        description="Roles: admin (every hall), director (--hall: that hall and the halls below "
        "it), manager (--dept in the --hall(s)), staff (--staff: their own figures), viewer "
        "(--hall, figures without names).",
    )
    add.add_argument("login")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument(
        "--hall", action="extend", nargs="+", default=[], metavar="H", help="hall id(s)"
    )
    add.add_argument("--dept", help="a department manager's department")
    add.add_argument("--staff", help="window staff: their staff_id")
    add.add_argument("--name", help="display name")
    add.add_argument("--email", help="e-mail (maps a single sign-on to this account)")
    how = add.add_mutually_exclusive_group()
    how.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    how.add_argument(
        "--sso", action="store_true", help="no password: signs in by single sign-on (--email)"
    )
    add.set_defaults(handler=cmd_user_add)

    for name, disabled in (("disable", True), ("enable", False)):
        p = user_sub.add_parser(name, help=f"{name} an account")
        p.add_argument("login")
        p.set_defaults(handler=cmd_user_disable, disabled=disabled)

    pw = user_sub.add_parser(
        "passwd", help="set a new password (a printed one-time password without --password-stdin)"
    )
    pw.add_argument("login")
    pw.add_argument("--password-stdin", action="store_true", help="read it from standard input")
    pw.set_defaults(handler=cmd_user_passwd)

    ls = user_sub.add_parser("list", help="every account with its role and grants")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(handler=cmd_user_list)

    gr = user_sub.add_parser("grant", help="give (or with --revoke take away) a hall")
    gr.add_argument("login")
    gr.add_argument("--hall", required=True, help="hall id")
    gr.add_argument("--dept", help="a department manager's department")
    gr.add_argument("--revoke", action="store_true", help="take the grant away")
    gr.set_defaults(handler=cmd_user_grant)

    kiosk = sub.add_parser("kiosk", help="big-screen links for one hall (long random tokens)")
    kiosk_sub = kiosk.add_subparsers(dest="kiosk_command", required=True)
    ka = kiosk_sub.add_parser("add", help="make a link and print its URL (shown once)")
    ka.add_argument("hall", help="hall id")
    ka.add_argument("--label", help="where the screen is, e.g. 大厅东屏")
    until = ka.add_mutually_exclusive_group()
    until.add_argument("--expires", type=args_.date, help="last day the link works")
    until.add_argument("--days", type=args_.positive_int, help="the link works N days")
    ka.add_argument(
        "--base-url",
        help=f"the app's address (default: ${BASE_URL_ENV}, else {DEFAULT_BASE_URL})",
    )
    ka.set_defaults(handler=cmd_kiosk_add)
    kl = kiosk_sub.add_parser("list", help="every link: active, expired, revoked")
    kl.add_argument("--hall", help="only this hall's links")
    kl.add_argument("--json", action="store_true", help="print JSON")
    kl.set_defaults(handler=cmd_kiosk_list)
    kr = kiosk_sub.add_parser("revoke", help="revoke a link (its screen goes blank)")
    kr.add_argument("link_id", type=args_.positive_int, metavar="ID")
    kr.set_defaults(handler=cmd_kiosk_revoke)

    au = sub.add_parser("audit", help="the audit trail: sign-ins, downloads, changes")
    au.add_argument("--from", dest="first", type=args_.date, help="first day")
    au.add_argument("--to", dest="last", type=args_.date, help="last day")
    au.add_argument("--user", help="only rows of this login (or cli:NAME, kiosk:ID)")
    au.add_argument("--action", choices=ACTIONS, help="only this action")
    au.add_argument("--limit", type=args_.positive_int, help="only the newest N rows")
    au.add_argument("--json", action="store_true", help="print JSON")
    au.set_defaults(handler=cmd_audit)

    for p in (add, *user_sub.choices.values(), *kiosk_sub.choices.values(), au):
        if not any(a.dest == "db" for a in p._actions):
            p.add_argument("--db", help=DB_HELP)


def cli_who() -> str:
    """`cli:<the OS user>`: who a command line change is recorded as."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError):
        name = f"uid{os.getuid()}"
    return f"cli:{name}"


def _fail(command: str, message: str) -> int:
    print(f"hall {command}: {message}", file=sys.stderr)
    return 1


def _settings(command: str):
    from access.settings import load_access_settings
    from metrics.settings import SettingsError

    try:
        return load_access_settings()
    except SettingsError as exc:
        _fail(command, str(exc))
        return None


def _read_password() -> str:
    """The password on standard input: one line, its line ending dropped."""
    text = sys.stdin.readline()
    return text.removesuffix("\n").removesuffix("\r")


def _print_one_time(login: str, password: str) -> None:
    print(f"one-time password for {login} (shown once; to be changed at the first sign-in):")
    print(password)


def cmd_user_add(args: argparse.Namespace) -> int:
    from access import accounts, passwords
    from queries.db import make_engine

    settings = _settings("user add")
    if settings is None:
        return 1
    if args.sso and not args.email:
        return _fail("user add", "--sso needs --email (how the sign-on finds the account)")
    one_time = not args.password_stdin and not args.sso
    password = None
    if args.password_stdin:
        password = _read_password()
    elif one_time:
        password = passwords.one_time_password()
    engine = make_engine(args.db)
    try:
        with engine.begin() as conn:
            user = accounts.add_user(
                conn,
                args.login,
                args.role,
                by=cli_who(),
                settings=settings,
                password=password,
                must_change_password=one_time,
                halls=args.hall,
                dept=args.dept,
                staff=args.staff,
                display_name=args.name,
                email=args.email,
            )
    except (accounts.AccountError, passwords.PasswordRefused) as exc:
        return _fail("user add", str(exc))
    finally:
        engine.dispose()
    print(f"added {user.login} ({user.role}){_grants_text(user)}")
    if one_time:
        _print_one_time(user.login, password)
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    from access import accounts
    from queries.db import make_engine

    engine = make_engine(args.db)
    command = "user disable" if args.disabled else "user enable"
    try:
        with engine.begin() as conn:
            user = accounts.set_disabled(conn, args.login, args.disabled, by=cli_who())
    except accounts.AccountError as exc:
        return _fail(command, str(exc))
    finally:
        engine.dispose()
    print(f"{user.login}: {'disabled' if user.disabled else 'enabled'}")
    return 0


def cmd_user_passwd(args: argparse.Namespace) -> int:
    from access import accounts, passwords
    from queries.db import make_engine

    settings = _settings("user passwd")
    if settings is None:
        return 1
    one_time = not args.password_stdin
    password = passwords.one_time_password() if one_time else _read_password()
    engine = make_engine(args.db)
    try:
        with engine.begin() as conn:
            accounts.set_password(
                conn,
                args.login,
                password,
                by=cli_who(),
                settings=settings,
                must_change_password=one_time,
            )
    except (accounts.AccountError, passwords.PasswordRefused) as exc:
        return _fail("user passwd", str(exc))
    finally:
        engine.dispose()
    if one_time:
        _print_one_time(args.login, password)
    else:
        print(f"{args.login}: password changed")
    return 0


def _grants_text(user) -> str:
    if user.role == "admin":
        return ": every hall"
    halls = ", ".join(dict.fromkeys(g.hall_id for g in user.grants)) or "no hall"
    depts = sorted({g.dept_id for g in user.grants if g.dept_id})
    staff = sorted({g.staff_id for g in user.grants if g.staff_id})
    text = f": {halls}"
    if depts:
        text += f"; department {', '.join(depts)}"
    if staff:
        text += f"; staff {', '.join(staff)}"
    return text


def cmd_user_list(args: argparse.Namespace) -> int:
    from access import accounts
    from access.tables import network_now
    from queries.db import make_engine

    engine = make_engine(args.db)
    try:
        with engine.connect() as conn:
            users = accounts.list_users(conn)
            now = network_now(conn)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps([u.to_json() for u in users], ensure_ascii=False, indent=1))
        return 0
    if not users:
        print("no accounts yet: hall user add LOGIN --role admin")
        return 0
    for u in users:
        state = "disabled" if u.disabled else "active"
        if u.locked_until is not None and u.locked_until > now:
            state = f"locked until {u.locked_until:%Y-%m-%d %H:%M}"
        if u.must_change_password:
            state += ", must change password"
        sign_in = "password" if u.has_password else "single sign-on"
        last = f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "never"
        name = f" {u.display_name}" if u.display_name else ""
        print(
            f"{u.login}{name} [{u.role}]{_grants_text(u)} — {state}; {sign_in}; last sign-in {last}"
        )
    return 0


def cmd_user_grant(args: argparse.Namespace) -> int:
    from access import accounts
    from queries.db import make_engine

    engine = make_engine(args.db)
    try:
        with engine.begin() as conn:
            change = accounts.revoke if args.revoke else accounts.grant
            user = change(conn, args.login, args.hall, dept=args.dept, by=cli_who())
    except accounts.AccountError as exc:
        return _fail("user grant", str(exc))
    finally:
        engine.dispose()
    print(f"{user.login} ({user.role}){_grants_text(user)}")
    return 0


def cmd_kiosk_add(args: argparse.Namespace) -> int:
    from access import kiosk
    from access.tables import network_now
    from queries.db import make_engine

    base = args.base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    engine = make_engine(args.db)
    try:
        with engine.begin() as conn:
            now = network_now(conn)
            expires_at = None
            if args.expires is not None:  # through that whole day
                expires_at = dt.datetime.combine(args.expires + dt.timedelta(days=1), dt.time())
            elif args.days is not None:
                expires_at = now + dt.timedelta(days=args.days)
            link, token = kiosk.add(
                conn, args.hall, by=cli_who(), label=args.label, expires_at=expires_at, now=now
            )
    except kiosk.KioskError as exc:
        return _fail("kiosk add", str(exc))
    finally:
        engine.dispose()
    until = f"until {link.expires_at:%Y-%m-%d %H:%M}" if link.expires_at else "until revoked"
    print(f"kiosk link {link.link_id} for {link.hall_id} ({until}); the URL is shown once:")
    print(kiosk.url(base, link.hall_id, token))
    return 0


def cmd_kiosk_list(args: argparse.Namespace) -> int:
    from access import kiosk
    from access.tables import network_now
    from queries.db import make_engine

    engine = make_engine(args.db)
    try:
        with engine.connect() as conn:
            links = kiosk.list_links(conn, args.hall)
            now = network_now(conn)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps([k.to_json(now) for k in links], ensure_ascii=False, indent=1))
        return 0
    if not links:
        print("no kiosk links: hall kiosk add HALL")
        return 0
    for k in links:
        label = f" {k.label}" if k.label else ""
        seen = f"{k.last_seen_at:%Y-%m-%d %H:%M}" if k.last_seen_at else "never"
        until = f"{k.expires_at:%Y-%m-%d %H:%M}" if k.expires_at else "—"
        print(
            f"{k.link_id:>4}  {k.hall_id}{label}  {k.state(now)}  expires {until}  "
            f"made {k.created_at:%Y-%m-%d %H:%M} by {k.created_by}  last seen {seen}"
        )
    return 0


def cmd_kiosk_revoke(args: argparse.Namespace) -> int:
    from access import kiosk
    from queries.db import make_engine

    engine = make_engine(args.db)
    try:
        with engine.begin() as conn:
            link = kiosk.revoke(conn, args.link_id, by=cli_who())
    except kiosk.KioskError as exc:
        return _fail("kiosk revoke", str(exc))
    finally:
        engine.dispose()
    print(f"kiosk link {link.link_id} for {link.hall_id} revoked at {link.revoked_at}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from access import audit
    from queries.db import make_engine

    if args.first and args.last and args.last < args.first:
        return _fail("audit", "--to is before --from")
    engine = make_engine(args.db)
    try:
        with engine.connect() as conn:
            rows = audit.read(conn, args.first, args.last, args.user, args.action, args.limit)
    finally:
        engine.dispose()
    if args.json:
        out = [
            {**r, "at": r["at"].isoformat(sep=" "), "detail": json.loads(r["detail"] or "null")}
            for r in rows.to_dicts()
        ]
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    if rows.is_empty():
        print("no audit rows" + (" in that span" if args.first or args.last else ""))
        return 0
    for r in rows.iter_rows(named=True):
        role = f" [{r['role']}]" if r["role"] else ""
        target = f" {r['target']}" if r["target"] else ""
        extra = "  " + r["detail"] if r["detail"] else ""
        client = f"  from {r['client']}" if r["client"] else ""
        at = f"{r['at']:%Y-%m-%d %H:%M:%S}"
        print(f"{at}  {r['who']}{role}  {r['action']}{target}{extra}{client}")
    return 0
