"""The words of an alert, in Chinese (default) or English: a title, a few lines (the hall, the
queue/window/case, the figure against the threshold, the time) and a deep link into the app.

`render` gives one `Message`; each channel formats it (DingTalk/WeCom markdown, e-mail text).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from alerts.evaluate import CASES_LISTED, Condition

COMMENT_CHARS = 200
# kind → (zh, en) title; {hall}, {target}, {value}, {threshold}
TITLES: dict[str, tuple[str, str]] = {
    "queue_wait": (
        "【排队预警】{hall} {target} 最长等候 {value} 分钟",
        "[Queue alert] {hall} {target}: longest wait {value} min",
    ),
    "queue_length": (
        "【排队预警】{hall} {target} 等候 {value} 人",
        "[Queue alert] {hall} {target}: {value} waiting",
    ),
    "window_idle": (
        "【窗口预警】{hall} {target} 已 {value} 分钟未叫号",
        "[Window alert] {hall} {target}: no call for {value} min",
    ),
    "bad_review": (
        "【差评预警】{hall} 收到 {value} 星差评",
        "[Review alert] {hall}: a {value}-star review",
    ),
    "case_due": (
        "【办件预警】{hall} {value} 件办件今日到期仍未办结",
        "[Case alert] {hall}: {value} cases due today still open",
    ),
    "feed_stale": (
        "【数据预警】{hall} 取号数据已 {value} 分钟未更新",
        "[Data alert] {hall}: no new ticket for {value} min",
    ),
    "feed_stale.none": (
        "【数据预警】{hall} 服务时间内暂无取号数据",
        "[Data alert] {hall}: no ticket at all while open",
    ),
    "source_stale.none": (
        "【数据预警】同步源 {target} 从未成功",
        "[Data alert] sync source {target}: never succeeded",
    ),
    "source_stale": (
        "【数据预警】同步源 {target} 已 {value} 分钟未成功",
        "[Data alert] sync source {target}: no success for {value} min",
    ),
}
LABELS: dict[str, tuple[str, str]] = {
    "hall": ("大厅", "Hall"),
    "queue": ("队列", "Queue"),
    "window": ("窗口", "Window"),
    "case": ("办件", "Case"),
    "item": ("事项", "Item"),
    "evaluation": ("评价", "Evaluation"),
    "source": ("同步源", "Sync source"),
    "queue_wait": ("当前最长等候", "Longest current wait"),
    "queue_length": ("当前等候人数", "Waiting now"),
    "window_idle": ("距上次叫号", "Since the last call"),
    "window_idle.none": ("今日未叫号，距签到", "No call today; since clock-in"),
    "waiting_queue": ("等候中的队列", "Queue waiting"),
    "rating": ("评分", "Rating"),
    "comment": ("评价内容", "Comment"),
    "evaluated_at": ("评价时间", "Evaluated at"),
    "case_due": ("今日到期未办结", "Due today, still open"),
    "cases": ("{v} 件", "{v} cases"),
    "due_first": ("最早时限", "First deadline"),
    "newest": ("最新取号", "Newest ticket"),
    "last_success": ("上次成功", "Last success"),
    "last_error": ("最近错误", "Last error"),
    "none": ("无", "none"),
    "time": ("时间", "Time"),
    "link": ("查看", "Open"),
    "threshold": ("阈值", "threshold"),
    "minutes": ("{v} 分钟", "{v} min"),
    "people": ("{v} 人", "{v}"),
    "stars": ("{v} 星", "{v} stars"),
}


@dataclass(frozen=True)
class Message:
    title: str
    lines: tuple[tuple[str, str], ...]  # (label, value)
    link: str  # "" without [alerts] app_url
    lang: str = "zh"

    def markdown(self) -> str:
        """For the DingTalk and WeCom robots."""
        colon = "：" if self.lang == "zh" else ": "
        body = [f"### {self.title}", ""]
        body += [f"- {label}{colon}{value}" for label, value in self.lines]
        if self.link:
            body += ["", f"[{self.link}]({self.link})"]
        return "\n".join(body)

    def text(self) -> str:
        """For e-mail."""
        body = [self.title, ""]
        body += [f"{label}: {value}" for label, value in self.lines]
        if self.link:
            body += ["", self.link]
        return "\n".join(body) + "\n"


def _l(key: str, lang: str) -> str:
    return LABELS[key][0 if lang == "zh" else 1]


def _clip(text: str, limit: int = COMMENT_CHARS) -> str:
    """A free text (a comment, an error) cut to `limit` characters: the robots cap a message
    (WeCom at 4096 bytes)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 or value >= 10 else f"{value:.1f}"


def _time(value: dt.datetime | None) -> str:
    return "—" if value is None else f"{value:%Y-%m-%d %H:%M}"


def link(condition: Condition, app_url: str, lang: str) -> str:
    """The page that shows the condition: the big screen for a queue or the feed, the window's
    page, the day's cases or evaluations of the hall, the data overview for a sync source."""
    if not app_url:
        return ""
    hall = condition.hall_id
    if condition.target_kind == "source":
        page, params = "data", {}
    elif condition.kind == "window_idle":
        page, params = "window", {"window": condition.target_id}
    elif condition.kind == "bad_review":
        page, params = "evaluations", {"hall": hall, "period": "today"}
    elif condition.kind == "case_due":
        page, params = "cases", {"hall": hall, "period": "today"}
    else:
        page, params = "screen", {"hall": hall}
    return f"{app_url}/{page}?{urlencode({**params, 'lang': lang})}"


def render(condition: Condition, hall_name: str | None, lang: str, app_url: str) -> Message:
    """The message of a condition in `lang` (zh/en); `hall_name` from the halls table."""
    c, i = condition, 0 if lang == "zh" else 1
    hall = hall_name or c.hall_id or ""
    kind = "source_stale" if c.target_kind == "source" else c.kind
    title_key = f"{kind}.none" if c.value is None and f"{kind}.none" in TITLES else kind
    title = TITLES[title_key][i].format(
        hall=hall, target=c.target_name or c.target_id or "", value=_num(c.value)
    )
    minutes, threshold = _l("minutes", lang), _l("threshold", lang)
    open_, close = ("（", "）") if lang == "zh" else (" (", ")")

    def against(fmt: str) -> str:
        shown = fmt.format(v=_num(c.value))
        return f"{shown}{open_}{threshold} {fmt.format(v=_num(c.threshold))}{close}"

    lines: list[tuple[str, str]] = []
    if c.hall_id:
        lines.append((_l("hall", lang), f"{hall}{open_}{c.hall_id}{close}"))
    if kind in ("queue_wait", "queue_length"):
        lines.append((_l("queue", lang), f"{c.target_name or ''} ({c.target_id})".strip()))
        fmt = minutes if kind == "queue_wait" else _l("people", lang)
        lines.append((_l(kind, lang), against(fmt)))
    elif kind == "window_idle":
        lines.append((_l("window", lang), f"{c.target_name or ''} ({c.target_id})".strip()))
        label = "window_idle" if c.when is not None else "window_idle.none"
        lines.append((_l(label, lang), against(minutes)))
        if c.note:
            people = _l("people", lang).format(v=c.count)
            lines.append((_l("waiting_queue", lang), f"{c.note} · {people}"))
    elif kind == "bad_review":
        lines.append((_l("evaluation", lang), c.target_id or ""))
        if c.target_name:
            lines.append((_l("window", lang), c.target_name))
        lines.append((_l("rating", lang), _l("stars", lang).format(v=_num(c.value))))
        lines.append((_l("evaluated_at", lang), _time(c.when)))
        if c.note:
            lines.append((_l("comment", lang), _clip(c.note)))
    elif kind == "case_due":
        lines.append((_l("case_due", lang), _l("cases", lang).format(v=_num(c.value))))
        lines.append((_l("due_first", lang), _time(c.when)))
        more = f" …（共 {_num(c.value)} 件）" if lang == "zh" else f" … ({_num(c.value)} in all)"
        listed = (c.note or "") + (more if (c.value or 0) > CASES_LISTED else "")
        lines.append((_l("case", lang), listed))
    elif kind == "feed_stale":
        lines.append((_l("newest", lang), _time(c.when) if c.when else _l("none", lang)))
        lines.append((threshold.capitalize(), minutes.format(v=_num(c.threshold))))
    else:  # a sync source
        lines.append((_l("source", lang), c.target_id or ""))
        lines.append((_l("last_success", lang), _time(c.when) if c.when else _l("none", lang)))
        lines.append((threshold.capitalize(), minutes.format(v=_num(c.threshold))))
        if c.note:
            lines.append((_l("last_error", lang), _clip(c.note)))
    lines.append((_l("time", lang), _time(c.at)))
    return Message(title=title, lines=tuple(lines), link=link(c, app_url, lang), lang=lang)
