"""Who is reading: sign-in, the session's scope, kiosk links and page views in the audit trail.

`streamlit_app.py` calls `gate()` before it builds the navigation; every page then reads the
session's scope through `current_scope()` (`dashboard.state.scope()`), and the admin
pages start with `require_role("admin", …)`, so that a page reached by URL, or run on its own,
refuses a reader who may not use it.

`[access] auth` in hallpulse.toml (access/settings.py) chooses how people sign in:
- "local" (the default): a login and password form against `hallpulse_users` (argon2id,
  lockout after `max_failures`, `idle_timeout_min`). On a fresh database the first admin is
  made and its one-time password printed to the terminal running Streamlit.
- "oidc": Streamlit's own `st.login()` with the `[auth]` block of .streamlit/secrets.toml; the
  identity (subject, e-mail) is mapped to an account with `accounts.user_for_sso`.
- "none": no sign-in; everyone reads as `Scope.everything("anonymous")` under a red banner.

The big screen (`/screen`) opened with `?kiosk=<token>` needs no sign-in: the token must pass
`access.kiosk.check` on every run and on every refresh of the screen's fragment, so that a
revoked link stops at its next refresh.
"""

from __future__ import annotations

import logging
import sys
import time
from html import escape

import streamlit as st
from sqlalchemy.engine import Engine

from access import accounts, audit, bootstrap, kiosk
from access.passwords import PasswordRefused
from access.scope import OutOfScope, Scope
from access.settings import AccessSettings, load_access_settings
from dashboard import state
from i18n.text import plain, t
from metrics.settings import SettingsError

log = logging.getLogger(__name__)

# session state keys (flat, so that a test can set one)
LOGIN = "hall_auth_login"  # the signed-in account's login
VIA = "hall_auth_via"  # local | oidc | kiosk | none
ACTIVE = "hall_auth_active"  # time.monotonic() of the last run of a signed-in session
SCOPE = "hall_scope"  # the Scope every page reads
KIOSK = "hall_auth_kiosk"  # the kiosk token this session was opened with
VIEWED = "hall_auth_viewed"  # page url paths whose view is in the audit trail
NOTICE = "hall_auth_notice"  # (key, values) to show above the sign-in form
SSO_REFUSED = "hall_auth_sso_refused"  # an SSO identity refused in this session (audited once)

# pages only these roles may use (url_path → roles); the others are for every signed-in role
PAGE_ROLES: dict[str, tuple[str, ...]] = {
    "import": ("admin",),
    "alerts": ("admin",),
    "audit": ("admin",),
}


def settings() -> AccessSettings:
    """[access] from hallpulse.toml; a bad setting stops the app with its message (it never
    falls back to no sign-in)."""
    try:
        return load_access_settings()
    except SettingsError as exc:
        st.error(t("auth.settings_error", state.lang(), error=exc))
        st.stop()
        raise  # unreachable: st.stop raises


def client() -> str | None:
    """The reader's address as Streamlit sees it, for the audit trail."""
    try:
        address = st.context.ip_address
    except Exception:  # no request behind this run
        return None
    return address if isinstance(address, str) else None  # AppTest: a stand-in object


def _engine() -> Engine:
    return state.engine()


# --- the session ---------------------------------------------------------------------------------


def current_scope() -> Scope:
    """The scope of this session: set by `gate()` on every run. Without sign-in (`auth =
    "none"`) everything; a page run on its own without a gate refuses."""
    scope = st.session_state.get(SCOPE)
    if scope is not None:
        return scope
    if settings().auth == "none":
        return Scope.everything("anonymous")
    st.error(t("auth.needs_sign_in", state.lang()))
    st.stop()
    raise AssertionError("unreachable")


def _forget(keep_notice: bool = True) -> None:
    for key in (LOGIN, VIA, ACTIVE, SCOPE, KIOSK, VIEWED, SSO_REFUSED):
        st.session_state.pop(key, None)
    if not keep_notice:
        st.session_state.pop(NOTICE, None)


def _remember(login: str, via: str) -> None:
    _forget(keep_notice=False)
    st.session_state[LOGIN] = login
    st.session_state[VIA] = via
    st.session_state[ACTIVE] = time.monotonic()


def idle_expired(s: AccessSettings) -> bool:
    """Whether the signed-in session has been idle longer than `idle_timeout_min`."""
    active = st.session_state.get(ACTIVE)
    return active is not None and time.monotonic() - active > s.idle_timeout_min * 60


def sign_out(reason: str = "user") -> None:
    """End the session (audited); `reason` is user, idle or gone."""
    login, via = st.session_state.get(LOGIN), st.session_state.get(VIA)
    scope = st.session_state.get(SCOPE)
    if login:
        audit.record(
            _engine(),
            who=login,
            role=scope.role if scope else None,
            action="sign_out",
            target=via,
            detail={"reason": reason},
            client=client(),
        )
    _forget()


# --- the gate ------------------------------------------------------------------------------------


def gate(lang: str, screen: bool = False) -> Scope | None:
    """Who reads this run: the scope, or None after showing the sign-in form (or the
    change-password form, the kiosk's invalid-link screen, a refusal): then the caller
    registers its pages without running one, so that the URL's page and query survive the
    sign-in, and stops. Called before the navigation is built."""
    s = settings()
    if "kiosk" in st.query_params:  # whatever the page: a kiosk session sees the screen only
        return _kiosk_gate(lang)
    if st.session_state.get(VIA) == "kiosk":  # left the screen: a kiosk token opens nothing else
        _forget()
    if s.auth == "none":
        no_sign_in_banner(lang)
        scope = Scope.everything("anonymous")
        st.session_state[SCOPE] = scope
        st.session_state[VIA] = "none"
        return scope
    if s.auth == "local":
        first_run()
    if st.session_state.get(LOGIN) and idle_expired(s):
        sign_out("idle")
        st.session_state[NOTICE] = ("auth.timed_out", {"minutes": s.idle_timeout_min})
        if s.auth == "oidc" and _sso_signed_in():
            st.logout()  # the identity cookie too; Streamlit reloads the app signed out
            st.stop()
    if not st.session_state.get(LOGIN):
        if s.auth == "oidc":
            _sso_gate(lang)
        else:
            _local_form(lang, s)
        return None
    login = st.session_state[LOGIN]
    try:
        with _engine().connect() as conn:
            scope = _scope_for(conn, login)
            user = accounts.get_user(conn, login)
    except OutOfScope as exc:  # disabled or deleted since sign-in
        sign_out("gone")
        st.session_state[NOTICE] = ("auth.gone", {"reason": str(exc).split(" / ")[0]})
        st.rerun()
    st.session_state[ACTIVE] = time.monotonic()
    st.session_state[SCOPE] = scope
    if user is not None and user.must_change_password and st.session_state[VIA] == "local":
        _change_password_form(lang, s, login)
        return None
    if screen:
        hall = st.query_params.get("hall")
        if hall and not scope.allows_hall(hall):
            st.error(t("auth.out_of_scope", lang, hall=plain(hall)))
            return None
    _sidebar(lang, user, scope)
    return scope


def no_sign_in_banner(lang: str) -> None:
    """The red banner over every page while sign-in is off."""
    st.html(
        '<div data-key="no-sign-in" role="alert" style="background:#c62828;color:#fff;'
        'padding:0.55rem 1rem;border-radius:0.4rem;font-weight:600">'
        f"{escape(t('auth.no_auth_banner', lang))}</div>"
    )


def _scope_for(conn, login: str) -> Scope:
    from access.scope import scope_for

    return scope_for(conn, login)


def _notice(lang: str) -> None:
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        key, values = notice
        st.info(t(key, lang, **values))


def _local_form(lang: str, s: AccessSettings) -> None:
    """The sign-in form: nothing of the halls on it."""
    _, middle, _ = st.columns([1, 1.2, 1])
    with middle:
        st.title(t("auth.title", lang))
        _notice(lang)
        with st.form("sign_in", border=True):
            login = st.text_input(t("auth.login", lang), key="sign_in_login")
            password = st.text_input(t("auth.password", lang), type="password", key="sign_in_pw")
            submitted = st.form_submit_button(t("auth.submit", lang), type="primary")
        if submitted:
            login = login.strip()
            if not login or not password:
                st.warning(t("auth.missing", lang))
            else:
                with _engine().begin() as conn:
                    result = accounts.authenticate(
                        conn, login, password, settings=s, client=client()
                    )
                if result.ok:
                    _remember(result.login, "local")
                    st.rerun()
                st.error(result.message(lang))
        if _first_admin_waiting():
            st.caption(t("auth.first_run", lang))


def _first_admin_waiting() -> bool:
    """Only the bootstrap admin exists and it has never signed in."""
    with _engine().connect() as conn:
        users = accounts.list_users(conn)
    return (
        len(users) == 1
        and users[0].login == bootstrap.FIRST_LOGIN
        and users[0].must_change_password
        and users[0].last_login_at is None
    )


def _change_password_form(lang: str, s: AccessSettings, login: str) -> None:
    _, middle, _ = st.columns([1, 1.2, 1])
    with middle:
        st.title(t("auth.change.title", lang))
        st.info(t("auth.change.intro", lang, n=s.min_password_length))
        with st.form("change_password", border=True):
            new = st.text_input(t("auth.change.new", lang), type="password", key="pw_new")
            again = st.text_input(t("auth.change.again", lang), type="password", key="pw_again")
            submitted = st.form_submit_button(t("auth.change.submit", lang), type="primary")
        if submitted:
            if new != again:
                st.error(t("auth.change.mismatch", lang))
                return
            try:
                with _engine().begin() as conn:
                    accounts.set_password(conn, login, new, by=login, settings=s)
            except PasswordRefused:
                st.error(t("auth.change.short", lang, n=s.min_password_length))
                return
            st.session_state[NOTICE] = ("auth.change.done", {})
            st.rerun()


def _sidebar(lang: str, user, scope: Scope) -> None:
    _notice_in_sidebar = st.session_state.get(NOTICE)  # dropped once a real page has run
    with st.sidebar:
        if _notice_in_sidebar:
            key, values = _notice_in_sidebar
            st.success(t(key, lang, **values))
        role = accounts.ROLES.get(scope.role, (scope.role, scope.role))[0 if lang == "zh" else 1]
        name = (user.display_name if user and user.display_name else None) or scope.who
        st.caption(t("auth.signed_in", lang, who=name, role=role))
        if st.button(t("auth.sign_out", lang), icon=":material/logout:", key="sign_out"):
            oidc = st.session_state.get(VIA) == "oidc"
            sign_out("user")
            st.session_state[NOTICE] = ("auth.signed_out", {})
            if oidc and _sso_signed_in():
                st.logout()
            st.rerun()


# --- single sign-on (st.login) ---------------------------------------------------------------


def _sso_signed_in() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except Exception:  # no [auth] secrets: st.user has nothing
        return False


def _sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _sso_gate(lang: str) -> None:
    """Signed in at the provider → the account its identity maps to; else the 登录 button."""
    _, middle, _ = st.columns([1, 1.2, 1])
    with middle:
        st.title(t("auth.title", lang))
        _notice(lang)
        if _sso_signed_in():
            subject = str(st.user.get("sub") or "")
            email = st.user.get("email")
            who = email or subject
            with _engine().begin() as conn:
                user = accounts.user_for_sso(conn, subject, email) if subject else None
                if user is not None:
                    audit.record(
                        conn,
                        who=user.login,
                        role=user.role,
                        action="sign_in",
                        target="oidc",
                        detail={"subject": subject, "email": email},
                        client=client(),
                    )
            if user is not None:
                _remember(user.login, "oidc")
                st.rerun()
            if not st.session_state.get(SSO_REFUSED):
                audit.record(
                    _engine(),
                    who=(who or "?")[:100],
                    action="sign_in_failed",
                    target="oidc",
                    detail={"reason": "unknown_identity", "subject": subject, "email": email},
                    client=client(),
                )
                st.session_state[SSO_REFUSED] = True
            st.error(t("auth.sso.unknown", lang, who=who))
            if st.button(t("auth.sso.other", lang), key="sso_other"):
                st.session_state.pop(SSO_REFUSED, None)
                st.logout()
            return
        if not _sso_configured():
            st.error(t("auth.sso.missing", lang))
            return
        st.write(t("auth.sso.intro", lang))
        if st.button(t("auth.sso", lang), type="primary", icon=":material/login:", key="sso"):
            st.login()


# --- kiosk links ---------------------------------------------------------------------------------


def _kiosk_link(token: str | None):
    with _engine().begin() as conn:
        return kiosk.check(conn, token)


def invalid_screen(lang: str) -> None:
    """The neutral screen of a link that opens nothing: no hall, no figure, no navigation."""
    st.html(
        "<style>[data-testid='stSidebar'],[data-testid='stSidebarCollapsedControl'],"
        "header{display:none!important}"
        ".kiosk-invalid{height:80vh;display:flex;flex-direction:column;align-items:center;"
        "justify-content:center;color:#8a94a6;font-size:3vw;gap:1vw}"
        ".kiosk-invalid small{font-size:1.2vw}</style>"
        f'<div class="kiosk-invalid" data-key="kiosk-invalid"><div>{t("kiosk.invalid", lang)}'
        f"</div><small>{t('kiosk.invalid.note', lang)}</small></div>"
    )


def _kiosk_gate(lang: str) -> Scope | None:
    token = st.query_params.get("kiosk")
    link = _kiosk_link(token)
    if link is None:
        _forget()
        invalid_screen(lang)
        return None
    scope = Scope.kiosk(link.link_id, link.hall_id)
    if st.query_params.get("hall") != link.hall_id:
        st.query_params["hall"] = link.hall_id  # a link shows its own hall, whatever the URL says
    if st.session_state.get(KIOSK) != token:
        _forget(keep_notice=False)
        st.session_state[KIOSK] = token
        st.session_state[VIA] = "kiosk"
    st.session_state[SCOPE] = scope
    return scope


def screen_still_valid() -> bool:
    """Called at the top of the big screen's fragment on every refresh: False (and a full
    rerun, which shows the invalid-link or sign-in screen) when the kiosk link was revoked or
    has expired, or the signed-in session timed out."""
    via = st.session_state.get(VIA)
    if via == "kiosk":
        ok = _kiosk_link(st.session_state.get(KIOSK)) is not None
    elif via in ("local", "oidc"):
        ok = not idle_expired(settings())
    else:
        ok = via == "none" and settings().auth == "none"
    if not ok:
        st.session_state.pop(SCOPE, None)
        st.rerun(scope="app")
    return ok


# --- roles and page views ------------------------------------------------------------------------


def may_see(url_path: str, scope: Scope) -> bool:
    roles = PAGE_ROLES.get(url_path)
    return roles is None or scope.role in roles


def require_role(url_path: str, title_key: str) -> Scope:
    """At the top of a page for some roles only: refuses (and stops) everyone else, also when
    the page is reached by URL or run on its own."""
    scope = current_scope()
    if not may_see(url_path, scope):
        lang = state.lang()
        roles = ("、" if lang == "zh" else ", ").join(
            t(f"role.{r}", lang) for r in PAGE_ROLES[url_path]
        )
        st.error(t("auth.refused", lang, page=t(title_key, lang), roles=roles))
        st.stop()
    return scope


def note_page_view(url_path: str) -> None:
    """One page_view row per page per session, with the scope it was read in."""
    if url_path != "home":  # `/` switches to 总览 at once: a notice waits for it
        st.session_state.pop(NOTICE, None)
    scope = st.session_state.get(SCOPE)
    viewed: set[str] = st.session_state.setdefault(VIEWED, set())
    if scope is None or url_path in viewed or url_path == "home":
        return
    try:
        audit.record(
            _engine(),
            who=scope.who,
            role=scope.role,
            action="page_view",
            target=url_path,
            scope=scope,
            client=client(),
        )
    except Exception as exc:  # a read-only database: the page still shows, the log says why
        log.warning("page view not audited: %s", exc)
        return
    viewed.add(url_path)


def audit_download(file_name: str, action: str = "download", rows: int | None = None) -> None:
    """`on_click` of a download button: who took which file, in which scope (a download is a
    copy of figures leaving the app; the weekly report's files are recorded as `report`)."""
    audit_action(action, file_name, None if rows is None else {"rows": rows})


def audit_action(action: str, target: str, detail: dict | None = None) -> None:
    """What a signed-in reader did on a page (a download, an import): who, in which scope,
    with what result. A failure to record is logged, never shown: the file is already in the
    browser's hands, the write already happened."""
    scope = st.session_state.get(SCOPE) or current_scope()
    try:
        audit.record(
            _engine(),
            who=scope.who,
            role=scope.role,
            action=action,
            target=target,
            scope=scope,
            detail=detail,
            client=client(),
        )
    except Exception as exc:
        log.warning("%s not audited: %s", action, exc)


# --- the first run -------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _first_admin_once(url: str) -> bool:
    """Once a process per database: make the first admin if there is no account and print
    its one-time password to the terminal running Streamlit."""
    from queries.db import make_engine

    engine = make_engine(url)
    try:
        password = bootstrap.first_admin(engine)
    finally:
        engine.dispose()
    if password is None:
        return False
    print(first_admin_box(password, app_url()), file=sys.stdout, flush=True)
    return True


def first_admin_box(password: str, url: str | None = None) -> str:
    """The boxed terminal message of a fresh install (printed once, never stored)."""
    lines = [
        "HallPulse 厅脉: first start — sign in as the first admin / 首次启动，初始管理员：",
        "",
        f"    URL:       {url or app_url()}",
        f"    login:     {bootstrap.FIRST_LOGIN}",
        f"    password:  {password}",
        "",
        "One-time password: you set your own at the first sign-in; it is shown only here.",
        "一次性密码：首次登录时须设置新密码；此密码只显示这一次。",
    ]
    width = max(_width(line) for line in lines) + 2
    bar = "+" + "-" * (width + 2) + "+"
    body = [f"| {line}{' ' * (width - _width(line))} |" for line in lines]
    return "\n".join(["", bar, *body, bar, ""])


def app_url() -> str:
    """The address this server answers on, as Streamlit's own banner gives it."""
    address = st.get_option("server.address") or st.get_option("browser.serverAddress")
    port = st.get_option("browser.serverPort") or st.get_option("server.port")
    return f"http://{address or 'localhost'}:{port}"


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def first_run() -> None:
    """Local sign-in on a database without accounts: make the first admin (once)."""
    url = state.db_url()
    try:
        _first_admin_once(url)
    except Exception as exc:  # a read-only or unreachable database: the form says the rest
        log.warning("first admin not created: %s", exc)
