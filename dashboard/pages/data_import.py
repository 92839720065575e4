"""数据导入 — a manager uploads a vendor export, sees what was recognised, checks it, imports it.

Nothing is written until the manager confirms after a check of the same file, table and
options; the import itself is the one `hall import` runs (all-or-nothing unless bad rows are
to be skipped, one transaction, upsert by key).

An upload is written to a file of its own for each run of the page (the importer streams from
disk) and removed when the run ends, whether it imported, refused the file or failed: nothing
stays in the temporary folder. The uploader keeps the bytes between runs.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path

import polars as pl
import streamlit as st

from dashboard import auth, state
from i18n.text import t
from imports.contract import IMPORT_ORDER, table_spec
from imports.importer import FileRejected, ImportReport, import_file, inspect_file
from imports.mapping import MappingError, load_mapping_file, recognised_count, resolve_mapping
from imports.messages import note_text, reason_text, refusal_text, warning_text
from imports.personal import describe as personal_describe
from imports.personal import personal_headers
from imports.sources import SourceError, open_source, records
from queries.db import redact

UPLOAD_DIR = Path(tempfile.gettempdir()) / "hallpulse-uploads"
PREVIEW_ROWS = 20


STALE_S = 24 * 3600  # files left by a killed server are removed on a later upload


def digest_of(upload) -> str:
    return hashlib.sha256(upload.getvalue()).hexdigest()[:16]


def saved(upload) -> Path:
    """The uploaded bytes in a file of their own for this run (the importer streams from disk);
    the caller removes it with `discard` when the run ends."""
    UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    _remove_stale()
    fd, name = tempfile.mkstemp(
        prefix=f"{digest_of(upload)}-", suffix=Path(upload.name).suffix.lower(), dir=UPLOAD_DIR
    )
    with os.fdopen(fd, "wb") as fh:
        fh.write(upload.getvalue())
    return Path(name)


def discard(*paths: Path | None) -> None:
    for path in paths:
        if path is not None:
            path.unlink(missing_ok=True)


def _remove_stale() -> None:
    cutoff = time.time() - STALE_S
    for old in UPLOAD_DIR.iterdir():
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass


@st.cache_data(show_spinner=False)
def guess_table(_path: Path, name: str, digest: str) -> str | None:
    """The table whose columns the file's header matches best: all required columns found
    first, then the most columns recognised. Cached by the content's hash."""
    path = _path
    specs = [table_spec(x) for x in IMPORT_ORDER]

    def score(headers: list[str]) -> int:
        return max(recognised_count(spec, headers) for spec in specs)

    try:
        source = open_source(path, name, score)
    except SourceError:
        return None
    best, best_score = None, (False, 0)
    for spec in specs:
        mapping = resolve_mapping(spec, source.header)
        candidate = (not mapping.missing(spec), len(mapping.columns))
        if candidate > best_score:
            best, best_score = spec.name, candidate
    return best


def preview(path: Path, name: str, table: str, declared: dict | None, lang: str) -> None:
    spec, source, mapping = inspect_file(table, path, name, declared=declared)
    where = source.sheet or source.encoding or ""
    st.caption(t("imp.file_info", lang, format=source.format, where=where, line=source.header_line))
    if source.notes:
        notes = "；".join(note_text(n, lang) for n in source.notes)
        st.caption(t("imp.notes", lang, notes=notes))
    rows = mapping.describe(spec)
    how = {k: t(f"imp.how.{k}", lang) for k in ("preset", "file", "constant", "missing", "absent")}
    st.dataframe(
        pl.DataFrame(
            {
                t("imp.col.column", lang): [r["column"] for r in rows],
                t("imp.col.required", lang): ["✓" if r["required"] else "" for r in rows],
                t("imp.col.source", lang): [r["source"] or "—" for r in rows],
                t("imp.col.how", lang): [how[r["how"]] for r in rows],
            }
        ),
        hide_index=True,
        width="stretch",
        height=_fit(len(rows)),
    )
    personal = personal_headers(mapping.ignored)
    others = [h for h in mapping.ignored if h not in personal]
    if others:
        st.caption(t("imp.ignored", lang, columns="、".join(others)))
    if personal:
        st.info(
            t("imp.personal", lang, columns=personal_describe(personal, lang)),
            icon=":material/shield_person:",
        )
    sample = []
    for rec in records(source):
        sample.append(rec)
        if len(sample) >= PREVIEW_ROWS:
            break
    positions = dict(
        sorted(
            ((col, source.header.index(src)) for col, src in mapping.columns.items()),
            key=lambda item: item[1],  # in the file's own order
        )
    )
    st.markdown(f"**{t('imp.preview', lang, n=len(sample))}**")
    st.dataframe(
        pl.DataFrame(
            {
                t("imp.col.line", lang): [r.line for r in sample],
                **{
                    col: [r.fields[p] if p < len(r.fields) else "" for r in sample]
                    for col, p in positions.items()
                },
            }
        ),
        hide_index=True,
        width="stretch",
    )


def show_report(report: ImportReport, lang: str) -> None:
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("imp.rows_read", lang), f"{report.rows_read:,}")
    c2.metric(t("imp.rows_ok", lang), f"{report.rows_read - report.rejected:,}")
    c3.metric(t("imp.rows_rejected", lang), f"{report.rejected:,}")
    c4.metric(t("imp.warnings", lang), f"{sum(report.warnings.values()):,}")
    if report.problems:
        st.markdown(f"**{t('imp.problems', lang)}**")
        st.dataframe(
            pl.DataFrame(
                {
                    t("imp.col.line", lang): [p.line for p in report.problems],
                    t("imp.col.column", lang): [p.column or "—" for p in report.problems],
                    t("imp.col.value", lang): [p.value for p in report.problems],
                    t("imp.col.reason", lang): [
                        reason_text(p.reason, lang) for p in report.problems
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        if report.rejected_problem_total > len(report.problems):
            st.caption(t("imp.more", lang, n=report.rejected_problem_total))
    if report.warnings:
        st.markdown(f"**{t('imp.quality', lang)}**")
        st.dataframe(
            pl.DataFrame(
                {
                    t("imp.col.finding", lang): [warning_text(k, lang) for k in report.warnings],
                    t("imp.col.rows", lang): list(report.warnings.values()),
                    t("imp.col.examples", lang): [
                        ", ".join(str(x) for x in report.warning_lines.get(k, []))
                        for k in report.warnings
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
        )


def _fit(rows: int) -> int:
    """A dataframe height that shows every row of a short table without inner scrolling."""
    return 38 + 35 * rows


def table_label(name: str, lang: str) -> str:
    label = t(f"table.{name}", lang)
    return label if label == name else f"{label} ({name})"


def run(path: Path, name: str, table: str, declared, skip_bad: bool, dry_run: bool):
    """(report, rejects bytes or None); FileRejected passes through."""
    rejects = UPLOAD_DIR / f"{path.stem}-{table}-rejects.csv"
    try:
        report = import_file(
            state.engine(),
            table,
            path,
            name=name,
            declared=declared,
            skip_bad=skip_bad,
            rejects=rejects,
            dry_run=dry_run,
        )
    except BaseException:
        rejects.unlink(missing_ok=True)
        raise
    try:
        data = rejects.read_bytes() if report.rejected and rejects.exists() else None
    finally:
        rejects.unlink(missing_ok=True)
    return report, data


auth.require_role("import", "nav.import")  # admins only, also when reached by URL
lang = state.lang()
url = state.db_url()
st.title(t("nav.import", lang))
st.caption(t("data.caption", lang, url=redact(url)))
st.markdown(t("imp.intro", lang, order=" → ".join(t(f"table.{x}", lang) for x in IMPORT_ORDER)))

upload = st.file_uploader(t("imp.upload", lang), type=["csv", "txt", "tsv", "xlsx"], key="upload")
with st.expander(t("imp.mapping", lang)):
    st.caption(t("imp.mapping.help", lang))
    mapping_upload = st.file_uploader(t("imp.mapping.file", lang), type=["toml"], key="mapping")

if upload is None:
    st.info(t("imp.empty", lang), icon=":material/upload_file:")
    st.stop()


def page(path: Path) -> None:
    declared = None
    if mapping_upload is not None:
        mapping_path = saved(mapping_upload)
        try:
            declared = load_mapping_file(mapping_path)
        except MappingError as exc:
            st.error(str(exc).replace(str(mapping_path), mapping_upload.name))
            st.stop()
        finally:
            discard(mapping_path)

    digest = digest_of(upload)
    guessed = guess_table(path, upload.name, digest)
    table = st.selectbox(
        t("imp.table", lang),
        IMPORT_ORDER,
        index=IMPORT_ORDER.index(guessed) if guessed else 0,
        format_func=lambda x: table_label(x, lang),
        key=f"table-{digest}",  # a new file gets its own guess, not the last file's choice
    )
    if table == "cases":
        st.caption(t("imp.cases_completed", lang))
    try:
        preview(path, upload.name, table, declared, lang)
    except FileRejected as exc:
        st.error(refusal_text(str(exc), lang), icon=":material/error:")
        st.stop()

    skip_bad = st.checkbox(t("imp.skip_bad", lang), key="skip_bad")
    attempt = (digest, table, repr(declared), skip_bad)
    if st.button(t("imp.check", lang), icon=":material/rule:", key="check"):
        with st.spinner(t("imp.checking", lang)):
            try:
                st.session_state["checked"] = (
                    attempt,
                    *run(path, upload.name, table, declared, skip_bad, dry_run=True),
                )
            except FileRejected as exc:
                st.session_state.pop("checked", None)
                st.error(refusal_text(str(exc), lang), icon=":material/error:")
                st.stop()

    checked = st.session_state.get("checked")
    if not checked or checked[0] != attempt:
        st.stop()
    _, report, rejects = checked
    show_report(report, lang)
    if rejects:
        st.download_button(
            t("imp.download_rejects", lang),
            rejects,
            file_name=f"{Path(upload.name).stem}-rejects.csv",
            mime="text/csv",
            icon=":material/download:",
        )
    if report.rejected and not skip_bad:
        st.error(t("imp.blocked", lang, n=report.rejected), icon=":material/block:")
        st.stop()

    if st.button(
        t("imp.confirm", lang), type="primary", icon=":material/database_upload:", key="confirm"
    ):
        with st.spinner(t("imp.importing", lang)):
            try:
                done, _ = run(path, upload.name, table, declared, skip_bad, dry_run=False)
            except FileRejected as exc:
                auth.audit_action(
                    "import", f"{table} ← {upload.name}", {"file": upload.name, "refused": str(exc)}
                )
                st.error(refusal_text(str(exc), lang), icon=":material/error:")
                st.stop()
        auth.audit_action("import", f"{table} ← {upload.name}", done.audit_detail())
        st.session_state.pop("checked", None)
        if not done.committed:  # the data changed since the check (e.g. a window relabelled)
            show_report(done, lang)
            st.error(t("imp.blocked", lang, n=done.rejected), icon=":material/block:")
            st.stop()
        st.cache_data.clear()  # every page reads the new rows
        st.success(
            t(
                "imp.done",
                lang,
                n=done.imported,
                new=done.new_rows,
                changed=done.imported - done.new_rows - done.unchanged,
                same=done.unchanged,
                table=t(f"table.{table}", lang),
                rejected=done.rejected,
            ),
            icon=":material/check_circle:",
        )


path = saved(upload)
try:
    page(path)
finally:  # imported, refused, stopped or failed: the upload leaves the temporary folder
    discard(path)
