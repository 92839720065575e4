"""Turning export text into typed values, vectorised in polars.

Each parser takes a string expression (already stripped, empty as null) and returns the typed
expression: null where the text is not a value of that type. `shape_ok` tells malformed text
(not a timestamp at all) from an impossible one (2026-02-30, 25:00) so messages can say which.

Accepted timestamps: `2026-03-02 09:14:05`, `2026-03-02T09:14`, `2026/3/2 9:14`,
`2026.03.02 09:14:05.123`, `2026年3月2日 9时14分`, `20260302091405`, Excel serial days
(`46083.3848`), and any of these with an offset (`+08:00`, `+0800`, `Z`), which is converted to
the hall's own time zone.
"""

from __future__ import annotations

import polars as pl

_SEP = r"[-/.年]"
_SEP2 = r"[-/.月]"
_TIME = r"(?:[ T]*(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:\.(\d{1,6}))?秒?)?分?)?"
_OFFSET = r"\s*(Z|z|[+-]\d{2}:?\d{2})?"
DATETIME_RE = rf"^(\d{{4}}){_SEP}(\d{{1,2}}){_SEP2}(\d{{1,2}})日?{_TIME}{_OFFSET}$"
COMPACT_RE = r"^(\d{4})(\d{2})(\d{2})(?:[ T]?(\d{2}):?(\d{2})(?::?(\d{2}))?)?()" + _OFFSET + "$"
EXCEL_SERIAL_RE = r"^[1-9]\d{4}(?:\.\d+)?$"  # days since 1899-12-30: 1927 … 2173
TIME_RE = r"^(次日|\+1)?\s*(\d{1,2})[:：时](\d{2})(?:[:：分](\d{2}))?秒?$"

_EXCEL_EPOCH = pl.datetime(1899, 12, 30)
YEARS = (1970, 2099)  # outside these a timestamp of a service hall is a typo (0026, 9999)


def _pad(e: pl.Expr, default: str = "0") -> pl.Expr:
    return e.fill_null(default).str.zfill(2)


def _from_groups(text: pl.Expr, pattern: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(naive datetime, matched, offset text) from a date-time regex with 8 groups."""
    g = text.str.extract_groups(pattern)
    canonical = pl.concat_str(
        g.struct.field("1"),
        pl.lit("-"),
        _pad(g.struct.field("2")),
        pl.lit("-"),
        _pad(g.struct.field("3")),
        pl.lit(" "),
        _pad(g.struct.field("4")),
        pl.lit(":"),
        _pad(g.struct.field("5")),
        pl.lit(":"),
        _pad(g.struct.field("6")),
    )
    naive = canonical.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us")
    # chrono reads second 60 as a leap second and rolls it over; a clock never shows it
    leap = g.struct.field("6").cast(pl.Int32, strict=False) > 59
    naive = pl.when(leap.fill_null(False)).then(None).otherwise(naive)
    return naive, g.struct.field("1").is_not_null(), g.struct.field("8")


def _offset_minutes(offset: pl.Expr) -> pl.Expr:
    digits = offset.str.replace(":", "")
    sign = pl.when(digits.str.slice(0, 1) == "-").then(-1).otherwise(1)
    hours = digits.str.slice(1, 2).cast(pl.Int64, strict=False)
    minutes = digits.str.slice(3, 2).cast(pl.Int64, strict=False)
    return (
        pl.when(offset.str.to_lowercase() == "z").then(0).otherwise(sign * (hours * 60 + minutes))
    )


def datetime_expr(
    text: pl.Expr,
    tz: pl.Expr | str = "Asia/Shanghai",
    fmt: str | None = None,
    timezones: tuple[str, ...] = (),
) -> tuple[pl.Expr, pl.Expr]:
    """(parsed, shape_ok): the hall-local naive datetime, and whether the text looked like one.

    `tz` gives each row's time zone for values with an offset; `timezones` lists the distinct
    zones that can occur (one `when` branch each: polars converts per expression, not per row).
    """
    naive1, ok1, off1 = _from_groups(text, DATETIME_RE)
    naive2, ok2, off2 = _from_groups(text, COMPACT_RE)
    serial = text.str.contains(EXCEL_SERIAL_RE)
    excel = (
        _EXCEL_EPOCH + pl.duration(seconds=(text.cast(pl.Float64, strict=False) * 86_400).round(0))
    ).dt.cast_time_unit("us")
    naive = pl.coalesce(naive1, naive2, pl.when(serial).then(excel))
    offset = pl.coalesce(off1, off2)
    shape = ok1 | ok2 | serial
    utc = naive - pl.duration(minutes=_offset_minutes(offset).fill_null(0))
    has_offset = offset.is_not_null()
    if fmt:
        custom = text.str.to_datetime(fmt, strict=False, time_unit="us")
        if "%z" in fmt or "%Z" in fmt:  # polars gives UTC: convert like any offset value
            custom = custom.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            utc = pl.coalesce(custom, utc)
            has_offset = custom.is_not_null() | has_offset
        naive = pl.coalesce(custom, naive)
        shape = shape | custom.is_not_null()
    zones = timezones or ((tz,) if isinstance(tz, str) else ("Asia/Shanghai",))
    zone_expr = pl.lit(tz) if isinstance(tz, str) else tz
    converted = None
    for zone in zones:
        local = utc.dt.replace_time_zone("UTC").dt.convert_time_zone(zone)
        local = local.dt.replace_time_zone(None)
        converted = (
            pl.when(zone_expr == zone).then(local)
            if converted is None
            else converted.when(zone_expr == zone).then(local)
        )
    with_offset = converted.otherwise(None) if converted is not None else pl.lit(None)
    parsed = pl.when(~has_offset.fill_null(False)).then(naive).otherwise(with_offset)
    return parsed.dt.truncate("1s"), shape.fill_null(False)


def time_of_day_expr(text: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(time, shape_ok, next_day) for a clock time like `8:52`, `08:52:10`, `次日 01:30`."""
    g = text.str.extract_groups(TIME_RE)
    canonical = pl.concat_str(
        _pad(g.struct.field("2")),
        pl.lit(":"),
        _pad(g.struct.field("3")),
        pl.lit(":"),
        _pad(g.struct.field("4")),
    )
    matched = g.struct.field("2").is_not_null()
    parsed = pl.when(matched).then(canonical.str.to_time("%H:%M:%S", strict=False))
    return parsed, matched, g.struct.field("1").is_not_null()


def date_expr(text: pl.Expr, fmt: str | None = None) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(date, shape_ok, has_time): `has_time` marks a date-time whose clock is not midnight."""
    stamp, shape = datetime_expr(text, fmt=fmt)
    has_time = stamp.dt.time() != pl.time(0)
    return stamp.dt.date(), shape, has_time.fill_null(False)


def int_expr(text: pl.Expr) -> pl.Expr:
    """Whole numbers; `3.0` (a number cell exported from Excel) counts, `3.5` does not."""
    ok = text.str.contains(r"^[+-]?\d{1,9}(?:\.0+)?$")
    return pl.when(ok).then(text.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False))
