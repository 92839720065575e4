"""Import what the pages need once per server process, before any page runs.

Streamlit runs each session's script in its own thread, and pages (and Streamlit itself, for
st.dataframe and Plotly) import pandas, pyarrow and plotly lazily. When
the first visitors all arrive at once, two threads imported the same library at the same
moment and one page failed with `AttributeError: partially initialized module 'pandas' has no
attribute 'Series'`, while the others queued behind the imports.

`warm()` is the first thing streamlit_app.py does: the first session imports the libraries
under one lock (started in the background as soon as this module is imported), every other
session waits for that lock once and then finds them complete. Light to import itself.

Once imported, the libraries' objects are frozen out of the garbage collector's way
(`gc.freeze`): Streamlit runs a full collection after every script run, a big screen's
refresh included, and a full collection walks every object of the process — about 210,000
once pandas, Plotly and polars are in, 0.2–0.3 s each time on this project's machines. Frozen,
they are skipped (the collection takes microseconds); they live as long as the process anyway.
"""

from __future__ import annotations

import gc
import importlib
import logging
import threading
import time

_LOG = logging.getLogger(__name__)

# what the pages, their charts and Streamlit's own elements import, heaviest first
MODULES = (
    "pandas",
    "pyarrow",
    "numpy",
    "polars",
    "plotly.graph_objects",
    "plotly.io",
    "plotly.express",
    "narwhals",
    "sqlalchemy",
    "streamlit.elements.arrow",
    "streamlit.elements.plotly_chart",
    "streamlit.dataframe_util",
    "streamlit.emojis",  # st.title and st.Page read it for a leading emoji
    "argon2",  # the sign-in form's password check
    "metrics.figures",
    "metrics.screen",
    "queries.metric_queries",
    "charts.figures",
    "dashboard.auth",
    "dashboard.cached",
    "dashboard.data",
)

_lock = threading.Lock()
_done = threading.Event()
seconds: float | None = None  # how long the imports took, once done


def _import_all() -> None:
    global seconds
    with _lock:
        if _done.is_set():
            return
        started = time.perf_counter()
        for name in MODULES:
            try:
                importlib.import_module(name)
            except ImportError as exc:  # an optional piece: the page that needs it will say
                _LOG.warning("warm-up: %s not importable (%s)", name, exc)
        seconds = time.perf_counter() - started
        gc.collect()
        gc.freeze()  # the modules' objects live for ever: no collection needs to walk them
        _done.set()
        _LOG.info("warm-up: libraries imported in %.1f s", seconds)


def warm() -> None:
    """Return once every module of MODULES is imported completely (at most one thread of the
    process imports them; the others wait)."""
    if not _done.is_set():
        _import_all()


def start_in_background() -> None:
    """Begin the imports now, without waiting (the first page then finds them done or under
    way)."""
    if not _done.is_set():
        threading.Thread(target=_import_all, name="hallpulse-warmup", daemon=True).start()


start_in_background()
