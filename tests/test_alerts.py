"""Alerts (预警推送): rule settings, evaluation at the thresholds, episodes and rate limits on
every database, and the three channels against real local peers — an HTTP receiver standing in
for the DingTalk and WeCom robots, an aiosmtpd SMTP server — then `hall alerts run --once` on a
demo database and the 预警记录 page. Nothing leaves 127.0.0.1."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import tomllib
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote_plus, urlsplit

import polars as pl
import pytest
import sqlalchemy as sa
from conftest import first_run_on, unavailable

from access.scope import Scope
from alerts import channels as ch
from alerts import evaluate as ev
from alerts import service
from alerts.messages import render
from alerts.rules import AlertSettingsError, Rule, load_alert_settings, parse_alerts
from queries import alert_queries as aq
from queries import alert_store
from queries import schema as s
from queries.db import ensure_calendar, init_schema, make_engine

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 12, 3)  # a Thursday, a working day
NOW = dt.datetime(2026, 12, 3, 10, 30)


# --- a local HTTP receiver (the robots' webhooks) ---------------------------------------------


class Receiver:
    """http.server on 127.0.0.1 and a free port, in a thread: keeps every POST (path, query,
    JSON body) and answers each with `status` and `body`."""

    def __init__(self, status: int = 200, body: dict | None = None):
        self.status = status
        self.body = {"errcode": 0, "errmsg": "ok"} if body is None else body
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                receiver.requests.append(
                    {
                        "path": parts.path,
                        "query": parse_qs(parts.query),
                        "raw_query": parts.query,
                        "content_type": self.headers.get("Content-Type"),
                        "json": json.loads(raw.decode("utf-8")),
                    }
                )
                answer = json.dumps(receiver.body).encode()
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


# --- rule settings ----------------------------------------------------------------------------

CHANNEL = {"name": "ops", "kind": "wecom", "url": "http://127.0.0.1:1/hook"}
RULE = {"kind": "queue_wait", "threshold_min": 30, "channels": ["ops"]}


def settings_of(**section) -> dict:
    return {"channels": [CHANNEL], "rules": [RULE], **section}


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"bogus": 1}, "[alerts]: unknown key(s) bogus"),
        (settings_of(app_url="hall.example"), "app_url must be an http(s) URL"),
        (settings_of(lang="fr"), "lang must be one of zh, en"),
        (settings_of(interval_s=0), "interval_s must be a positive number"),
        ({"rules": {"kind": "queue_wait"}}, "alerts.rules must be an array of tables"),
        (
            {"channels": [{**CHANNEL, "kind": "sms"}]},
            "[[alerts.channels]] #1 (ops): kind must be one of dingtalk, wecom, email",
        ),
        ({"channels": [{**CHANNEL, "url": "ftp://x"}]}, "#1 (ops): url must be an http(s) URL"),
        ({"channels": [{**CHANNEL, "token": "x"}]}, "#1 (ops): unknown key(s) token"),
        ({"channels": [CHANNEL, CHANNEL]}, "name 'ops' is used twice"),
        (
            {"channels": [{**CHANNEL, "max_per_hour": 0}]},
            "max_per_hour must be a whole number ≥ 1",
        ),
        (
            {"channels": [{"name": "m", "kind": "email", "host": "h", "sender": "a@b"}]},
            "#1 (m): to must be a non-empty list of strings",
        ),
        (
            {
                "channels": [
                    {"name": "m", "kind": "email", "host": "h", "sender": "ab", "to": ["c@d"]}
                ]
            },
            "'ab' is not an e-mail address",
        ),
        (
            {
                "channels": [
                    {
                        "name": "m",
                        "kind": "email",
                        "host": "h",
                        "sender": "a@b",
                        "to": ["c@d"],
                        "username": "u",
                    }
                ]
            },
            "username and password go together",
        ),
        (
            settings_of(rules=[{**RULE, "kind": "queue_waits"}]),
            "[[alerts.rules]] #1: kind must be one of queue_wait",
        ),
        (
            settings_of(rules=[{"kind": "queue_wait", "channels": ["ops"]}]),
            "#1 (queue_wait): queue_wait needs threshold_min",
        ),
        (
            settings_of(rules=[{**RULE, "threshold_min": -5}]),
            "threshold_min must be a positive number: -5",
        ),
        (
            settings_of(rules=[{**RULE, "threshold_waiting": 3}]),
            "unknown key(s) threshold_waiting",
        ),
        (settings_of(rules=[{**RULE, "channels": ["nope"]}]), "channel 'nope' is not a"),
        (
            settings_of(rules=[{"kind": "queue_wait", "threshold_min": 30}]),
            "channels is missing",
        ),
        (settings_of(rules=[RULE, RULE]), "a second rule named 'queue_wait'"),
        (settings_of(rules=[{**RULE, "halls": []}]), "halls must be a non-empty list"),
        (
            settings_of(rules=[{"kind": "case_due", "after": "3pm", "channels": ["ops"]}]),
            "after must be a time of day HH:MM: '3pm'",
        ),
        (
            settings_of(rules=[{"kind": "bad_review", "max_rating": 6, "channels": ["ops"]}]),
            "max_rating must be 1–5",
        ),
        (settings_of(rules=[{**RULE, "name": "a:b"}]), "may not contain ':'"),
        (
            {
                "channels": [
                    {
                        "name": "m",
                        "kind": "email",
                        "host": "h",
                        "sender": "a@b",
                        "to": ["c@d"],
                        "ca_file": "/nonexistent/ca.pem",
                    }
                ]
            },
            "ca_file '/nonexistent/ca.pem' is not a file",
        ),
    ],
)
def test_rule_mistakes_are_named(section: dict, message: str) -> None:
    with pytest.raises(AlertSettingsError) as err:
        parse_alerts(section, "hall.toml")
    assert message in str(err.value)
    assert str(err.value).startswith("hall.toml: ")


def readme_example() -> str:
    """The full configuration example of README's "Alerts (预警推送)" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Alerts (预警推送)", 1)[1]
    return re.search(r"```toml\n(.*?)```", section, re.S).group(1)


def test_readme_example_parses_and_metrics_settings_accept_it(tmp_path: Path) -> None:
    from metrics.settings import load_settings

    path = tmp_path / "hallpulse.toml"
    path.write_text(readme_example(), encoding="utf-8")
    settings = load_alert_settings(path)
    assert settings.app_url.startswith("http")
    assert {c.kind for c in settings.channels.values()} == {"dingtalk", "wecom", "email"}
    assert {r.kind for r in settings.rules} == set(ev.RULES)
    load_settings(path)  # [alerts] is a known section of the file
    assert tomllib.loads(readme_example())["alerts"]


# --- evaluation: a table of snapshots at the thresholds ---------------------------------------

QUEUES = pl.DataFrame(
    {
        "queue_id": ["Q1", "Q2"],
        "name": ["综合受理", "税务"],
        "prefix": ["A", "B"],
        "dept_id": ["D1", "D2"],
    }
)
WINDOWS = pl.DataFrame(
    {"window_id": ["W1", "W2"], "label": ["A01", "B01"], "dept_id": ["D1", None]}
)


def waits(*rows: tuple[str, float]) -> pl.DataFrame:
    return pl.DataFrame(
        {"queue_id": [q for q, _ in rows], "wait_min": [float(m) for _, m in rows]},
        schema={"queue_id": pl.String, "wait_min": pl.Float64},
    )


def shifts(*rows: tuple[str, int]) -> pl.DataFrame:
    """window, minutes before NOW the clock-in was (still clocked in)."""
    return pl.DataFrame(
        {
            "window_id": [w for w, _ in rows],
            "clock_in": [NOW - dt.timedelta(minutes=m) for _, m in rows],
            "clock_out": [None for _ in rows],
        },
        schema={
            "window_id": pl.String,
            "clock_in": pl.Datetime("us"),
            "clock_out": pl.Datetime("us"),
        },
    )


def calls(*rows: tuple[str, str, int]) -> pl.DataFrame:
    """window, queue, minutes before NOW of its last call."""
    return pl.DataFrame(
        {
            "window_id": [w for w, _, _ in rows],
            "queue_id": [q for _, q, _ in rows],
            "last_called_at": [NOW - dt.timedelta(minutes=m) for _, _, m in rows],
        },
        schema={"window_id": pl.String, "queue_id": pl.String, "last_called_at": pl.Datetime("us")},
    )


def reviews(*rows: tuple[str, int, int]) -> pl.DataFrame:
    """eval id, rating, minutes before NOW."""
    return pl.DataFrame(
        {
            "eval_id": [e for e, _, _ in rows],
            "evaluated_at": [NOW - dt.timedelta(minutes=m) for _, _, m in rows],
            "rating": [r for _, r, _ in rows],
            "window_id": ["W1" for _ in rows],
            "comment": ["态度差" for _ in rows],
        },
        schema={
            "eval_id": pl.String,
            "evaluated_at": pl.Datetime("us"),
            "rating": pl.Int64,
            "window_id": pl.String,
            "comment": pl.String,
        },
    )


def cases(*rows: tuple[str, dt.datetime]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "case_id": [c for c, _ in rows],
            "item_name": ["营业执照" for _ in rows],
            "due": [d for _, d in rows],
        },
        schema={"case_id": pl.String, "item_name": pl.String, "due": pl.Datetime("us")},
    )


def snap(is_open: bool = True, now: dt.datetime = NOW, **parts) -> ev.HallSnapshot:
    base = {"queues": QUEUES, "windows": WINDOWS, "waits": waits()}
    return ev.HallSnapshot(hall_id="H01", now=now, is_open=is_open, **{**base, **parts})


def rule(kind: str, **values) -> Rule:
    return Rule(name=kind, kind=kind, channels=("ops",), **values)


TODAY_5PM = dt.datetime(2026, 12, 3, 17, 0)
WAIT30 = rule("queue_wait", threshold_min=30)
LEN2 = rule("queue_length", threshold_waiting=2)
IDLE15 = rule("window_idle", threshold_min=15)
BAD = rule("bad_review", within_min=60, max_rating=2)
DUE = rule("case_due")
STALE15 = rule("feed_stale", threshold_min=15)

EVALUATION_TABLE = [
    # (case, rule, snapshot, expected episode keys)
    ("wait over", WAIT30, snap(waits=waits(("Q1", 30.5), ("Q1", 3))), ["queue_wait:H01:Q1"]),
    ("wait at threshold", WAIT30, snap(waits=waits(("Q1", 30.0))), []),
    ("wait, hall closed", WAIT30, snap(is_open=False, waits=waits(("Q1", 90))), []),
    (
        "3 waiting > 2",
        LEN2,
        snap(waits=waits(("Q2", 1), ("Q2", 2), ("Q2", 3))),
        ["queue_length:H01:Q2"],
    ),
    ("2 waiting", LEN2, snap(waits=waits(("Q2", 1), ("Q2", 2))), []),
    (
        "idle 20 min, its queue waits",
        IDLE15,
        snap(waits=waits(("Q1", 5)), shifts=shifts(("W1", 120)), calls=calls(("W1", "Q1", 20))),
        ["window_idle:H01:W1"],
    ),
    (
        "idle 10 min",
        IDLE15,
        snap(waits=waits(("Q1", 5)), shifts=shifts(("W1", 120)), calls=calls(("W1", "Q1", 10))),
        [],
    ),
    (
        "idle but nobody waits for its queues",
        IDLE15,
        snap(waits=waits(("Q2", 5)), shifts=shifts(("W1", 120)), calls=calls(("W1", "Q1", 40))),
        [],
    ),
    (
        "idle but not staffed (W2 is, since 10 min)",
        IDLE15,
        snap(waits=waits(("Q1", 5)), shifts=shifts(("W2", 10)), calls=calls(("W1", "Q1", 40))),
        [],
    ),
    (
        "no attendance today: unknown who is at a window",
        IDLE15,
        snap(waits=waits(("Q1", 5)), shifts=shifts(), calls=calls(("W1", "Q1", 40))),
        [],
    ),
    (
        "no call today, clocked in 30 min ago; no department: serves every queue",
        IDLE15,
        snap(waits=waits(("Q2", 5)), shifts=shifts(("W2", 30)), calls=calls()),
        ["window_idle:H01:W2"],
    ),
    (
        "a call before a later clock-in does not count",
        IDLE15,
        snap(waits=waits(("Q1", 5)), shifts=shifts(("W1", 10)), calls=calls(("W1", "Q1", 90))),
        [],
    ),
    (
        "idle, hall closed",
        IDLE15,
        snap(
            is_open=False,
            waits=waits(("Q1", 5)),
            shifts=shifts(("W1", 120)),
            calls=calls(("W1", "Q1", 40)),
        ),
        [],
    ),
    ("1-star 10 min ago", BAD, snap(bad_reviews=reviews(("E1", 1, 10))), ["bad_review:H01:E1"]),
    ("3 stars", BAD, snap(bad_reviews=reviews(("E1", 3, 10))), []),
    ("bad, 90 min ago", BAD, snap(bad_reviews=reviews(("E1", 2, 90))), []),
    (
        "bad review at night still fires",
        BAD,
        snap(is_open=False, bad_reviews=reviews(("E1", 2, 5))),
        ["bad_review:H01:E1"],
    ),
    (
        "cases due today: one digest per hall and day",
        DUE,
        snap(
            cases=cases(
                ("C1", TODAY_5PM), ("C2", TODAY_5PM), ("C3", TODAY_5PM + dt.timedelta(days=1))
            )
        ),
        ["case_due:H01:2026-12-03"],
    ),
    ("due tomorrow", DUE, snap(cases=cases(("C3", TODAY_5PM + dt.timedelta(days=1)))), []),
    (
        "due today, before `after`",
        rule("case_due", after=dt.time(15, 0)),
        snap(cases=cases(("C1", TODAY_5PM))),
        [],
    ),
    (
        "due today, after `after`",
        rule("case_due", after=dt.time(10, 0)),
        snap(cases=cases(("C1", TODAY_5PM))),
        ["case_due:H01:2026-12-03"],
    ),
    ("due today, hall closed", DUE, snap(is_open=False, cases=cases(("C1", TODAY_5PM))), []),
    (
        "newest 16 min old",
        STALE15,
        snap(newest=NOW - dt.timedelta(minutes=16)),
        ["feed_stale:H01:tickets"],
    ),
    ("newest 15 min old", STALE15, snap(newest=NOW - dt.timedelta(minutes=15)), []),
    ("no ticket at all while open", STALE15, snap(newest=None), ["feed_stale:H01:tickets"]),
    ("stale but closed", STALE15, snap(is_open=False, newest=None), []),
    (
        "rule for another hall",
        rule("queue_wait", threshold_min=1, halls=("H02",)),
        snap(waits=waits(("Q1", 50))),
        [],
    ),
]


@pytest.mark.parametrize(
    ("rule_", "snapshot", "expected"),
    [case[1:] for case in EVALUATION_TABLE],
    ids=[case[0] for case in EVALUATION_TABLE],
)
def test_evaluation_table(rule_: Rule, snapshot: ev.HallSnapshot, expected: list[str]) -> None:
    found = ev.hall_conditions([rule_], snapshot)
    assert [c.key for c in found] == expected
    for condition in found:
        assert condition.at == snapshot.now and condition.hall_id == "H01"


def test_condition_figures() -> None:
    (wait,) = ev.hall_conditions([WAIT30], snap(waits=waits(("Q1", 42), ("Q1", 7))))
    assert (wait.value, wait.threshold, wait.target_name) == (42.0, 30.0, "综合受理")
    (idle,) = ev.hall_conditions(
        [IDLE15],
        snap(
            waits=waits(("Q1", 5), ("Q1", 6)),
            shifts=shifts(("W1", 120)),
            calls=calls(("W1", "Q1", 20)),
        ),
    )
    assert (idle.value, idle.note, idle.count, idle.target_name) == (20.0, "综合受理", 2, "A01")
    (due,) = ev.hall_conditions([DUE], snap(cases=cases(("C1", TODAY_5PM), ("C2", TODAY_5PM))))
    assert due.value == 2 and "C1 营业执照 (17:00)" in due.note


def source_frame(*rows: tuple[str, dt.datetime | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "name": [n for n, _ in rows],
            "last_success_at": [a for _, a in rows],
            "last_error": ["timeout" for _ in rows],
        },
        schema=aq.SYNC_SOURCES,
    )


@pytest.mark.parametrize(
    ("sources", "any_open", "expected"),
    [
        (
            source_frame(("queue-db", NOW - dt.timedelta(minutes=40))),
            True,
            ["feed_stale:sync:queue-db"],
        ),
        (source_frame(("queue-db", NOW - dt.timedelta(minutes=10))), True, []),
        (source_frame(("queue-db", None)), True, ["feed_stale:sync:queue-db"]),
        (source_frame(("queue-db", NOW - dt.timedelta(minutes=40))), False, []),
    ],
)
def test_sync_source_staleness(sources, any_open, expected) -> None:
    found = ev.stale_sources(rule("feed_stale", threshold_min=30), sources, NOW, any_open)
    assert [c.key for c in found] == expected
    assert all(c.hall_id is None and c.note == "timeout" for c in found)


# --- messages ---------------------------------------------------------------------------------


def test_messages_in_both_languages_with_deep_links() -> None:
    (wait,) = ev.hall_conditions([WAIT30], snap(waits=waits(("Q1", 42))))
    zh = render(wait, "示范区政务服务中心", "zh", "http://hall.example:8501")
    assert zh.title == "【排队预警】示范区政务服务中心 综合受理 最长等候 42 分钟"
    assert ("当前最长等候", "42 分钟（阈值 30 分钟）") in zh.lines
    assert ("时间", "2026-12-03 10:30") in zh.lines
    assert zh.link == "http://hall.example:8501/screen?hall=H01&lang=zh"
    en = render(wait, "Demo centre", "en", "http://hall.example:8501")
    assert en.title == "[Queue alert] Demo centre 综合受理: longest wait 42 min"
    assert ("Longest current wait", "42 min (threshold 30 min)") in en.lines
    assert en.link.endswith("/screen?hall=H01&lang=en")
    (idle,) = ev.hall_conditions(
        [IDLE15],
        snap(waits=waits(("Q1", 5)), shifts=shifts(("W1", 120)), calls=calls(("W1", "Q1", 20))),
    )
    assert render(idle, "中心", "zh", "http://h").link == "http://h/window?window=W1&lang=zh"
    (bad,) = ev.hall_conditions([BAD], snap(bad_reviews=reviews(("E1", 1, 10))))
    bad_msg = render(bad, "中心", "zh", "http://h")
    assert bad_msg.link == "http://h/evaluations?hall=H01&period=today&lang=zh"
    assert ("评价内容", "态度差") in bad_msg.lines
    long = ev.Condition(**{**bad.__dict__, "note": "等了很久\n" * 100})
    (comment,) = [v for k, v in render(long, "中心", "zh", "").lines if k == "评价内容"]
    assert len(comment) == 200 and comment.endswith("…") and "\n" not in comment
    (due,) = ev.hall_conditions([DUE], snap(cases=cases(("C1", TODAY_5PM))))
    assert (
        render(due, "中心", "zh", "http://h").link == "http://h/cases?hall=H01&period=today&lang=zh"
    )
    assert render(due, "中心", "zh", "").link == ""  # no app_url: no link


# --- channels against real local peers --------------------------------------------------------


def message():
    (wait,) = ev.hall_conditions([WAIT30], snap(waits=waits(("Q1", 42))))
    return render(wait, "示范区政务服务中心", "zh", "http://hall.example:8501")


def test_dingtalk_signed_webhook(receiver: Receiver) -> None:
    secret = "SEC0123456789abcdef"
    channel = parse_alerts(
        {
            "channels": [
                {
                    "name": "ding",
                    "kind": "dingtalk",
                    "url": f"{receiver.url}/robot/send?access_token=abc",
                    "secret": secret,
                }
            ]
        }
    ).channels["ding"]
    ch.send(channel, message())
    (request,) = receiver.requests
    assert request["path"] == "/robot/send"
    assert request["query"]["access_token"] == ["abc"]
    timestamp = request["query"]["timestamp"][0]
    # what DingTalk does: recompute the signature from the timestamp and the robot's secret
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    sign = re.search(r"sign=([^&]+)", request["raw_query"]).group(1)
    assert unquote_plus(sign) == expected
    assert request["query"]["sign"] == [expected]
    payload = request["json"]
    assert payload["msgtype"] == "markdown"
    assert payload["markdown"]["title"] == message().title
    assert "最长等候" in payload["markdown"]["text"]
    assert "http://hall.example:8501/screen?hall=H01&lang=zh" in payload["markdown"]["text"]
    assert request["content_type"].startswith("application/json")


def test_wecom_robot(receiver: Receiver) -> None:
    channel = parse_alerts(
        {
            "channels": [
                {"name": "wx", "kind": "wecom", "url": f"{receiver.url}/cgi-bin/webhook/send?key=k"}
            ]
        }
    ).channels["wx"]
    ch.send(channel, message())
    (request,) = receiver.requests
    assert request["query"] == {"key": ["k"]}
    assert set(request["json"]) == {"msgtype", "markdown"}
    assert request["json"]["msgtype"] == "markdown"
    assert request["json"]["markdown"]["content"].startswith("### 【排队预警】示范区政务服务中心")


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, {"errmsg": "boom"}, "HTTP 500"),
        (200, {"errcode": 310000, "errmsg": "sign not match"}, "errcode 310000: sign not match"),
        (200, {"errcode": 93000, "errmsg": "invalid webhook url"}, "errcode 93000"),
    ],
)
def test_refusals_are_errors(status: int, body: dict, error: str) -> None:
    with Receiver(status, body) as r:
        channel = parse_alerts(
            {"channels": [{"name": "wx", "kind": "wecom", "url": r.url}]}
        ).channels["wx"]
        with pytest.raises(ch.ChannelError, match=re.escape(error)):
            ch.send(channel, message())


def test_unreachable_receiver_is_an_error() -> None:
    with Receiver() as r:
        url = r.url
    channel = parse_alerts(
        {"channels": [{"name": "wx", "kind": "wecom", "url": url, "timeout_s": 2}]}
    ).channels["wx"]
    with pytest.raises(ch.ChannelError, match=re.escape("cannot reach 127.0.0.1")):
        ch.send(channel, message())


@contextlib.contextmanager
def smtp_peer(**options):
    """aiosmtpd on 127.0.0.1 and a free port, keeping every envelope, with a login (ops/pw);
    `options` go to its Controller (TLS contexts). Yields (handler, port)."""
    try:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword
    except ImportError:
        unavailable("aiosmtpd missing: uv sync (the dev group)")

    class Handler:
        def __init__(self):
            self.envelopes = []

        async def handle_DATA(self, server, session, envelope):
            self.envelopes.append(envelope)
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, data):
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"ops", b"pw")
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535

    with socket.socket() as probe:  # a free port (aiosmtpd's start cannot take port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Handler()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, authenticator=authenticator, **options
    )
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def smtp_server():
    with smtp_peer(auth_require_tls=False) as peer:
        yield peer


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (openssl), as PEM files."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except FileNotFoundError:
        unavailable("openssl missing (Debian: apt-get install openssl)")
    return cert, key


def mail_channel(port: int, **extra) -> object:
    values = {
        "name": "mail",
        "kind": "email",
        "host": "127.0.0.1",
        "port": port,
        "username": "ops",
        "password": "pw",
        "sender": "hallpulse@hall.example",
        "to": ["duty@hall.example"],
        "timeout_s": 5,
        **extra,
    }
    return parse_alerts({"channels": [values]}).channels["mail"]


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_email_over_tls_verifies_the_server(certificate, security: str) -> None:
    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    options = (
        {"tls_context": server_tls, "require_starttls": True}
        if security == "starttls"
        # SMTPS: the whole connection is TLS, which aiosmtpd's AUTH check does not see
        else {"ssl_context": server_tls, "auth_require_tls": False}
    )
    with smtp_peer(**options) as (handler, port):
        ch.send(mail_channel(port, security=security, ca_file=str(cert)), message())
        (envelope,) = handler.envelopes
        assert envelope.rcpt_tos == ["duty@hall.example"]
        # without the CA that signed it, the server's certificate is refused
        with pytest.raises(ch.ChannelError, match="CERTIFICATE_VERIFY_FAILED"):
            ch.send(mail_channel(port, security=security), message())
    assert len(handler.envelopes) == 1


def test_email_over_smtp_with_chinese_subject(smtp_server) -> None:
    handler, port = smtp_server
    settings = parse_alerts(
        {
            "channels": [
                {
                    "name": "mail",
                    "kind": "email",
                    "host": "127.0.0.1",
                    "port": port,
                    "security": "none",
                    "username": "ops",
                    "password": "pw",
                    "sender": "hallpulse@hall.example",
                    "to": ["duty@hall.example", "lead@hall.example"],
                }
            ]
        }
    )
    ch.send(settings.channels["mail"], message())
    (envelope,) = handler.envelopes
    assert envelope.mail_from == "hallpulse@hall.example"
    assert envelope.rcpt_tos == ["duty@hall.example", "lead@hall.example"]
    mail = message_from_bytes(envelope.content)
    subject = str(make_header(decode_header(mail["Subject"])))
    assert subject == "【排队预警】示范区政务服务中心 综合受理 最长等候 42 分钟"
    body = mail.get_payload(decode=True).decode(mail.get_content_charset())
    assert "当前最长等候: 42 分钟（阈值 30 分钟）" in body
    assert "http://hall.example:8501/screen?hall=H01&lang=zh" in body


def test_email_wrong_login_is_an_error(smtp_server) -> None:
    _, port = smtp_server
    channel = parse_alerts(
        {
            "channels": [
                {
                    "name": "mail",
                    "kind": "email",
                    "host": "127.0.0.1",
                    "port": port,
                    "security": "none",
                    "username": "ops",
                    "password": "wrong",
                    "sender": "a@hall.example",
                    "to": ["b@hall.example"],
                }
            ]
        }
    ).channels["mail"]
    with pytest.raises(
        ch.ChannelError, match=re.escape("(535, b'5.7.8 Authentication credentials")
    ):
        ch.send(channel, message())


# --- episodes and rate limits on every database -----------------------------------------------


def seed(engine) -> None:
    """Two halls open 09:00–17:00 on working days; H01 has two queues and one window."""
    init_schema(engine)
    with engine.begin() as conn:
        ensure_calendar(conn, DAY - dt.timedelta(days=30), DAY + dt.timedelta(days=30))
        conn.execute(
            sa.insert(s.halls),
            [
                {"hall_id": "H01", "name": "示范区政务服务中心", "level": "district"},
                {"hall_id": "H02", "name": "新安街道便民服务中心", "level": "street"},
            ],
        )
        conn.execute(sa.insert(s.departments), [{"dept_id": "D1", "name": "综合"}])
        conn.execute(
            sa.insert(s.queues),
            [
                {
                    "queue_id": "Q1",
                    "hall_id": "H01",
                    "name": "综合受理",
                    "prefix": "A",
                    "dept_id": "D1",
                },
                {
                    "queue_id": "Q2",
                    "hall_id": "H01",
                    "name": "税务办理",
                    "prefix": "B",
                    "dept_id": "D1",
                },
            ],
        )
        conn.execute(
            sa.insert(s.service_hours),
            [
                {
                    "hall_id": h,
                    "weekday": d,
                    "start": dt.time(9),
                    "end": dt.time(17),
                    "kind": "regular",
                }
                for h in ("H01", "H02")
                for d in range(1, 6)
            ],
        )
        conn.execute(
            sa.insert(s.tickets),
            [
                ticket("T1", "Q1", dt.datetime(2026, 12, 3, 9, 50)),
                ticket("T2", "Q2", dt.datetime(2026, 12, 3, 9, 40)),
            ],
        )


def ticket(ticket_id: str, queue_id: str, issued_at: dt.datetime) -> dict:
    return {
        "ticket_id": ticket_id,
        "hall_id": "H01",
        "queue_id": queue_id,
        "issued_at": issued_at,
        "status": "waiting",
        "source": "walk_in",
    }


def alert_rows(engine) -> pl.DataFrame:
    with engine.connect() as conn:
        return alert_store.alert_list(conn, DAY, DAY).sort("alert_id")


def test_episodes_fire_once_clear_and_fire_again(engine, receiver: Receiver) -> None:
    seed(engine)
    settings = parse_alerts(
        {
            "app_url": "http://hall.example:8501",
            "channels": [
                {"name": "ops", "kind": "wecom", "url": f"{receiver.url}/ops"},
                {
                    "name": "lead",
                    "kind": "dingtalk",
                    "url": f"{receiver.url}/lead",
                    "max_per_hour": 1,
                },
            ],
            "rules": [
                {"kind": "queue_wait", "threshold_min": 45, "channels": ["ops"]},
                {
                    "kind": "queue_length",
                    "threshold_waiting": 0,
                    "channels": ["lead"],
                    "halls": ["H01"],
                },
            ],
        }
    )
    first = service.run_once(engine, settings, NOW)
    # Q2 waits 50 min (> 45); both queues have someone waiting (> 0), but `lead` takes 1 an hour
    assert (first.halls, first.conditions, first.opened) == (2, 3, 3)
    assert (first.sent, first.rate_limited, first.failed, first.cleared) == (2, 1, 0, 0)
    assert sorted(r["path"] for r in receiver.requests) == ["/lead", "/ops"]
    rows = alert_rows(engine)
    assert rows.select("episode_key", "channel", "status").rows() == [
        ("queue_wait:H01:Q2", "ops", "sent"),
        ("queue_length:H01:Q1", "lead", "sent"),
        ("queue_length:H01:Q2", "lead", "rate_limited"),
    ]
    assert rows["link"][0] == "http://hall.example:8501/screen?hall=H01&lang=zh"
    assert rows["fired_at"].to_list() == [NOW] * 3 and rows["sent_at"][2] is None

    again = service.run_once(engine, settings, NOW + dt.timedelta(minutes=1))
    assert (again.conditions, again.opened, again.sent, again.cleared) == (3, 0, 0, 0)
    assert len(receiver.requests) == 2 and alert_rows(engine).height == 3

    called = NOW + dt.timedelta(minutes=2)
    with engine.begin() as conn:  # Q2's ticket is called: its episodes clear
        conn.execute(
            sa.update(s.tickets)
            .where(s.tickets.c.ticket_id == "T2")
            .values(status="called", called_at=called)
        )
    cleared = service.run_once(engine, settings, called)
    assert (cleared.conditions, cleared.opened, cleared.cleared) == (1, 0, 2)
    rows = alert_rows(engine)
    assert (
        rows.filter(pl.col("episode_key").str.ends_with("Q2"))["cleared_at"].to_list()
        == [called] * 2
    )
    assert rows.filter(pl.col("episode_key").str.ends_with("Q1"))["cleared_at"].to_list() == [None]

    with engine.begin() as conn:  # a new long wait in Q2: a new episode of the same key
        conn.execute(sa.insert(s.tickets), [ticket("T3", "Q2", dt.datetime(2026, 12, 3, 9, 55))])
    later = NOW + dt.timedelta(minutes=15)  # T3 waits 50 min, and Q1's T1 now 55 min
    fired = service.run_once(engine, settings, later)
    # new: queue_wait Q1 and Q2 (sent to ops), queue_length Q2 (`lead` is still limited)
    assert (fired.opened, fired.sent, fired.rate_limited) == (3, 2, 1)
    rows = alert_rows(engine)
    q2_wait = rows.filter(pl.col("episode_key") == "queue_wait:H01:Q2")
    assert q2_wait["status"].to_list() == ["sent", "sent"]
    assert q2_wait["fired_at"].to_list() == [NOW, later]

    # outside service hours every open-only condition clears
    evening = dt.datetime(2026, 12, 3, 18, 0)
    closed = service.run_once(engine, settings, evening)
    assert (closed.conditions, closed.cleared) == (0, 4)
    with engine.connect() as conn:
        assert alert_store.open_episodes(conn, ["queue_wait", "queue_length"]).is_empty()


def test_two_passes_at_once_send_each_episode_once(engine, receiver: Receiver) -> None:
    seed(engine)
    settings = parse_alerts(
        {
            "channels": [
                {"name": "ops", "kind": "wecom", "url": receiver.url, "max_per_hour": 100}
            ],
            "rules": [{"kind": "queue_length", "threshold_waiting": 0, "channels": ["ops"]}],
        }
    )
    alert_store.ensure_tables(engine)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def one_pass():
        try:
            barrier.wait(timeout=10)
            results.append(service.run_once(engine, settings, NOW))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=one_pass) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sum(r.opened for r in results) == 2  # Q1 and Q2, each by one of the passes
    assert len(receiver.requests) == 2
    assert alert_rows(engine)["episode_key"].sort().to_list() == [
        "queue_length:H01:Q1",
        "queue_length:H01:Q2",
    ]


def test_failures_are_recorded(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hall.db'}")
    seed(engine)
    with (
        Receiver(500, {"errmsg": "down"}) as down,
        Receiver(200, {"errcode": 310000, "errmsg": "keywords not in content"}) as picky,
    ):
        settings = parse_alerts(
            {
                "channels": [
                    {"name": "down", "kind": "wecom", "url": down.url},
                    {"name": "picky", "kind": "dingtalk", "url": picky.url, "secret": "SECx"},
                ],
                "rules": [
                    {"kind": "queue_wait", "threshold_min": 45, "channels": ["down", "picky"]}
                ],
            }
        )
        summary = service.run_once(engine, settings, NOW)
        assert (summary.opened, summary.sent, summary.failed) == (1, 0, 2)
        rows = alert_rows(engine)
        assert rows.select("channel", "status").rows() == [
            ("down", "failed"),
            ("picky", "failed"),
        ]
        assert rows["error"][0].startswith("HTTP 500")
        assert rows["error"][1] == "errcode 310000: keywords not in content"
        # while the episode lasts, a failed message is tried again: `down` is back, `picky`
        # still refuses; three attempts in all
        down.status, down.body = 200, {"errcode": 0, "errmsg": "ok"}
        second = service.run_once(engine, settings, NOW + dt.timedelta(minutes=1))
        assert (second.opened, second.retried, second.sent, second.failed) == (0, 2, 1, 1)
        third = service.run_once(engine, settings, NOW + dt.timedelta(minutes=2))
        assert (third.retried, third.sent, third.failed) == (1, 0, 1)
        fourth = service.run_once(engine, settings, NOW + dt.timedelta(minutes=3))
        assert (fourth.retried, fourth.sent, fourth.failed) == (0, 0, 0)
        assert len(down.requests) == 2 and len(picky.requests) == 3
    rows = alert_rows(engine)
    assert rows.select("channel", "status").rows() == [
        ("down", "retried"),
        ("picky", "retried"),
        ("down", "sent"),
        ("picky", "retried"),
        ("picky", "failed"),
    ]
    engine.dispose()


def test_run_loop_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    engine = make_engine(url)
    seed(engine)
    engine.dispose()
    with Receiver() as r:
        (tmp_path / "hallpulse.toml").write_text(
            f"""
[[alerts.channels]]
name = "ops"
kind = "wecom"
url = "{r.url}"

[[alerts.rules]]
kind = "queue_wait"
threshold_min = 45
channels = ["ops"]
""",
            encoding="utf-8",
        )
        env = {
            **os.environ,
            "HALLPULSE_NOW": "2026-12-03 10:30",
            "HALLPULSE_CONFIG": str(tmp_path / "hallpulse.toml"),
        }
        loop = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "alerts", "run", "--db", url, "--interval", "0.2"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            first = loop.stdout.readline()  # the first pass is done
            second = loop.stdout.readline()  # and the second
            engine = make_engine(url)
            with engine.begin() as conn:  # the next passes fail: the loop says so and goes on
                conn.execute(sa.text("DROP TABLE tickets"))
            engine.dispose()
            failed = loop.stderr.readline()
            loop.send_signal(signal.SIGTERM)
            _, err = loop.communicate(timeout=60)
        finally:
            if loop.poll() is None:
                loop.kill()
        assert loop.returncode == 0, err
        assert "1 new" in first and "0 new" in second
        assert failed.startswith("hall alerts: this pass failed: no such table: tickets")
        assert "stopped (SIGTERM)" in err
        assert len(r.requests) == 1  # sent once, however many passes ran


def test_a_rule_naming_an_unknown_hall_is_reported(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hall.db'}")
    seed(engine)
    with Receiver() as r:
        settings = parse_alerts(
            {
                "app_url": "http://hall.example:8501",
                "channels": [{"name": "ops", "kind": "wecom", "url": r.url, "lang": "en"}],
                "rules": [
                    {
                        "kind": "queue_wait",
                        "threshold_min": 45,
                        "halls": ["H01", "H99"],
                        "channels": ["ops"],
                    }
                ],
            }
        )
        summary = service.run_once(engine, settings, NOW)
        (request,) = r.requests
    assert summary.sent == 1 and summary.errors == ["rule queue_wait: no hall H99"]
    content = request["json"]["markdown"]["content"]  # the channel speaks English
    assert content.startswith("### [Queue alert] 示范区政务服务中心 税务办理: longest wait 50 min")
    assert "- Longest current wait: 50 min (threshold 45 min)" in content
    assert "http://hall.example:8501/screen?hall=H01&lang=en" in content
    assert "errors: rule queue_wait: no hall H99" in summary.line()
    engine.dispose()


def test_sync_sources_plug_in(engine) -> None:
    from queries.schema import sync_state as state  # the table `hall sync` keeps

    seed(engine)
    state.drop(engine, checkfirst=True)  # a database that never synced
    with engine.connect() as conn:
        assert aq.sync_sources(
            conn, scope=Scope.everything("test")
        ).is_empty()  # no such table: skipped
    state.create(engine)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.insert(state),
                [
                    {
                        "name": "queue-db",
                        "kind": "sql",
                        "table_name": "tickets",
                        "last_success_at": NOW - dt.timedelta(minutes=40),
                        "last_error": "timeout",
                    },
                    {
                        "name": "eval-api",
                        "kind": "sql",
                        "table_name": "evaluations",
                        "last_success_at": NOW - dt.timedelta(minutes=2),
                        "last_error": None,
                    },
                ],
            )
        with Receiver() as r:
            settings = parse_alerts(
                {
                    "channels": [{"name": "ops", "kind": "wecom", "url": r.url}],
                    "rules": [{"kind": "feed_stale", "threshold_min": 30, "channels": ["ops"]}],
                }
            )
            summary = service.run_once(engine, settings, NOW)
            texts = [req["json"]["markdown"]["content"] for req in r.requests]
        # H02 has no ticket at all while open; H01's newest is 50 min old; queue-db is stale
        assert sorted(alert_rows(engine)["episode_key"]) == [
            "feed_stale:H01:tickets",
            "feed_stale:H02:tickets",
            "feed_stale:sync:queue-db",
        ]
        assert summary.sent == 3
        assert any(
            "同步源 queue-db 已 40 分钟未成功" in text and "timeout" in text for text in texts
        )
    finally:
        state.drop(engine)
    other = sa.Table(  # a state table of another shape: reported, the halls still judged
        "hallpulse_sync_state", sa.MetaData(), sa.Column("source", sa.String(64))
    )
    other.create(engine)
    try:
        with Receiver() as r:
            settings = parse_alerts(
                {
                    "channels": [{"name": "ops", "kind": "wecom", "url": r.url}],
                    "rules": [{"kind": "feed_stale", "threshold_min": 30, "channels": ["ops"]}],
                }
            )
            summary = service.run_once(engine, settings, NOW + dt.timedelta(minutes=1))
        assert summary.errors and summary.errors[0].startswith("sync sources: ")
        assert summary.conditions == 2 and summary.cleared == 0  # the source's episode stays
    finally:
        other.drop(engine)


# --- `hall alerts run --once` on a demo database, and the page --------------------------------


def hall_main(*argv: str) -> tuple[int, str]:
    """`hall ARGV` in this process: (exit code, stdout)."""
    from cli.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(list(argv))
    return code, out.getvalue()


@pytest.fixture(scope="module")
def demo_alerts(tmp_path_factory: pytest.TempPathFactory):
    """`hall demo` of two days up to 2026-12-03 10:30, then `hall alerts run --once` in its own
    process into a local WeCom receiver, then `hall alerts list --json`: (db URL, receiver
    requests, the run's CompletedProcess, the listed rows)."""
    folder = tmp_path_factory.mktemp("alerts")
    url = f"sqlite:///{folder / 'hall.db'}"
    code, _ = hall_main(
        "demo", "--db", url, "--days", "2", "--end", "2026-12-03", "--now", "2026-12-03 10:30"
    )
    assert code == 0
    env = {
        **os.environ,
        "HALLPULSE_NOW": "2026-12-03 10:30",
        "HALLPULSE_CONFIG": str(folder / "hallpulse.toml"),
    }
    with Receiver() as r:
        (folder / "hallpulse.toml").write_text(
            f"""
[alerts]
app_url = "http://hall.example:8501"

[[alerts.channels]]
name = "ops"
kind = "wecom"
url = "{r.url}/cgi-bin/webhook/send?key=test"
max_per_hour = 100

[[alerts.rules]]
kind = "queue_wait"
threshold_min = 10
channels = ["ops"]

[[alerts.rules]]
kind = "case_due"
channels = ["ops"]
halls = ["H01"]
""",
            encoding="utf-8",
        )
        run = subprocess.run(
            [sys.executable, "-m", "cli.main", "alerts", "run", "--db", url, "--once"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        requests = list(r.requests)
    code, listed = hall_main("alerts", "list", "--db", url, "--from", "2026-12-03", "--json")
    assert code == 0
    return url, requests, run, json.loads(listed)


def test_hall_alerts_run_once_end_to_end(demo_alerts) -> None:
    _, requests, run, rows = demo_alerts
    assert run.returncode == 0, run.stderr
    assert re.search(r"7 halls: \d+ conditions, \d+ new", run.stdout)
    assert requests, run.stdout
    contents = [r["json"]["markdown"]["content"] for r in requests]
    assert any("【排队预警】" in c and "最长等候" in c for c in contents)
    assert any("【办件预警】示范区政务服务中心" in c and "/cases?hall=H01" in c for c in contents)
    assert all("http://hall.example:8501/" in c for c in contents)
    assert len(rows) == len(requests) and {r["status"] for r in rows} == {"sent"}
    assert {r["rule"] for r in rows} == {"queue_wait", "case_due"}


def test_hall_alerts_run_without_rules_says_so(tmp_path: Path, monkeypatch, capsys) -> None:
    from cli.main import main

    (tmp_path / "hallpulse.toml").write_text("[metrics]\nwait_target_min = 20\n", encoding="utf-8")
    monkeypatch.setenv("HALLPULSE_CONFIG", str(tmp_path / "hallpulse.toml"))
    assert main(["alerts", "run", "--once", "--db", f"sqlite:///{tmp_path / 'x.db'}"]) == 1
    assert "no [[alerts.rules]]" in capsys.readouterr().err
    (tmp_path / "hallpulse.toml").write_text("[alerts]\nlang = 'fr'\n", encoding="utf-8")
    assert main(["alerts", "run", "--once"]) == 1
    assert "[alerts] lang must be one of zh, en: 'fr'" in capsys.readouterr().err


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_alerts_page(monkeypatch, demo_alerts, lang: str) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from i18n.text import t
    from queries.db import URL_ENV

    url, requests, _, _ = demo_alerts
    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setenv(URL_ENV, url)
    monkeypatch.setenv("HALLPULSE_NOW", "2026-12-03 12:00")
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.query_params["lang"] = lang
    first_run_on(at, "alerts").run()
    assert not at.exception, [e.message for e in at.exception]
    assert [title.value for title in at.title] == [t("nav.alerts", lang)]
    tiles = {m.label: m.value for m in at.metric}
    assert tiles[t("al.total", lang)] == str(len(requests))
    assert tiles[t("al.sent", lang)] == str(len(requests))
    table = at.dataframe[0].value
    assert len(table) == len(requests)
    assert set(table[t("al.status", lang)]) == {t("al.status.sent", lang)}
    assert table[t("al.link", lang)].str.startswith("http://hall.example:8501/").all()
    kinds = set(table[t("al.kind", lang)])
    assert kinds == {t("al.kind.queue_wait", lang), t("al.kind.case_due", lang)}

    (status,) = [box for box in at.selectbox if box.label == t("al.status", lang)]
    status.select_index(2).run()  # "", sent, failed: nothing failed
    assert not at.exception
    assert not at.dataframe and at.info


def test_a_database_from_before_alerts_lists_none(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hall.db'}")
    seed(engine)
    s.metadata.drop_all(engine, tables=list(s.ALERT_TABLES))
    with engine.connect() as conn:
        assert alert_store.alert_list(conn, DAY, DAY).is_empty()
        assert alert_store.alert_rules(conn) == []
    code, out = hall_main("alerts", "list", "--db", str(engine.url), "--from", "2026-12-03")
    assert code == 0 and out.startswith("no alerts from 2026-12-03")
    engine.dispose()
