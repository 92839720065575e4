"""Page state shared by every page: the language and the database (from the URL or env) and
the reader's scope."""

from __future__ import annotations

import os

import streamlit as st
from sqlalchemy.engine import Engine

from access.scope import Scope
from i18n.text import DEFAULT_LANG, LANGS
from queries.db import URL_ENV, make_engine, resolve_url


def lang() -> str:
    """The interface language: `?lang=en` in the URL, Chinese by default."""
    value = st.query_params.get("lang", DEFAULT_LANG)
    return value if value in LANGS else DEFAULT_LANG


def db_url() -> str:
    """The database: $HALL_DB_URL, else `[connections.hall] url` in .streamlit/secrets.toml,
    else the embedded default."""
    if os.environ.get(URL_ENV):
        return os.environ[URL_ENV]
    try:
        secret = st.secrets.get("connections", {}).get("hall", {}).get("url")
    except Exception:  # no secrets file: Streamlit raises its own not-found error
        secret = None
    return resolve_url(secret)


@st.cache_resource(show_spinner=False)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def engine() -> Engine:
    return engine_for(db_url())


def scope() -> Scope:
    """The scope every page, download and report of this session reads in — the one place
    pages get it from (`dashboard.cached` fills it into every read): the signed-in account's
    grants (`access.scope.scope_for`), a kiosk link's one hall, or everything when sign-in is
    off (`[access] auth = "none"`), as the sign-in gate in streamlit_app.py set it."""
    from dashboard import auth  # auth imports this module

    return auth.current_scope()
