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
    # --- forecasting page ---
    "nav.forecast": ("预测与排班", "Forecast & staffing"),
    "nav.section.plan": ("计划", "Planning"),
    "fc.caption": (
        "按中国节假日与调休预测取号量（Prophet，80% 区间），按半小时用 Erlang A/C 计算窗口数，"
        "并用排队仿真逐日校验。预测从数据库最后一张取号（{last}）的次日开始。",
        "Tickets forecast on China's calendar (Prophet, 80% intervals), windows per half-hour "
        "by Erlang A/C, every day checked by queue simulation. The forecast starts the day "
        "after the last ticket in the database ({last}).",
    ),
    "fc.hall": ("大厅", "Hall"),
    "fc.weeks": ("计划周数", "Weeks to plan"),
    "fc.weeks.value": ("{n} 周", "{n} weeks"),
    "fc.quantile": ("按预测分位数配置（风险）", "Staff to the forecast quantile (risk)"),
    "fc.quantile.help": (
        "0.5 为中位数；越高越稳妥：按更忙的情形配置窗口。",
        "0.5 is the median day; higher is safer: windows for a busier day.",
    ),
    "fc.no_tickets": ("数据库中还没有取号记录，无法预测。", "No tickets yet: nothing to forecast."),
    "fc.error": ("无法生成预测：{reason}", "No forecast: {reason}"),
    "fc.computing": ("正在预测并仿真…", "Forecasting and simulating…"),
    "fc.next7": ("未来 7 天取号量", "Tickets, next 7 days"),
    "fc.under": ("延时时段人手不足", "Extended slots under-staffed"),
    "fc.over": ("延时时段人手富余", "Extended slots over-staffed"),
    "fc.cost": ("延时服务所需工时", "Staff-hours for extended service"),
    "fc.facts": (
        "平均办理 {service:.1f} 分钟 · 平均耐心 {patience} · 缺勤与休息折损 {shrinkage:.0%} · "
        "目标 {target:.0%} 在 {wait:g} 分钟内叫号 · 占用率上限 {cap:.0%} · 计算 {seconds:.1f} 秒",
        "Service {service:.1f} min on average · patience {patience} · shrinkage {shrinkage:.0%} "
        "· target {target:.0%} called within {wait:g} min · occupancy cap {cap:.0%} · "
        "computed in {seconds:.1f} s",
    ),
    "fc.patience.none": ("未观测到（按 Erlang C）", "not observed (Erlang C)"),
    "fc.patience.min": ("{n:.0f} 分钟（Erlang A）", "{n:.0f} min (Erlang A)"),
    "fc.capacity": (
        "有 {n} 个半小时时段建议的窗口数超过大厅现有的 {windows} 个窗口：这些时段无法达到目标，"
        "可考虑预约分流、延长服务时间或增设窗口。",
        "{n} half-hours need more windows than the hall's {windows}: the target cannot be met "
        "there; consider appointments, longer hours or more windows.",
    ),
    "fc.demand": ("每日取号量预测", "Daily tickets forecast"),
    "fc.band": ("80% 预测区间", "80% interval"),
    "fc.actual": ("实际", "Actual"),
    "fc.forecast": ("预测", "Forecast"),
    "fc.tickets_per_day": ("取号量 / 天", "Tickets per day"),
    "fc.planner": ("延时服务排班建议", "Extended-hours plan"),
    "fc.planner.help": (
        "每个延时时段（午间、晚间、周末）：预测取号量、建议窗口数与所需人数（含折损），"
        "按建议与按现有排班的服务水平和平均等候。红色：人手不足；橙色：富余；绿色：合适。"
        "现有排班：已排班次（已排）或近四周同类日期的常规人数（惯例）。",
        "Each extended slot (lunch, evening, weekend): forecast tickets, windows recommended "
        "and staff needed (with shrinkage), service level and mean wait under the "
        "recommendation and under the roster. Red: under-staffed; orange: over-staffed; "
        "green: fine. Roster: shifts on file (scheduled) or the typical count of the last four "
        "similar days (typical).",
    ),
    "fc.no_extended": ("计划期内没有延时服务时段。", "No extended-hours slots in the period."),
    "fc.day": ("单日半小时明细", "One day by half-hour"),
    "fc.day.pick": ("日期", "Date"),
    "fc.arrivals": ("预测取号", "Forecast tickets"),
    "fc.arrivals_per_slot": ("取号量 / 半小时", "Tickets per half-hour"),
    "fc.staff_needed": ("建议人数", "Staff recommended"),
    "fc.rostered": ("现有排班", "Rostered"),
    "fc.windows": ("窗口 / 人", "Windows / staff"),
    "fc.col.date": ("日期", "Date"),
    "fc.col.time": ("时段", "Slot"),
    "fc.col.weekday": ("星期", "Weekday"),
    "fc.col.arrivals": ("预测取号", "Forecast"),
    "fc.col.windows_needed": ("建议窗口", "Windows"),
    "fc.col.staff_needed": ("所需人数", "Staff needed"),
    "fc.col.rostered": ("现有排班", "Rostered"),
    "fc.col.source": ("排班来源", "Roster from"),
    "fc.col.sl": ("服务水平（建议）", "Service level (plan)"),
    "fc.col.sim": ("仿真服务水平", "Simulated"),
    "fc.col.wait": ("平均等候（建议，分钟）", "Mean wait (plan, min)"),
    "fc.col.sl_rostered": ("服务水平（现排班）", "Service level (roster)"),
    "fc.col.wait_rostered": ("平均等候（现排班，分钟）", "Mean wait (roster, min)"),
    "fc.col.staff_hours": ("工时", "Staff-hours"),
    "fc.col.flag": ("判断", "Verdict"),
    "fc.flag.under": ("不足", "under"),
    "fc.flag.over": ("富余", "over"),
    "fc.flag.ok": ("合适", "fine"),
    "fc.flag.none": ("无排班", "no roster"),
    "fc.source.scheduled": ("已排", "scheduled"),
    "fc.source.typical": ("惯例", "typical"),
    "fc.source.unknown": ("未知", "unknown"),
    "fc.pool": (
        "综合窗口（一窗受理）与专窗对比（当日）",
        "Comprehensive windows (一窗受理) against dedicated windows (this day)",
    ),
    "fc.pool.pooled": ("综合窗口所需窗口工时", "Window-hours, comprehensive"),
    "fc.pool.dedicated": ("专窗所需窗口工时", "Window-hours, dedicated"),
    "fc.pool.sim_pooled": ("综合窗口仿真服务水平", "Simulated, comprehensive"),
    "fc.pool.sim_split": ("同样窗口分设专窗的仿真服务水平", "Simulated, same windows dedicated"),
    "fc.calc": ("测算器：N 个窗口能达到什么服务水平", "What-if: what N windows achieve"),
    "fc.calc.arrivals": ("每小时取号量", "Tickets per hour"),
    "fc.calc.service": ("平均办理时长（分钟）", "Mean service (min)"),
    "fc.calc.windows": ("窗口数", "Windows"),
    "fc.calc.target": ("等候目标（分钟）", "Wait target (min)"),
    "fc.calc.patience": (
        "平均耐心（分钟，0 = 不考虑放弃，Erlang C）",
        "Mean patience (min, 0 = none: Erlang C)",
    ),
    "fc.calc.sl": ("服务水平", "Service level"),
    "fc.calc.p_wait": ("需要等候的比例", "Share who wait"),
    "fc.calc.asa": ("平均等候", "Mean wait"),
    "fc.calc.occupancy": ("窗口占用率", "Occupancy"),
    "fc.calc.abandon": ("放弃比例", "Share who leave"),
    "fc.calc.unstable": ("队伍会无限增长", "queue grows without bound"),
    "fc.weekday": ("一,二,三,四,五,六,日", "Mon,Tue,Wed,Thu,Fri,Sat,Sun"),
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
