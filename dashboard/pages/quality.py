"""数据质量 — `hall quality` in the browser: rows that are possible but wrong, and soft links
that point nowhere, each with how many and a few example ids to look up."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import cached, state
from dashboard.components import demo_banner
from dashboard.widgets import filter_bar, page_now, require_schema, table_height
from i18n.text import TEXT, t

lang = state.lang()
url = state.db_url()
st.title(t("nav.quality", lang))
require_schema(url, lang)
demo_banner(url, lang)
st.caption(t("q.intro", lang))

# the whole database, unless the link asks for a period
whole_default = st.session_state.get("quality.whole", "period" not in st.query_params)
whole = st.toggle(t("q.whole", lang), value=whole_default, key="quality.whole")
if whole:
    first = last = None
    as_of = page_now(url)  # shifts still to come or being worked are not findings yet
else:
    view = filter_bar(url, lang, "quality", levels=())
    first, last, as_of = view.period.first, view.period.last, view.period.as_of

with st.spinner(t("busy", lang)):
    findings = cached.quality(url, first, last, as_of)

problems = [f for f in findings if f["count"]]
c1, c2 = st.columns(2)
c1.metric(t("q.checks", lang), f"{len(findings)}")
c2.metric(t("q.found", lang), f"{sum(f['count'] for f in problems):,}", border=False)
if not problems:
    st.success(t("q.clean", lang), icon=":material/check_circle:")


def label(finding: dict) -> str:
    key = f"q.{finding['key']}"
    return t(key, lang) if key in TEXT else finding["label"]


frame = pl.DataFrame(
    {
        t("q.finding", lang): [label(f) for f in findings],
        t("col.table", lang): [t(f"table.{f['table']}", lang) for f in findings],
        t("col.rows", lang): [f["count"] for f in findings],
        t("q.examples", lang): [", ".join(f["examples"]) or "—" for f in findings],
        t("q.key", lang): [f["key"] for f in findings],
    }
).sort(t("col.rows", lang), descending=True)
st.dataframe(
    frame,
    hide_index=True,
    width="stretch",
    height=table_height(frame.height),
    column_config={t("col.rows", lang): st.column_config.NumberColumn(format="localized")},
    key="quality.table",
)
st.caption(t("q.how", lang))
