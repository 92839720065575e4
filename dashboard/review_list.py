"""The bad reviews' list on 好差评: one row of text per review, built column by column in
polars (a city's year holds some 15 thousand bad reviews: a Python loop over them took 0.6 s
on every rerun of the page)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from i18n.text import t

WHEN = "%Y-%m-%d %H:%M"  # as i18n.text.datetime_text writes a moment


def when_text(column: str | pl.Expr) -> pl.Expr:
    """`datetime_text` of a column of moments: "—" where there is none."""
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.dt.strftime(WHEN).fill_null("—")


def status_text(done: pl.Expr, on_time: str, known: str, overdue: pl.Expr, lang: str) -> pl.Expr:
    """Where a return call or a rectification stands: done on time or late, overdue (past its
    deadline, or known to be late whatever happens), or pending."""
    return (
        pl.when(done.is_not_null())
        .then(
            pl.when(pl.col(on_time))
            .then(pl.lit(t("ev.st.on_time", lang)))
            .otherwise(pl.lit(t("ev.st.late", lang)))
        )
        .when(overdue | pl.col(known))
        .then(pl.lit(t("ev.st.overdue", lang)))
        .otherwise(pl.lit(t("ev.st.pending", lang)))
    )


def named(column: str, names: dict[str, str], missing: str | None) -> pl.Expr:
    """The name of each id (`missing` for an id without one, or the id itself when None)."""
    default = pl.col(column) if missing is None else pl.lit(missing)
    text = pl.col(column).replace_strict(names, default=default, return_dtype=pl.String)
    return text if missing is None else text.fill_null(missing)


def coded(column: str, key: str, values: pl.Series, lang: str) -> pl.Expr:
    """A coded column (rating, channel) as its text: the catalog's entry for each value."""
    texts = {v: t(f"{key}.{v}", lang) for v in values.unique().drop_nulls().to_list()}
    return pl.col(column).replace_strict(texts, default=None, return_dtype=pl.String)


def review_table(
    frame: pl.DataFrame, ref: dict[str, pl.DataFrame], as_of: dt.datetime, lang: str
) -> pl.DataFrame:
    """One row per bad review (`metrics.engine.bad_review_status`'s frame); a call or
    rectification after as_of counts as not yet done, as in the figures above the list."""

    def names(table: str, key: str, name: str) -> dict[str, str]:
        return dict(zip(ref[table][key], ref[table][name], strict=True))

    def by_as_of(column: str) -> pl.Expr:
        return pl.when(pl.col(column) <= as_of).then(pl.col(column))

    revisited, rectified = by_as_of("revisited_at"), by_as_of("rectified_at")
    comment = pl.col("comment")
    return frame.select(
        when_text("evaluated_at").alias(t("ev.at", lang)),
        coded("rating", "rating", frame["rating"], lang).alias(t("ev.rating", lang)),
        status_text(revisited, "revisit_on_time", "revisit_known", pl.lit(False), lang).alias(
            t("ev.revisit", lang)
        ),
        when_text("revisit_due").alias(t("ev.revisit_due", lang)),
        status_text(rectified, "rectify_on_time", "rectify_known", pl.col("overdue"), lang).alias(
            t("ev.rectify", lang)
        ),
        when_text("rectify_due").alias(t("ev.rectify_due", lang)),
        named("hall_id", names("halls", "hall_id", "name"), None).alias(t("f.hall", lang)),
        named("window_id", names("windows", "window_id", "label"), "—").alias(t("tk.window", lang)),
        named("staff_id", names("staff", "staff_id", "name"), "—").alias(t("tk.staff", lang)),
        pl.when(comment.is_null() | (comment == ""))
        .then(pl.lit("—"))
        .otherwise(comment)
        .alias(t("ev.comment", lang)),
        named("item_id", names("items", "item_id", "name"), "—").alias(t("cs.item", lang)),
        coded("channel", "code.channel", frame["channel"], lang).alias(t("cs.channel", lang)),
        when_text(revisited).alias(t("ev.revisited", lang)),
        when_text(rectified).alias(t("ev.rectified", lang)),
        pl.col("rectification_note").fill_null("").alias(t("ev.note", lang)),
    )
