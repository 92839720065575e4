"""Concurrent first visits: the libraries the pages need are imported once per process, under
one lock, before any page's code runs — never by two sessions at the same moment (which once
failed a page with `partially initialized module 'pandas' has no attribute 'Series'`)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CONCURRENT = """
import sys, threading
from dashboard import warmup
errors, barrier = [], threading.Barrier(8)
def visit():
    barrier.wait()  # eight first visits at the same moment
    try:
        warmup.warm()
        import pandas, plotly.graph_objects as go
        pandas.Series([1, 2]).sum()
        go.Figure()
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=visit) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
missing = [m for m in warmup.MODULES if m not in sys.modules]
print(errors, missing, warmup.seconds is not None)
"""


def test_eight_first_visits_at_once_find_every_library_complete():
    out = subprocess.run(
        [sys.executable, "-c", CONCURRENT], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[] [] True", out.stdout + out.stderr


def test_the_entrypoint_warms_up_before_anything_else():
    tree = ast.parse((ROOT / "streamlit_app.py").read_text(encoding="utf-8"))
    body = [
        n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))
    ]
    body = [n for n in body if not (isinstance(n, ast.ImportFrom) and n.module == "__future__")]
    first, second = body[0], body[1]
    assert isinstance(first, ast.ImportFrom) and first.module == "dashboard"
    assert [a.name for a in first.names] == ["warmup"]
    assert ast.unparse(second) == "warmup.warm()"


FROZEN = """
import gc
from dashboard import warmup
warmup.warm()
# what a full collection walks: the objects still in the collector's generations (frozen
# ones sit in the permanent generation, outside them)
print(gc.get_freeze_count(), len(gc.get_objects()))
"""


def test_the_libraries_are_frozen_out_of_the_collection_after_every_run():
    """A full collection (Python's own, or Streamlit's after a run where it is turned on)
    walks every tracked object of the process: with the libraries' objects frozen, it does
    not walk them — a count, not a timing, so a loaded machine cannot fail it."""
    out = subprocess.run(
        [sys.executable, "-c", FROZEN], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    frozen, walked = map(int, out.stdout.split())
    # unfrozen, a collection walks ~210,000 objects (0.2–0.3 s here); frozen, the few made since
    assert frozen > 100_000, out.stdout
    assert walked < frozen // 10, out.stdout


def test_the_chart_templates_are_built_once_per_process(monkeypatch):
    """Every figure names its template; building the two templates costs about 8 ms (Plotly
    validates every property), once per process — not once per figure of every refresh."""
    import plotly.io as pio

    from charts import theme

    built: list[int] = []
    real = theme._template

    def counting(colors, font_size):
        built.append(font_size)
        return real(colors, font_size)

    monkeypatch.setattr(theme, "_template", counting)
    for name in ("hallpulse", "hallpulse_dark"):
        if name in pio.templates:
            del pio.templates[name]
    assert [theme.template(), theme.template(dark=True), theme.template()] == [
        "hallpulse",
        "hallpulse_dark",
        "hallpulse",
    ]
    assert built == [14, 22]  # light and dark, once
    assert pio.templates["hallpulse_dark"].layout.font.size == 22
