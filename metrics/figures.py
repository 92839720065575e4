"""The one entry point to the figures: the database's aggregates (`queries.metric_queries`)
finished by `metrics.engine`, and a plain-text table of them for the command line."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from access.scope import Scope
from metrics.catalog import BY_KEY, KEYS, SECTION_LABELS, SECTIONS
from metrics.engine import finish, group_label, needs
from metrics.settings import Settings
from queries.metric_inputs import collect
from queries.metric_queries import Filters


def compute(
    conn: Connection,
    period: Filters,
    settings: Settings,
    dimension: str | None = None,
    sections: tuple[str, ...] = SECTIONS,
    *,
    scope: Scope,
    use_rollups: bool = True,
    keys: tuple[str, ...] | None = None,
    given: dict | None = None,
    parallel: bool = False,
):
    """`{"tickets": …, "cases": …, "evaluations": …, "attendance": …}`, or with a dimension
    `{"groups": [...]}`, exactly as `hall metrics --json` prints it. With `sections`, only
    those sections are queried and returned (the big screen's live refresh). The daily
    rollups serve the closed days they hold (`use_rollups=False` reads every row, for checks).
    `scope` (`access.scope.Scope`, required) is the reader's: every figure, rollups included,
    counts only the rows it may see, so a manager's 等候达标率 is their department's.

    With `keys` (metric keys of the catalog), only the partials those figures are finished
    from are read (`metrics.engine.needs`; `sections` is then ignored) and each section holds
    only those keys: a page asks for the figures it shows. `given`: partials the caller read
    already for this period, grouping and scope (`queries.metric_inputs.collect`). With
    `parallel`, for reads only, the partials are read on a few connections at once on a
    database server (`queries.parallel`)."""
    partials = None
    if keys is not None:
        sections, partials = needs(keys)
    inputs = collect(
        conn,
        period,
        dimension,
        wait_target_min=settings.wait_target_min,
        late_grace_min=settings.late_grace_min,
        sections=sections,
        partials=partials,
        use_rollups=use_rollups,
        scope=scope,
        given=given,
        parallel=parallel,
    )
    result = finish(inputs, settings)
    if keys is not None:
        result = _only(result, dimension, set(keys), sections)
        return result
    if tuple(sections) == SECTIONS:
        return result
    if dimension is None:
        return {name: result[name] for name in sections}
    keep = set(sections)
    return {
        "groups": [
            {k: v for k, v in g.items() if k not in SECTIONS or k in keep} for g in result["groups"]
        ]
    }


def _only(result: dict, dimension: str | None, keys: set[str], sections) -> dict:
    """The result cut to `keys` in their `sections` (groups keep their label)."""

    def cut(values: dict) -> dict:
        return {name: {k: v for k, v in values[name].items() if k in keys} for name in sections}

    if dimension is None:
        return cut(result)
    label = group_label(dimension)
    return {"groups": [{label: g[label], **cut(g)} for g in result["groups"]]}


def format_table(result: dict, dimension: str | None, lang: str = "zh") -> str:
    """A readable table: one line per metric (and one column per group)."""
    if dimension is None:
        columns = [("", result)]
    else:
        label = group_label(dimension)
        columns = [(str(g[label]), g) for g in result["groups"]]
    lines = []
    width = max(len(BY_KEY[k].label(lang)) * 2 + 2 for s in SECTIONS for k in KEYS[s])
    for section in SECTIONS:
        zh, en = SECTION_LABELS[section]
        lines.append(f"[{zh if lang == 'zh' else en}]")
        for key in KEYS[section]:
            m = BY_KEY[key]
            name = m.label(lang)
            pad = width - _display_width(name)
            cells = [m.format(col[section][key], lang) for _, col in columns]
            lines.append(
                f"  {name}{' ' * max(pad, 1)}{'  '.join(f'{c:>12}' for c in cells)}   {key}"
            )
        lines.append("")
    if dimension is not None:
        header = " " * (width + 2) + "  ".join(_right(h, 12) for h, _ in columns)
        lines.insert(0, header)
    return "\n".join(lines).rstrip()


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _right(text: str, width: int) -> str:
    return " " * max(0, width - _display_width(text)) + text
