"""The `[alerts]` settings of hallpulse.toml: where alerts go (channels) and when they fire
(rules). Every key is checked; a mistake is an error naming the rule or channel and the key,
because an alert that silently never fires is worse than none.

    [alerts]
    app_url = "http://hall.example:8501"   # deep links in the messages point here
    lang = "zh"                            # zh (default) or en; a channel may say otherwise
    interval_s = 60                        # `hall alerts run` evaluates this often

    [[alerts.channels]]
    name = "ops-ding"
    kind = "dingtalk"                      # dingtalk / wecom / email
    url = "https://oapi.dingtalk.com/robot/send?access_token=…"
    secret = "SEC…"                        # DingTalk's signed webhook (加签), optional
    max_per_hour = 20                      # more are recorded as rate_limited, not sent

    [[alerts.rules]]
    kind = "queue_wait"                    # see KINDS
    threshold_min = 30
    halls = ["H01", "H02"]                 # optional: every hall when absent
    channels = ["ops-ding"]

Rule kinds and their keys (`name`, `halls` optional for every kind; `channels` required):

- queue_wait   `threshold_min`: a queue's longest current wait is over N minutes;
- queue_length `threshold_waiting`: more than M tickets waiting in a queue;
- window_idle  `threshold_min`: a staffed window has not called for K minutes (or not at
  all today since its clock-in) while a queue it serves has people waiting;
- bad_review   `within_min` (60), `max_rating` (2): a bad review received in the last minutes;
- case_due     `after` ("HH:MM", optional): a case due today still open (from that time on);
- feed_stale   `threshold_min`: the newest ticket is older than S minutes while the hall is
  open, and a sync source has not succeeded for S minutes (when such sources exist).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from metrics.settings import SettingsError, config_path

LANGS = ("zh", "en")
CHANNEL_KINDS = ("dingtalk", "wecom", "email")
SECURITY = ("starttls", "ssl", "none")
# kind → (required keys, optional keys with their defaults)
KINDS: dict[str, tuple[tuple[str, ...], dict[str, object]]] = {
    "queue_wait": (("threshold_min",), {}),
    "queue_length": (("threshold_waiting",), {}),
    "window_idle": (("threshold_min",), {}),
    "bad_review": ((), {"within_min": 60.0, "max_rating": 2}),
    "case_due": ((), {"after": None}),
    "feed_stale": (("threshold_min",), {}),
}
# the kinds that only hold while the hall is in service hours
OPEN_ONLY = frozenset({"queue_wait", "queue_length", "window_idle", "case_due", "feed_stale"})
RULE_COMMON = ("kind", "name", "halls", "channels")
CHANNEL_KEYS = {
    "dingtalk": ("url", "secret"),
    "wecom": ("url",),
    "email": ("host", "port", "security", "username", "password", "sender", "to", "ca_file"),
}
CHANNEL_COMMON = ("name", "kind", "lang", "max_per_hour", "timeout_s")
SECTION_KEYS = ("app_url", "lang", "interval_s", "rules", "channels")


class AlertSettingsError(SettingsError):
    """A mistake in [alerts]: the message names the file, the rule or channel and the key."""


@dataclass(frozen=True)
class Channel:
    name: str
    kind: str  # dingtalk / wecom / email
    lang: str | None = None  # the message language; None: [alerts] lang
    max_per_hour: int = 20  # DingTalk's robots take 20 a minute; a group wants far fewer
    timeout_s: float = 10.0
    url: str = ""  # dingtalk / wecom
    secret: str = ""  # dingtalk signed webhook
    host: str = ""  # email
    port: int = 0  # 0: 465 for ssl, 587 for starttls, 25 otherwise
    security: str = "starttls"
    username: str = ""
    password: str = ""
    sender: str = ""
    to: tuple[str, ...] = ()
    ca_file: str = ""  # a CA bundle (PEM) for a server whose certificate an internal CA signed

    @property
    def smtp_port(self) -> int:
        return self.port or {"ssl": 465, "starttls": 587}.get(self.security, 25)


@dataclass(frozen=True)
class Rule:
    name: str  # unique; the first part of every episode key
    kind: str
    channels: tuple[str, ...]
    halls: tuple[str, ...] | None = None  # None: every hall
    threshold_min: float | None = None
    threshold_waiting: int | None = None
    within_min: float = 60.0
    max_rating: int = 2
    after: dt.time | None = None

    @property
    def threshold(self) -> float | None:
        """The figure the rule compares with, for the record."""
        if self.kind == "queue_length":
            return float(self.threshold_waiting or 0)
        if self.kind == "bad_review":
            return float(self.max_rating)
        return self.threshold_min

    def covers(self, hall_id: str) -> bool:
        return self.halls is None or hall_id in self.halls


@dataclass(frozen=True)
class AlertSettings:
    app_url: str = ""
    lang: str = "zh"
    interval_s: float = 60.0
    rules: tuple[Rule, ...] = ()
    channels: dict[str, Channel] = field(default_factory=dict)

    def channel_lang(self, channel: Channel) -> str:
        return channel.lang or self.lang


def load_alert_settings(path: Path | None = None) -> AlertSettings:
    """[alerts] of hallpulse.toml ($HALLPULSE_CONFIG); no rules when the file or section is
    absent. Raises AlertSettingsError on any mistake."""
    path = path or config_path()
    if not path.exists():
        return AlertSettings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise AlertSettingsError(f"{path}: not valid TOML: {exc}") from None
    return parse_alerts(data.get("alerts", {}), str(path))


def parse_alerts(section: dict, where: str = "hallpulse.toml") -> AlertSettings:
    """AlertSettings from the parsed [alerts] table (`where` names the file in errors)."""
    if not isinstance(section, dict):
        raise AlertSettingsError(f"{where}: [alerts] must be a table")
    _unknown(section, SECTION_KEYS, f"{where}: [alerts]")
    app_url = section.get("app_url", "")
    if not isinstance(app_url, str) or (
        app_url and not app_url.startswith(("http://", "https://"))
    ):
        raise AlertSettingsError(f"{where}: [alerts] app_url must be an http(s) URL: {app_url!r}")
    lang = _lang(section.get("lang", "zh"), f"{where}: [alerts] lang")
    interval = _positive(section.get("interval_s", 60.0), f"{where}: [alerts] interval_s")
    channels: dict[str, Channel] = {}
    for i, raw in enumerate(_array(section, "channels", where), start=1):
        channel = _channel(raw, f"{where}: [[alerts.channels]] #{i}")
        if channel.name in channels:
            raise AlertSettingsError(
                f"{where}: [[alerts.channels]] #{i}: name {channel.name!r} is used twice"
            )
        channels[channel.name] = channel
    rules: list[Rule] = []
    for i, raw in enumerate(_array(section, "rules", where), start=1):
        rule = _rule(raw, f"{where}: [[alerts.rules]] #{i}", channels)
        if any(r.name == rule.name for r in rules):
            raise AlertSettingsError(
                f"{where}: [[alerts.rules]] #{i}: a second rule named {rule.name!r}; give "
                "each rule of the same kind its own `name`"
            )
        rules.append(rule)
    return AlertSettings(
        app_url=app_url.rstrip("/"),
        lang=lang,
        interval_s=interval,
        rules=tuple(rules),
        channels=channels,
    )


def _array(section: dict, key: str, where: str) -> list[dict]:
    value = section.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise AlertSettingsError(
            f"{where}: alerts.{key} must be an array of tables [[alerts.{key}]]"
        )
    return value


def _unknown(table: dict, known: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise AlertSettingsError(
            f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(known)}"
        )


def _text(value: object, where: str, required: bool = True) -> str:
    if not isinstance(value, str) or (required and not value.strip()):
        raise AlertSettingsError(f"{where} must be a non-empty string")
    return value.strip()


def _lang(value: object, where: str) -> str:
    if value not in LANGS:
        raise AlertSettingsError(f"{where} must be one of {', '.join(LANGS)}: {value!r}")
    return str(value)


def _positive(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise AlertSettingsError(f"{where} must be a positive number: {value!r}")
    return float(value)


def _whole(value: object, where: str, smallest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < smallest:
        raise AlertSettingsError(f"{where} must be a whole number ≥ {smallest}: {value!r}")
    return value


def _names(value: object, where: str) -> tuple[str, ...]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise AlertSettingsError(f"{where} must be a non-empty list of strings")
    return tuple(v.strip() for v in value)


def _channel(raw: dict, where: str) -> Channel:
    name = _text(raw.get("name"), f"{where}: name")
    where = f"{where} ({name})"
    kind = raw.get("kind")
    if kind not in CHANNEL_KINDS:
        raise AlertSettingsError(
            f"{where}: kind must be one of {', '.join(CHANNEL_KINDS)}: {kind!r}"
        )
    _unknown(raw, CHANNEL_COMMON + CHANNEL_KEYS[kind], where)
    values: dict = {"name": name, "kind": kind}
    if "lang" in raw:
        values["lang"] = _lang(raw["lang"], f"{where}: lang")
    if "max_per_hour" in raw:
        values["max_per_hour"] = _whole(raw["max_per_hour"], f"{where}: max_per_hour", 1)
    if "timeout_s" in raw:
        values["timeout_s"] = _positive(raw["timeout_s"], f"{where}: timeout_s")
    if kind in ("dingtalk", "wecom"):
        url = _text(raw.get("url"), f"{where}: url")
        if not url.startswith(("http://", "https://")):
            raise AlertSettingsError(f"{where}: url must be an http(s) URL: {url!r}")
        values["url"] = url
        if "secret" in raw:
            values["secret"] = _text(raw["secret"], f"{where}: secret")
        return Channel(**values)
    values["host"] = _text(raw.get("host"), f"{where}: host")
    values["sender"] = _text(raw.get("sender"), f"{where}: sender")
    values["to"] = _names(raw.get("to"), f"{where}: to")
    for address in (values["sender"], *values["to"]):
        if "@" not in address:
            raise AlertSettingsError(f"{where}: {address!r} is not an e-mail address")
    if "port" in raw:
        values["port"] = _whole(raw["port"], f"{where}: port", 1)
    if "security" in raw:
        if raw["security"] not in SECURITY:
            raise AlertSettingsError(
                f"{where}: security must be one of {', '.join(SECURITY)}: {raw['security']!r}"
            )
        values["security"] = raw["security"]
    for key in ("username", "password"):
        if key in raw:
            values[key] = _text(raw[key], f"{where}: {key}", required=False)
    if "ca_file" in raw:
        ca_file = _text(raw["ca_file"], f"{where}: ca_file")
        if not Path(ca_file).is_file():
            raise AlertSettingsError(f"{where}: ca_file {ca_file!r} is not a file")
        values["ca_file"] = ca_file
    if bool(values.get("username")) != bool(values.get("password")):
        raise AlertSettingsError(f"{where}: username and password go together")
    return Channel(**values)


def _rule(raw: dict, where: str, channels: dict[str, Channel]) -> Rule:
    kind = raw.get("kind")
    if kind not in KINDS:
        raise AlertSettingsError(f"{where}: kind must be one of {', '.join(KINDS)}: {kind!r}")
    required, optional = KINDS[kind]
    name = _text(raw.get("name", kind), f"{where}: name")
    if ":" in name:
        raise AlertSettingsError(f"{where}: name {name!r} may not contain ':'")
    where = f"{where} ({name})"
    _unknown(raw, RULE_COMMON + required + tuple(optional), where)
    missing = [key for key in required if key not in raw]
    if missing:
        raise AlertSettingsError(f"{where}: {kind} needs {', '.join(missing)}")
    if "channels" not in raw:
        raise AlertSettingsError(f"{where}: channels is missing (names of [[alerts.channels]])")
    names = _names(raw["channels"], f"{where}: channels")
    for channel in names:
        if channel not in channels:
            known = ", ".join(channels) or "none defined"
            raise AlertSettingsError(
                f"{where}: channel {channel!r} is not a [[alerts.channels]] name ({known})"
            )
    values: dict = {"name": name, "kind": kind, "channels": names}
    if "halls" in raw:
        values["halls"] = _names(raw["halls"], f"{where}: halls")
    if "threshold_min" in raw:
        values["threshold_min"] = _positive(raw["threshold_min"], f"{where}: threshold_min")
    if "threshold_waiting" in raw:
        values["threshold_waiting"] = _whole(
            raw["threshold_waiting"], f"{where}: threshold_waiting", 0
        )
    if "within_min" in raw:
        values["within_min"] = _positive(raw["within_min"], f"{where}: within_min")
    if "max_rating" in raw:
        rating = _whole(raw["max_rating"], f"{where}: max_rating", 1)
        if rating > 5:
            raise AlertSettingsError(f"{where}: max_rating must be 1–5: {rating}")
        values["max_rating"] = rating
    if raw.get("after") is not None:
        values["after"] = _time(raw["after"], f"{where}: after")
    return Rule(**values)


def _time(value: object, where: str) -> dt.time:
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        raise AlertSettingsError(f"{where} must be a time of day HH:MM: {value!r}") from None
