"""15分钟服务圈 — the 区-街道-社区 network: each level's share of tickets and cases (下沉率), each
station's volume, waits and satisfaction rolled up the tree, halls beside their peers of the
same level, and which items each level handles, so a director sees what could move closer to
residents. Everything inside the reader's scope (a street's director: the street and its
stations)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from charts.network import level_share_bars, tree_sunburst
from dashboard import network_data
from dashboard.widgets import analysis_page, chart, empty_note
from i18n.text import t
from metrics import network as net

lang, url, view = analysis_page("network", "net.intro", levels=())
p = view.period

with st.spinner(t("busy", lang)):
    halls, partials, items = network_data.network(url, p.first, p.last, p.as_of)
if halls.is_empty():
    empty_note(t("net.no_halls", lang))
    st.stop()

levels = {lv: t(f"level.{lv}", lang) for lv in (*net.LEVELS, "unknown")}
names = dict(zip(halls["hall_id"], halls["name"], strict=True))
shares = net.level_shares(halls, partials)
rate = net.sinking_rate(shares)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def minutes(value: float | None) -> str:
    return "—" if value is None else t("net.min", lang, n=value)


k1, k2, k3, k4 = st.columns(4)
k1.metric(t("net.sink", lang), pct(rate["demand"]), help=t("net.sink.help", lang), border=True)
k2.metric(t("net.sink.tickets", lang), pct(rate["tickets"]), border=True)
k3.metric(t("net.sink.cases", lang), pct(rate["cases"]), border=True)
k4.metric(
    t("net.halls", lang),
    " + ".join(str(n) for n in shares["halls"].to_list()),
    help=" + ".join(levels.get(lv, lv) for lv in shares["level"].to_list()),
    border=True,
)

st.subheader(t("net.levels", lang))
level_table = pl.DataFrame(
    {
        t("net.col.level", lang): [levels.get(lv, lv) for lv in shares["level"]],
        t("net.col.halls", lang): shares["halls"],
        t("net.col.issued", lang): shares["issued"],
        t("net.col.ticket_share", lang): shares["ticket_share"],
        t("net.col.accepted", lang): shares["accepted"],
        t("net.col.case_share", lang): shares["case_share"],
        t("net.col.demand_share", lang): shares["demand_share"],
        t("net.col.wait", lang): shares["wait_mean_min"].round(1),
        t("net.col.satisfaction", lang): shares["satisfaction_rate"],
    }
)
percent = st.column_config.NumberColumn(format="percent")
left, right = st.columns([3, 2])
with left:
    st.dataframe(
        level_table,
        hide_index=True,
        width="stretch",
        column_config={
            t(k, lang): percent
            for k in (
                "net.col.ticket_share",
                "net.col.case_share",
                "net.col.demand_share",
                "net.col.satisfaction",
            )
        },
    )
with right:
    chart(
        level_share_bars(
            shares,
            levels,
            {
                "ticket_share": t("net.col.ticket_share", lang),
                "case_share": t("net.col.case_share", lang),
            },
            t("net.levels.chart", lang),
        ),
        None,
        lang,
        "net.levels",
    )

st.subheader(t("net.tree", lang))
st.caption(t("net.tree.help", lang))
rolled = net.rolled_up(halls, partials)
tree_table = pl.DataFrame(
    {
        t("net.col.hall", lang): [
            "\u3000" * d + ("└ " if d else "") + n
            for d, n in zip(rolled["depth"], rolled["name"], strict=True)
        ],
        t("net.col.level", lang): [levels.get(lv or "unknown", lv) for lv in rolled["level"]],
        t("net.col.stations", lang): rolled["stations"],
        t("net.col.issued_tree", lang): rolled["issued"],
        t("net.col.issued_own", lang): rolled["own_issued"],
        t("net.col.served", lang): rolled["served"],
        t("net.col.wait", lang): rolled["wait_mean_min"].round(1),
        t("net.col.satisfaction", lang): rolled["satisfaction_rate"],
        t("net.col.accepted_tree", lang): rolled["accepted"],
    }
)
left, right = st.columns([3, 2])
with left:
    st.dataframe(
        tree_table,
        hide_index=True,
        width="stretch",
        column_config={t("net.col.satisfaction", lang): percent},
    )
with right:
    chart(tree_sunburst(rolled, names, t("net.tree.chart", lang)), None, lang, "net.tree")

st.subheader(t("net.peers", lang))
st.caption(t("net.peers.help", lang))
peers = net.peers(halls, partials)
st.dataframe(
    pl.DataFrame(
        {
            t("net.col.level", lang): [levels.get(lv, lv) for lv in peers["level"]],
            t("net.col.hall", lang): peers["name"],
            t("net.col.issued", lang): peers["issued"],
            t("net.col.share_of_level", lang): peers["share_of_level"],
            t("net.col.accepted", lang): peers["accepted"],
            t("net.col.wait", lang): peers["wait_mean_min"].round(1),
            t("net.col.wait_vs", lang): peers["wait_vs_level"].round(1),
            t("net.col.satisfaction", lang): peers["satisfaction_rate"],
            t("net.col.satisfaction_vs", lang): (peers["satisfaction_vs_level"] * 100).round(1),
        }
    ),
    hide_index=True,
    width="stretch",
    column_config={
        t("net.col.share_of_level", lang): percent,
        t("net.col.satisfaction", lang): percent,
    },
)

st.subheader(t("net.items", lang))
st.caption(t("net.items.help", lang, share=f"{net.MOVABLE_MIN_SHARE:.0%}"))
per_item = net.level_items(halls, items)
if per_item.is_empty():
    empty_note(t("net.items.none", lang))
else:
    movable = per_item.filter(pl.col("movable"))
    if movable.height:
        st.success(
            t("net.items.movable", lang, items="、".join(movable["item_name"].head(8).to_list())),
            icon=":material/moving:",
        )
    columns = {t("net.col.item", lang): per_item["item_name"]}
    for lv in net.LEVELS:
        columns[f"{levels[lv]} · {t('net.col.cases', lang)}"] = per_item[f"cases_{lv}"]
        columns[f"{levels[lv]} · {t('net.col.tickets', lang)}"] = per_item[f"tickets_{lv}"]
    columns[t("net.col.lower_share", lang)] = per_item["lower_share"]
    columns[t("net.col.halls_lower", lang)] = per_item["halls_lower"]
    columns[t("net.col.movable", lang)] = [
        t("net.movable.yes", lang) if m else "" for m in per_item["movable"]
    ]
    st.dataframe(
        pl.DataFrame(columns),
        hide_index=True,
        width="stretch",
        column_config={t("net.col.lower_share", lang): percent},
    )
