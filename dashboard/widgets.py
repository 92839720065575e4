"""Pieces of the analysis pages: the filter bar kept in the URL, KPI tiles with the previous
period beside them, and charts that can show their data."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import NamedTuple

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from access.scope import Scope
from charts import theme
from charts.spark import sparkline, svg_image
from dashboard import auth, cached, state
from dashboard.together import side_by_side
from i18n.text import plain, scope_text, t
from metrics.catalog import BY_KEY, SECTIONS, Metric
from metrics.periods import PERIODS, Period, delta_color, delta_text, now, previous, resolve
from reports.cells import csv_safe

DEFAULT_PERIOD = "this_week"
# a running period is judged at "now" floored to this many minutes: one cached computation
# serves every visitor and rerun in that span (cached.TTL_SECONDS is as long)
REFRESH_MIN = 5
SPARK_STYLE = "display:block;width:100%;height:3rem"  # a tile's sparkline, under its delta
PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
# filters the URL carries, in the order they appear
URL_KEYS = ("period", "from", "to", "hall", "dept", "window", "staff")


@dataclass(frozen=True)
class View:
    """What a page shows: the period (and the one before it), the filters, the language."""

    kind: str
    period: Period
    before: Period
    filters: tuple[tuple[str, str], ...]
    lang: str

    def get(self, name: str) -> str | None:
        return dict(self.filters).get(name)

    def link_params(self, **extra: str | None) -> dict[str, str]:
        """Query parameters that open another page on this view (plus `extra`)."""
        params = {"period": self.kind, "lang": self.lang}
        if self.kind == "custom":
            params["from"] = self.period.first.isoformat()
            params["to"] = self.period.last.isoformat()
        names = {"hall": "hall", "department": "dept", "window": "window", "staff": "staff"}
        for name, value in self.filters:
            params[names[name]] = value
        for key, value in extra.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        return params

    def query(self, **extra: str | None) -> str:
        from urllib.parse import urlencode

        return urlencode(self.link_params(**extra))


def url_param(name: str) -> str | None:
    """A filter from the URL, else the one this session last chose (the URL is cleared when
    the sidebar switches page)."""
    value = st.query_params.get(name)
    if value:
        return value
    return st.session_state.get(f"filter.{name}")


def remember(name: str, value: str | None) -> None:
    st.session_state[f"filter.{name}"] = value
    if value:
        if st.query_params.get(name) != value:
            st.query_params[name] = value
    elif name in st.query_params:
        del st.query_params[name]


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


# the URL parameters that name a thing a scope may or may not include, and its reference list
SCOPED_PARAMS = {
    "hall": ("halls", "hall_id"),
    "dept": ("departments", "dept_id"),
    "window": ("windows", "window_id"),
    "staff": ("staff", "staff_id"),
}


def scope_guard(url: str, lang: str) -> None:
    """Refuse a URL that names a hall, department, window or staff member outside the reader's
    scope (`?hall=`, `?dept=`, `?window=`, `?staff=`): a clear 无权查看 message and nothing
    else of the page. The lists checked against are the scope's own (`cached.reference` runs
    in it), so a crafted link never reaches the data; the unrestricted scope keeps the pages'
    old leniency (an unknown id is ignored)."""
    who = state.scope()
    everything = who.hall_ids is None and who.dept_ids is None and who.staff_id is None
    ref = cached.reference(url)
    for param, (table, column) in SCOPED_PARAMS.items():
        value = st.query_params.get(param)
        if value and value not in set(ref[table][column]):
            what = plain(f"?{param}={value}")  # a crafted value is shown, never rendered
            if everything:  # nothing is hidden from this reader: the link is simply wrong
                st.error(t("url.unknown", lang, what=what), icon=":material/link_off:")
            else:
                st.error(t("scope.denied", lang, what=what, scope=scope_text(who, lang)))
            st.stop()


def ignore_bad(param: str, value: str | None, allowed, lang: str) -> str | None:
    """`value` of URL parameter `param` when it is one of `allowed`; else None, with a note
    naming it (as plain text) when the URL carried it."""
    if value is None or value in allowed:
        return value
    if st.query_params.get(param) == value:
        st.warning(
            t("url.ignored", lang, what=plain(f"?{param}={value}")), icon=":material/link_off:"
        )
    return None


# the dates a link may ask for: nothing before this, nothing after the hall's today
EARLIEST = dt.date(2000, 1, 1)


def url_dates(today: dt.date, lang: str) -> tuple[dt.date | None, dt.date | None]:
    """`?from=` and `?to=` as dates inside EARLIEST … today: a date out of range is clamped,
    one that is not a date is dropped, and either is said in a note (as plain text)."""
    texts = [url_param("from"), url_param("to")]
    dates = []
    for text in texts:
        value = _date(text)
        if value is not None:
            value = min(max(value, EARLIEST), today)
        dates.append(value)
    changed = [
        text
        for text, value in zip(texts, dates, strict=True)
        if text and (value is None or value.isoformat() != text)
    ]
    if changed:
        what = plain(f"?from={texts[0] or ''}&to={texts[1] or ''}")
        st.warning(
            t("url.dates", lang, what=what, first=EARLIEST, last=today),
            icon=":material/date_range:",
        )
    return dates[0], dates[1]


def filter_bar(
    url: str,
    lang: str,
    page: str,
    levels: tuple[str, ...] = ("hall", "dept"),
    hall: str | None = None,
) -> View:
    """Period and hall (and department) pickers at the top of a page, kept in the URL
    (`period`, `from`, `to`, `hall`, `dept`); returns the view they describe.

    A running period ("today", "this week") runs on the hall's clock: the chosen hall's zone,
    `hall`'s for a page about one hall without a hall picker, else the network's. A URL
    naming something outside the reader's scope stops the page (`scope_guard`)."""
    scope_guard(url, lang)
    ref = cached.reference(url)
    cols = st.columns([4.6, 1.5, 1.5, 1.5])

    filters: dict[str, str] = {}
    if "hall" in levels:
        halls = ref["halls"]
        hall_names = dict(zip(halls["hall_id"], halls["name"], strict=True))
        chosen_hall = url_param("hall")
        chosen_hall = chosen_hall if chosen_hall in hall_names else ""
        key = f"{page}.hall"
        if key not in st.session_state:
            st.session_state[key] = chosen_hall
        chosen_hall = cols[2].selectbox(
            t("f.hall", lang),
            ["", *hall_names],
            format_func=lambda h: hall_names.get(h, t("f.all_halls", lang)),
            key=key,
        )
        remember("hall", chosen_hall)
        if chosen_hall:
            filters["hall"] = hall = chosen_hall
    if "dept" in levels:
        depts = _departments_of(ref, filters.get("hall"))
        dept = url_param("dept")
        dept = dept if dept in depts else ""
        key = f"{page}.dept"
        if key not in st.session_state or st.session_state[key] not in ("", *depts):
            st.session_state[key] = dept
        dept = cols[3].selectbox(
            t("f.dept", lang),
            ["", *depts],
            format_func=lambda d: depts.get(d, t("f.all_depts", lang)),
            key=key,
        )
        remember("dept", dept)
        if dept:
            filters["department"] = dept

    current = page_now(url, hall)
    kind = ignore_bad("period", url_param("period"), PERIODS, lang) or DEFAULT_PERIOD
    key = f"{page}.period"
    if key not in st.session_state:
        st.session_state[key] = kind
    chosen = cols[0].segmented_control(
        t("f.period", lang),
        PERIODS,
        format_func=lambda k: t(f"period.{k}", lang),
        key=key,
    )
    kind = chosen or kind
    remember("period", kind)

    first, last = url_dates(current.date(), lang) if kind == "custom" else (None, None)
    if kind == "custom":
        if first is None or last is None:
            last = current.date()
            first = last - dt.timedelta(days=29)
        key = f"{page}.range"
        if key not in st.session_state:
            st.session_state[key] = (first, last)
        picked = cols[1].date_input(
            t("f.range", lang),
            key=key,
            format="YYYY-MM-DD",
            min_value=EARLIEST,
            max_value=current.date(),
        )
        if isinstance(picked, tuple) and len(picked) == 2:
            first, last = picked
        remember("from", first.isoformat())
        remember("to", last.isoformat())
    else:
        remember("from", None)
        remember("to", None)
    period = resolve(kind, current, first, last)
    before = previous(kind, period)
    st.caption(period_caption(kind, period, before, lang))
    return View(kind, period, before, tuple(sorted(filters.items())), lang)


def page_now(url: str, hall: str | None = None) -> dt.datetime:
    """The hall's now (the network's for a page of several halls), down to REFRESH_MIN
    minutes: the as_of a page reads at, the same for every reader for a few minutes."""
    current = now(cached.zone_of(url, hall))
    return current - dt.timedelta(minutes=current.minute % REFRESH_MIN)


def period_figures(
    url: str,
    view: View,
    filters: tuple | None = None,
    by_date: bool = True,
    sections: tuple[str, ...] = SECTIONS,
    keys: tuple[str, ...] | None = None,
    *,
    ahead: tuple[tuple, ...] = (),
) -> tuple[dict, dict, list[dict]]:
    """`compute` of the view's period, of the period before it, and per date of the period
    (inside it; empty without `by_date`), through the cache. `filters` default to the view's;
    `sections` are the ones the page shows (only their queries run); `keys`, when given, the
    figures it shows (only their partials are read; `metrics.engine.needs`). `ahead`: the
    page's later reads, each `(cached reader, *more arguments)`, called with the url, the
    period's first, last and as_of, the filters and those arguments, as the page calls it
    further down: run side by side with these, they are in the cache when the page gets there."""
    p, b = view.period, view.before
    f = view.filters if filters is None else filters
    scope = state.scope()  # resolved here, once, for every read's thread

    def read(reader, period: Period, *more):
        return functools.partial(reader, url, period.first, period.last, period.as_of, f, *more)

    reads = [
        read(cached.figures, p, None, sections, keys),
        read(cached.figures, b, None, sections, keys),
        *([read(cached.figures, p, "date", sections, keys)] if by_date else []),
        *(read(reader, p, *more) for reader, *more in ahead),
    ]
    now_figures, before_figures, *rest = side_by_side(
        [functools.partial(one, scope=scope) for one in reads]
    )
    return now_figures, before_figures, daily(rest[0], p) if by_date else []


def daily(result: dict, period: Period) -> list[dict]:
    """The date groups of a `compute(..., "date")` result inside the period: open cases are
    grouped by their acceptance day, which may lie before it."""
    first, last = period.first.isoformat(), period.last.isoformat()
    return [g for g in result["groups"] if first <= g["date"] <= last]


def _departments_of(ref: dict[str, pl.DataFrame], hall: str | None) -> dict[str, str]:
    """Departments with a window or queue in the hall (every department for all halls)."""
    depts = ref["departments"]
    if hall:
        present = set(ref["windows"].filter(pl.col("hall_id") == hall)["dept_id"].drop_nulls())
        present |= set(ref["queues"].filter(pl.col("hall_id") == hall)["dept_id"].drop_nulls())
        depts = depts.filter(pl.col("dept_id").is_in(sorted(present)))
    return dict(zip(depts["dept_id"], depts["name"], strict=True))


def _range_text(period: Period) -> str:
    if period.first == period.last:
        return period.first.isoformat()
    return f"{period.first.isoformat()} – {period.last.isoformat()}"


def period_caption(kind: str, period: Period, before: Period, lang: str) -> str:
    return t(
        "f.caption",
        lang,
        range=_range_text(period),
        as_of=period.as_of.strftime("%Y-%m-%d %H:%M"),
        before=_range_text(before),
    )


def kpi_tiles(
    keys: list[str],
    current: dict,
    before: dict | None,
    lang: str,
    per_row: int = 5,
    trends: dict[str, list] | None = None,
) -> None:
    """One st.metric per catalog key: the value, the change from the previous period
    coloured by the metric's direction, and an optional sparkline of the daily values (an SVG
    image, `charts.spark`: no chart library to load before the first tile shows)."""
    for start in range(0, len(keys), per_row):
        cols = st.columns(per_row)
        for col, key in zip(cols, keys[start : start + per_row], strict=False):
            metric = BY_KEY[key]
            value = current[metric.section][key]
            prior = before[metric.section][key] if before else None
            delta = delta_text(metric, value, prior, lang) if before else None
            spark = [v for v in (trends or {}).get(key, []) if v is not None]
            line = sparkline(
                spark, bars=metric.unit == "count", color=_trend_color(metric, value, prior)
            )
            tile = col.container(border=True, gap="small", height="stretch")
            tile.metric(
                metric.label(lang),
                metric.format(value, lang),
                delta,
                delta_color=delta_color(metric),
                help=t("kpi.before", lang, value=metric.format(prior, lang)) if before else None,
            )
            if line:
                alt = t("kpi.trend", lang, label=metric.label(lang))
                tile.html(svg_image(line, alt, style=SPARK_STYLE))


def _trend_color(metric: Metric, value: float | None, prior: float | None) -> str:
    """The sparkline in the delta's colour: better than the previous period green, worse
    red, grey when the metric has no better direction or there is nothing to compare."""
    if value is None or prior is None or not metric.direction or value == prior:
        return theme.NEUTRAL
    return theme.GOOD if (value > prior) == (metric.direction > 0) else theme.BAD


def chart(fig: go.Figure, data: pl.DataFrame | None, lang: str, key: str) -> None:
    """A figure in the template's colours, and its data in an expander (the table's toolbar
    downloads it as CSV)."""
    st.plotly_chart(fig, theme=None, config=PLOTLY_CONFIG, key=key)
    if data is not None:
        with st.expander(t("chart.data", lang), icon=":material/table:"):
            # as Arrow: Streamlit sends a table as is, a polars frame through pandas first
            # (a tenth of a second per page, every session and rerun, for the tables of its charts)
            st.dataframe(data.to_arrow(), hide_index=True, width="stretch", key=f"{key}.data")


def require_schema(url: str, lang: str) -> None:
    """Stop the page with the data page's message when the database has no schema yet."""
    from dashboard import data

    if not data.schema_ready(url):
        st.warning(t("data.no_schema", lang))
        st.stop()


def empty_note(text: str) -> None:
    st.info(text, icon=":material/info:")


def table_height(rows: int, cap: int | None = None) -> int:
    """Pixels for a st.dataframe to show `rows` rows and its header without scrolling, at most
    `cap` (then it scrolls)."""
    height = 36 * (rows + 1) + 4
    return height if cap is None else min(height, cap)


def scoped_csv(frame: pl.DataFrame, scope: Scope, lang: str) -> bytes:
    """A frame as the bytes of a CSV download: UTF-8 with BOM (Excel opens Chinese correctly),
    its first line a comment saying whose scope the rows were taken in (`# 数据范围：…`, as
    the weekly report says it on its cover and sheets), then the header and the rows. Every
    CSV the pages offer is made here."""
    line = "# " + t("rep.scope", lang, scope=scope_text(scope, lang))
    # text a spreadsheet would evaluate ("=HYPERLINK(…)") is escaped (reports.cells)
    return ("\ufeff" + line + "\n" + csv_safe(frame).write_csv()).encode("utf-8")


def csv_download(frame: pl.DataFrame, label: str, name: str, key: str) -> None:
    """A download button for a frame as a CSV of the reader's scope (`scoped_csv`)."""
    st.download_button(
        label,
        data=scoped_csv(frame, state.scope(), state.lang()),
        file_name=name,
        mime="text/csv",
        icon=":material/download:",
        key=key,
        on_click=auth.audit_download,
        args=(name, "download", frame.height),
    )


class Opening(NamedTuple):
    """What an analysis page knows once its opening is drawn."""

    lang: str
    url: str
    view: View


def analysis_page(page: str, caption_key: str | None = None, **filter_options) -> Opening:
    """The opening every analysis page shares: its title (`nav.<page>`), an optional caption,
    the schema check (stops the page on a database without tables), the demo banner and the
    filter bar (`filter_options` go to `filter_bar`).

        lang, url, view = analysis_page("cases")
    """
    from dashboard.components import demo_banner

    lang = state.lang()
    url = state.db_url()
    st.title(t(f"nav.{page}", lang))
    if caption_key:
        st.caption(t(caption_key, lang))
    require_schema(url, lang)
    demo_banner(url, lang)
    return Opening(lang, url, filter_bar(url, lang, page, **filter_options))
