"""Citizens' personal data in a hall's exports: recognised, never stored.

Case and evaluation exports often carry the applicant's name, phone number and ID number
(申请人, 联系电话, 身份证号). No figure of HallPulse needs them, so the importer never maps them
to a column: they are dropped with the file's other unknown columns, and the import report and
the 数据导入 page name them apart as personal data that was not stored (个人信息保护法: collect
no more than the purpose needs). A mapping file cannot map them either: the contract has no
column for them.

    personal_headers(["受理编号", "申请人", "联系电话"])  # {"申请人": "name", "联系电话": "phone"}
"""

from __future__ import annotations

import re

from imports.mapping import normalise_header

# kind -> header patterns (on normalised headers: NFKC, lower case, no spaces or brackets)
PATTERNS: dict[str, tuple[str, ...]] = {
    "id_number": (
        r"身份证", r"证件号", r"证件号码", r"idcard", r"idnumber", r"idno", r"nationalid",
        r"护照号", r"社会保障号", r"社保卡号",
    ),
    "phone": (
        r"电话", r"手机", r"联系方式", r"phone", r"mobile", r"tel$", r"telephone",
    ),
    "address": (r"住址", r"家庭地址", r"联系地址", r"户籍地址", r"address"),
    "name": (
        r"^申请人$", r"申请人姓名", r"^申请人名称$", r"办事人", r"办事群众", r"^联系人$",
        r"联系人姓名", r"代办人", r"经办人姓名", r"评价人", r"^姓名$", r"取号人",
        r"applicantname", r"^applicant$", r"citizenname", r"contactname",
    ),
}  # fmt: skip

KIND_LABELS = {
    "name": ("姓名", "name"),
    "phone": ("电话", "phone"),
    "id_number": ("证件号", "ID number"),
    "address": ("地址", "address"),
}


def personal_kind(header: str) -> str | None:
    """The kind of personal data a header announces (name, phone, id_number, address), or None."""
    key = normalise_header(header)
    for kind, patterns in PATTERNS.items():
        if any(re.search(p, key) for p in patterns):
            return kind
    return None


def personal_headers(headers: list[str]) -> dict[str, str]:
    """The headers among `headers` that carry personal data, with their kind, in file order."""
    return {h: kind for h in headers if (kind := personal_kind(h)) is not None}


def describe(found: dict[str, str], lang: str = "en") -> str:
    """'申请人 (name), 身份证号 (ID number)' in the language asked."""
    index = 0 if lang == "zh" else 1
    sep = "、" if lang == "zh" else ", "
    return sep.join(
        f"{h}（{KIND_LABELS[k][index]}）" if lang == "zh" else f"{h} ({KIND_LABELS[k][index]})"
        for h, k in found.items()
    )
