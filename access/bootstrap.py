"""The first admin of a fresh database: secure by default, yet a newcomer gets in.

`first_admin(engine)` creates the account `admin` with a one-time password when the database
has no account at all and returns that password (for `make run` to print once); it returns
None when any account exists. The password must be changed at the first sign-in.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from access import accounts, passwords, tables
from access.settings import AccessSettings

FIRST_LOGIN = "admin"


def first_admin(engine: Engine, *, by: str = "bootstrap") -> str | None:
    """Create `admin` with a one-time password if there is no account; the password, or None."""
    with engine.begin() as conn:
        tables.ensure(conn)
    password = passwords.one_time_password()
    try:
        with engine.begin() as conn:
            if accounts.count_users(conn):
                return None
            accounts.add_user(
                conn,
                FIRST_LOGIN,
                "admin",
                by=by,
                settings=AccessSettings(min_password_length=len(password)),
                password=password,
                must_change_password=True,
                display_name="管理员",
            )
    except IntegrityError:  # another process made it at the same moment
        return None
    return password
