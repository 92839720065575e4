"""Every figure HallPulse shows, declared once: key (as in metrics.md), labels, unit, format,
direction and target. The dashboard, the weekly report and `hall metrics` all read this."""

from __future__ import annotations

from dataclasses import dataclass

SECTIONS = ("tickets", "cases", "evaluations", "attendance")
SECTION_LABELS = {
    "tickets": ("排队叫号", "Queue"),
    "cases": ("办件", "Cases"),
    "evaluations": ("好差评", "Evaluations"),
    "attendance": ("考勤与饱和度", "Attendance and utilization"),
}


@dataclass(frozen=True)
class Metric:
    key: str
    section: str
    zh: str
    en: str
    unit: str  # count | rate | minutes | hours | rating | per_hour
    direction: int  # +1 higher is better, -1 lower is better, 0 neither
    target: str | None = None  # the setting that holds its target, if any

    def label(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh

    def format(self, value: float | int | None, lang: str = "zh") -> str:
        """The value as the interface shows it; "—" for no value (an empty denominator)."""
        if value is None:
            return "—"
        if self.unit == "count":
            return f"{int(value):,}"
        if self.unit == "rate":
            return f"{value * 100:.1f}%"
        if self.unit == "minutes":
            return f"{value:.1f} 分钟" if lang == "zh" else f"{value:.1f} min"
        if self.unit == "hours":
            return f"{value:,.1f} 小时" if lang == "zh" else f"{value:,.1f} h"
        if self.unit == "rating":
            return f"{value:.2f}"
        return f"{value:.2f}"


def _m(key, section, zh, en, unit, direction=0, target=None) -> Metric:
    return Metric(key, section, zh, en, unit, direction, target)


CATALOG: tuple[Metric, ...] = (
    _m("issued", "tickets", "取号量", "Tickets issued", "count"),
    _m("served", "tickets", "办理量", "Served", "count"),
    _m("no_show", "tickets", "过号", "No-shows", "count", -1),
    _m("cancelled", "tickets", "未叫先走", "Left before call", "count", -1),
    _m("abandon_rate", "tickets", "弃号率", "Abandon rate", "rate", -1),
    _m("wait_mean_min", "tickets", "平均等候", "Mean wait", "minutes", -1, "wait_target_min"),
    _m("wait_median_min", "tickets", "等候中位数", "Median wait", "minutes", -1),
    _m("wait_p90_min", "tickets", "90% 等候不超过", "90th percentile wait", "minutes", -1),
    _m("wait_max_min", "tickets", "最长等候", "Longest wait", "minutes", -1),
    _m(
        "wait_within_target_rate",
        "tickets",
        "等候达标率",
        "Waits within target",
        "rate",
        1,
        "wait_target_rate",
    ),
    _m("service_mean_min", "tickets", "平均办理时长", "Mean service time", "minutes", 0),
    _m("service_median_min", "tickets", "办理时长中位数", "Median service time", "minutes", 0),
    _m("appointment_share", "tickets", "预约占比", "Appointment share", "rate", 1),
    _m("extended_hours_issued", "tickets", "延时服务取号", "Issued in extended hours", "count"),
    _m("after_close_served", "tickets", "闭厅后办理", "Served after closing", "count"),
    _m(
        "after_close_minutes_mean",
        "tickets",
        "闭厅后平均延时",
        "Mean overrun past closing",
        "minutes",
        -1,
    ),
    _m("accepted", "cases", "受理量", "Cases accepted", "count"),
    _m("completed", "cases", "办结量", "Cases completed", "count"),
    _m("on_time_rate", "cases", "按时办结率", "On-time completion", "rate", 1, "on_time_target"),
    _m("overdue_open", "cases", "超期未办结", "Overdue and open", "count", -1),
    _m("due_soon_open", "cases", "临期预警", "Due soon", "count", -1),
    _m("one_visit_rate", "cases", "最多跑一次实现率", "At most one visit", "rate", 1),
    _m("online_rate", "cases", "网办率", "Online share", "rate", 1),
    _m("instant_share", "cases", "即办件占比", "Instant share", "rate", 1),
    _m("tolerance_accepted", "cases", "容缺受理", "Accepted with tolerance", "count"),
    _m("speedup_rate", "cases", "实际提速", "Speed-up vs legal limit", "rate", 1),
    # 一件事一次办 (issue 17)
    _m("bundle_applications", "cases", "一件事受理量", "Package applications", "count"),
    _m("bundle_case_share", "cases", "一件事办件占比", "Cases filed in packages", "rate", 0),
    _m("bundles_completed", "cases", "一件事办结量", "Packages completed", "count"),
    _m("bundle_on_time_rate", "cases", "一件事按时办结率", "Packages on time", "rate", 1),
    _m("bundle_one_visit_rate", "cases", "一件事一次办实现率", "Packages in one trip", "rate", 1),
    _m("count", "evaluations", "评价数", "Evaluations", "count"),
    _m("default_count", "evaluations", "默认好评", "Default ratings", "count"),
    _m(
        "satisfaction_rate",
        "evaluations",
        "好评率",
        "Satisfaction",
        "rate",
        1,
        "satisfaction_target",
    ),
    _m("very_satisfied_rate", "evaluations", "非常满意率", "Very satisfied", "rate", 1),
    _m("mean_rating", "evaluations", "平均评分", "Mean rating", "rating", 1),
    _m("bad_count", "evaluations", "差评数", "Bad reviews", "count", -1),
    _m(
        "bad_revisited_on_time_rate",
        "evaluations",
        "回访及时率",
        "Return calls on time",
        "rate",
        1,
    ),
    _m("bad_rectified_on_time_rate", "evaluations", "差评整改率", "Rectified on time", "rate", 1),
    _m("bad_overdue", "evaluations", "整改超期", "Rectification overdue", "count", -1),
    _m("coverage_rate", "evaluations", "评价率", "Evaluation coverage", "rate", 1),
    _m("staffed_hours", "attendance", "在岗时长", "Staffed hours", "hours"),
    _m("busy_hours", "attendance", "办理时长", "Busy hours", "hours"),
    _m("utilization", "attendance", "窗口饱和度", "Utilization", "rate", 0),
    _m("late_rate", "attendance", "迟到率", "Late rate", "rate", -1),
    _m("absence_rate", "attendance", "缺勤率", "Absence rate", "rate", -1),
    _m(
        "served_per_staffed_hour",
        "attendance",
        "人均每小时办理",
        "Served per staffed hour",
        "per_hour",
        1,
    ),
)
BY_KEY: dict[str, Metric] = {m.key: m for m in CATALOG}
KEYS: dict[str, tuple[str, ...]] = {
    s: tuple(m.key for m in CATALOG if m.section == s) for s in SECTIONS
}


def metric(key: str) -> Metric:
    return BY_KEY[key]
