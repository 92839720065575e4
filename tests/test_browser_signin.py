"""Sign-in in headless Chromium, end to end.

- Local accounts: a fresh database → the first admin's one-time password in the server's
  terminal output → sign in → set a new password → 总览.
- Kiosk links: `hall kiosk add H01` gives a URL that shows the big screen without sign-in;
  without the token the screen shows nothing of the hall; after `hall kiosk revoke` the
  screen's next refresh shows the neutral invalid-link screen.
- Single sign-on: a real OpenID provider (the npm package oidc-provider on Node.js, started on
  127.0.0.1) and Streamlit's own st.login: Chromium clicks 统一身份认证登录, signs in on the
  provider's login form, consents, and comes back signed in as the mapped account.

Screenshots of the sign-in form and the invalid-link screen go to artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import unavailable
from playwright.sync_api import Page, expect
from test_browser import EXCEPTION, IDLE, ROOT, free_port, streamlit_server
from test_signin_app import PASSWORD, small_demo

from access import accounts
from i18n.text import t
from metrics.settings import CONFIG_ENV
from queries.db import URL_ENV, make_engine

pytestmark = pytest.mark.browser
__all__ = ["small_demo"]  # the fixture, imported for pytest

PEER = ROOT / "tests" / "peers" / "oidc"
REFRESH_S = 2
HALL_NAME = "示范区政务服务中心"


@pytest.fixture(autouse=True, scope="module")
def patient_expect() -> Iterator[None]:
    """A page renders in 5–10 s on this machine: wait that long for what must appear."""
    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)  # Playwright's default, for the other modules


def hall(*args: str, url: str) -> str:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "hall"), *args, "--db", url],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, URL_ENV: url},
    )
    return done.stdout


@pytest.fixture(scope="module")
def local_server(small_demo: Path, tmp_path_factory: pytest.TempPathFactory):
    """The app with local sign-in over a fresh copy of the demo (no account yet): yields its
    base URL, the database URL and the server's log (its terminal)."""
    folder = tmp_path_factory.mktemp("signin-browser")
    shutil.copy(small_demo, folder / "hall.db")
    url = f"sqlite:///{folder / 'hall.db'}"
    config = folder / "hallpulse.toml"
    config.write_text(
        f'[access]\nauth = "local"\n\n[screen]\nrefresh_s = {REFRESH_S}\n', encoding="utf-8"
    )
    log = folder / "server.log"
    with streamlit_server(url, log, {CONFIG_ENV: str(config)}) as base:
        yield base, url, log


def new_page(browser, base: str, **options) -> Page:
    options = {"viewport": {"width": 1600, "height": 1000}, **options}
    context = browser.new_context(base_url=base, locale="zh-CN", **options)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def more(sidebar) -> None:
    """Unfold the sidebar navigation (Streamlit folds long page lists)."""
    view_more = sidebar.get_by_role("button", name=re.compile(r"View \d+ more"))
    if view_more.count():
        view_more.click()


def idle(page: Page) -> None:
    page.wait_for_selector(IDLE, state="attached")


def test_first_admin_signs_in_with_the_password_from_the_terminal(
    browser, local_server, artifacts: Path
) -> None:
    base, _, log = local_server
    page = new_page(browser, base)
    page.goto("/")
    page.get_by_role("heading", name=t("auth.title")).wait_for()  # a cold first run: ~10 s
    idle(page)
    text = page.locator("body").inner_text()
    assert HALL_NAME not in text and "演示数据" not in text  # nothing of the halls
    page.screenshot(path=artifacts / "signin_form_zh.png")
    # printed once to the terminal running Streamlit, boxed
    deadline = time.monotonic() + 10
    while "login:     admin" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    printed = log.read_text()
    password = re.search(r"password:\s+(\S+)", printed)[1]
    assert f"URL:       {base}" in printed and "login:     admin" in printed
    page.get_by_role("textbox", name=t("auth.login"), exact=True).fill("admin")
    page.get_by_role("textbox", name=t("auth.password"), exact=True).fill(password)
    page.get_by_role("button", name=t("auth.submit")).click()
    expect(page.get_by_role("heading", name=t("auth.change.title"))).to_be_visible()
    page.get_by_role("textbox", name=t("auth.change.new"), exact=True).fill(PASSWORD)
    page.get_by_role("textbox", name=t("auth.change.again"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=t("auth.change.submit")).click()
    expect(page.get_by_role("heading", name=t("nav.overview"), exact=True)).to_be_visible()
    idle(page)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text(t("auth.signed_in", who="管理员", role="管理员"))
    assert page.locator(EXCEPTION).count() == 0
    more(sidebar)  # in the session (a reload is a new session): the admin's audit page
    sidebar.get_by_role("link", name=t("nav.audit")).click()
    expect(page.get_by_role("heading", name=t("audit.title"), exact=True)).to_be_visible()
    page.wait_for_selector('[data-testid="stDataFrame"]')
    idle(page)
    page.screenshot(path=artifacts / "audit_page_zh.png")
    assert log.read_text().count("login:     admin") == 1  # once
    page.context.close()


def test_a_local_account_signs_in_and_sees_its_pages(browser, local_server) -> None:
    base, url, _ = local_server
    engine = make_engine(url)
    with engine.begin() as conn:
        accounts.add_user(conn, "v1", "viewer", by="test", password=PASSWORD, halls=["H01"])
    engine.dispose()
    page = new_page(browser, base)
    page.goto("/import")  # by URL: the sign-in form first, then the refusal
    page.get_by_role("textbox", name=t("auth.login"), exact=True).fill("v1")
    page.get_by_role("textbox", name=t("auth.password"), exact=True).fill("wrong password!")
    page.get_by_role("button", name=t("auth.submit")).click()
    expect(page.get_by_text("用户名或密码错误")).to_be_visible()
    page.get_by_role("textbox", name=t("auth.password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=t("auth.submit")).click()
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text(t("auth.signed_in", who="v1", role="只读查看"))
    expect(
        page.get_by_text(t("auth.refused", page=t("nav.import"), roles="管理员"))
    ).to_be_visible()
    expect(page.get_by_test_id("stFileUploader")).to_have_count(0)
    more(sidebar)
    expect(sidebar.get_by_role("link", name=t("nav.quality"))).to_be_visible()
    expect(sidebar.get_by_role("link", name=t("nav.import"))).to_have_count(0)
    sidebar.get_by_role("link", name=t("nav.windows")).click()
    expect(page.get_by_role("heading", name=t("nav.windows"), exact=True)).to_be_visible()
    page.context.close()


def test_kiosk_link_shows_the_screen_until_revoked(browser, local_server, artifacts: Path) -> None:
    base, url, _ = local_server
    out = hall("kiosk", "add", "H01", "--label", "大厅东屏", "--base-url", base, url=url)
    link_id = re.search(r"kiosk link (\d+)", out)[1]
    screen_url = out.strip().splitlines()[-1]
    assert screen_url.startswith(f"{base}/screen?hall=H01&kiosk=")
    screen = new_page(browser, base, viewport={"width": 1920, "height": 1080})
    screen.goto(screen_url)
    screen.wait_for_selector('[data-key="waiting_now"]')
    expect(screen.locator("body")).to_contain_text(HALL_NAME)
    # without the token: the sign-in form, nothing of the hall
    anonymous = new_page(browser, base)
    anonymous.goto("/screen?hall=H01")
    expect(anonymous.get_by_role("heading", name=t("auth.title"))).to_be_visible()
    assert HALL_NAME not in anonymous.locator("body").inner_text()
    anonymous.goto("/screen?hall=H01&kiosk=not-a-token")
    anonymous.wait_for_selector('[data-key="kiosk-invalid"]')
    anonymous.context.close()
    # revoked: the next refresh of the open screen shows the invalid-link screen
    hall("kiosk", "revoke", link_id, url=url)
    started = time.monotonic()
    screen.wait_for_selector('[data-key="kiosk-invalid"]', timeout=(REFRESH_S + 10) * 1000)
    took = time.monotonic() - started
    idle(screen)
    body = screen.locator("body").inner_text()
    assert t("kiosk.invalid") in body and HALL_NAME not in body
    assert screen.locator('[data-key="waiting_now"]').count() == 0
    screen.screenshot(path=artifacts / "kiosk_invalid.png")
    screen.context.close()
    assert took < REFRESH_S + 8, took


# --- single sign-on against a real OpenID provider -------------------------------------------


@pytest.fixture(scope="module")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, str]]:
    """oidc-provider on Node.js on a free port: (issuer, the app's port, client secret)."""
    node = shutil.which("node")
    if node is None:
        unavailable(
            "Node.js not found: apt-get install nodejs npm, then npm ci in tests/peers/oidc"
        )
    if not (PEER / "node_modules" / "oidc-provider").exists():
        unavailable(f"the OpenID provider is not installed: run `npm ci --prefix {PEER}`")
    port, app_port = free_port(), free_port()
    secret = "test-client-secret-0123456789"
    issuer = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                node,
                str(PEER / "provider.mjs"),
                str(port),
                "hallpulse",
                secret,
                f"http://127.0.0.1:{app_port}/oauth2callback",
                "sub-zhang-0001",
                "zhang.sanming@gov.example.cn",
            ],
            cwd=PEER,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        import urllib.request

        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration") as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the OpenID provider did not start:\n{log.read_text()}")
                time.sleep(0.2)
        yield issuer, app_port, secret
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_single_sign_on_with_a_real_openid_provider(
    browser, oidc_provider, small_demo: Path, tmp_path: Path, artifacts: Path
) -> None:
    issuer, app_port, secret = oidc_provider
    shutil.copy(small_demo, tmp_path / "hall.db")
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:  # an account known by its e-mail, no password
        accounts.add_user(
            conn,
            "zhang",
            "director",
            by="test",
            halls=["H01"],
            email="Zhang.Sanming@gov.example.cn",
        )
    engine.dispose()
    config = tmp_path / "hallpulse.toml"
    config.write_text('[access]\nauth = "oidc"\n', encoding="utf-8")
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"\n'
        'cookie_secret = "a-long-random-cookie-secret-for-the-test-0123456789"\n'
        'client_id = "hallpulse"\n'
        f'client_secret = "{secret}"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
        # Streamlit asks for prompt=select_account by default, which many providers (this one
        # too) refuse: ask for a fresh sign-in instead
        'client_kwargs = { prompt = "login" }\n',
        encoding="utf-8",
    )
    with streamlit_server(
        url,
        tmp_path / "server.log",
        {CONFIG_ENV: str(config)},
        port=app_port,
        args=(f"--secrets.files={secrets}",),
    ) as base:
        page = new_page(browser, base)
        page.goto("/")
        button = page.get_by_role("button", name=t("auth.sso"))
        expect(button).to_be_visible()
        idle(page)
        page.screenshot(path=artifacts / "signin_sso_zh.png")
        button.click()
        # the provider's own development login form, then its consent screen
        page.wait_for_url(lambda address: address.startswith(issuer))
        page.locator('input[name="login"]').fill("sub-zhang-0001")  # the account's subject
        page.locator('input[name="password"]').fill("anything")
        page.locator('button[type="submit"]').click()
        page.wait_for_load_state()
        if page.url.startswith(issuer):  # the consent screen: continue
            page.screenshot(path=artifacts / "signin_sso_provider_consent.png")
            page.locator('button[type="submit"]').click()
        page.wait_for_url(lambda address: address.startswith(base))
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar).to_contain_text(t("auth.signed_in", who="zhang", role="中心主任"))
        expect(page.get_by_role("heading", name=t("nav.overview"), exact=True)).to_be_visible()
        idle(page)
        assert page.locator(EXCEPTION).count() == 0
        page.context.close()
    engine = make_engine(url)
    with engine.connect() as conn:
        from access import audit

        signed = audit.read(conn, action="sign_in").to_dicts()
        bound = accounts.get_user(conn, "zhang").oidc_subject
    engine.dispose()
    assert [(r["who"], r["target"]) for r in signed] == [("zhang", "oidc")]
    assert bound == "sub-zhang-0001"
