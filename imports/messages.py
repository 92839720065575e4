"""The importer's reasons and findings in Chinese, for the 数据导入 page.

The importer writes its reasons in English (stable for the CLI's JSON and for tests); each
reason follows one of a few templates, translated here by pattern.
"""

from __future__ import annotations

import re

NOUNS = {
    "hall": "大厅",
    "department": "部门",
    "window": "窗口",
    "staff member": "工作人员",
    "item (事项)": "事项",
    "queue": "取号业务",
}
TABLES = {
    "halls": "大厅",
    "departments": "部门",
    "windows": "窗口",
    "staff": "工作人员",
    "items": "事项",
    "queues": "取号业务",
}

_REASONS: list[tuple[str, str]] = [
    (r"required, but empty", "必填，但为空"),
    (r"unknown value; expected (.*)", r"无法识别的取值，应为：\1"),
    (r"longer than ([\d,]+) characters", r"超过 \1 个字符"),
    (r"longer than ([\d,]+) bytes", r"超过 \1 字节"),
    (r"not a whole number", "不是整数"),
    (r"must be between (-?\d+) and (-?\d+)", r"应在 \1 到 \2 之间"),
    (r"not a yes/no value .*", "不是“是/否”值（可用 是/否、true/false、1/0、yes/no）"),
    (r"not a time of day .*", "不是时刻（例如 09:00）"),
    (r"no such time of day", "不存在的时刻"),
    (r"a time of day cannot be on the next day", "时刻不能标“次日”"),
    (r"not a date \(.*", "不是日期（例如 2026-03-02）"),
    (r"no such date", "不存在的日期"),
    (r"a date is expected, not a time of day", "应为日期，不应带时刻"),
    (r"not a date-time .*", "不是日期时间（例如 2026-03-02 09:14:05）"),
    (r"no such date or time", "不存在的日期或时刻"),
    (r"the year is outside (\d+)–(\d+)", r"年份不在 \1–\2 之间"),
    (r"this name fits several (.+)s( in that hall)?; give the id", "该名称对应多个{0}，请填写编号"),
    (
        r"unknown (.+?): not in (\w+)( in that hall)? \(import \w+ first\)",
        "找不到该{0}：{2}{1}表中没有（请先导入{1}）",
    ),
    (r"the slot ends before it starts", "结束时间不晚于开始时间"),
    (r"before valid_from", "早于生效日期"),
    (r"duplicate key: already on line (\d+)", r"主键重复：第 \1 行已有"),
    (r"overlaps the slot on line (\d+) \((.*?)\).*", r"与第 \1 行的时段（\2）重叠"),
    (
        r"the row has (\d+) fields but the header has (\d+).*",
        r"该行有 \1 个字段，表头有 \2 个（可能是值里有未加引号的换行）",
    ),
    # hostile and broken files (issue 16)
    (r"contains a NUL byte .*", "含有 NUL 字节（零字节）：导出文件已损坏，不是文本"),
    (
        r"in the future: later than the hall's current time plus ([\d.]+) minutes",
        r"时间在未来：晚于大厅当前时间 \1 分钟以上",
    ),
    (r"required when the status is completed.*", "状态为已办结时必填（办结时间）"),
    (
        r"an unclosed quote: the quote opened in field (\d+) is not closed on this line.*",
        r"引号未闭合：第 \1 个字段的引号在本行没有闭合（其后各行已单独读取）",
    ),
    (r"a field is longer than ([\d,]+) KiB.*", r"字段超过 \1 KiB"),
]

# a window or queue of another hall: the noun is translated, the halls are ids
_ELSEWHERE = re.compile(r"this (.+?) is in hall (.+), not in the row's hall (.+)")

WARNINGS_ZH = {
    "called before it was issued": "叫号时间早于取号时间",
    "finished before it was called": "办结时间早于叫号时间",
    "served without a finish time": "已办理但无办结时间",
    "served or no-show without a call time": "已办理或过号但无叫号时间",
    "appointment without its slot": "预约取号但无预约时段",
    "completed before it was accepted": "办结时间早于受理时间",
    "due before it was accepted": "承诺办结时间早于受理时间",
    "return call before the evaluation": "回访时间早于评价时间",
    "rectified before the evaluation": "整改时间早于评价时间",
    "clocked out before clocking in": "下班打卡早于上班打卡",
    "shift ends before it starts": "排班结束时间不晚于开始时间",
    "instant item with a promised time limit": "即办件却有承诺时限",
}


def reason_text(reason: str, lang: str) -> str:
    """A reason (or '; '-joined reasons) in the page's language."""
    if lang != "zh":
        return reason
    return "；".join(_one(part) for part in reason.split("; "))


def _one(reason: str) -> str:
    prefix = ""
    column, sep, rest = reason.partition(": ")
    if sep and re.fullmatch(r"[a-z_]+", column):  # "column: reason" from the rejects file
        prefix, reason = f"{column}：", rest
    elsewhere = _ELSEWHERE.fullmatch(reason)
    if elsewhere:
        noun, owner, hall = elsewhere.groups()
        return prefix + f"该{NOUNS.get(noun, noun)}属于大厅 {owner}，不属于本行的大厅 {hall}"
    for pattern, zh in _REASONS:
        m = re.fullmatch(pattern, reason)
        if m is None:
            continue
        if "{0}" in zh:
            noun = NOUNS.get(m.group(1), m.group(1))
            table = TABLES.get(m.group(2), m.group(2)) if m.lastindex and m.lastindex >= 2 else ""
            where = "本大厅的" if m.group(m.lastindex or 1) == " in that hall" else ""
            return prefix + zh.format(noun, table, where)
        return prefix + m.expand(zh)
    return prefix + reason


def warning_text(label: str, lang: str) -> str:
    return WARNINGS_ZH.get(label, label) if lang == "zh" else label


# what the reader noted about a file (encoding, sheet, delimiter)
_NOTES: list[tuple[str, str]] = [
    (
        r"encoding: UTF-8, but ([\d,]+) line\(s\) are GB18030/GBK and were read as GBK: "
        r"line\(s\) (.+?) \(mixed.*",
        r"编码：UTF-8，但有 \1 行是 GB18030/GBK 编码，已按 GBK 读取：第 \2 行"
        r"（编码混用，请核对这些行）",
    ),
    (r"encoding: (.+)", r"编码：\1"),
    (r"sheet: (.+)", r"工作表：\1"),
    (r"delimiter: (.+)", r"分隔符：\1"),
]


def note_text(note: str, lang: str) -> str:
    """A note of the reader in the page's language."""
    if lang != "zh":
        return note
    for pattern, zh in _NOTES:
        m = re.fullmatch(pattern, note)
        if m is not None:
            return m.expand(zh)
    return note


# files refused as a whole for their size or shape (issue 16): file-level messages on the page
_REFUSALS: list[tuple[str, str]] = [
    (
        r"(.+?): the workbook's part (\S+) declares ([\d,]+ MB) uncompressed \(([\d,]+) bytes "
        r"compressed\); the limit is ([\d,]+ MB) \(\[imports\] (\w+)\): refused before reading it",
        r"\1：工作簿的组成部分 \2 声明解压后有 \3（压缩后 \4 字节），超过上限 \5"
        r"（[imports] \6），未读取即拒绝",
    ),
    (
        r"(.+?): the workbook's part (\S+) declares ([\d,]+) bytes uncompressed but inflates to "
        r"more than ([\d,]+ MB): a forged archive \(the limit is ([\d,]+ MB), "
        r"\[imports\] (\w+)\), refused before reading it",
        r"\1：工作簿的组成部分 \2 声明解压后 \3 字节，实际解压后超过 \4：压缩包的大小被篡改"
        r"（上限 \5，[imports] \6），未读取即拒绝",
    ),
    (
        r"(.+?): the workbook's part (\S+) declares ([\d,]+) bytes uncompressed but inflates to "
        r"([\d,]+) bytes: a forged archive \(the limit is ([\d,]+ MB), "
        r"\[imports\] (\w+)\), refused before reading it",
        r"\1：工作簿的组成部分 \2 声明解压后 \3 字节，实际解压后 \4 字节：压缩包的大小被篡改"
        r"（上限 \5，[imports] \6），未读取即拒绝",
    ),
    (
        r"(.+?): the workbook's part (\S+) inflates to more than ([\d,]+ MB) \(it declares "
        r"([\d,]+) bytes\); the limit is [\d,]+ MB \(\[imports\] (\w+)\): "
        r"refused before reading it",
        r"\1：工作簿的组成部分 \2 解压后超过 \3（声明 \4 字节，[imports] \5），未读取即拒绝",
    ),
    (
        r"(.+?): the workbook declares ([\d,]+ MB) uncompressed in all; the limit is ([\d,]+ MB) "
        r"\(\[imports\] max_workbook_mb\)",
        r"\1：工作簿声明解压后共 \2，超过上限 \3（[imports] max_workbook_mb）",
    ),
    (
        r"(.+?): cell (\w+) of (\S+): a text longer than ([\d,]+) KiB \(\[imports\] max_cell_kb\); "
        r"refused before reading the workbook",
        r"\1：\3 的单元格 \2：文本超过 \4 KiB（[imports] max_cell_kb），未读取即拒绝",
    ),
    (
        r"(.+?): shared text no\. (\d+) \((\S+)\): a text longer than ([\d,]+) KiB "
        r"\(\[imports\] max_cell_kb\); refused before reading the workbook",
        r"\1：共享文本第 \2 条（\3）：文本超过 \4 KiB（[imports] max_cell_kb），未读取即拒绝",
    ),
    (
        r"(.+?): sheet (.+?): a row has a cell in column ([\d,]+); the limit is ([\d,]+) columns "
        r"\(\[imports\] max_columns\)",
        r"\1：工作表 \2：有一行在第 \3 列有单元格，上限为 \4 列（[imports] max_columns）",
    ),
    (
        r"(.+?): line (\d+): the line is longer than ([\d,]+) KiB \(\[imports\] max_line_kb\); "
        r"is this really a CSV export\?",
        r"\1：第 \2 行：该行超过 \3 KiB（[imports] max_line_kb），这不像 CSV 导出文件",
    ),
    (
        r"(.+?): an HTML/XML page \(some systems save web tables as \.xls\); open it in Excel or "
        r"WPS and save it as \.xlsx or CSV",
        r"\1：这是 HTML/XML 网页（有些系统把网页表格存成 .xls）；请用 Excel 或 WPS 打开后"
        r"另存为 .xlsx 或 CSV",
    ),
]


def refusal_text(message: str, lang: str) -> str:
    """Why a whole file was refused, in the page's language (the templates above; any other
    refusal is shown as the importer wrote it)."""
    if lang != "zh":
        return message
    for pattern, zh in _REFUSALS:
        m = re.fullmatch(pattern, message, flags=re.S)
        if m is not None:
            return m.expand(zh)
    return message
