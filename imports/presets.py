"""Built-in presets: the column headers and values that halls' vendor exports use.

Queue systems (取号叫号), approval systems (审批/办件), the 好差评 platform and DingTalk attendance
export spreadsheets with Chinese headers. A header is matched after normalisation (spaces,
brackets and their contents, case removed), first by the contract name itself, then by these
synonyms. Values of enumerations are recognised by their contract code, their Chinese and
English labels (from the schema) and the synonyms below.
"""

from __future__ import annotations

from queries.schema import ENUMS

# Synonyms apply to a column name in every table that has it, unless a table overrides it.
COMMON_HEADERS: dict[str, tuple[str, ...]] = {
    "hall_id": (
        "大厅编号",
        "大厅id",
        "大厅编码",
        "中心编号",
        "中心编码",
        "服务中心编号",
        "网点编号",
        "大厅",
        "服务大厅",
        "所属大厅",
        "办事大厅",
        "hall",
    ),
    "dept_id": (
        "部门编号",
        "部门编码",
        "部门id",
        "部门",
        "进驻部门",
        "所属部门",
        "承办部门",
        "department",
    ),
    "window_id": ("窗口编号", "窗口id", "窗口号", "窗口", "受理窗口", "办理窗口", "window"),
    "staff_id": (
        "工号",
        "人员编号",
        "员工编号",
        "工作人员工号",
        "人员",
        "工作人员",
        "受理人",
        "办理人",
        "员工",
        "staff",
    ),
    "item_id": ("事项编码", "事项编号", "事项id", "事项", "事项名称", "办理事项", "item"),
    "queue_id": ("业务类型编号", "队列编号", "业务类型", "队列", "排队业务", "取号业务", "queue"),
    "ticket_id": ("取号流水号", "取号记录号", "排队流水号", "票号id", "排队记录id"),
    "case_id": ("办件编号", "办件号", "业务流水号", "申报号", "受理编号", "案卷号", "办件id"),
    "name": ("名称",),
    # 一件事一次办 (issue 17): a package by its code or its name (names resolve to ids)
    "bundle_id": (
        "一件事编码",
        "一件事编号",
        "套餐编码",
        "套餐编号",
        "主题事项编码",
        "一件事名称",
        "套餐名称",
        "主题事项",
        "主题事项名称",
        "一件事",
        "集成套餐",
        "bundle",
    ),
}

HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "halls": {
        "hall_id": ("大厅编号", "大厅编码", "中心编号", "中心编码", "网点编号", "编号", "编码"),
        "name": ("大厅名称", "中心名称", "网点名称", "名称"),
        "level": ("层级", "级别", "大厅层级"),
        "parent_hall_id": ("上级大厅", "上级中心", "上级编号", "上级大厅编号"),
        "timezone": ("时区",),
    },
    "departments": {
        "dept_id": ("部门编号", "部门编码", "编号", "编码"),
        "name": ("部门名称", "部门", "名称"),
    },
    "windows": {
        "window_id": ("窗口编号", "窗口id", "编号"),
        "label": ("窗口号", "窗口名称", "窗口标签", "窗口"),
        "kind": ("窗口类型", "类型"),
    },
    "staff": {
        "staff_id": ("工号", "人员编号", "员工编号", "编号", "userid", "用户id"),
        "name": ("姓名", "人员姓名", "员工姓名", "名字"),
        "role": ("岗位", "角色", "岗位类型"),
    },
    "items": {
        "item_id": ("事项编码", "事项编号", "实施编码", "编码", "编号"),
        "name": ("事项名称", "名称"),
        "theme": ("主题", "事项主题", "主题分类", "类别"),
        "kind": ("事项类型", "办件类型", "类型"),
        "promised_workdays": ("承诺时限", "承诺时限(工作日)", "承诺办结时限", "承诺时限工作日"),
        "legal_workdays": ("法定时限", "法定时限(工作日)", "法定办结时限"),
    },
    "queues": {
        "queue_id": ("业务类型编号", "队列编号", "编号"),
        "name": ("业务类型", "业务名称", "队列名称", "名称"),
        "prefix": ("号码前缀", "前缀", "字母"),
    },
    "service_hours": {
        "weekday": ("星期", "周几", "星期几"),
        "start": ("开始时间", "开始", "起始时间"),
        "end": ("结束时间", "结束", "截止时间"),
        "kind": ("时段类型", "类型"),
        "valid_from": ("生效日期", "起始日期", "开始日期"),
        "valid_to": ("失效日期", "截止日期", "结束日期"),
    },
    "calendar": {
        "date": ("日期",),
        "is_workday": ("是否工作日", "工作日", "上班", "类型"),
        "name": ("名称", "节日", "节假日名称", "备注"),
    },
    "tickets": {
        "ticket_no": ("票号", "排队号", "号码", "取号号码", "排队号码"),
        "issued_at": ("取号时间", "取票时间", "排队时间", "领号时间"),
        "called_at": ("叫号时间", "呼叫时间", "首次叫号时间"),
        "finished_at": ("办结时间", "结束时间", "完成时间", "办理结束时间"),
        "status": ("状态", "票号状态", "办理状态", "叫号状态"),
        "source": ("取号方式", "来源", "取号渠道", "取号类型"),
        "appointment_start": ("预约时间", "预约时段", "预约开始时间"),
        "case_id": ("办件编号", "办件号", "申报号", "业务流水号"),
    },
    "cases": {
        "channel": ("申报渠道", "受理渠道", "办理渠道", "渠道", "申报方式"),
        "applicant_kind": ("申请人类型", "申请对象", "服务对象"),
        "accepted_at": ("受理时间", "申报时间", "收件时间"),
        "due_at": ("承诺办结时间", "承诺办结日期", "办结时限", "应办结时间"),
        "completed_at": ("办结时间", "实际办结时间", "完成时间"),
        "status": ("办件状态", "状态", "办理状态"),
        "visits": ("跑动次数", "到现场次数", "跑腿次数"),
        "tolerance": ("容缺受理", "是否容缺", "容缺"),
        "suspended_workdays": ("中止天数", "特别程序天数", "暂停工作日", "特别程序时限"),
        "ticket_id": ("取号流水号", "排队流水号"),
        "application_id": (
            "申请编号",
            "一件事申请编号",
            "申请号",
            "一件事办件编号",
            "联办编号",
            "套餐申请编号",
            "application",
        ),
    },
    "bundles": {
        "bundle_id": (
            "一件事编码",
            "一件事编号",
            "套餐编码",
            "套餐编号",
            "主题事项编码",
            "编码",
            "编号",
        ),
        "name": ("一件事名称", "套餐名称", "主题事项", "主题事项名称", "一件事", "名称"),
        "dept_id": ("牵头部门", "牵头部门编号", "主办部门"),
    },
    "evaluations": {
        "eval_id": ("评价编号", "评价id", "评价流水号", "评价号"),
        "evaluated_at": ("评价时间", "评价日期"),
        "rating": ("评价等级", "评价结果", "满意度", "评分", "评价"),
        "channel": ("评价渠道", "渠道", "评价方式", "评价来源"),
        "is_default": ("是否默认好评", "默认评价", "系统默认", "是否默认"),
        "comment": ("评价内容", "评价意见", "意见", "留言", "备注"),
        "revisited_at": ("回访时间", "核实时间"),
        "rectified_at": ("整改时间", "整改完成时间"),
        "rectification_note": ("整改情况", "整改说明", "整改措施", "处理结果"),
    },
    "attendance": {
        "work_date": ("考勤日期", "日期", "工作日期"),
        "shift_kind": ("班次", "班次类型", "班别"),
        "scheduled_start": ("上班时间", "应上班时间", "计划上班时间"),
        "scheduled_end": ("下班时间", "应下班时间", "计划下班时间"),
        "clock_in": ("上班打卡时间", "签到时间", "打卡时间", "上班打卡"),
        "clock_out": ("下班打卡时间", "签退时间", "下班打卡"),
        "leave": ("请假类型", "假别", "请假", "休假类型"),
    },
}

# Value synonyms per (table, column), beyond codes and the schema's labels.
VALUES: dict[tuple[str, str], dict[str, str]] = {
    ("tickets", "status"): {
        "等待": "waiting",
        "等候": "waiting",
        "待叫号": "waiting",
        "未叫号": "waiting",
        "叫号中": "called",
        "已呼叫": "called",
        "正在办理": "serving",
        "办理中": "serving",
        "已完成": "served",
        "完成": "served",
        "已办结": "served",
        "办结": "served",
        "已处理": "served",
        "已评价": "served",
        "弃号": "no_show",
        "过号": "no_show",
        "已过号": "no_show",
        "取消": "cancelled",
        "离开": "cancelled",
        "已离开": "cancelled",
        "未叫号离开": "cancelled",
        "转移": "transferred",
        "转办": "transferred",
        "已转移": "transferred",
    },
    ("tickets", "source"): {
        "现场": "walk_in",
        "现场取号": "walk_in",
        "自助取号": "walk_in",
        "普通": "walk_in",
        "预约": "appointment",
        "预约取号": "appointment",
        "网上预约": "appointment",
        "线上预约": "appointment",
        "优先": "priority",
        "绿色通道": "priority",
        "vip": "priority",
        "特殊群体": "priority",
    },
    ("cases", "channel"): {
        "窗口": "window",
        "窗口受理": "window",
        "现场": "window",
        "线下": "window",
        "网上": "online",
        "网办": "online",
        "网上办理": "online",
        "一网通办": "online",
        "线上": "online",
        "app": "online",
        "掌上办": "online",
        "自助": "self_service",
        "自助终端": "self_service",
        "自助机": "self_service",
        "代办": "proxy",
        "帮办": "proxy",
        "帮办代办": "proxy",
        "邮寄": "mail",
        "快递": "mail",
    },
    ("cases", "status"): {
        "在办": "in_progress",
        "办理中": "in_progress",
        "受理": "in_progress",
        "已受理": "in_progress",
        "审核中": "in_progress",
        "办结": "completed",
        "已办结": "completed",
        "完成": "completed",
        "已完成": "completed",
        "准予许可": "completed",
        "退回": "returned",
        "退件": "returned",
        "补正": "returned",
        "不予受理": "rejected",
        "不予许可": "rejected",
        "拒绝": "rejected",
        "中止": "suspended",
        "暂停": "suspended",
        "挂起": "suspended",
        "撤回": "withdrawn",
        "撤件": "withdrawn",
        "撤销": "withdrawn",
    },
    ("cases", "applicant_kind"): {
        "个人": "person",
        "自然人": "person",
        "企业": "enterprise",
        "法人": "enterprise",
        "单位": "enterprise",
    },
    ("evaluations", "rating"): {
        "非常满意": "5",
        "满意": "4",
        "基本满意": "3",
        "不满意": "2",
        "非常不满意": "1",
        "五星": "5",
        "四星": "4",
        "三星": "3",
        "二星": "2",
        "两星": "2",
        "一星": "1",
        "5星": "5",
        "4星": "4",
        "3星": "3",
        "2星": "2",
        "1星": "1",
    },
    ("evaluations", "channel"): {
        "评价器": "device",
        "窗口评价器": "device",
        "现场评价": "device",
        "平板": "device",
        "短信": "sms",
        "二维码": "qr",
        "扫码": "qr",
        "扫码评价": "qr",
        "移动端": "app",
        "手机": "app",
        "小程序": "app",
        "网站": "web",
        "pc": "web",
        "政务网": "web",
        "12345": "hotline",
        "热线": "hotline",
        "12345热线": "hotline",
    },
    ("attendance", "shift_kind"): {
        "正常班": "regular",
        "白班": "regular",
        "常规": "regular",
        "日常班": "regular",
        "延时": "extended",
        "延时班": "extended",
        "晚班": "extended",
        "延时服务": "extended",
        "周末": "weekend",
        "周末班": "weekend",
        "双休日": "weekend",
        "周六班": "weekend",
        "周日班": "weekend",
    },
    ("attendance", "leave"): {
        "年休假": "annual",
        "年假": "annual",
        "病假": "sick",
        "事假": "personal",
        "培训": "training",
        "学习": "training",
        "调休": "other",
        "婚假": "other",
        "产假": "other",
        "丧假": "other",
        "公出": "other",
        "出差": "other",
    },
    ("windows", "kind"): {
        "综合": "comprehensive",
        "综合窗口": "comprehensive",
        "无差别": "comprehensive",
        "专窗": "dedicated",
        "专业窗口": "dedicated",
        "部门窗口": "dedicated",
        "咨询": "consultation",
        "导办": "consultation",
        "咨询导办": "consultation",
        "自助": "self_service",
        "自助区": "self_service",
    },
    ("staff", "role"): {
        "前台": "front",
        "受理": "front",
        "窗口": "front",
        "后台": "back",
        "审批": "back",
        "导办": "guide",
        "导服": "guide",
        "咨询": "guide",
    },
    ("items", "kind"): {
        "即办": "instant",
        "即办件": "instant",
        "承诺": "promised",
        "承诺件": "promised",
    },
    ("halls", "level"): {
        "区级": "district",
        "区": "district",
        "县级": "district",
        "街道": "street",
        "镇": "street",
        "乡镇": "street",
        "社区": "community",
        "村": "community",
        "村居": "community",
    },
    ("service_hours", "kind"): {
        "常规": "regular",
        "正常": "regular",
        "工作时间": "regular",
        "延时": "extended",
        "延时服务": "extended",
        "错时": "extended",
    },
    ("service_hours", "weekday"): {
        "星期一": "1",
        "周一": "1",
        "一": "1",
        "mon": "1",
        "monday": "1",
        "星期二": "2",
        "周二": "2",
        "二": "2",
        "tue": "2",
        "tuesday": "2",
        "星期三": "3",
        "周三": "3",
        "三": "3",
        "wed": "3",
        "wednesday": "3",
        "星期四": "4",
        "周四": "4",
        "四": "4",
        "thu": "4",
        "thursday": "4",
        "星期五": "5",
        "周五": "5",
        "五": "5",
        "fri": "5",
        "friday": "5",
        "星期六": "6",
        "周六": "6",
        "六": "6",
        "sat": "6",
        "saturday": "6",
        "星期日": "7",
        "星期天": "7",
        "周日": "7",
        "周天": "7",
        "日": "7",
        "天": "7",
        "sun": "7",
        "sunday": "7",
    },
    ("calendar", "is_workday"): {
        "工作日": "true",
        "上班": "true",
        "班": "true",
        "补班": "true",
        "调休上班": "true",
        "休息日": "false",
        "休": "false",
        "休息": "false",
        "节假日": "false",
        "放假": "false",
    },
}

BOOL_TRUE = frozenset({"true", "1", "yes", "y", "t", "是", "对", "√"})
BOOL_FALSE = frozenset({"false", "0", "no", "n", "f", "否", "不", "×"})

# What an export writes for "no value".
EMPTY = frozenset({"", "-", "--", "—", "/", "null", "none", "\\n", "n/a", "nan", "nat"})


def _casings(word: str) -> set[str]:
    """Every upper/lower-case spelling of `word` ("nan" → "nan", "naN", … "NAN")."""
    out = {""}
    for ch in word:
        out = {w + v for w in out for v in {ch.lower(), ch.upper()}}
    return out


# EMPTY in any case, so that a column is matched as it is (lowercasing every value of a batch
# first cost a million-row import about a second)
EMPTY_ANY_CASE = frozenset(v for word in EMPTY for v in _casings(word))


def header_synonyms(table: str, column: str) -> list[tuple[int, int, str]]:
    """The header names recognised for a contract column as (class, position, name): class 0
    is the contract name, 1 a synonym of this table, 2 a synonym shared by all tables."""
    own = HEADERS.get(table, {}).get(column, ())
    common = COMMON_HEADERS.get(column, ())
    return (
        [(0, 0, column)]
        + [(1, i, s) for i, s in enumerate(own)]
        + [(2, i, s) for i, s in enumerate(common)]
    )


def value_synonyms(table: str, column: str) -> dict[str, str]:
    """Source value (lower-cased) → contract code, for an enumeration or rating column."""
    out: dict[str, str] = {}
    for code, (zh, en) in ENUMS.get((table, column), {}).items():
        out[code.lower()] = code
        out[zh.lower()] = code
        out[en.lower()] = code
    for source, code in VALUES.get((table, column), {}).items():
        out[source.lower()] = code
    return out
