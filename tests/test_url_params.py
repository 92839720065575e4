"""Hostile URL parameters on every page (AppTest over streamlit_app.py and the two-week demo).

- `period=custom&from=0001-01-01&to=9999-12-31` once showed an OverflowError traceback: dates
  are clamped to what can be asked for and a note says so;
- `?hall=[x](http://…) ![](http://…/qr.png)` once rendered the attacker's link and remote image
  on the public wall: an unknown hall, department or window is refused with a message, and
  nothing from a URL is ever rendered as Markdown or HTML.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit as st
from conftest import first_run_on
from streamlit.testing.v1 import AppTest

from dashboard.widgets import EARLIEST
from i18n.text import plain, t
from queries.db import URL_ENV
from workdays import clock

APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"
FILTER_PAGES = ("overview", "windows", "window", "cases", "evaluations", "attendance", "quality")
ALL_PAGES = (*FILTER_PAGES, "alerts", "forecast", "big_screen", "data_overview", "weekly_report")
HOSTILE = "[点我领补贴](http://evil.example/x) ![](http://evil.example/qr.png) <img src=x>"
# what Markdown would turn into a link or an image, or HTML into an element
RENDERED = re.compile(r"(?<!\\)\](?<!\\)\(|(?<!\\)!\[|(?<!\\)<img|http://evil\.example")
MARKDOWN_KINDS = ("error", "warning", "info", "success", "markdown", "caption", "title")


@pytest.fixture(autouse=True)
def clear_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


def open_page(monkeypatch, url: str, page: str, **params: str) -> AppTest:
    monkeypatch.setenv(URL_ENV, url)
    at = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    first_run_on(at, page).run()
    return at


def texts(at: AppTest, kinds=MARKDOWN_KINDS) -> list[str]:
    return [e.proto.body for kind in kinds for e in at.get(kind)]


def assert_nothing_rendered(at: AppTest) -> None:
    """No exception, no traceback, and no URL text that Markdown or HTML would render."""
    assert not at.exception, [e.message for e in at.exception]
    for body in texts(at):
        assert not RENDERED.search(body), body
    for body in texts(at, ("html",)):
        assert "evil.example" not in body, body


@pytest.mark.parametrize("page", FILTER_PAGES)
def test_absurd_custom_dates_are_clamped_with_a_note(monkeypatch, demo_db, page: str):
    url, _ = demo_db
    at = open_page(monkeypatch, url, page, period="custom", **{"from": "0001-01-01"},
                   to="9999-12-31")  # fmt: skip
    assert_nothing_rendered(at)
    notes = [w.proto.body for w in at.warning]
    today = clock.today()
    expected = t("url.dates", "zh", what=plain("?from=0001-01-01&to=9999-12-31"),
                 first=EARLIEST, last=today)  # fmt: skip
    assert expected in notes, notes
    captions = " ".join(texts(at, ("caption",)))
    assert f"{EARLIEST.isoformat()} – {today.isoformat()}" in captions, captions


@pytest.mark.parametrize("page", FILTER_PAGES[:3])
def test_dates_that_are_not_dates_are_named_and_dropped(monkeypatch, demo_db, page: str):
    url, _ = demo_db
    at = open_page(monkeypatch, url, page, period="custom", **{"from": HOSTILE}, to="2026-13-40")
    assert_nothing_rendered(at)
    assert any(plain("to=2026-13-40") in w.proto.body for w in at.warning), texts(at)


@pytest.mark.parametrize("page", ALL_PAGES)
def test_a_crafted_hall_is_refused_as_plain_text(monkeypatch, demo_db, page: str):
    url, _ = demo_db
    at = open_page(monkeypatch, url, page, hall=HOSTILE)
    assert_nothing_rendered(at)
    if page in ("data_overview", "weekly_report", "quality"):
        return  # these pages take no hall from the URL
    shown = " ".join(texts(at, ("error", "warning")))
    assert plain(HOSTILE) in shown or plain(f"?hall={HOSTILE}") in shown, shown


@pytest.mark.parametrize(
    ("page", "param"),
    [("overview", "dept"), ("window", "window"), ("window", "staff"), ("evaluations", "dept")],
)
def test_unknown_department_window_staff_are_refused(monkeypatch, demo_db, page, param):
    url, _ = demo_db
    at = open_page(monkeypatch, url, page, **{param: "NOPE-1"})
    assert_nothing_rendered(at)
    errors = [e.proto.body for e in at.error]
    assert errors == [t("url.unknown", "zh", what=plain(f"?{param}=NOPE-1"))], errors
    assert not at.metric  # nothing of the page below the message


@pytest.mark.parametrize(("page", "param"), [("overview", "period"), ("windows", "level")])
def test_unknown_choices_are_ignored_with_a_note(monkeypatch, demo_db, page, param):
    url, _ = demo_db
    at = open_page(monkeypatch, url, page, **{param: "**bold** :red[x]"})
    assert_nothing_rendered(at)
    notes = [w.proto.body for w in at.warning]
    assert t("url.ignored", "zh", what=plain(f"?{param}=**bold** :red[x]")) in notes, notes
    assert at.metric or at.dataframe  # the page itself is shown


def test_plain_escapes_markdown_and_line_breaks():
    assert plain("[a](http://x.y)\n![](u)") == r"\[a\]\(http\://x\.y\) \!\[\]\(u\)"
    assert plain("H01") == "H01"
    assert plain("<b>*x*</b>") == r"\<b\>\*x\*\<\/b\>".replace(r"\/", "/")
