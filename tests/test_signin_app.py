"""Sign-in without a browser: AppTest runs streamlit_app.py with `[access] auth = "local"` over
a small demo. Not signed in → only the form; wrong passwords → the same message, audited, and a
lockout; the first admin's one-time password from the terminal → a new password → the pages;
a viewer is refused the import page by URL; an idle session is signed out; kiosk links open one
hall's screen until revoked; `auth = "none"` shows the red banner."""

from __future__ import annotations

import html
import re
import shutil
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from access import accounts, audit, kiosk
from dashboard import auth
from i18n.text import t
from metrics.settings import CONFIG_ENV
from queries.db import URL_ENV, make_engine

APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"
PASSWORD = "correct horse battery"
CONFIG = """[access]
auth = "local"
max_failures = 3
lockout_min = 15
idle_timeout_min = 30
"""


@pytest.fixture(autouse=True)
def clear_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-day demo (halls, staff, tickets), made once for the module."""
    from simulation.demo import DemoOptions
    from simulation.writer import write_demo
    from workdays import clock

    path = tmp_path_factory.mktemp("signin") / "hall.db"
    engine = make_engine(f"sqlite:///{path}")
    now = clock.now().replace(second=0)
    try:
        write_demo(engine, DemoOptions(end=now.date(), days=2, now=now))
    finally:
        engine.dispose()
    return path


@pytest.fixture
def url(small_demo: Path, tmp_path: Path, monkeypatch) -> str:
    """A copy of the demo for one test (no accounts yet), served with local sign-in."""
    path = tmp_path / "hall.db"
    shutil.copy(small_demo, path)
    config = tmp_path / "hallpulse.toml"
    config.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV, str(config))
    monkeypatch.setenv(URL_ENV, f"sqlite:///{path}")
    return f"sqlite:///{path}"


def add_user(url: str, login: str, role: str, **grants) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        accounts.add_user(conn, login, role, by="test", password=PASSWORD, **grants)
    engine.dispose()


def audit_rows(url: str, action: str) -> list[dict]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = audit.read(conn, action=action).to_dicts()
    engine.dispose()
    return rows


def app(**params: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at


def text_of(at: AppTest) -> str:
    parts = (
        [m.value for m in at.markdown] + [e.value for e in at.error] + [i.value for i in at.info]
    )
    parts += (
        [x.value for x in at.title] + [c.value for c in at.caption] + [w.value for w in at.warning]
    )
    parts += [h.proto.body for h in at.get("html")]
    return "\n".join(str(p) for p in parts)


def banner(at: AppTest) -> str | None:
    """The text of the red no-sign-in banner, if shown."""
    for element in at.get("html"):
        if 'data-key="no-sign-in"' in element.proto.body:
            return html.unescape(re.sub(r"<[^>]+>", "", element.proto.body))
    return None


def sign_in(at: AppTest, login: str, password: str) -> AppTest:
    at.text_input(key="sign_in_login").input(login)
    at.text_input(key="sign_in_pw").input(password)
    next(b for b in at.button if b.label == t("auth.submit")).click()
    return at.run()


def test_not_signed_in_shows_only_the_form_and_the_first_admin_gets_in(url: str, capfd) -> None:
    at = app().run()
    assert not at.exception, [e.message for e in at.exception]
    shown = text_of(at)
    assert t("auth.title") in shown and t("auth.first_run") in shown
    assert "演示数据" not in shown and "示范区" not in shown  # nothing of the halls
    assert len(at.text_input) == 2 and not at.get("plotly_chart") and not at.dataframe
    # the first admin was made and its one-time password printed once, boxed, to stdout
    out = capfd.readouterr().out
    password = re.search(r"password:\s+(\S+)", out)[1]
    assert "login:     admin" in out and "URL:" in out
    at = app().run()
    assert "password:" not in capfd.readouterr().out  # once
    sign_in(at, "admin", password)
    assert [x.value for x in at.title] == [t("auth.change.title")]  # first: a password of one's own
    at.text_input(key="pw_new").input("short")
    at.text_input(key="pw_again").input("short")
    next(b for b in at.button if b.label == t("auth.change.submit")).click()
    at.run()
    assert t("auth.change.short", n=12) in text_of(at)
    at.text_input(key="pw_new").input(PASSWORD)
    at.text_input(key="pw_again").input(PASSWORD)
    next(b for b in at.button if b.label == t("auth.change.submit")).click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert [x.value for x in at.title] == [t("nav.overview")]
    assert t("auth.change.done") in [s.value for s in at.success]
    assert at.session_state[auth.SCOPE].role == "admin"
    assert [r["who"] for r in audit_rows(url, "sign_in")] == ["admin"]
    assert {r["target"] for r in audit_rows(url, "page_view")} == {"overview"}
    views = audit_rows(url, "page_view")
    assert '"halls":"all"' in views[0]["scope"]


def test_wrong_password_is_refused_and_audited_then_locked(url: str) -> None:
    add_user(url, "d1", "director", halls=["H01"])
    at = app().run()
    for attempt in range(1, 4):
        sign_in(at, "d1", "not the password")
        errors = [e.value for e in at.error]
        if attempt < 3:
            assert errors == ["用户名或密码错误"]
    assert errors and errors[0].startswith("尝试次数过多，账户锁定至")
    sign_in(at, "d1", PASSWORD)  # the right password, but locked
    assert next(e.value for e in at.error).startswith("尝试次数过多")
    assert auth.SCOPE not in at.session_state
    failed = audit_rows(url, "sign_in_failed")
    reasons = [r["detail"] for r in failed]
    assert len(failed) == 4 and all(r["who"] == "d1" for r in failed)
    assert '"reason": "wrong"' in reasons[0] and '"reason": "locked"' in reasons[2]
    sign_in(at, "nobody", "whatever")  # an unknown login: the same words
    assert [e.value for e in at.error] == ["用户名或密码错误"]


def test_admin_sees_the_admin_pages_and_the_audit_log(url: str) -> None:
    add_user(url, "a1", "admin")
    at = sign_in(app().run(), "a1", PASSWORD)
    assert [x.value for x in at.title] == [t("nav.overview")]
    assert any(t("auth.signed_in", who="a1", role="管理员") == c.value for c in at.sidebar.caption)
    at.switch_page("dashboard/pages/data_import.py").run()
    assert not at.exception and [x.value for x in at.title] == [t("nav.import")]
    at.switch_page("dashboard/pages/audit.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert [x.value for x in at.title] == [t("audit.title")]
    frame = at.dataframe[0].value
    assert {"登录", "查看页面"} <= set(frame["操作"])
    assert "import" in set(frame["对象"])
    # sign out: audited, back to the form
    at.sidebar.button(key="sign_out").click().run()
    assert [x.value for x in at.title] == [t("auth.title")]
    assert t("auth.signed_out") in [i.value for i in at.info]
    assert [r["who"] for r in audit_rows(url, "sign_out")] == ["a1"]


def test_viewer_is_refused_the_import_page_by_url(url: str) -> None:
    add_user(url, "v1", "viewer", halls=["H01"])
    at = sign_in(app().run(), "v1", PASSWORD)
    scope = at.session_state[auth.SCOPE]
    assert scope.role == "viewer" and not scope.names_visible and scope.hall_ids == {"H01"}
    for page, key in [
        ("data_import", "nav.import"),
        ("audit", "nav.audit"),
        ("alerts", "nav.alerts"),
    ]:
        at.switch_page(f"dashboard/pages/{page}.py").run()
        assert not at.exception, [e.message for e in at.exception]
        assert [e.value for e in at.error] == [
            t("auth.refused", page=t(key), roles=t("role.admin"))
        ]
        assert not at.file_uploader and not at.dataframe


def test_import_page_run_on_its_own_refuses(url: str) -> None:
    at = AppTest.from_file(str(APP.parent / "dashboard/pages/data_import.py"), default_timeout=30)
    at.run()
    assert [e.value for e in at.error] == [t("auth.needs_sign_in")]
    assert not at.file_uploader


def test_idle_session_is_signed_out(url: str) -> None:
    add_user(url, "a1", "admin")
    at = sign_in(app().run(), "a1", PASSWORD)
    assert [x.value for x in at.title] == [t("nav.overview")]
    at.session_state[auth.ACTIVE] = time.monotonic() - 29 * 60  # still inside the 30 minutes
    at.run()
    assert [x.value for x in at.title] == [t("nav.overview")]
    at.session_state[auth.ACTIVE] = time.monotonic() - 31 * 60
    at.run()
    assert [x.value for x in at.title] == [t("auth.title")]
    assert t("auth.timed_out", minutes=30) in [i.value for i in at.info]
    out = audit_rows(url, "sign_out")
    assert [r["who"] for r in out] == ["a1"] and '"reason": "idle"' in out[0]["detail"]


def test_kiosk_link_opens_one_hall_until_revoked(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        link, token = kiosk.add(conn, "H02", by="test")
    # the URL's hall is overruled by the link's; whatever the page, the screen is all it opens
    at = app(kiosk=token, hall="H01").run()
    assert not at.exception, [e.message for e in at.exception]
    html = text_of(at)
    assert 'data-key="waiting_now"' in html and "kiosk-invalid" not in html
    assert at.session_state[auth.SCOPE] == auth.Scope.kiosk(link.link_id, "H02")
    assert at.query_params["hall"] == "H02"
    with engine.begin() as conn:
        kiosk.revoke(conn, link.link_id, by="test")
    engine.dispose()
    at.run()  # the next refresh
    html = text_of(at)
    assert "kiosk-invalid" in html and t("kiosk.invalid") in html
    assert 'data-key="waiting_now"' not in html and "H02" not in html
    views = audit_rows(url, "page_view")
    assert [(r["who"], r["target"]) for r in views] == [(f"kiosk:{link.link_id}", "screen")]


def test_screen_without_a_token_asks_for_sign_in(url: str) -> None:
    at = app().run()
    at.switch_page("dashboard/pages/big_screen.py").run()
    assert [x.value for x in at.title] == [t("auth.title")]
    assert 'data-key="waiting_now"' not in text_of(at)
    bad = app(kiosk="not-a-token").run()
    assert "kiosk-invalid" in text_of(bad)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sign_in_off_shows_the_red_banner(url: str, tmp_path: Path, monkeypatch, lang) -> None:
    config = tmp_path / "off.toml"
    config.write_text('[access]\nauth = "none"\n', encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV, str(config))
    at = app(lang=lang).run()
    assert not at.exception, [e.message for e in at.exception]
    assert banner(at) == t("auth.no_auth_banner", lang)
    assert [x.value for x in at.title] == [t("nav.overview", lang)]
    at.switch_page("dashboard/pages/cases.py")
    at.query_params["lang"] = lang
    at.run()
    assert banner(at) == t("auth.no_auth_banner", lang)
    assert not at.error


def test_a_bad_access_setting_stops_the_app(url: str, tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[access]\nauth = "off"\n', encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV, str(config))
    at = app().run()
    assert "auth must be one of local, oidc, none" in at.error[0].value
    assert [x.value for x in at.title] == []


def test_first_admin_box_lines_up() -> None:
    box = auth.first_admin_box("abc", "http://localhost:8501").splitlines()[1:-1]
    assert {auth._width(line) for line in box} == {auth._width(box[0])}
    assert "    URL:       http://localhost:8501" in "\n".join(box)


def test_the_sign_in_form_in_english(url: str) -> None:
    add_user(url, "a1", "admin")
    at = app(lang="en").run()
    assert [x.value for x in at.title] == ["Sign in to HallPulse"]
    assert [x.label for x in at.text_input] == ["Login", "Password"]
    at.text_input(key="sign_in_login").input("a1")
    at.text_input(key="sign_in_pw").input("not it")
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()
    assert [e.value for e in at.error] == ["wrong login or password"]


def test_a_download_is_audited_with_its_scope(url: str) -> None:
    add_user(url, "v1", "viewer", halls=["H01"])
    at = sign_in(app().run(), "v1", PASSWORD)
    at.switch_page("dashboard/pages/attendance.py").run()
    assert not at.exception, [e.message for e in at.exception]
    button = at.get("download_button")[0]
    button.click()
    at.run()
    rows = audit_rows(url, "download")
    assert len(rows) == 1 and rows[0]["who"] == "v1" and rows[0]["role"] == "viewer"
    assert rows[0]["target"].startswith("attendance_") and rows[0]["target"].endswith(".csv")
    assert '"halls":["H01"]' in rows[0]["scope"] and '"names":false' in rows[0]["scope"]
