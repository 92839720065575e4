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
    "screen.hourly.forecast": ("今日预测", "Forecast"),
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
    # --- weekly report ---
    "nav.section.reports": ("报告", "Reports"),
    "nav.weekly": ("下载周报", "Weekly report"),
    "rep.title": ("{hall}运行周报", "{hall}: weekly operations report"),
    "rep.week": (
        "{year} 年第 {number} 周（{first} 至 {last}）",
        "Week {number} of {year} ({first} to {last})",
    ),
    "rep.generated": (
        "数据截至 {as_of}；生成于 {at}；对比期：上周（{prev_first} 至 {prev_last}）",
        "Data as of {as_of}; generated {at}; compared with the week before "
        "({prev_first} to {prev_last})",
    ),
    "rep.demo": (
        "演示数据：本报告基于模拟生成的示范区政务服务网络，不是真实大厅的数据。",
        "Demo data: this report is based on a simulated district network, not a real hall.",
    ),
    "rep.toc": ("目录", "Contents"),
    "rep.page": ("第 {page} 页 / 共 {pages} 页", "Page {page} of {pages}"),
    "rep.s.summary": ("本周概览", "The week at a glance"),
    "rep.s.figures": ("主要指标与上周对比", "Figures and the week before"),
    "rep.s.queue": ("排队与等候", "Queues and waits"),
    "rep.s.cases": ("办件", "Cases"),
    "rep.s.evaluations": ("好差评", "Evaluations"),
    "rep.s.rankings": ("部门与窗口排名", "Departments and windows"),
    "rep.s.attendance": ("考勤与窗口饱和度", "Attendance and utilization"),
    "rep.s.forecast": ("下周预测与延时服务排班", "Next week: forecast and extended-hours staffing"),
    "rep.col.metric": ("指标", "Figure"),
    "rep.col.this_week": ("本周", "This week"),
    "rep.col.last_week": ("上周", "Week before"),
    "rep.col.change": ("变化", "Change"),
    "rep.col.target": ("目标", "Target"),
    "rep.col.date": ("日期", "Date"),
    "rep.col.weekday": ("星期", "Weekday"),
    "rep.col.hour": ("时段", "Hour"),
    "rep.col.rank": ("排名", "Rank"),
    "rep.col.department": ("部门", "Department"),
    "rep.col.window": ("窗口", "Window"),
    "rep.col.staff": ("工作人员", "Staff"),
    "rep.col.item": ("事项", "Item"),
    "rep.col.sample": ("样本", "Sample"),
    "rep.col.case_id": ("办件编号", "Case"),
    "rep.col.channel": ("渠道", "Channel"),
    "rep.col.status": ("状态", "Status"),
    "rep.col.accepted_at": ("受理时间", "Accepted"),
    "rep.col.due": ("承诺办结时限", "Due"),
    "rep.col.days_overdue": ("超期天数", "Days overdue"),
    "rep.col.evaluated_at": ("评价时间", "Evaluated"),
    "rep.col.rating": ("评分", "Rating"),
    "rep.col.comment": ("评价内容", "Comment"),
    "rep.col.revisit": ("回访", "Return call"),
    "rep.col.rectify": ("整改", "Rectification"),
    "rep.col.note": ("整改说明", "Rectification note"),
    "rep.col.wait_bin": ("等候时长（分钟）", "Wait (minutes)"),
    "rep.col.tickets": ("取号数", "Tickets"),
    "rep.col.share": ("占比", "Share"),
    "rep.col.expected": ("预测取号量", "Expected tickets"),
    "rep.col.lower": ("下限", "Low"),
    "rep.col.upper": ("上限", "High"),
    "rep.sum.volume": (
        "本周取号 {issued} 张，较上周{change}；办理 {served} 件，弃号率 {abandon}。",
        "{issued} tickets were issued, {change} on the week before; {served} were served and "
        "{abandon} abandoned.",
    ),
    "rep.sum.wait": (
        "平均等候 {mean}，较上周{change}；{within} 的群众在 {target} 分钟内被叫号，"
        "最长等候 {max}。",
        "The mean wait was {mean}, {change}; {within} were called within {target} minutes, "
        "the longest wait was {max}.",
    ),
    "rep.sum.peak": (
        "最忙的一天是{day}（取号 {n} 张），取号最集中的时段是 {hour}。",
        "The busiest day was {day} ({n} tickets); most tickets were taken at {hour}.",
    ),
    "rep.sum.cases": (
        "受理办件 {accepted} 件，办结 {completed} 件，按时办结率 {on_time}（较上周{change}）；"
        "截至周日超期未办结 {overdue} 件，临期预警 {soon} 件。",
        "{accepted} cases were accepted and {completed} completed, {on_time} on time ({change}); "
        "at the end of Sunday {overdue} open cases were overdue and {soon} due soon.",
    ),
    "rep.sum.evaluations": (
        "收到有效评价 {count} 条，好评率 {rate}（较上周{change}），差评 {bad} 条，"
        "回访及时率 {revisit}。",
        "{count} evaluations were received, {rate} satisfied ({change}); {bad} bad reviews, "
        "return calls on time {revisit}.",
    ),
    "rep.sum.attendance": (
        "在岗 {hours}，窗口饱和度 {util}，迟到率 {late}，缺勤率 {absent}。",
        "Staff were on duty for {hours}; utilization {util}, late rate {late}, "
        "absence rate {absent}.",
    ),
    "rep.chg.more": ("增加 {v}", "up {v}"),
    "rep.chg.fewer": ("减少 {v}", "down {v}"),
    "rep.chg.longer": ("延长 {v}", "{v} longer"),
    "rep.chg.shorter": ("缩短 {v}", "{v} shorter"),
    "rep.chg.higher": ("提高 {v}", "up {v}"),
    "rep.chg.lower": ("下降 {v}", "down {v}"),
    "rep.chg.same": ("持平", "unchanged"),
    "rep.chg.none": ("无可比数据", "no comparison"),
    "rep.chg.pp": ("{v} 个百分点", "{v} pp"),
    "rep.kpi.note": (
        "变化一栏按指标方向着色：绿色为改善，红色为变差，灰色为无好坏之分。",
        "Changes are coloured by each figure's direction: green better, red worse, grey neither.",
    ),
    "rep.chart.daily": ("每日取号量：本周与上周", "Tickets per day: this week and the week before"),
    "rep.chart.heatmap": ("取号时段分布（星期 × 小时）", "Tickets by weekday and hour"),
    "rep.chart.waits": (
        "等候时长分布（已办理取号，纵轴为对数刻度）",
        "Distribution of waits (served tickets; logarithmic scale)",
    ),
    "rep.chart.satisfaction": ("每日好评率（近两周）", "Satisfaction per day (two weeks)"),
    "rep.chart.forecast": ("下周每日取号预测", "Tickets expected next week"),
    "rep.chart.target": ("目标 {v}", "target {v}"),
    "rep.chart.within": ("{target} 分钟内", "within {target} min"),
    "rep.chart.beyond": ("超过 {target} 分钟", "over {target} min"),
    "rep.overdue": ("超期未办结办件", "Overdue open cases"),
    "rep.overdue.count": (
        "截至 {as_of}，超期未办结办件共 {n} 件，按超期时间从长到短排列。",
        "At {as_of}, {n} open cases were past their deadline, most overdue first.",
    ),
    "rep.overdue.more": (
        "以上列出超期最久的 {shown} 件；完整清单共 {n} 件，见 Excel 附表“超期办件”。",
        "The {shown} most overdue are listed; the workbook's sheet lists all {n}.",
    ),
    "rep.overdue.none": (
        "截至 {as_of}，没有超期未办结的办件。",
        "At {as_of}, no open case was overdue.",
    ),
    "rep.no_cases": ("本周无受理办件的部门", "Departments with no cases this week"),
    "rep.no_cases.none": (
        "本大厅 {n} 个进驻部门本周均有受理办件。",
        "All {n} departments of the hall accepted cases this week.",
    ),
    "rep.no_cases.no_departments": (
        "本大厅未登记进驻部门（无部门窗口、取号业务或人员）。",
        "No department is registered in this hall (no department windows, queues or staff).",
    ),
    "rep.no_cases.some": (
        "本大厅 {n} 个进驻部门中，以下 {k} 个本周没有受理办件：",
        "Of the hall's {n} departments, these {k} accepted no case this week:",
    ),
    "rep.bad": ("差评及整改跟踪", "Bad reviews and follow-up"),
    "rep.bad.count": (
        "本周差评 {n} 条。回访时限为评价后第 {rv} 个工作日结束前，"
        "整改时限为第 {rc} 个工作日结束前。",
        "{n} bad reviews this week. A return call is due by the end of working day {rv} after "
        "the review, rectification by the end of working day {rc}.",
    ),
    "rep.bad.none": ("本周没有差评。", "No bad reviews this week."),
    "rep.fu.done_on_time": ("按时 {at}", "on time {at}"),
    "rep.fu.done_late": ("超时 {at}", "late {at}"),
    "rep.fu.pending": ("待办，{due} 到期", "pending, due {due}"),
    "rep.fu.missed": ("逾期，{due} 到期", "overdue, due {due}"),
    "rep.rank.best": ("最好的 {n} 个", "Best {n}"),
    "rep.rank.worst": ("最差的 {n} 个", "Worst {n}"),
    "rep.rank.note": (
        "排名只比较样本充足的部门或窗口（办理量不少于 {served} 件，"
        "好评率按评价数不少于 {evals} 条）；样本不足的不参与排名。",
        "Only departments or windows with enough data are ranked (at least {served} served "
        "tickets; for satisfaction at least {evals} evaluations); smaller ones are not ranked.",
    ),
    "rep.rank.too_small": ("样本不足", "too few"),
    "rep.rank.unranked": (
        "样本不足、未参与排名：{names}",
        "Not ranked (too little data): {names}",
    ),
    "rep.rank.none": ("没有样本充足的{what}。", "No {what} has enough data to rank."),
    "rep.att.by_department": ("各部门考勤", "Attendance by department"),
    "rep.forecast.note": (
        "预测来自历史取号规律与工作日历；排班建议按等候达标目标计算。",
        "The forecast comes from past arrivals and the working-day calendar; staffing is "
        "planned against the wait target.",
    ),
    "rep.forecast.staffing": ("延时服务排班建议", "Extended-hours staffing"),
    "rep.forecast.no_extended": (
        "下周没有延时服务时段。",
        "There are no extended-hours slots next week.",
    ),
    "rep.col.start": ("开始", "Starts"),
    "rep.col.arrivals": ("预计取号", "Expected tickets"),
    "rep.col.windows_needed": ("建议窗口", "Windows needed"),
    "rep.col.windows_rostered": ("现排班窗口", "Windows rostered"),
    "rep.col.service_level": ("达标率（建议）", "Service level (plan)"),
    "rep.col.service_level_rostered": ("达标率（现排班）", "Service level (roster)"),
    "rep.col.flag": ("判断", "Verdict"),
    "rep.sheet.overview": ("概览", "Overview"),
    "rep.sheet.daily": ("每日", "Daily"),
    "rep.sheet.hours": ("时段分布", "Hours"),
    "rep.sheet.waits": ("等候分布", "Waits"),
    "rep.sheet.satisfaction": ("好评率", "Satisfaction"),
    "rep.sheet.departments": ("部门", "Departments"),
    "rep.sheet.windows": ("窗口", "Windows"),
    "rep.sheet.no_cases": ("无办件部门", "No cases"),
    "rep.sheet.overdue": ("超期办件", "Overdue cases"),
    "rep.sheet.bad": ("差评跟踪", "Bad reviews"),
    "rep.sheet.attendance": ("考勤", "Attendance"),
    "rep.sheet.forecast": ("下周预测", "Forecast"),
    "rep.sheet.staffing": ("排班建议", "Staffing"),
    "rep.xl.section": ("分类", "Section"),
    "rep.xl.key": ("指标代码", "Key"),
    "rep.xl.meets": ("达标", "Meets target"),
    "rep.page.intro": (
        "选择大厅和周次，生成与每周一自动发送相同的 PDF 与 Excel 周报。",
        "Pick a hall and a week to build the same PDF and Excel report that is sent every Monday.",
    ),
    "rep.page.hall": ("大厅", "Hall"),
    "rep.page.week": ("周次（ISO 周，周一至周日）", "Week (ISO, Monday to Sunday)"),
    "rep.page.lang": ("报告语言", "Report language"),
    "rep.page.build": ("生成周报", "Build the report"),
    "rep.page.building": ("正在生成周报…", "Building the report…"),
    "rep.page.pdf": ("下载 PDF", "Download PDF"),
    "rep.page.xlsx": ("下载 Excel", "Download Excel"),
    "rep.page.done": (
        "已生成 {hall} {week} 周报，用时 {seconds:.1f} 秒。",
        "Built {hall} {week} in {seconds:.1f} s.",
    ),
    "rep.page.no_weeks": (
        "数据库里还没有取号、办件或评价数据。",
        "The database holds no tickets, cases or evaluations yet.",
    ),
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
