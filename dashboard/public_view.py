"""The public page's look (`/public`): one card per hall, readable on a phone.

No Streamlit here: figures in, HTML out. Everything shown is a hall's or a queue's name, a
count or a number of minutes: nothing about a person.
"""

from __future__ import annotations

from html import escape

import polars as pl

from i18n.text import t
from metrics.public import PublicBoard

CSS = """
<style>
header[data-testid="stHeader"], [data-testid="stSidebar"],
[data-testid="stSidebarCollapsedControl"], [data-testid="stToolbar"],
[data-testid="stDecoration"], footer { display: none !important; }
[data-testid="stMainBlockContainer"] { max-width: 760px; padding: 0.8rem 0.8rem 2rem 0.8rem; }
.pw-title { font-size: 1.35rem; font-weight: 700; color: #17202e; margin: 0.2rem 0 0 0; }
.pw-sub { font-size: 0.85rem; color: #5b677a; }
.pw-card { border: 1px solid #d9dee7; border-radius: 0.7rem; padding: 0.7rem 0.85rem;
  margin: 0 0 0.7rem 0; background: #fff; }
.pw-card.pw-d1 { margin-left: 0.6rem; } .pw-card.pw-d2 { margin-left: 1.2rem; }
.pw-head { display: flex; justify-content: space-between; align-items: baseline; gap: 0.5rem; }
.pw-name { font-size: 1.1rem; font-weight: 700; color: #17202e; }
.pw-level { font-size: 0.8rem; color: #5b677a; margin-top: 0.1rem; }
.pw-badge { font-size: 0.85rem; font-weight: 700; padding: 0.15rem 0.55rem; border-radius: 1rem;
  white-space: nowrap; }
.pw-open { background: #e3f6ef; color: #007a5a; }
.pw-closed { background: #eceff3; color: #5b677a; }
.pw-table { width: 100%; border-collapse: collapse; margin-top: 0.45rem; font-size: 0.95rem; }
.pw-table th { text-align: left; font-weight: 500; color: #5b677a; font-size: 0.8rem;
  border-bottom: 1px solid #e6e9ef; padding: 0.2rem 0.1rem; }
.pw-table td { padding: 0.3rem 0.1rem; border-bottom: 1px solid #f0f2f5; color: #17202e; }
.pw-table td.pw-n { text-align: right; font-variant-numeric: tabular-nums; font-weight: 600;
  white-space: nowrap; }
.pw-table th.pw-n { text-align: right; }
.pw-long { color: #b54708; }
.pw-note { font-size: 0.8rem; color: #5b677a; line-height: 1.45; }
</style>
"""
LONG_WAIT_MIN = 30.0


def _minutes(value: float | None, lang: str) -> str:
    if value is None:
        return t("pub.wait.unknown", lang)
    if value < 1:
        return t("pub.wait.none", lang)
    return t("pub.wait.min", lang, n=round(value))


def hall_card(hall: dict, queues: pl.DataFrame, lang: str) -> str:
    """One hall: name, level, open or closed now, and its queues' waiting and expected wait."""
    is_open = bool(hall["is_open"])
    badge = (
        f'<span class="pw-badge pw-open">{escape(t("pub.open", lang))}</span>'
        if is_open
        else f'<span class="pw-badge pw-closed">{escape(t("pub.closed", lang))}</span>'
    )
    level = t(f"level.{hall['level']}", lang) if hall["level"] else ""
    rows = []
    for q in queues.iter_rows(named=True):
        expected = q["expected_min"]
        long = expected is not None and expected >= LONG_WAIT_MIN
        rows.append(
            f"<tr><td>{escape(q['name'])}</td>"
            f'<td class="pw-n">{t("pub.people", lang, n=q["waiting"])}</td>'
            f'<td class="pw-n{" pw-long" if long else ""}">'
            f"{escape(_minutes(expected, lang))}</td></tr>"
        )
    table = (
        '<table class="pw-table"><thead><tr>'
        f"<th>{escape(t('pub.col.queue', lang))}</th>"
        f'<th class="pw-n">{escape(t("pub.col.waiting", lang))}</th>'
        f'<th class="pw-n">{escape(t("pub.col.expected", lang))}</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        if rows
        else f'<div class="pw-note">{escape(t("pub.no_queues", lang))}</div>'
    )
    depth = min(int(hall["depth"] or 0), 2)
    return (
        f'<div class="pw-card pw-d{depth}" data-hall="{escape(hall["hall_id"])}">'
        f'<div class="pw-head"><div><div class="pw-name">{escape(hall["name"])}</div>'
        f'<div class="pw-level">{escape(level)} · '
        f"{escape(t('pub.waiting_total', lang, n=hall['waiting']))}</div></div>{badge}</div>"
        f"{table}</div>"
    )


def board_html(board: PublicBoard, lang: str) -> str:
    cards = [
        hall_card(h, board.queues.filter(pl.col("hall_id") == h["hall_id"]), lang)
        for h in board.halls.iter_rows(named=True)
    ]
    return "".join(cards)


def footer_html(board: PublicBoard, lang: str) -> str:
    times = sorted({n.strftime("%H:%M") for n in board.halls["now"].to_list() if n is not None})
    return (
        f'<div class="pw-note">{escape(t("pub.updated", lang, time=" / ".join(times)))}<br>'
        f"{escape(t('pub.definition', lang, minutes=f'{board.recent_min:g}'))}</div>"
    )


def title_html(lang: str) -> str:
    """The page's title, and the other language's under it (Chinese first)."""
    other = "en" if lang == "zh" else "zh"
    return (
        f'<div class="pw-title">{escape(t("pub.title", lang))}</div>'
        f'<div class="pw-sub">{escape(t("pub.title", other))}</div>'
    )
