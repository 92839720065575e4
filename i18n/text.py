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
    # sign-in, roles, kiosk links and the audit trail (dashboard/auth.py, pages/audit.py)
    "auth.title": ("登录厅脉", "Sign in to HallPulse"),
    "auth.login": ("用户名", "Login"),
    "auth.password": ("密码", "Password"),
    "auth.submit": ("登录", "Sign in"),
    "auth.missing": ("请输入用户名和密码。", "Enter your login and password."),
    "auth.first_run": (
        "首次启动：初始管理员账户 admin 的一次性密码已打印在运行 HallPulse 的终端里。"
        "首次登录后须设置新密码。",
        "First start: the one-time password of the first admin, admin, was printed in the "
        "terminal where HallPulse runs. You set a new password at the first sign-in.",
    ),
    "auth.sso": ("统一身份认证登录", "Sign in with single sign-on"),
    "auth.sso.intro": (
        "本系统通过单位的统一身份认证平台登录。",
        "This system signs you in through your organisation's identity platform.",
    ),
    "auth.sso.unknown": (
        "统一身份认证账户 {who} 在厅脉中没有对应的账户，请联系管理员开通。",
        "The single sign-on identity {who} has no HallPulse account: ask an admin to add one.",
    ),
    "auth.sso.other": ("换一个账户登录", "Sign in with another account"),
    "auth.sso.missing": (
        "统一身份认证尚未配置：请在 .streamlit/secrets.toml 中填写 [auth]（见 README）。",
        "Single sign-on is not configured: fill in [auth] in .streamlit/secrets.toml "
        "(see the README).",
    ),
    "auth.signed_in": ("已登录：{who}（{role}）", "Signed in: {who} ({role})"),
    "auth.sign_out": ("退出登录", "Sign out"),
    "auth.signed_out": ("已退出登录。", "You have signed out."),
    "auth.timed_out": (
        "超过 {minutes} 分钟未操作，已自动退出登录，请重新登录。",
        "Signed out after {minutes} minutes without activity: please sign in again.",
    ),
    "auth.gone": (
        "账户已不可用（{reason}），已退出登录。",
        "The account can no longer be used ({reason}): signed out.",
    ),
    "auth.change.title": ("设置新密码", "Set a new password"),
    "auth.change.intro": (
        "这是一次性密码，请先设置自己的新密码（至少 {n} 个字符）。",
        "This was a one-time password: set your own (at least {n} characters) first.",
    ),
    "auth.change.new": ("新密码", "New password"),
    "auth.change.again": ("再次输入新密码", "New password again"),
    "auth.change.submit": ("保存新密码", "Save the new password"),
    "auth.change.mismatch": ("两次输入的密码不一致。", "The two passwords differ."),
    "auth.change.short": (
        "密码太短：至少需要 {n} 个字符。",
        "Password too short: at least {n} characters.",
    ),
    "auth.change.done": ("新密码已保存。", "The new password is saved."),
    "auth.refused": (
        "无权访问此页面：{page}仅限{roles}使用。",
        "Not allowed: {page} is for {roles} only.",
    ),
    "auth.out_of_scope": (
        "无权查看大厅 {hall}。",
        "You may not see hall {hall}.",
    ),
    "auth.no_auth_banner": (
        "未启用登录：任何能访问本机的人都能查看全部数据。请在配置文件中开启登录。",
        'Sign-in is off ([access] auth = "none"): anyone who can reach this machine sees '
        "all data. Turn sign-in on in hallpulse.toml.",
    ),
    "auth.needs_sign_in": ("请先登录。", "Sign in first."),
    "auth.settings_error": ("登录设置有误：{error}", "The sign-in settings are wrong: {error}"),
    "kiosk.invalid": ("链接已失效", "This link is no longer valid"),
    "kiosk.invalid.note": (
        "请联系管理员获取新的大屏链接。",
        "Ask an administrator for a new screen link.",
    ),
    "nav.audit": ("审计日志", "Audit log"),
    "audit.title": ("审计日志", "Audit log"),
    "audit.intro": (
        "登录、登录失败、退出、页面访问（及所用权限范围）、下载、报表和各项变更，按时间倒序。",
        "Sign-ins, failed sign-ins, sign-outs, page views (with the scope used), downloads, "
        "reports and changes, newest first.",
    ),
    "audit.first": ("起始日期", "From"),
    "audit.last": ("截止日期", "Through"),
    "audit.who": ("用户", "User"),
    "audit.who.help": ("登录名，如 admin 或 kiosk:3", "A login, such as admin or kiosk:3"),
    "audit.action": ("操作", "Action"),
    "audit.action.all": ("全部操作", "All actions"),
    "audit.limit": ("最多显示条数", "Rows shown at most"),
    "audit.count": ("共 {n} 条", "{n} rows"),
    "audit.empty": ("该条件下没有审计记录。", "No audit rows for these filters."),
    "audit.col.at": ("时间", "Time"),
    "audit.col.who": ("用户", "User"),
    "audit.col.role": ("角色", "Role"),
    "audit.col.action": ("操作", "Action"),
    "audit.col.target": ("对象", "Target"),
    "audit.col.scope": ("权限范围", "Scope"),
    "audit.col.detail": ("详情", "Detail"),
    "audit.col.client": ("客户端", "Client"),
    "role.admin": ("管理员", "administrators"),
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
    "imp.personal": (
        "个人信息不保存：{columns}。厅脉的指标不需要群众的姓名、电话和证件号，这些列不写入数据库。",
        "Personal data is not stored: {columns}. No HallPulse figure needs citizens' names, "
        "phone or ID numbers, so these columns are never written to the database.",
    ),
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
        "已导入 {n} 行到“{table}”（新增 {new} 行，更新 {changed} 行，{same} 行与库中相同未重写）；"
        "错误行 {rejected} 行。",
        "Imported {n} rows into {table} ({new} new, {changed} updated, {same} unchanged and not "
        "written again); {rejected} rejected.",
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
    "data.sync": ("数据接入（hall sync）", "Feeds (hall sync)"),
    "data.sync.help": (
        "厂商数据库与收件文件夹的自动接入：最近一次成功、行数、最新一条源数据距今（滞后）与最近的错误。",
        "Vendor databases and inbox folders fed by `hall sync`: last success, rows, how old the "
        "newest source row is (lag) and the last error.",
    ),
    "data.sync.failing": (
        "{n} 个数据源接入失败，正在按退避间隔重试：见下表“最近错误”。",
        "{n} feed(s) failing and retried with back-off: see the last error below.",
    ),
    "sync.col.source": ("数据源", "Source"),
    "sync.col.kind": ("类型", "Kind"),
    "sync.col.table": ("目标表", "Table"),
    "sync.col.last_success": ("最近成功", "Last success"),
    "sync.col.rows_last": ("本轮行数", "Rows last round"),
    "sync.col.rows_total": ("累计新增", "New rows in all"),
    "sync.col.lag": ("最新源数据", "Newest source row"),
    "sync.col.failures": ("连续失败", "Failures"),
    "sync.col.next_try": ("下次重试", "Next try"),
    "sync.col.error": ("最近错误", "Last error"),
    "sync.kind.sql": ("数据库", "database"),
    "sync.kind.folder": ("文件夹", "folder"),
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
    "rep.scope": ("数据范围：{scope}", "Scope: {scope}"),
    "scope.all": ("全部数据（{who}）", "everything ({who})"),
    "scope.role.admin": ("管理员", "admin"),
    "scope.role.director": ("中心主任", "director"),
    "scope.role.manager": ("科室负责人", "department manager"),
    "scope.role.staff": ("窗口人员", "window staff"),
    "scope.role.viewer": ("只读查看", "viewer"),
    "scope.role.kiosk": ("大屏", "big screen"),
    "scope.halls": ("大厅 {ids}", "halls {ids}"),
    "scope.depts": ("科室 {ids}", "departments {ids}"),
    "scope.staff": ("本人 {id}", "own figures {id}"),
    "scope.no_names": ("不含人员姓名", "without staff names"),
    "scope.denied": (
        "无权查看：{what} 不在您的权限范围内（{scope}）。",
        "Not in your scope: {what} is outside what you may see ({scope}).",
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
        "按中国节假日与调休预测取号量（模型按本厅回测选择，80% 区间），按半小时用 Erlang A/C "
        "计算窗口数，并用排队仿真逐日校验。预测从数据库最后一张取号（{last}）的次日开始。",
        "Tickets forecast on China's calendar (the model chosen by the hall's own backtest, 80% "
        "intervals), windows per half-hour by Erlang A/C, every day checked by queue "
        "simulation. The forecast starts the day after the last ticket in the database ({last}).",
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
        "平均办理 {service:.1f} 分钟 · 耐心中位数 {patience} · 缺勤与休息折损 {shrinkage:.0%} · "
        "目标 {target:.0%} 在 {wait:g} 分钟内叫号 · 占用率上限 {cap:.0%} · 计算 {seconds:.1f} 秒",
        "Service {service:.1f} min on average · median patience {patience} · "
        "shrinkage {shrinkage:.0%} · target {target:.0%} called within {wait:g} min · "
        "occupancy cap {cap:.0%} · computed in {seconds:.1f} s",
    ),
    "fc.patience.none": ("未观测到（按 Erlang C）", "not observed (Erlang C)"),
    "fc.patience.min": ("{n:.0f} 分钟（Erlang A）", "{n:.0f} min (Erlang A)"),
    "fc.patience.median": ("{n:.0f} 分钟（Kaplan–Meier）", "{n:.0f} min (Kaplan–Meier)"),
    "fc.capacity": (
        "有 {n} 个半小时时段，某个窗口组的需求超过它现有的窗口（全厅 {windows} 个窗口，"
        "专窗之间不能互相支援）：这些时段该组无法达到目标，可考虑预约分流、延长服务时间、"
        "增设该类窗口或改为综合窗口。各组如下：",
        "{n} half-hours where a window group needs more windows than it has (the hall has "
        "{windows}; dedicated windows cannot help one another): that group cannot meet the "
        "target there; consider appointments, longer hours, more such windows or comprehensive "
        "ones. Per group:",
    ),
    "fc.demand": ("每日取号量预测", "Daily tickets forecast"),
    "fc.model": (
        "预测模型按本序列的滚动回测选择：{summary}。",
        "Model chosen by this series' rolling backtest: {summary}.",
    ),
    "fc.col.method": ("方法", "Method"),
    "fc.rev": ("计划与实际", "Plan vs actual"),
    "fc.roster": ("延时服务排班方案", "Extended-hours roster proposal"),
    "fc.roster.help": (
        "按延时时段所需人数，从本厅前台人员中轮换安排：近八周延时工时少者优先，避开请假，"
        "每周工时不超过 44 小时（午间错峰就餐不计加班）。",
        "People for each extended block from the hall's front-desk staff: the fewest extended "
        "hours over the last eight weeks first, leave respected, at most 44 hours a week "
        "(a staggered lunch adds none).",
    ),
    "fc.roster.people": ("所需人数", "People"),
    "fc.roster.assigned": ("建议人员", "Proposed"),
    "fc.roster.short": ("缺口", "Short"),
    "fc.roster.sl_plan": ("服务水平（方案）", "Service level (proposal)"),
    "fc.groups": ("按窗口组所需窗口（综合窗口与各专窗）", "Windows needed per window group"),
    "fc.groups.help": (
        "按近四周各窗口实际办理的业务分组（括号内为该组现有窗口数），各组单独按校准后的模型"
        "（各业务的实际办理时长、Kaplan–Meier 耐心）计算，不超过该组现有窗口："
        "专窗之间不能互相支援。",
        "Windows grouped by the queues they served in the last four weeks (in brackets: the "
        "windows the group has); each group sized on its own with the calibrated model (each "
        "queue's handling minutes, Kaplan–Meier patience), never beyond the windows it has, "
        "since dedicated windows cannot help one another.",
    ),
    "fc.trade": (
        "工时与服务水平的取舍（延时时段）",
        "Staff-hours against service level (extended hours)",
    ),
    "fc.trade.help": (
        "每个延时半小时、每个有需求的窗口组比建议多开或少开窗口（不超过该组现有窗口）时，"
        "所需工时与预计服务水平；菱形为现有排班（按以往实际开窗比例）。",
        "One window more or fewer than recommended for every window group with demand in every "
        "extended half-hour (never beyond the windows a group has): the staff-hours and the "
        "expected service level; the diamond is today's roster (as much of it as was really "
        "open in the past weeks).",
    ),
    "fc.trade.delta": ("{d:+d} 窗口", "{d:+d} window"),
    "fc.trade.plan": ("建议 ± 窗口", "Plan ± windows"),
    "fc.trade.roster": ("现有排班", "Today's roster"),
    "fc.trade.hours": ("延时服务工时", "Extended-hours staff-hours"),
    "fc.rev.help": (
        "选定的过去一周：按实际取号和实际开放窗口（由叫号记录得出），模型预测的服务水平与实际观测对比；"
        "并按实际取号量标出人手不足或富余的半小时。",
        "A past week: the service level the model predicts from the actual tickets and the "
        "windows actually open (from the calls), next to what was observed; and the half-hours "
        "that were under- or over-staffed for the tickets that came.",
    ),
    "fc.rev.none": ("没有可回看的过去周。", "No past week to review."),
    "fc.rev.week": ("回看周", "Week"),
    "fc.rev.week.value": ("{first} 起一周", "week of {first}"),
    "fc.rev.agree": ("预测与实际相差 ±5 个百分点以内", "Predicted within ±5 points"),
    "fc.rev.observed_sl": ("实际服务水平", "Observed service level"),
    "fc.rev.under": ("人手不足的半小时", "Half-hours under-staffed"),
    "fc.rev.over": ("人手富余的半小时", "Half-hours over-staffed"),
    "fc.rev.facts": (
        "{n} 个有窗口开放的半小时；预测与实际平均相差 {gap:.1f} 个百分点；"
        "每件平均占用窗口 {service:.1f} 分钟；耐心（Kaplan–Meier 中位数）{patience}。",
        "{n} staffed half-hours; predicted and observed differ by {gap:.1f} points on average; "
        "{service:.1f} window-minutes per ticket; patience (Kaplan–Meier median) {patience}.",
    ),
    "fc.rev.plan": (
        "排班计划所用模型（按此前四周校准）在本周实际排班和实际取号下预测服务水平 {predicted:.1%}，"
        "实际 {observed:.1%}（相差 {gap:+.1f} 个百分点）；平均等候预测 {pwait:.1f} 分钟，"
        "实际 {owait:.1f} 分钟。",
        "The plan's model (calibrated on the four weeks before), given this week's actual roster "
        "and tickets, expected a service level of {predicted:.1%} against {observed:.1%} "
        "observed ({gap:+.1f} points); mean wait {pwait:.1f} against {owait:.1f} min.",
    ),
    "fc.short.group": ("窗口组", "Window group"),
    "fc.short.windows": ("现有窗口", "Windows it has"),
    "fc.short.half_hours": ("不足的半小时", "Half-hours short"),
    "fc.short.wanted": ("目标最多需要", "Most the target wants"),
    "fc.rev.patience_long": (
        "超过观测到的等候（很少有人放弃）",
        "longer than the waits seen (few give up)",
    ),
    "fc.rev.predicted": ("模型预测", "Model"),
    "fc.rev.observed": ("实际", "Observed"),
    "fc.rev.sl": ("目标时间内叫号比例", "Called within target"),
    "fc.rev.col.arrivals": ("实际取号", "Tickets"),
    "fc.rev.col.open": ("开放窗口", "Windows open"),
    "fc.rev.col.needed": ("所需窗口", "Windows needed"),
    "fc.rev.col.observed": ("实际服务水平", "Observed"),
    "fc.rev.col.predicted": ("模型服务水平", "Model"),
    "fc.rev.col.wait": ("实际平均等候（分钟）", "Mean wait (min)"),
    "fc.col.points": ("回测天数", "Days scored"),
    "fc.col.mae": ("平均绝对误差", "MAE"),
    "fc.col.relative": ("相对上周同日", "vs same weekday last week"),
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
    "kpi.trend": ("{label}：逐日走势", "{label}: day by day"),
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
        "考勤按当前时刻判断：排班结束后仍无打卡、当天结束后仍无下班打卡才计入。"
        "命令行：hall quality [--from 日期 --to 日期] [--as-of 时刻] [--json]，结果与本页一致。",
        "Punches are judged as they stand now: a shift without any punch once it has ended, a "
        "missing clock-out once its day is over. Command line: hall quality [--from DATE "
        "--to DATE] [--as-of MOMENT] [--json] gives the same findings.",
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
    # alerts (预警推送): the record of what `hall alerts run` sent
    "nav.alerts": ("预警记录", "Alerts"),
    "al.intro": (
        "`hall alerts run` 按 hallpulse.toml 的 [alerts] 规则检查实时数据，"
        "把新出现的预警推送到钉钉、企业微信或邮件；每条推送（成功、失败或因限流未发）都记录在此。"
        "同一情况只推送一次，恢复后再次出现才会再推送。",
        "`hall alerts run` checks the live data against the [alerts] rules of hallpulse.toml "
        "and pushes each new alert to DingTalk, WeCom or e-mail; every message (sent, failed or "
        "held back by a rate limit) is listed here. A condition is pushed once, and again only "
        "after it has cleared.",
    ),
    "al.range": ("触发日期", "Fired between"),
    "al.status": ("状态", "Status"),
    "al.all_status": ("全部状态", "All statuses"),
    "al.rule": ("规则", "Rule"),
    "al.all_rules": ("全部规则", "All rules"),
    "al.none": (
        "所选范围内没有预警记录。配置 [alerts] 规则并运行 `hall alerts run` 后，"
        "推送记录会出现在这里。",
        "No alerts in this range. Once [alerts] rules are set and `hall alerts run` runs, "
        "its messages appear here.",
    ),
    "al.total": ("预警条数", "Alerts"),
    "al.sent": ("已推送", "Sent"),
    "al.failed": ("推送失败", "Failed"),
    "al.rate_limited": ("限流未发", "Rate-limited"),
    "al.fired_at": ("触发时间", "Fired at"),
    "al.kind": ("类型", "Kind"),
    "al.target": ("对象", "Target"),
    "al.value": ("数值", "Value"),
    "al.threshold": ("阈值", "Threshold"),
    "al.title": ("内容", "Message"),
    "al.channel": ("推送渠道", "Channel"),
    "al.error": ("错误", "Error"),
    "al.cleared_at": ("恢复时间", "Cleared at"),
    "al.link": ("链接", "Link"),
    "al.network": ("全网", "Network"),
    "al.status.sent": ("已推送", "sent"),
    "al.status.failed": ("失败", "failed"),
    "al.status.rate_limited": ("限流未发", "rate-limited"),
    "al.status.pending": ("发送中", "sending"),
    "al.status.retried": ("失败（已重试）", "failed, retried"),
    "al.kind.queue_wait": ("排队超时", "Long wait"),
    "al.kind.queue_length": ("排队人数", "Long queue"),
    "al.kind.window_idle": ("窗口空闲", "Idle window"),
    "al.kind.bad_review": ("差评", "Bad review"),
    "al.kind.case_due": ("办件今日到期", "Cases due today"),
    "al.kind.feed_stale": ("数据中断", "Stale feed"),
    # --- issue 17: 延时办, the 15-minute service circle (network page), public waits (/public)
    "ov.after_close": ("延时办：闭厅后仍在办理", "Served past closing (延时办)"),
    "ov.after_close.note": (
        "闭厅时间 = 当天所依服务时段（含延时服务）中最后一段的结束时间；"
        "叫号晚于闭厅时间的已办理号计入“闭厅后办理”，平均延时为有此类号的各厅日"
        "最后一位办结时间与闭厅时间之差的平均。",
        "Closing time = the end of the day's last service interval (extended hours included); "
        "served tickets called later count as served after closing, and the mean overrun is "
        "the mean, over the hall-days that had any, of the last finish minus closing time.",
    ),
    "fc.after_close": ("延时办：闭厅后仍在办理", "Served past closing"),
    "fc.after_close.days": ("闭厅后办理天数 / 有办理天数", "Days past closing / days served"),
    "fc.after_close.habit": (
        "该厅近期 {of} 个办理日中有 {days} 天在闭厅后仍在叫号办理，平均超出 {minutes:.0f} 分钟："
        "最后一个服务时段的人手或时长可能不足，排班应考虑实际闭厅时间。",
        "This hall called tickets after closing on {days} of its last {of} days served, "
        "{minutes:.0f} min past closing on average: its last slot is short of people or of "
        "time, and the plan should count the hours it really keeps.",
    ),
    "fc.after_close.help": (
        "{first} 至 {last}：叫号晚于当天最后服务时段结束时间的已办理号。",
        "{first} to {last}: served tickets called after the end of the day's last service "
        "interval.",
    ),
    "nav.network": ("15分钟服务圈", "15-minute service circle"),
    "level.unknown": ("未标注层级", "level not given"),
    "net.intro": (
        "区—街道—社区三级网络：各级承接的取号与办件、下沉率、按树逐级汇总的等候与好评，"
        "同级比较，以及各级办理的事项。",
        "The district–street–community network: what each level carries, the share below the "
        "district, waits and satisfaction rolled up the tree, peers compared, and which items "
        "each level handles.",
    ),
    "net.no_halls": ("权限范围内没有服务大厅。", "No halls in your scope."),
    "net.min": ("{n:.1f} 分钟", "{n:.1f} min"),
    "net.sink": ("下沉率（取号+办件）", "Share below district"),
    "net.sink.help": (
        "街道和社区两级承接的取号量与受理办件量之和 ÷ 全网（权限范围内）之和。",
        "Tickets issued plus cases accepted at street and community halls, divided by the "
        "same for every hall in view.",
    ),
    "net.sink.tickets": ("下沉率 · 取号", "Below district · tickets"),
    "net.sink.cases": ("下沉率 · 办件", "Below district · cases"),
    "net.halls": ("大厅数（区+街道+社区）", "Halls by level"),
    "net.levels": ("各级承接量", "What each level carries"),
    "net.levels.chart": ("各级占比", "Share by level"),
    "net.tree": ("服务网络", "The network"),
    "net.tree.help": (
        "每个大厅一行，按上下级缩进；“本级及下辖”列为本厅与其下所有站点之和，平均等候与"
        "好评率按下辖合计重新计算。",
        "One row per hall, indented under its parent; the subtree columns sum the hall and "
        "every station below it, and its mean wait and satisfaction are recomputed from those "
        "sums.",
    ),
    "net.tree.chart": ("取号量（按层级展开）", "Tickets, level by level"),
    "net.peers": ("同级比较", "Halls of the same level"),
    "net.peers.help": (
        "各厅本身的数字（不含下辖站点），与同级合计相比：等候差值为分钟，好评差值为百分点。",
        "Each hall's own figures (stations below not included) against its level's: the wait "
        "difference in minutes, satisfaction in percentage points.",
    ),
    "net.items": ("各级办理的事项", "Items each level handles"),
    "net.items.help": (
        "按受理办件及关联办件的已办理取号统计。区级仍承接至少 {share}、而已有街道或社区办理"
        "的事项，可考虑进一步下沉。",
        "From cases accepted and served tickets linked to a case. An item the district still "
        "carries {share} or more of, while a street or community hall already handles it, "
        "could move closer to residents.",
    ),
    "net.items.none": ("本期没有办件。", "No cases in this period."),
    "net.items.movable": ("可考虑下沉：{items}", "Could move closer: {items}"),
    "net.movable.yes": ("可下沉", "could move"),
    "net.col.level": ("层级", "Level"),
    "net.col.halls": ("大厅数", "Halls"),
    "net.col.hall": ("大厅", "Hall"),
    "net.col.issued": ("取号量", "Tickets"),
    "net.col.ticket_share": ("取号占比", "Share of tickets"),
    "net.col.accepted": ("受理办件", "Cases"),
    "net.col.case_share": ("办件占比", "Share of cases"),
    "net.col.demand_share": ("合计占比", "Share of demand"),
    "net.col.wait": ("平均等候（分钟）", "Mean wait (min)"),
    "net.col.satisfaction": ("好评率", "Satisfaction"),
    "net.col.stations": ("站点数", "Stations"),
    "net.col.issued_tree": ("取号（本级及下辖）", "Tickets (subtree)"),
    "net.col.issued_own": ("取号（本厅）", "Tickets (own)"),
    "net.col.served": ("办理（本级及下辖）", "Served (subtree)"),
    "net.col.accepted_tree": ("办件（本级及下辖）", "Cases (subtree)"),
    "net.col.share_of_level": ("占同级取号", "Share of level"),
    "net.col.wait_vs": ("等候 vs 同级（分钟）", "Wait vs level (min)"),
    "net.col.satisfaction_vs": ("好评 vs 同级（百分点）", "Satisfaction vs level (pp)"),
    "net.col.item": ("事项", "Item"),
    "net.col.cases": ("办件", "cases"),
    "net.col.tickets": ("取号", "tickets"),
    "net.col.lower_share": ("街道社区占比", "Share below district"),
    "net.col.halls_lower": ("办理的街道社区数", "Street/community halls"),
    "net.col.movable": ("建议", "Suggestion"),
    "pub.title": ("政务服务网点 · 实时等候", "Service halls · waiting now"),
    "pub.open": ("办理中", "Open"),
    "pub.closed": ("已闭厅", "Closed"),
    "pub.people": ("{n} 人", "{n}"),
    "pub.waiting_total": ("共 {n} 人等候", "{n} waiting"),
    "pub.col.queue": ("业务", "Service"),
    "pub.col.waiting": ("等候", "Waiting"),
    "pub.col.expected": ("预计等候", "Expected wait"),
    "pub.wait.none": ("随到随办", "no wait"),
    "pub.wait.min": ("约 {n} 分钟", "about {n} min"),
    "pub.wait.unknown": ("暂无估计", "no estimate"),
    "pub.no_queues": ("暂无排队业务。", "No queues."),
    "pub.unavailable": ("等候信息暂不可用。", "Waiting times are not available right now."),
    "pub.updated": ("更新于 {time}（每分钟自动刷新）", "Updated {time} (refreshes every minute)"),
    "pub.definition": (
        "预计等候 = 等候人数 ÷ 该业务近 {minutes} 分钟每分钟叫号数；近 {minutes} 分钟未叫号时"
        "暂无估计。仅供参考，以现场叫号为准。",
        "Expected wait = people waiting ÷ the service's calls per minute over the last "
        "{minutes} minutes; no estimate when nobody was called in that time. A guide only: "
        "the hall's calls decide.",
    ),
    # --- end of issue 17 block ---
    # --- hardening: URL parameters checked, an unreachable database (widgets, big_screen) ---
    "url.unknown": (
        "链接参数无效：{what} 不存在。请从页面上的选择框重新选择。",
        "Invalid link: {what} does not exist. Pick it again from the page's controls.",
    ),
    "url.ignored": (
        "链接参数 {what} 无效，已忽略。",
        "The link's {what} is not valid and was ignored.",
    ),
    "url.dates": (
        "链接中的日期 {what} 无效或超出范围（可查 {first} 至 {last}），已调整，见下方日期。",
        "The link's dates {what} are invalid or out of range ({first} to {last}); they were "
        "adjusted, see the dates below.",
    ),
    "db.down": (
        "数据库连接中断，正在自动重试。",
        "The database is unreachable; retrying automatically.",
    ),
    "db.down.stale": (
        "数据库连接中断：以下为 {at} 的数据，可能已过时。正在自动重试。",
        "The database is unreachable: the figures below are from {at} and may be stale. "
        "Retrying automatically.",
    ),
    "db.down.screen": ("数据库连接中断", "Database connection lost"),
    "db.down.screen_at": ("显示 {at} 的数据", "showing figures of {at}"),
    # hostile and broken files on the 数据导入 page (issue 16)
    "imp.notes": ("文件说明：{notes}", "About the file: {notes}"),
    "imp.cases_completed": (
        "状态为“已办结”的办件必须有办结时间（completed_at）：缺少办结时间的行会被拒绝，"
        "勾选“跳过错误行”时写入错误行文件，不会被当作未办结计入超期。",
        "A case whose status is completed needs its completion time (completed_at): a row "
        "without it is rejected (with skip bad rows, it goes to the rejected rows file) instead "
        "of being counted as open and overdue.",
    ),
    # --- 一件事一次办 (issue 17): the packages section of 办件时效 and of the weekly report ---
    "pk.title": ("一件事一次办", "One application, several items (一件事一次办)"),
    "pk.caption": (
        "一件事：同一申请人的多个事项作为一次申请（申请编号）一并受理、一次跑动；申请在其最后一个"
        "办件办结时办结（退件、不予受理、撤回的办件不计）。按时：最后办结不晚于各办件中最晚的"
        "承诺时限；一次办：每个办件跑动次数均不超过 1。",
        "A package (一件事) files several items of one applicant as one application, accepted "
        "together in one trip; the application is done when its last case is (returned, "
        "rejected and withdrawn cases left out). On time: its last completion no later than "
        "the latest deadline of its cases; one trip: no case needed more than one visit.",
    ),
    "pk.none": ("本周期没有一件事申请。", "No package applications in this period."),
    "pk.package": ("一件事", "Package"),
    "pk.applications": ("受理申请", "Applications"),
    "pk.cases": ("办件数", "Cases"),
    "pk.completed": ("办结申请", "Completed"),
    "pk.on_time": ("按时办结率", "On time"),
    "pk.one_visit": ("一次办实现率", "One trip"),
    "pk.slowest_days": ("最慢办件（天）", "Slowest case (days)"),
    "pk.slowest_item": ("最慢事项", "Slowest item"),
    "pk.slowest_case": ("最慢办件编号", "Slowest case"),
    "pk.slowest": (
        "最慢的一件事：{name}，其最慢办件（{item}，{case}）从受理到办结用了 {days} 天。",
        "Slowest package: {name}; its slowest case ({item}, {case}) took {days} days from "
        "acceptance to completion.",
    ),
    "pk.download": ("下载一件事明细（CSV）", "Download the packages (CSV)"),
    "pk.sheet": ("一件事", "Packages"),
    "table.bundles": ("一件事", "bundles"),
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


def scope_text(scope, lang: str = DEFAULT_LANG) -> str:
    """Whose figures a report holds, for its cover: "全部数据（cli:ops）", or the role, halls,
    department, staff member and whether names are left out."""
    if scope.hall_ids is None and scope.dept_ids is None and scope.staff_id is None:
        out = t("scope.all", lang, who=scope.who)
    else:
        role_key = f"scope.role.{scope.role}"
        try:
            role = t(role_key, lang)
        except KeyError:
            role = scope.role
        parts = [f"{scope.who} · {role}"]
        if scope.hall_ids is not None:
            parts.append(t("scope.halls", lang, ids=", ".join(sorted(scope.hall_ids)) or "—"))
        if scope.dept_ids is not None:
            parts.append(t("scope.depts", lang, ids=", ".join(sorted(scope.dept_ids)) or "—"))
        if scope.staff_id is not None:
            parts.append(t("scope.staff", lang, id=scope.staff_id or "—"))
        out = "；".join(parts) if lang == "zh" else "; ".join(parts)
    if not scope.names_visible:
        out += ("；" if lang == "zh" else "; ") + t("scope.no_names", lang)
    return out


# hardening: text from a URL (or any outsider) shown through Markdown
_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:=&\"'")


def plain(value: object) -> str:
    """`value` as literal text inside Markdown (st.error, st.info, st.caption …): every
    character Markdown or Streamlit would interpret — links, images, emphasis, HTML, icons,
    colours — is backslash-escaped and line breaks become spaces, so a crafted
    `?hall=[x](http://…) ![](http://…/qr.png)` shows as the characters it is."""
    text = " ".join(str(value).split())
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in text)
