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
    # --- analysis pages ---
    "nav.section.analysis": ("运行分析", "Analysis"),
    "nav.overview": ("总览", "Overview"),
    "nav.windows": ("窗口绩效", "Window performance"),
    "nav.window": ("窗口详情", "Window detail"),
    "nav.cases": ("办件时效", "Cases"),
    "nav.evaluations": ("好差评", "Evaluations"),
    "nav.attendance": ("考勤与饱和度", "Attendance and utilization"),
    "nav.quality": ("数据质量", "Data quality"),
    "busy": ("正在计算…", "Computing…"),
    "f.period": ("统计周期", "Period"),
    "f.range": ("起止日期", "From – to"),
    "f.hall": ("大厅", "Hall"),
    "f.all_halls": ("全部大厅", "All halls"),
    "f.dept": ("部门", "Department"),
    "f.all_depts": ("全部部门", "All departments"),
    "f.caption": (
        "统计 {range}（截至 {as_of}），与上期 {before} 对比。",
        "{range} (as of {as_of}), compared with {before}.",
    ),
    "period.today": ("今天", "Today"),
    "period.this_week": ("本周", "This week"),
    "period.last_week": ("上周", "Last week"),
    "period.this_month": ("本月", "This month"),
    "period.last_month": ("上月", "Last month"),
    "period.custom": ("自定义", "Custom"),
    "kpi.before": ("上期：{value}", "Previous period: {value}"),
    "chart.data": ("查看数据（可下载）", "Show data (downloadable)"),
    "target": ("目标", "target"),
    "target.wait": ("目标 {minutes} 分钟", "target {minutes} min"),
    "unit.min": ("分钟", "min"),
    "hour.suffix": ("时", ":00"),
    "weekday.1": ("周一", "Mon"),
    "weekday.2": ("周二", "Tue"),
    "weekday.3": ("周三", "Wed"),
    "weekday.4": ("周四", "Thu"),
    "weekday.5": ("周五", "Fri"),
    "weekday.6": ("周六", "Sat"),
    "weekday.7": ("周日", "Sun"),
    "empty.period": (
        "所选周期和范围内没有取号、办件、评价或考勤记录。请换一个周期或大厅；"
        "若刚导入数据，请确认导入的日期范围。",
        "No tickets, cases, evaluations or shifts in this period and scope. Choose another "
        "period or hall; after an import, check the dates it covered.",
    ),
    "empty.tickets": ("本周期没有取号记录。", "No tickets in this period."),
    "empty.waits": (
        "本周期没有已办理的取号，无法统计等候时间。",
        "No served tickets in this period, so there are no waits to show.",
    ),
    "col.date": ("日期", "Date"),
    "col.weekday": ("星期", "Weekday"),
    "col.hour": ("时段", "Hour"),
    "ov.trends": ("每日趋势", "Daily trends"),
    "ov.trend.volume": ("取号量与办理量", "Tickets issued and served"),
    "ov.trend.wait": ("等候时间（分钟）", "Waiting time (minutes)"),
    "ov.pattern": ("时段 × 星期", "Hour × weekday"),
    "ov.arrivals": ("平均每小时取号", "Mean tickets per hour"),
    "ov.per_hour": ("张/小时", "per hour"),
    "ov.heat.arrivals": ("取号量：每个时段平均取号数", "Arrivals: mean tickets issued per hour"),
    "ov.heat.wait": ("平均等候（分钟）", "Mean wait (minutes)"),
    "ov.distribution": ("等候时间分布", "Distribution of waits"),
    "ov.dist.title": (
        "等候达标率 {rate}（超过 {cap} 分钟的计入最后一栏）",
        "{rate} of waits within target (waits over {cap} min in the last bar)",
    ),
    "ov.dist.x": ("等候时间（分钟）", "Wait (minutes)"),
    "ov.dist.y": ("已办理取号数", "Served tickets"),
    "win.level": ("层级", "Level"),
    "win.level.hall": ("大厅", "Hall"),
    "win.level.department": ("部门", "Department"),
    "win.level.window": ("窗口", "Window"),
    "win.level.staff": ("工作人员", "Staff"),
    "win.rank_by": ("排名指标", "Rank by"),
    "win.rank": ("排名", "Rank"),
    "win.sample": ("样本", "Sample"),
    "win.too_small": ("样本不足", "too small"),
    "win.where": ("所属", "Where"),
    "win.open": ("下钻", "Drill down"),
    "win.open.text": ("查看 ›", "open ›"),
    "win.served_daily": ("每日办理量", "Served per day"),
    "win.wait_daily": ("每日平均等候", "Mean wait per day"),
    "win.help": (
        "点击表头排序；“查看”进入下一层级。按“{metric}”排名；办理量少于 {served} 件"
        "（评价类指标：评价少于 {evaluations} 条）的标为“样本不足”，不参与排名。",
        "Click a header to sort; “open” goes one level down. Ranked by {metric}; groups with "
        "fewer than {served} served tickets ({evaluations} evaluations for evaluation "
        "figures) are marked too small and not ranked.",
    ),
    "win.pick": ("打开窗口或人员详情", "Open the page of a window or staff member"),
    "win.go": ("打开详情", "Open"),
    "unit.hours": ("小时", "hours"),
    "wd.subject": ("窗口或工作人员", "Window or staff member"),
    "wd.window_option": ("窗口 {label}（{where}）", "Window {label} ({where})"),
    "wd.staff_option": ("{name}（{where}）", "{name} ({where})"),
    "wd.none": ("数据库里还没有窗口。", "The database has no windows yet."),
    "wd.empty": (
        "所选周期内这个窗口（人员）没有取号，也没有考勤记录。请换一个周期。",
        "No tickets and no shifts for this window (staff member) in the period. Choose "
        "another period.",
    ),
    "wd.hourly": (
        "各时段取号与办理（柱）和平均等候（线）",
        "Tickets by hour (bars), mean wait (line)",
    ),
    "wd.tickets": ("取号数", "Tickets"),
    "wd.utilization": (
        "在岗时长、办理时长（柱）与饱和度（线）",
        "Staffed and busy hours (bars), utilization (line)",
    ),
    "wd.dist.wait": (
        "等候时间分布（超过 {cap} 分钟计入最后一栏）",
        "Waits (over {cap} min in the last bar)",
    ),
    "wd.dist.service": (
        "办理时长分布（超过 {cap} 分钟计入最后一栏）",
        "Service times (over {cap} min in the last bar)",
    ),
    "wd.minutes": ("分钟", "Minutes"),
    "wd.tickets_title": ("取号明细", "Tickets"),
    "wd.page": ("页码", "Page"),
    "wd.paging": (
        "共 {total} 张，{pages} 页，每页 {rows} 张，按取号时间倒序。",
        "{total} tickets, {pages} pages of {rows}, newest first.",
    ),
    "wd.download": ("下载全部 {n} 张（CSV）", "Download all {n} (CSV)"),
    "wd.too_many": (
        "超过 {n} 张，请缩短周期后下载。",
        "More than {n} tickets: shorten the period to download.",
    ),
    "tk.no": ("票号", "Ticket"),
    "tk.id": ("流水号", "Ticket id"),
    "tk.queue": ("业务", "Queue"),
    "tk.window": ("窗口", "Window"),
    "tk.staff": ("工作人员", "Staff"),
    "tk.source": ("来源", "Source"),
    "tk.status": ("状态", "Status"),
    "tk.issued": ("取号时间", "Issued"),
    "tk.called": ("叫号时间", "Called"),
    "tk.finished": ("办结时间", "Finished"),
    "tk.wait": ("等候（分钟）", "Wait (min)"),
    "tk.service": ("办理（分钟）", "Service (min)"),
    "code.source.walk_in": ("现场取号", "walk-in"),
    "code.source.appointment": ("预约", "appointment"),
    "code.source.priority": ("绿色通道", "priority"),
    "code.status.waiting": ("等候中", "waiting"),
    "code.status.called": ("已叫号", "called"),
    "code.status.serving": ("办理中", "serving"),
    "code.status.served": ("已办理", "served"),
    "code.status.no_show": ("过号", "no-show"),
    "code.status.cancelled": ("未叫先走", "left before call"),
    "code.status.transferred": ("已转移", "transferred"),
    "code.channel.device": ("窗口评价器", "window device"),
    "code.channel.sms": ("短信", "SMS"),
    "code.channel.qr": ("扫码", "QR code"),
    "code.channel.app": ("App", "app"),
    "code.channel.web": ("网站", "web"),
    "code.channel.hotline": ("12345 热线", "12345 hotline"),
    "code.channel.window": ("窗口", "window"),
    "code.channel.online": ("网办", "online"),
    "code.channel.self_service": ("自助终端", "self-service"),
    "code.channel.proxy": ("帮办代办", "proxy"),
    "code.channel.mail": ("邮寄", "mail"),
    "code.case.in_progress": ("办理中", "in progress"),
    "code.case.suspended": ("中止", "suspended"),
    "code.case.completed": ("已办结", "completed"),
    "rating.1": ("非常不满意", "very dissatisfied"),
    "rating.2": ("不满意", "dissatisfied"),
    "rating.3": ("基本满意", "fairly satisfied"),
    "rating.4": ("满意", "satisfied"),
    "rating.5": ("非常满意", "very satisfied"),
    "ev.none": ("本周期没有评价。", "No evaluations in this period."),
    "ev.by_channel": ("各渠道评价等级占比", "Ratings by channel"),
    "ev.comments": ("最新留言", "Latest comments"),
    "ev.no_comments": ("本周期没有带留言的评价。", "No evaluations with a comment in this period."),
    "ev.at": ("评价时间", "Evaluated"),
    "ev.rating": ("评价", "Rating"),
    "ev.comment": ("留言", "Comment"),
    "cs.case": ("办件编号", "Case"),
    "cs.item": ("事项", "Item"),
    "cs.channel": ("渠道", "Channel"),
    "cs.status": ("状态", "Status"),
    "cs.accepted": ("受理时间", "Accepted"),
    "cs.due": ("承诺办结时限", "Due"),
    "cs.overdue_days": ("超期天数", "Days overdue"),
    "cs.ageing": ("超期时长", "Ageing"),
    "cs.band.1-3": ("1–3 天", "1–3 days"),
    "cs.band.4-7": ("4–7 天", "4–7 days"),
    "cs.band.8-30": ("8–30 天", "8–30 days"),
    "cs.band.30+": ("30 天以上", "over 30 days"),
    "cs.stock_note": (
        "超期未办结与临期预警是截至 {as_of} 仍未办结的全部办件（含本周期之前受理的），"
        "临期指在下一个工作日结束前到期。",
        "Overdue and due-soon count every case still open at {as_of} (accepted before the "
        "period too); due soon means due by the end of the next working day.",
    ),
    "cs.on_time": ("按时办结", "On-time completion"),
    "cs.by_dept": ("各部门按时办结率", "On-time completion by department"),
    "cs.by_item": (
        "按时办结率最低的事项（前 {n} 个，可滚动查看全部）",
        "Items with the lowest on-time rate (worst {n} first; scroll for all)",
    ),
    "cs.none_completed": ("本周期没有办结的办件。", "No cases completed in this period."),
    "cs.none_accepted": ("本周期没有受理的办件。", "No cases accepted in this period."),
    "cs.overdue": ("超期未办结清单（{n} 件）", "Overdue and open ({n})"),
    "cs.no_overdue": ("没有超期未办结的办件。", "No case is overdue."),
    "cs.ageing_title": ("超期时长分布", "How long overdue"),
    "cs.soon": ("临期预警清单（{n} 件）", "Due soon ({n})"),
    "cs.no_soon": ("没有临期的办件。", "No case is due soon."),
    "cs.download": ("下载清单（CSV）", "Download the list (CSV)"),
    "cs.channels": ("受理渠道、网办与容缺", "Channels, online share and tolerance"),
    "cs.channels_title": (
        "各渠道受理量（网办率 {online}，容缺受理 {tolerance} 件）",
        "Cases accepted by channel (online {online}, with tolerance {tolerance})",
    ),
    "ev.trend": ("好评率与非常满意率（每日）", "Satisfaction and very satisfied, daily"),
    "ev.bad_list": ("差评清单（{n} 条）", "Bad reviews ({n})"),
    "ev.bad_help": (
        "回访时限：评价后第 {revisit} 个工作日结束；整改时限：第 {rectify} 个工作日结束。"
        "状态按 {as_of} 判断，超期标红。",
        "Return call due by the end of working day {revisit} after the review, rectification "
        "by the end of working day {rectify}. Status as of {as_of}; overdue in red.",
    ),
    "ev.no_bad": ("本周期没有差评。", "No bad reviews in this period."),
    "ev.revisit_due": ("回访时限", "Call due"),
    "ev.revisited": ("回访时间", "Called"),
    "ev.revisit": ("回访", "Return call"),
    "ev.rectify_due": ("整改时限", "Rectify by"),
    "ev.rectified": ("整改完成", "Rectified"),
    "ev.rectify": ("整改", "Rectification"),
    "ev.note": ("整改说明", "Note"),
    "ev.st.on_time": ("按时完成", "on time"),
    "ev.st.late": ("逾期完成", "done late"),
    "ev.st.overdue": ("已超期", "OVERDUE"),
    "ev.st.pending": ("时限内待办", "pending"),
    "at.none": ("本周期没有考勤记录。", "No shifts in this period."),
    "at.no_shifts": ("本周期没有窗口打卡记录。", "No punched shifts at a window in this period."),
    "at.open_windows": ("在岗窗口数", "Windows open"),
    "at.waiting": ("等候人数", "People waiting"),
    "at.time": ("时刻", "Time"),
    "at.occupancy": (
        "各时刻在岗窗口与等候人数（本周期日均）",
        "Windows open and people waiting by time of day (mean per day)",
    ),
    "at.all_halls": (
        "未选择大厅：为全部大厅合计。选择一个大厅可看其本身的排班是否跟上客流。",
        "All halls added up: choose a hall to see whether its roster follows its own demand.",
    ),
    "at.staff": ("工作人员饱和度", "Utilization per staff member"),
    "at.exceptions": ("迟到与缺勤", "Lateness and absence"),
    "at.exceptions_help": (
        "迟到：上班打卡晚于排班开始 {grace} 分钟以上；缺勤：有排班、无打卡且未请假。",
        "Late: clocked in more than {grace} min after the rostered start; absent: rostered, "
        "no clock-in and no leave.",
    ),
    "at.no_exceptions": ("本周期没有迟到或缺勤。", "No lateness or absence in this period."),
    "at.shift": ("班次", "Shift"),
    "at.shift.regular": ("正常班", "regular"),
    "at.shift.extended": ("延时班", "extended"),
    "at.shift.weekend": ("周末班", "weekend"),
    "at.scheduled": ("排班开始", "Rostered start"),
    "at.clock_in": ("上班打卡", "Clocked in"),
    "at.kind": ("类型", "Kind"),
    "at.late": ("迟到", "late"),
    "at.absent": ("缺勤", "absent"),
    "at.late_min": ("迟到（分钟）", "Late (min)"),
    "q.intro": (
        "可能但不合理的记录，以及指向不存在记录的关联。它们照常导入；指标按规则处理"
        "（如叫号早于取号的不计等候时间）。示例编号可在源系统中核对。",
        "Rows that are possible but wrong, and links that point nowhere. They are imported; "
        "the metrics treat them by rule (a ticket called before it was issued has no wait). "
        "Look the example ids up in the source system.",
    ),
    "q.whole": ("检查全部数据", "Check all data"),
    "q.checks": ("检查项", "Checks"),
    "q.found": ("问题记录", "Rows found"),
    "q.clean": ("没有发现数据质量问题。", "No data-quality findings."),
    "q.finding": ("问题", "Finding"),
    "q.examples": ("示例编号", "Example ids"),
    "q.key": ("代码", "Code"),
    "q.how": (
        "命令行：hall quality [--from 日期 --to 日期] [--json]，结果与本页一致。",
        "Command line: hall quality [--from DATE --to DATE] [--json] gives the same findings.",
    ),
    "q.tickets_called_before_issued": ("叫号时间早于取号时间", "Called before issued"),
    "q.tickets_served_without_finish": ("已办理但无办结时间", "Served without a finish time"),
    "q.tickets_finished_before_called": ("办结时间早于叫号时间", "Finished before called"),
    "q.tickets_unknown_case": ("取号记录指向不存在的办件", "Ticket links to an unknown case"),
    "q.cases_unknown_item": ("办件的事项不存在", "Case of an unknown item"),
    "q.cases_unknown_ticket": ("办件指向不存在的取号记录", "Case links to an unknown ticket"),
    "q.cases_completed_without_time": ("已办结但无办结时间", "Completed without a time"),
    "q.cases_completed_before_accepted": ("办结时间早于受理时间", "Completed before accepted"),
    "q.evaluations_unknown_ticket": ("评价指向不存在的取号记录", "Evaluation of an unknown ticket"),
    "q.evaluations_unknown_case": ("评价指向不存在的办件", "Evaluation of an unknown case"),
    "q.attendance_without_punches": ("排班但无打卡且无请假", "Rostered, no punches, no leave"),
    "q.attendance_missing_clock_out": ("有上班打卡无下班打卡", "Clock-in without clock-out"),
    "q.attendance_clock_out_before_in": ("下班打卡早于上班打卡", "Clock-out before clock-in"),
    "code.window.comprehensive": ("综合窗口", "comprehensive window"),
    "code.window.dedicated": ("专窗", "dedicated window"),
    "code.window.consultation": ("咨询导办", "help desk"),
    "code.window.self_service": ("自助区", "self-service"),
    "win.where_paren": ("（{where}）", " ({where})"),
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
