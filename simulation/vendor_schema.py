"""A vendor's queue system (取号叫号系统) as Chinese halls' suppliers lay it out.

Not HallPulse's schema: the database a third-party queue system keeps, with pinyin
abbreviations for names, numeric status codes, its own dictionaries and the calls in a log
table of their own. `hall demo --vendor-db URL` writes the demo hall into it (simulation/vendor.py)
so that `hall sync run` can be watched carrying a vendor's rows to the big screen
(examples/vendor/). SQLAlchemy Core: the same tables on MariaDB/MySQL, PostgreSQL and SQLite.

    dm_ywlx    业务类型字典   ywlx code → ywmc name (the hall's queue), qz number prefix
    dm_ck      窗口字典       ckbh window number → ckh label (A01), ckmc
    qh_record  取号记录       one row per ticket; zt the status code; update_time on every change
    jh_log     叫号日志       one row per call: window, 工号, called / started / finished
    pj_record  评价记录       one row per rating given at the window's device (pjjg 1–5)
"""

from __future__ import annotations

import sqlalchemy as sa

vendor_meta = sa.MetaData()

# qh_record.zt: the vendor's status codes
ZT_WAITING, ZT_CALLED, ZT_SERVING, ZT_DONE, ZT_PASSED, ZT_LEFT, ZT_TRANSFERRED = range(7)
ZT_NAMES = {
    ZT_WAITING: "等候",
    ZT_CALLED: "已叫号",
    ZT_SERVING: "办理中",
    ZT_DONE: "已办结",
    ZT_PASSED: "过号",
    ZT_LEFT: "弃号",  # took a ticket and left before being called
    ZT_TRANSFERRED: "转办",  # sent on to another business type: a new ticket follows
}
# the data contract's ticket status of each code (the mapping file says the same)
ZT_STATUS = {
    ZT_WAITING: "waiting",
    ZT_CALLED: "called",
    ZT_SERVING: "serving",
    ZT_DONE: "served",
    ZT_PASSED: "no_show",
    ZT_LEFT: "cancelled",
    ZT_TRANSFERRED: "transferred",
}
STATUS_ZT = {status: code for code, status in ZT_STATUS.items()}

# qh_record.qhfs: how the ticket was taken
QHFS_SOURCE = {1: "walk_in", 2: "appointment", 3: "priority"}  # 现场取号, 预约取号, 绿色通道
SOURCE_QHFS = {source: code for code, source in QHFS_SOURCE.items()}
QHFS_NAMES = {1: "现场取号", 2: "预约取号", 3: "绿色通道"}

dm_ywlx = sa.Table(
    "dm_ywlx",
    vendor_meta,
    sa.Column("ywlx", sa.Integer, primary_key=True, autoincrement=False, comment="业务类型代码"),
    sa.Column("ywmc", sa.String(50), nullable=False, comment="业务名称"),
    sa.Column("qz", sa.String(4), nullable=False, comment="号码前缀"),
    sa.Column("yxbz", sa.Integer, nullable=False, default=1, comment="有效标志 1有效 0停用"),
    comment="业务类型字典",
)

dm_ck = sa.Table(
    "dm_ck",
    vendor_meta,
    sa.Column("ckbh", sa.Integer, primary_key=True, autoincrement=False, comment="窗口编号"),
    sa.Column("ckh", sa.String(10), nullable=False, comment="窗口号"),
    sa.Column("ckmc", sa.String(50), nullable=False, comment="窗口名称"),
    sa.Column("yxbz", sa.Integer, nullable=False, default=1, comment="有效标志 1有效 0停用"),
    comment="窗口字典",
)

qh_record = sa.Table(
    "qh_record",
    vendor_meta,
    sa.Column("lsh", sa.String(32), primary_key=True, comment="流水号"),
    sa.Column("pdh", sa.String(10), nullable=False, comment="排队号"),
    sa.Column("ywlx", sa.Integer, nullable=False, comment="业务类型代码 (dm_ywlx)"),
    sa.Column("qhsj", sa.DateTime, nullable=False, comment="取号时间"),
    sa.Column("qhfs", sa.Integer, nullable=False, comment="取号方式 1现场 2预约 3绿色通道"),
    sa.Column("yysj", sa.DateTime, comment="预约时段开始"),
    sa.Column(
        "zt",
        sa.Integer,
        nullable=False,
        comment="状态 0等候 1已叫号 2办理中 3已办结 4过号 5弃号 6转办",
    ),
    sa.Column("create_time", sa.DateTime, nullable=False, comment="创建时间"),
    sa.Column("update_time", sa.DateTime, nullable=False, comment="更新时间 (每次变更)"),
    sa.Index("idx_qh_record_update_time", "update_time"),
    sa.Index("idx_qh_record_qhsj", "qhsj"),
    comment="取号记录",
)

jh_log = sa.Table(
    "jh_log",
    vendor_meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True, comment="自增主键"),
    sa.Column("lsh", sa.String(32), nullable=False, comment="流水号 (qh_record)"),
    sa.Column("ckbh", sa.Integer, nullable=False, comment="窗口编号 (dm_ck)"),
    sa.Column("gh", sa.String(20), comment="工号"),
    sa.Column("jhsj", sa.DateTime, nullable=False, comment="叫号时间"),
    sa.Column("kssj", sa.DateTime, comment="开始办理时间"),
    sa.Column("jssj", sa.DateTime, comment="办结时间"),
    sa.Index("idx_jh_log_lsh", "lsh"),
    comment="叫号日志",
)

pj_record = sa.Table(
    "pj_record",
    vendor_meta,
    sa.Column("pjid", sa.String(40), primary_key=True, comment="评价编号"),
    sa.Column("lsh", sa.String(32), comment="流水号 (qh_record)"),
    sa.Column("ckbh", sa.Integer, comment="窗口编号 (dm_ck)"),
    sa.Column("gh", sa.String(20), comment="工号"),
    sa.Column("pjjg", sa.Integer, nullable=False, comment="评价结果 1非常不满意 … 5非常满意"),
    sa.Column("pjsj", sa.DateTime, nullable=False, comment="评价时间"),
    sa.Column("update_time", sa.DateTime, nullable=False, comment="更新时间"),
    sa.Index("idx_pj_record_update_time", "update_time"),
    comment="评价记录",
)

VENDOR_TABLES = (dm_ywlx, dm_ck, qh_record, jh_log, pj_record)
