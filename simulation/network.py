"""The simulated district network: halls, departments, queues, windows, items, service hours.

Figures follow the articles the project grew from: a district centre of about 40 windows with
10+ resident departments and comprehensive (一窗受理) windows, street centres and community
stations below it (a 1+N+M network), "5+2" / "白+黑" extended hours (weekday evenings to 20:00,
Saturday 9:00–12:00 and 14:00–16:00, Sunday morning), lunch-hour service (午间不断档) at the
district centre, and 事项 with promised time limits well under the legal ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workdays.clock import DEFAULT_TZ

TIMEZONE = DEFAULT_TZ  # halls.timezone of every demo hall: they keep Beijing time

# --- departments ------------------------------------------------------------------------------

DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("D01", "区人力资源和社会保障局"),
    ("D02", "区医疗保障局"),
    ("D03", "区不动产登记中心"),
    ("D04", "公安分局户政科"),
    ("D05", "公安分局出入境管理大队"),
    ("D06", "区市场监督管理局"),
    ("D07", "区税务局"),
    ("D08", "住房公积金管理中心区管理部"),
    ("D09", "区民政局婚姻登记处"),
    ("D10", "区卫生健康局"),
    ("D11", "区交通运输局"),
    ("D12", "区住房和城乡建设局"),
    ("D13", "区民政局社会事务科"),
)


# --- queues -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueSpec:
    """A ticket type of a hall: prefix, department, share of the hall's tickets, service time."""

    prefix: str
    name: str
    dept_id: str | None
    share: float  # of the hall's tickets on a regular weekday
    service_min: float  # mean service time at the window
    appointment_share: float = 0.10
    open_lunch: bool = True  # offered during the lunch-hour service
    open_evening: bool = False  # offered in weekday evening extended hours
    open_saturday: bool = False
    open_sunday: bool = False


DISTRICT_QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec("A", "综合受理", None, 0.22, 11.0, 0.10, True, True, True, True),
    QueueSpec("B", "社会保障", "D01", 0.14, 8.0, 0.08, True, True, True, True),
    QueueSpec("C", "医疗保障", "D02", 0.07, 7.0, 0.05, True, True, True, True),
    QueueSpec("D", "不动产登记", "D03", 0.11, 15.0, 0.35, True, True, True, True),
    QueueSpec("E", "户籍身份证", "D04", 0.10, 8.5, 0.25, True, True, True, True),
    QueueSpec("F", "出入境证件", "D05", 0.06, 7.0, 0.40, True, False, True, True),
    QueueSpec("G", "商事登记", "D06", 0.07, 14.0, 0.15, True, False, True, False),
    QueueSpec("H", "税务办理", "D07", 0.09, 11.0, 0.10, True, True, True, False),
    QueueSpec("J", "公积金", "D08", 0.05, 9.0, 0.20, False, False, False, False),
    QueueSpec("K", "婚姻登记", "D09", 0.03, 14.0, 0.50, False, False, False, False),
    QueueSpec("Z", "咨询导办", None, 0.06, 3.0, 0.00, True, True, True, True),
)

STREET_QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec("A", "综合受理", None, 0.62, 9.5, 0.05, False, False, True, False),
    QueueSpec("B", "社保医保", "D01", 0.30, 7.0, 0.05, False, False, True, False),
    QueueSpec("Z", "咨询导办", None, 0.08, 3.0, 0.00, False, False, True, False),
)

COMMUNITY_QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec("A", "便民服务", None, 1.00, 8.0, 0.00, False, False, False, False),
)


# --- halls --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowGroup:
    """Windows of one kind serving the same queues: `count` windows labelled prefix01…"""

    label_prefix: str
    count: int
    kind: str  # comprehensive / dedicated / consultation / self_service
    dept_id: str | None
    queues: tuple[str, ...]  # queue prefixes served, in the window's order of preference
    lunch: int = 0  # windows of the group open during lunch-hour service
    evening: int = 0  # … in weekday evening extended hours
    saturday: int = 0
    sunday: int = 0


@dataclass(frozen=True)
class HallSpec:
    hall_id: str
    name: str
    level: str
    parent_hall_id: str | None
    weekday_tickets: float  # expected tickets on an ordinary Tuesday–Thursday
    online_cases_ratio: float  # online cases per window case attributed to this hall
    proxy_cases_per_day: float  # 帮办代办 cases a day (community stations)
    queues: tuple[QueueSpec, ...]
    windows: tuple[WindowGroup, ...]
    hours: str  # key of SERVICE_HOURS
    guides: int = 0
    back_office: int = 0
    spares: int = 0  # front-desk staff covering leave and absence
    services: tuple[str, ...] = field(default=())  # item levels offered: "d", "s", "c"


DISTRICT_WINDOWS: tuple[WindowGroup, ...] = (
    WindowGroup("A", 10, "comprehensive", None, ("A", "B", "C"), 4, 3, 5, 4),
    WindowGroup("B", 4, "dedicated", "D01", ("B",), 1, 1, 1, 0),
    WindowGroup("C", 2, "dedicated", "D02", ("C",), 0, 0, 0, 0),
    WindowGroup("D", 6, "dedicated", "D03", ("D",), 1, 1, 2, 1),
    WindowGroup("E", 4, "dedicated", "D04", ("E",), 1, 1, 2, 1),
    WindowGroup("F", 2, "dedicated", "D05", ("F",), 1, 0, 1, 1),
    WindowGroup("G", 3, "dedicated", "D06", ("G",), 1, 0, 1, 0),
    WindowGroup("H", 3, "dedicated", "D07", ("H",), 1, 1, 1, 0),
    WindowGroup("J", 2, "dedicated", "D08", ("J",), 0, 0, 0, 0),
    WindowGroup("K", 2, "dedicated", "D09", ("K",), 0, 0, 0, 0),
    WindowGroup("Z", 1, "consultation", None, ("Z",), 1, 1, 1, 1),
    WindowGroup("S", 1, "self_service", None, (), 0, 0, 0, 0),
)

STREET_WINDOWS: tuple[WindowGroup, ...] = (
    WindowGroup("A", 4, "comprehensive", None, ("A", "B"), 0, 0, 2, 0),
    WindowGroup("B", 2, "dedicated", "D01", ("B", "A"), 0, 0, 1, 0),
    WindowGroup("Z", 1, "consultation", None, ("Z", "A"), 0, 0, 0, 0),
    WindowGroup("S", 1, "self_service", None, (), 0, 0, 0, 0),
)

COMMUNITY_WINDOWS: tuple[WindowGroup, ...] = (
    WindowGroup("A", 2, "comprehensive", None, ("A",), 0, 0, 0, 0),
)

HALLS: tuple[HallSpec, ...] = (
    HallSpec(
        "H01",
        "示范区政务服务中心",
        "district",
        None,
        1250.0,
        0.85,
        0.0,
        DISTRICT_QUEUES,
        DISTRICT_WINDOWS,
        "district",
        guides=3,
        back_office=14,
        spares=3,
        services=("d", "s", "c"),
    ),
    HallSpec(
        "H02",
        "新安街道便民服务中心",
        "street",
        "H01",
        230.0,
        0.25,
        0.0,
        STREET_QUEUES,
        STREET_WINDOWS,
        "street",
        guides=1,
        spares=1,
        services=("s", "c"),
    ),
    HallSpec(
        "H03",
        "西乡街道便民服务中心",
        "street",
        "H01",
        200.0,
        0.25,
        0.0,
        STREET_QUEUES,
        STREET_WINDOWS,
        "street",
        guides=1,
        spares=1,
        services=("s", "c"),
    ),
    HallSpec(
        "H04",
        "海湾社区党群服务站",
        "community",
        "H02",
        34.0,
        0.0,
        6.0,
        COMMUNITY_QUEUES,
        COMMUNITY_WINDOWS,
        "community",
        services=("c",),
    ),
    HallSpec(
        "H05",
        "灵芝社区党群服务站",
        "community",
        "H02",
        28.0,
        0.0,
        5.0,
        COMMUNITY_QUEUES,
        COMMUNITY_WINDOWS,
        "community",
        services=("c",),
    ),
    HallSpec(
        "H06",
        "固戍社区党群服务站",
        "community",
        "H03",
        40.0,
        0.0,
        7.0,
        COMMUNITY_QUEUES,
        COMMUNITY_WINDOWS,
        "community",
        services=("c",),
    ),
    HallSpec(
        "H07",
        "盐田社区党群服务站",
        "community",
        "H03",
        25.0,
        0.0,
        4.0,
        COMMUNITY_QUEUES,
        COMMUNITY_WINDOWS,
        "community",
        services=("c",),
    ),
)

# --- service hours: (weekday 1..7, start, end, kind) ---------------------------------------------

_WEEKDAYS = (1, 2, 3, 4, 5)

SERVICE_HOURS: dict[str, tuple[tuple[int, str, str, str], ...]] = {
    # 宝安-style "5+2" / "白+黑": Mon–Fri 9:00–12:00, 14:00–18:00 regular, lunch 12:00–14:00 and
    # evening 18:00–20:00 extended; Saturday 9:00–12:00, 14:00–16:00; Sunday 9:00–12:00.
    "district": (
        *(
            row
            for d in _WEEKDAYS
            for row in (
                (d, "09:00", "12:00", "regular"),
                (d, "12:00", "14:00", "extended"),
                (d, "14:00", "18:00", "regular"),
                (d, "18:00", "20:00", "extended"),
            )
        ),
        (6, "09:00", "12:00", "extended"),
        (6, "14:00", "16:00", "extended"),
        (7, "09:00", "12:00", "extended"),
    ),
    "street": (
        *(
            row
            for d in _WEEKDAYS
            for row in ((d, "09:00", "12:00", "regular"), (d, "14:00", "18:00", "regular"))
        ),
        (6, "09:00", "12:00", "extended"),
    ),
    "community": tuple(
        row
        for d in _WEEKDAYS
        for row in ((d, "09:00", "12:00", "regular"), (d, "14:30", "17:30", "regular"))
    ),
}

# Relative arrival intensity by half hour (start "HH:MM"), on a weekday. Morning peak 9:30–11:00,
# lunch dip, afternoon peak 14:30–16:00, quieter evenings. Weekend days use the same shape.
ARRIVAL_SHAPE: dict[str, float] = {
    "09:00": 1.05,
    "09:30": 1.45,
    "10:00": 1.55,
    "10:30": 1.40,
    "11:00": 1.05,
    "11:30": 0.70,
    "12:00": 0.32,
    "12:30": 0.25,
    "13:00": 0.30,
    "13:30": 0.50,
    "14:00": 0.90,
    "14:30": 1.15,
    "15:00": 1.20,
    "15:30": 1.10,
    "16:00": 0.95,
    "16:30": 0.80,
    "17:00": 0.60,
    "17:30": 0.38,
    "18:00": 0.30,
    "18:30": 0.26,
    "19:00": 0.20,
    "19:30": 0.10,
}

# --- items (事项) ---------------------------------------------------------------------------
# (dept, theme, name, kind, promised_workdays, legal_workdays, weight, levels, online, tolerance)
# levels: where it is offered — "d" district, "s" street, "c" community; online: can be applied
# for online (全程网办); tolerance: 容缺受理 allowed.

ItemRow = tuple[str, str, str, str, int, int | None, float, str, bool, bool]

ITEMS: tuple[ItemRow, ...] = (
    # 人社 D01
    ("D01", "社保医保", "社会保障卡申领", "instant", 0, None, 9.0, "dsc", True, False),
    ("D01", "社保医保", "社会保障卡补换", "instant", 0, None, 6.0, "dsc", True, False),
    ("D01", "社保医保", "社会保障卡挂失与解挂", "instant", 0, None, 2.0, "dsc", True, False),
    ("D01", "社保医保", "个人参保证明查询打印", "instant", 0, None, 8.0, "dsc", True, False),
    ("D01", "社保医保", "灵活就业人员参保登记", "instant", 0, None, 5.0, "ds", True, False),
    ("D01", "社保医保", "城乡居民养老保险参保登记", "instant", 0, None, 3.0, "dsc", True, False),
    ("D01", "社保医保", "职工参保登记", "instant", 0, None, 4.0, "ds", True, False),
    ("D01", "社保医保", "失业保险金申领", "promised", 3, 20, 4.0, "ds", True, True),
    ("D01", "社保医保", "基本养老保险关系转移接续", "promised", 10, 45, 3.0, "ds", True, False),
    ("D01", "社保医保", "职工正常退休（职）申请", "promised", 5, 20, 3.0, "d", False, True),
    ("D01", "社保医保", "丧葬补助金、抚恤金申领", "promised", 5, 20, 1.0, "ds", False, True),
    ("D01", "就业创业", "就业登记", "instant", 0, None, 3.0, "dsc", True, False),
    ("D01", "就业创业", "创业担保贷款申请", "promised", 10, 20, 1.0, "d", True, True),
    ("D01", "就业创业", "职业技能提升补贴申领", "promised", 10, 20, 1.5, "ds", True, False),
    ("D01", "就业创业", "人力资源服务许可", "promised", 10, 20, 0.3, "d", True, False),
    ("D01", "就业创业", "劳动合同备案", "instant", 0, None, 1.0, "d", True, False),
    ("D01", "社保医保", "工伤认定申请", "promised", 30, 60, 0.8, "d", False, True),
    ("D01", "社保医保", "工伤保险待遇核定", "promised", 10, 20, 0.6, "d", False, False),
    # 医保 D02
    ("D02", "社保医保", "基本医疗保险参保登记", "instant", 0, None, 5.0, "dsc", True, False),
    ("D02", "社保医保", "异地就医备案", "instant", 0, None, 4.0, "dsc", True, False),
    ("D02", "社保医保", "门诊慢特病待遇认定", "promised", 5, 20, 3.0, "ds", True, True),
    ("D02", "社保医保", "医疗费用手工（零星）报销", "promised", 10, 30, 3.0, "ds", False, True),
    ("D02", "社保医保", "生育保险待遇申领", "promised", 5, 20, 2.5, "ds", True, True),
    ("D02", "社保医保", "医保关系转移接续", "promised", 10, 45, 1.5, "ds", True, False),
    ("D02", "社保医保", "医保个人账户家庭共济绑定", "instant", 0, None, 2.0, "dsc", True, False),
    ("D02", "社保医保", "参保凭证打印", "instant", 0, None, 2.0, "dsc", True, False),
    # 不动产 D03
    ("D03", "不动产", "二手房转移登记", "promised", 1, 30, 6.0, "d", False, True),
    ("D03", "不动产", "新建商品房首次转移登记", "promised", 3, 30, 4.0, "d", True, True),
    ("D03", "不动产", "抵押权首次登记", "promised", 1, 30, 4.0, "d", True, False),
    ("D03", "不动产", "抵押权注销登记", "instant", 0, 30, 3.0, "d", True, False),
    ("D03", "不动产", "不动产权属证明查询", "instant", 0, None, 4.0, "ds", True, False),
    ("D03", "不动产", "不动产权证书换证", "promised", 5, 30, 1.5, "d", False, False),
    ("D03", "不动产", "不动产权证书补证", "promised", 10, 30, 0.8, "d", False, False),
    ("D03", "不动产", "继承、受遗赠转移登记", "promised", 10, 30, 0.8, "d", False, True),
    ("D03", "不动产", "更正登记", "promised", 5, 30, 0.6, "d", False, False),
    ("D03", "不动产", "预告登记", "promised", 1, 30, 1.5, "d", True, False),
    ("D03", "不动产", "国有建设用地使用权首次登记", "promised", 5, 30, 0.3, "d", False, False),
    ("D03", "不动产", "不动产查封登记", "instant", 0, None, 0.3, "d", False, False),
    # 户政 D04
    ("D04", "户政", "居民身份证申领", "promised", 15, 60, 6.0, "ds", False, False),
    ("D04", "户政", "居民身份证换领", "promised", 15, 60, 5.0, "ds", False, False),
    ("D04", "户政", "临时居民身份证申领", "instant", 0, None, 1.5, "d", False, False),
    ("D04", "户政", "出生登记", "instant", 0, None, 2.0, "ds", True, False),
    ("D04", "户政", "户口迁入（投靠）", "promised", 5, 20, 2.0, "d", True, True),
    ("D04", "户政", "人才引进落户", "promised", 5, 20, 2.5, "d", True, True),
    ("D04", "户政", "户籍证明开具", "instant", 0, None, 2.0, "ds", True, False),
    ("D04", "户政", "居住证申领", "promised", 10, 15, 3.0, "dsc", True, False),
    ("D04", "户政", "死亡注销户口", "instant", 0, None, 0.8, "ds", False, False),
    ("D04", "户政", "户口簿补领", "instant", 0, None, 0.6, "d", False, False),
    # 出入境 D05
    ("D05", "出入境", "普通护照签发", "promised", 7, 15, 5.0, "d", False, False),
    ("D05", "出入境", "往来港澳通行证及签注", "promised", 7, 15, 5.0, "d", False, False),
    ("D05", "出入境", "往来台湾通行证及签注", "promised", 7, 15, 1.5, "d", False, False),
    ("D05", "出入境", "港澳再次签注（自助）", "instant", 0, None, 2.0, "d", True, False),
    ("D05", "出入境", "外国人签证证件延期", "promised", 7, 15, 0.5, "d", False, False),
    ("D05", "出入境", "出入境记录查询", "instant", 0, None, 0.7, "d", True, False),
    # 市场监管 D06
    ("D06", "商事登记", "企业设立登记", "promised", 1, 15, 5.0, "d", True, True),
    ("D06", "商事登记", "企业变更登记", "promised", 1, 15, 4.0, "d", True, True),
    ("D06", "商事登记", "企业注销登记", "promised", 1, 15, 2.0, "d", True, False),
    ("D06", "商事登记", "个体工商户设立登记", "instant", 0, 15, 4.0, "dsc", True, False),
    ("D06", "商事登记", "个体工商户变更登记", "instant", 0, 15, 1.5, "ds", True, False),
    ("D06", "商事登记", "个体工商户注销登记", "instant", 0, 15, 1.0, "ds", True, False),
    ("D06", "商事登记", "食品经营许可", "promised", 5, 20, 2.0, "d", True, True),
    ("D06", "商事登记", "食品经营许可变更", "promised", 3, 20, 0.8, "d", True, False),
    ("D06", "商事登记", "药品零售企业许可", "promised", 10, 30, 0.3, "d", True, False),
    ("D06", "商事登记", "营业执照遗失补领", "instant", 0, 15, 0.8, "d", True, False),
    ("D06", "商事登记", "医疗器械经营备案", "instant", 0, None, 0.4, "d", True, False),
    # 税务 D07
    ("D07", "税务", "发票领用", "instant", 0, None, 5.0, "d", True, False),
    ("D07", "税务", "增值税申报", "instant", 0, None, 4.0, "d", True, False),
    ("D07", "税务", "个人所得税综合所得汇算", "instant", 0, None, 3.0, "d", True, False),
    ("D07", "税务", "二手房交易契税缴纳", "instant", 0, None, 3.0, "d", False, False),
    ("D07", "税务", "税务登记信息变更", "instant", 0, None, 1.5, "d", True, False),
    ("D07", "税务", "开具完税证明", "instant", 0, None, 2.0, "ds", True, False),
    ("D07", "税务", "出口退（免）税备案", "promised", 2, 20, 0.5, "d", True, False),
    ("D07", "税务", "社保费缴纳", "instant", 0, None, 3.0, "dsc", True, False),
    ("D07", "税务", "灵活就业人员社保费核定", "instant", 0, None, 1.5, "ds", True, False),
    ("D07", "税务", "注销税务登记", "promised", 3, 20, 1.0, "d", True, False),
    # 公积金 D08
    ("D08", "公积金", "住房公积金提取（购房）", "promised", 3, 10, 3.0, "d", True, True),
    ("D08", "公积金", "住房公积金提取（租房）", "instant", 0, None, 3.0, "d", True, False),
    ("D08", "公积金", "住房公积金提取（离职）", "promised", 3, 10, 1.5, "d", True, False),
    ("D08", "公积金", "住房公积金个人贷款", "promised", 10, 20, 2.0, "d", False, True),
    ("D08", "公积金", "公积金缴存证明打印", "instant", 0, None, 2.0, "d", True, False),
    ("D08", "公积金", "单位缴存登记", "instant", 0, None, 0.8, "d", True, False),
    ("D08", "公积金", "公积金异地转移接续", "promised", 5, 20, 0.8, "d", True, False),
    # 婚姻登记 D09
    ("D09", "婚姻登记", "结婚登记", "instant", 0, None, 5.0, "d", False, False),
    ("D09", "婚姻登记", "离婚登记申请", "promised", 30, 30, 1.5, "d", False, False),
    ("D09", "婚姻登记", "补领婚姻登记证", "instant", 0, None, 0.8, "d", False, False),
    ("D09", "婚姻登记", "婚姻登记记录证明", "instant", 0, None, 0.5, "d", False, False),
    # 卫健 D10
    ("D10", "卫生健康", "出生医学证明补发", "promised", 5, 20, 1.0, "d", False, False),
    ("D10", "卫生健康", "医师执业注册", "promised", 5, 20, 1.0, "d", True, False),
    ("D10", "卫生健康", "护士执业注册", "promised", 5, 20, 1.0, "d", True, False),
    ("D10", "卫生健康", "公共场所卫生许可", "promised", 5, 20, 1.2, "d", True, True),
    ("D10", "卫生健康", "生育登记", "instant", 0, None, 2.0, "dsc", True, False),
    ("D10", "卫生健康", "医疗机构执业登记", "promised", 15, 45, 0.3, "d", False, False),
    ("D10", "卫生健康", "独生子女父母光荣证", "instant", 0, None, 0.5, "sc", True, False),
    # 交通 D11
    ("D11", "交通运输", "道路货物运输经营许可", "promised", 5, 20, 0.8, "d", True, False),
    ("D11", "交通运输", "网络预约出租汽车驾驶员证", "promised", 5, 20, 1.2, "d", True, False),
    ("D11", "交通运输", "道路运输证配发", "instant", 0, None, 1.0, "d", True, False),
    ("D11", "交通运输", "机动车维修经营备案", "instant", 0, None, 0.4, "d", True, False),
    ("D11", "交通运输", "占用、挖掘公路许可", "promised", 10, 20, 0.2, "d", False, False),
    # 住建 D12
    ("D12", "住房城建", "建筑工程施工许可", "promised", 3, 15, 0.8, "d", True, True),
    ("D12", "住房城建", "商品房预售许可", "promised", 5, 20, 0.3, "d", False, False),
    ("D12", "住房城建", "房屋租赁登记备案", "instant", 0, None, 2.5, "dsc", True, False),
    ("D12", "住房城建", "公共租赁住房资格申请", "promised", 15, 30, 1.0, "dsc", True, True),
    ("D12", "住房城建", "建筑业企业资质核准", "promised", 10, 20, 0.3, "d", True, False),
    ("D12", "住房城建", "竣工验收备案", "promised", 3, 15, 0.5, "d", True, False),
    ("D12", "住房城建", "燃气经营许可", "promised", 10, 20, 0.1, "d", False, False),
    # 民政社会事务 D13
    ("D13", "民政", "最低生活保障申请", "promised", 20, 30, 1.0, "sc", False, True),
    ("D13", "民政", "高龄津贴申领", "promised", 10, 20, 2.0, "dsc", True, True),
    ("D13", "民政", "残疾人两项补贴申领", "promised", 10, 20, 1.0, "sc", True, True),
    ("D13", "民政", "临时救助申请", "promised", 5, 15, 0.6, "sc", False, True),
    ("D13", "民政", "殡葬补贴申领", "promised", 5, 20, 0.5, "dsc", False, False),
    ("D13", "民政", "养老服务补贴申请", "promised", 10, 20, 0.8, "sc", True, False),
    ("D13", "民政", "社会团体成立登记", "promised", 20, 60, 0.1, "d", False, False),
    ("D13", "民政", "居家养老服务需求评估", "promised", 10, 20, 0.6, "sc", True, False),
)

# Items a queue serves, by department (a comprehensive queue takes the departments with no
# dedicated queue in its hall, plus any department at street and community level).
COMPREHENSIVE_DISTRICT_DEPTS = ("D10", "D11", "D12", "D13", "D01", "D02", "D06")
CONSULTATION_PREFIX = "Z"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑"
    "梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢"
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
    "桂英华玉兰萍建文辉红斌宇浩凯鹏晨婷雪琳欣怡"
    "佳慧思颖雅倩晓东海波"
)

GOOD_COMMENTS = (
    "服务热情，办事效率高",
    "工作人员很耐心，一次就办好了",
    "预约后到现场很快就办完了",
    "导办人员指引清楚",
    "延时服务很方便，下班后也能办",
    "材料一次性告知，没有多跑",
    "窗口人员专业，讲解清楚",
)
BAD_COMMENTS = (
    "等候时间太长，叫号太慢",
    "材料要求前后不一致，多跑了一趟",
    "工作人员态度冷淡",
    "系统故障，等了很久无法办理",
    "一次性告知不到位，需要补材料",
    "窗口开得太少，排队的人很多",
    "咨询电话一直打不通",
)
RECTIFICATION_NOTES = (
    "已电话回访致歉，高峰时段增开综合窗口",
    "已回访说明情况，完善一次性告知单",
    "已约谈窗口人员，纳入月度考核",
    "已协调系统厂商修复故障并回访",
    "已回访，群众表示理解，优化取号分流",
)


# --- 一件事一次办: packages of items filed as one application (issue 17) ---------------------
# Real packages of the provincial 一件事 lists (浙江 19 enterprise + 35 personal 一件事, 湖南's
# first 100 "一件事一次办"), each made of items above (by name): (bundle_id, name, lead
# department, items). Xiaoshan's 企业开办 one-day package took 853 applications in its first
# month; packages are a few percent of a hall's cases (BUNDLE_RATE).
BUNDLES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("YJS01", "开办餐饮店一件事", "D06",
     ("个体工商户设立登记", "食品经营许可", "公共场所卫生许可", "发票领用")),
    ("YJS02", "企业开办一件事", "D06",
     ("企业设立登记", "发票领用", "职工参保登记", "单位缴存登记")),
    ("YJS03", "新生儿出生一件事", "D04",
     ("出生登记", "基本医疗保险参保登记", "社会保障卡申领", "生育登记")),
    ("YJS04", "退休一件事", "D01",
     ("职工正常退休（职）申请", "住房公积金提取（离职）", "参保凭证打印")),
    ("YJS05", "不动产登记与水电气过户一件事", "D03",
     ("二手房转移登记", "二手房交易契税缴纳", "住房公积金提取（购房）")),
    ("YJS06", "新建商品房交房一件事", "D03",
     ("新建商品房首次转移登记", "抵押权首次登记", "住房公积金个人贷款")),
    ("YJS07", "军人退役一件事", "D01",
     ("户口迁入（投靠）", "就业登记", "基本养老保险关系转移接续", "医保关系转移接续")),
    ("YJS08", "残疾人服务一件事", "D13",
     ("残疾人两项补贴申领", "城乡居民养老保险参保登记", "最低生活保障申请")),
    ("YJS09", "公民身后一件事", "D04",
     ("死亡注销户口", "丧葬补助金、抚恤金申领", "殡葬补贴申领", "继承、受遗赠转移登记")),
    ("YJS10", "婚育一件事", "D09", ("结婚登记", "户口迁入（投靠）", "生育登记")),
    ("YJS11", "人才落户一件事", "D04",
     ("人才引进落户", "社会保障卡申领", "住房公积金提取（租房）")),
    ("YJS12", "失业一件事", "D01", ("失业保险金申领", "就业登记", "灵活就业人员参保登记")),
    ("YJS13", "开办药店一件事", "D06",
     ("企业设立登记", "药品零售企业许可", "医疗器械经营备案", "发票领用")),
    ("YJS14", "开办诊所一件事", "D10", ("医疗机构执业登记", "医师执业注册", "护士执业注册")),
    ("YJS15", "企业注销一件事", "D06", ("企业注销登记", "注销税务登记")),
    ("YJS16", "开办货运企业一件事", "D11",
     ("企业设立登记", "道路货物运输经营许可", "道路运输证配发")),
    ("YJS17", "网约车司机从业一件事", "D11", ("网络预约出租汽车驾驶员证", "灵活就业人员参保登记")),
    ("YJS18", "租房一件事", "D12", ("房屋租赁登记备案", "居住证申领", "住房公积金提取（租房）")),
    ("YJS19", "创业一件事", "D01",
     ("个体工商户设立登记", "创业担保贷款申请", "灵活就业人员参保登记")),
    ("YJS20", "企业变更一件事", "D06", ("企业变更登记", "税务登记信息变更")),
    ("YJS21", "转外就医一件事", "D02", ("异地就医备案", "门诊慢特病待遇认定")),
    ("YJS22", "居家养老一件事", "D13",
     ("高龄津贴申领", "养老服务补贴申请", "居家养老服务需求评估")),
    ("YJS23", "工伤一件事", "D01", ("工伤认定申请", "工伤保险待遇核定")),
    ("YJS24", "开办美容美发店一件事", "D06", ("个体工商户设立登记", "公共场所卫生许可")),
    ("YJS25", "二手房抵押贷款一件事", "D03",
     ("二手房转移登记", "抵押权首次登记", "住房公积金个人贷款")),
    ("YJS26", "困难群众救助一件事", "D13", ("最低生活保障申请", "临时救助申请")),
    ("YJS27", "个体户注销一件事", "D06", ("个体工商户注销登记", "税务登记信息变更")),
    ("YJS28", "灵活就业一件事", "D01",
     ("就业登记", "灵活就业人员参保登记", "灵活就业人员社保费核定")),
    ("YJS29", "建设项目开工一件事", "D12", ("建筑工程施工许可", "占用、挖掘公路许可")),
    ("YJS30", "房产继承一件事", "D03", ("继承、受遗赠转移登记", "开具完税证明")),
)  # fmt: skip
# the chance that a case of an item some package contains is filed as that package instead
BUNDLE_RATE = 0.03
