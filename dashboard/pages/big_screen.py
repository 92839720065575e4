"""大屏 — the hall's live screen: no widgets, no scrolling, redraws itself every few seconds.

`/screen?hall=H01` is a bookmark for one hall (default: the first district centre); `&lang=en`
for English. Only the fragment below reruns on each refresh, so the page never reloads.
"""

from __future__ import annotations

import streamlit as st

from dashboard import auth, data, live_data, outage, screen_view, state
from i18n.text import plain, t
from metrics import live

lang = state.lang()
url = state.db_url()
st.html(screen_view.style_sheet(lang))

if not data.schema_ready(url):
    st.warning(t("data.no_schema", lang))
    st.stop()

halls = live_data.halls(url, scope=state.scope())
if halls.is_empty():
    st.info(t("data.empty", lang))
    st.stop()
hall_id = st.query_params.get("hall") or halls["hall_id"][0]
if hall_id not in set(halls["hall_id"]):
    # the URL's text is shown as the characters it is, never as Markdown (links, images)
    known = ", ".join(halls["hall_id"])
    st.error(t("screen.no_hall", lang, hall=plain(hall_id), halls=plain(known)))
    st.stop()
hall_name = halls.filter(halls["hall_id"] == hall_id)["name"][0]
demo = "demo_seed" in data.meta(url)
metric_settings, screen_settings = live_data.settings()
hall_zone = live_data.zone(url, hall_id)  # the screen runs on the hall's clock, not the server's


def read(now, who) -> tuple:
    """The screen's figures at `now`: live, the month's, today's forecast."""
    figures = live_data.live(url, hall_id, now, scope=who)
    month = live_data.period(url, hall_id, now, scope=who)
    return figures, month, live_data.hourly_forecast(url, hall_id, now.date(), scope=who)


@st.fragment(run_every=screen_settings.refresh_s)
def big_screen() -> None:
    try:
        if not auth.screen_still_valid():  # a revoked kiosk link stops at the next refresh
            return
    except outage.DB_DOWN:
        pass  # the link cannot be checked now: it was valid at the last refresh
    now = live.now(hall_zone)
    who = state.scope()
    key = ("screen", url, hall_id, who)
    down_since = None
    try:
        figures, month, forecast = read(now, who)
        outage.keep(key, (figures, month, forecast))
    except outage.DB_DOWN as exc:
        # no traceback on a public screen: the last good figures, greyed out, under a banner;
        # the next refresh tries again and the screen recovers by itself
        kept = outage.kept(key)
        outage.log_down(exc)
        if kept is None:
            st.html(screen_view.down_html(lang))
            return
        (figures, month, forecast), down_since = kept
    st.html(
        screen_view.header_html(
            hall_name,
            figures,
            demo,
            lang,
            screen_settings.refresh_s,
            screen_settings.stale_after_min,
            down_since,
        )
    )
    with st.container(key="bs-greyed" if down_since else "bs-body"):
        st.html(screen_view.kpi_html(figures, metric_settings, lang))
        left, middle, right = st.columns([4.1, 3.3, 2.6])
        with left:
            st.html(screen_view.hourly_html(figures, lang, forecast))
            st.html(screen_view.quality_html(figures, month, metric_settings, lang))
        with middle:
            st.html(screen_view.queues_html(figures, metric_settings, lang))
        with right:
            st.html(screen_view.ranking_html(month, lang))
            st.html(screen_view.calls_html(figures, lang))


big_screen()
