"""Every label the interface shows, in Chinese and English: one translation table.

No Streamlit here, so reports and the command line can share the same words.
"""

from __future__ import annotations

import datetime as dt

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

TEXT: dict[str, tuple[str, str]] = {
    "app.title": ("厅脉 · 政务服务大厅运行驾驶舱", "HallPulse · service hall operations"),
    "app.language": ("语言 / Language", "语言 / Language"),
    "nav.data": ("数据概况", "Data overview"),
    "nav.section.data": ("数据", "Data"),
    "nav.import": ("数据导入", "Import data"),
    "imp.intro": (
        "上传排队叫号、审批办件、好差评或考勤系统导出的 CSV（UTF-8、GBK 均可）或 Excel 文件。"
        "常见中文表头会自动识别；先校验，确认后才写入数据库。按引用顺序导入：{order}。",
        "Upload a CSV (UTF-8 or GBK) or Excel export from the queue, case, evaluation or "
        "attendance system. Common Chinese headers are recognised; the file is checked first "
        "and written only when you confirm. Import in reference order: {order}.",
    ),
    "imp.upload": ("选择导出文件（.csv / .xlsx）", "Export file (.csv / .xlsx)"),
    "imp.empty": ("请先上传一个导出文件。", "Upload an export file to begin."),
    "imp.mapping": ("列映射文件（可选）", "Column mapping file (optional)"),
    "imp.mapping.help": (
        '表头无法自动识别时，用 TOML 文件指定：[columns] 标准列 = "表头"；[constants] 固定值；'
        '[values.status] "源值" = "代码"；[formats] 时间格式。',
        "When headers are not recognised, name them in a TOML file: [columns] column = "
        '"header"; [constants] fixed values; [values.status] "source" = "code"; '
        "[formats] timestamp formats.",
    ),
    "imp.mapping.file": ("映射文件（.toml）", "Mapping file (.toml)"),
    "imp.table": ("导入到数据表", "Import into table"),
    "imp.file_info": (
        "格式 {format}（{where}），表头在第 {line} 行。识别结果：",
        "Format {format} ({where}), header on line {line}. Recognised columns:",
    ),
    "imp.how.preset": ("自动识别", "recognised"),
    "imp.how.file": ("映射文件", "mapping file"),
    "imp.how.constant": ("固定值", "constant"),
    "imp.how.missing": ("缺少（必填）", "MISSING (required)"),
    "imp.how.absent": ("无", "not in file"),
    "imp.ignored": ("未使用的列：{columns}", "Columns not used: {columns}"),
    "imp.preview": ("前 {n} 行预览", "First {n} rows"),
    "imp.skip_bad": (
        "跳过错误行：导入正确的行，错误行连同原因另存为文件",
        "Skip bad rows: import the good rows, keep the bad ones with their reasons in a file",
    ),
    "imp.check": ("校验", "Check"),
    "imp.checking": ("正在校验…", "Checking…"),
    "imp.rows_read": ("读取行数", "Rows read"),
    "imp.rows_ok": ("可导入", "Rows OK"),
    "imp.rows_rejected": ("错误行", "Rows rejected"),
    "imp.warnings": ("数据质量提示", "Data-quality warnings"),
    "imp.problems": ("错误明细（行号、列、值、原因）", "Problems (line, column, value, reason)"),
    "imp.more": (
        "共 {n} 个问题，此处只列出前面部分；完整内容见错误行文件。",
        "{n} problems in all; the rejects file has every one.",
    ),
    "imp.quality": ("数据质量提示（照常导入）", "Data-quality warnings (imported)"),
    "imp.download_rejects": ("下载错误行（含原因）", "Download rejected rows (with reasons)"),
    "imp.blocked": (
        "有 {n} 行不符合数据规范，整个文件不会导入。请修正后重新上传，或勾选“跳过错误行”。",
        "Rows that break the data contract: {n}. Nothing will be imported; fix them and "
        "upload again, or tick “skip bad rows”.",
    ),
    "imp.confirm": ("确认导入", "Import"),
    "imp.importing": ("正在导入…", "Importing…"),
    "imp.done": (
        "已导入 {n} 行到“{table}”（新增 {new} 行，其余为更新）；错误行 {rejected} 行。",
        "Imported {n} rows into {table} ({new} new, the rest updated); {rejected} rejected.",
    ),
    "imp.col.column": ("标准列", "Column"),
    "imp.col.required": ("必填", "Required"),
    "imp.col.source": ("文件中的列", "From the file"),
    "imp.col.how": ("方式", "How"),
    "imp.col.line": ("行号", "Line"),
    "imp.col.value": ("值", "Value"),
    "imp.col.reason": ("原因", "Reason"),
    "imp.col.finding": ("提示", "Finding"),
    "imp.col.rows": ("行数", "Rows"),
    "imp.col.examples": ("示例行号", "Example lines"),
    "demo.banner": (
        "演示数据：以下为模拟生成的示范区政务服务网络（随机种子 {seed}，{days} 天，截至 {end}），"
        "不是真实大厅的数据。",
        "Demo data: a simulated district network (seed {seed}, {days} days up to {end}), "
        "not a real hall.",
    ),
    "data.caption": ("数据库：{url}", "Database: {url}"),
    "data.empty": (
        "数据库里还没有数据。运行 `hall demo` 生成演示数据，或导入大厅的导出文件。",
        "The database holds no data yet. Run `hall demo` for demo data, or import a hall's "
        "exports.",
    ),
    "data.no_schema": (
        "数据库尚未初始化：运行 `hall db init --db …` 或 `hall demo`。",
        "The database has no schema yet: run `hall db init --db …` or `hall demo`.",
    ),
    "data.halls": ("大厅", "Halls"),
    "data.tickets": ("取号记录", "Tickets"),
    "data.newest_ticket": ("最新取号", "Newest ticket"),
    "data.calendar": ("工作日历", "Working-day calendar"),
    "data.per_hall": ("各大厅数据量与新鲜度", "Rows and freshness per hall"),
    "data.per_hall.help": (
        "取号与评价是大厅服务时间内实时写入的数据：服务时间内最新一条超过 {minutes} 分钟即标为"
        "“滞后”；不在服务时间的大厅标为“非服务时间”。",
        "Tickets and evaluations are written live during service hours: an open hall whose "
        "newest row is older than {minutes} minutes is marked stale; halls outside their service "
        "hours are marked closed.",
    ),
    "data.detail": ("按表明细", "Per table"),
    "data.global": ("全局参考表", "Shared reference tables"),
    "data.fresh": ("正常", "fresh"),
    "data.stale": ("滞后", "stale"),
    "data.none": ("无数据", "no data"),
    "data.closed": ("非服务时间", "closed now"),
    "col.hall_id": ("大厅编号", "Hall"),
    "col.hall_name": ("大厅", "Hall name"),
    "col.level": ("层级", "Level"),
    "col.table": ("数据表", "Table"),
    "col.rows": ("行数", "Rows"),
    "col.first_at": ("最早", "First"),
    "col.last_at": ("最新", "Last"),
    "col.age": ("距今", "Age"),
    "col.status": ("状态", "Status"),
    "table.halls": ("大厅", "halls"),
    "table.departments": ("部门", "departments"),
    "table.windows": ("窗口", "windows"),
    "table.staff": ("工作人员", "staff"),
    "table.items": ("事项", "items"),
    "table.queues": ("取号业务", "queues"),
    "table.service_hours": ("服务时间", "service hours"),
    "table.calendar": ("工作日历", "calendar"),
    "table.tickets": ("取号叫号", "tickets"),
    "table.cases": ("办件", "cases"),
    "table.evaluations": ("好差评", "evaluations"),
    "table.attendance": ("考勤", "attendance"),
    "level.district": ("区级中心", "district centre"),
    "level.street": ("街道中心", "street centre"),
    "level.community": ("社区站点", "community station"),
    "age.minutes": ("{n} 分钟前", "{n} min ago"),
    "age.hours": ("{n} 小时前", "{n} h ago"),
    "age.days": ("{n} 天前", "{n} days ago"),
    "age.future": ("晚于当前时间", "in the future"),
    # --- big screen ---
    "nav.screen": ("大屏", "Big screen"),
    "nav.section.live": ("实时", "Live"),
    "screen.demo": ("演示数据", "DEMO DATA"),
    "screen.updated": ("刷新于 {time}", "Updated {time}"),
    "screen.every": ("每 {seconds} 秒自动刷新", "refreshes every {seconds} s"),
    "screen.open": ("服务中", "Open"),
    "screen.closed": ("非服务时间", "Closed now"),
    "screen.stale": (
        "数据延迟：最新取号记录在 {age}（{time}），已超过 {minutes} 分钟。"
        "请检查排队叫号系统的数据接入。",
        "Data delayed: the newest ticket is from {age} ({time}), more than {minutes} minutes "
        "ago. Check the queue system's data feed.",
    ),
    "screen.no_tickets": ("今日尚无取号记录", "no tickets yet today"),
    "screen.today": ("今日", "Today"),
    "screen.month": ("本月", "This month"),
    "screen.today.short": ("今日", "today"),
    "screen.month.short": ("本月", "month"),
    "screen.target": ("目标 {value}", "target {value}"),
    "screen.queues": ("各业务队列", "Queues"),
    "screen.queues.unit": ("等候时间单位：{unit}", "waits in {unit}"),
    "screen.col.queue": ("业务", "Queue"),
    "screen.col.issued": ("今日取号", "Issued"),
    "screen.col.waiting": ("等候", "Waiting"),
    "screen.col.windows": ("窗口", "Windows"),
    "screen.col.longest": ("最长等候", "Longest wait"),
    "screen.hourly": ("今日分时取号", "Tickets per hour today"),
    "screen.hourly.today": ("今日", "Today"),
    "screen.hourly.last_week": ("上周同日（{date}）", "Same day last week ({date})"),
    "screen.quality": ("服务质量", "Service quality"),
    "screen.ranking": ("部门排名 · 本月{metric}", "Ranking · {metric} (month)"),
    "screen.too_small": ("样本不足", "too few"),
    "screen.ranking.empty": (
        "本月暂无可按部门排名的办理记录（本厅取号业务未分部门）",
        "No department served tickets this month (this hall's queues have no department)",
    ),
    "screen.calls": ("最新叫号", "Latest calls"),
    "screen.calls.empty": ("今日尚未叫号", "No calls yet today"),
    "screen.call": ("请 {ticket} 到 {window} 窗口", "{ticket} to window {window}"),
    "screen.no_hall": ("没有编号为 {hall} 的大厅。可用：{halls}", "No hall {hall}. Halls: {halls}"),
    "screen.minutes": ("分钟", "min"),
    "screen.weekday": ("一二三四五六日", "Mon Tue Wed Thu Fri Sat Sun"),
}


def t(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """The text for `key` in `lang`, with {placeholders} filled from `values`."""
    zh, en = TEXT[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def age_text(minutes: float | None, lang: str = DEFAULT_LANG) -> str:
    """A reading of an age in minutes: "12 分钟前", "3 小时前", "2 天前"; "—" when unknown."""
    if minutes is None:
        return "—"
    if minutes < -1:
        return t("age.future", lang)
    if minutes < 90:
        return t("age.minutes", lang, n=max(0, round(minutes)))
    if minutes < 48 * 60:
        return t("age.hours", lang, n=round(minutes / 60))
    return t("age.days", lang, n=round(minutes / 1440))


def datetime_text(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()
