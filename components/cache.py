"""The one cache of the app: the engine (one per process), the data version, every db read a page makes, and the
chart specs. ``st.cache_data`` appears in this module only.

A page reads through a loader made by ``cached``:

    star_table = cached(stars.star_table)          # db function (session, scope) -> DataFrame
    ver = version()                                # one indexed single-row read per run
    df = star_table(ver, scope)                    # (data_version, scope): computed once per data version

Every loader is keyed by the data version, which every write bumps in its own transaction, so a write anywhere
(any session, any app server) is seen at the next read while unchanged data are served from the cache. The
bound (``CACHE_TTL_SECONDS``, ``CACHE_MAX_ENTRIES``) only frees memory. Only plain data (DataFrames, dataclasses of
plain values) is cached, never ORM objects or sessions. A read that depends on the day takes ``today`` as an
argument (the page passes ``clock.today()``); nothing inside a cached read looks at the clock.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import altair as alt
import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session
from streamlit import dataframe_util

from db.bootstrap import prepare
from db.engine import get_engine, session_scope
from db.periods import Period
from db.scope import Scope
from db.settings import get_settings
from db.write import data_version

P = ParamSpec("P")
R = TypeVar("R")

# Streamlit hashes a dataclass argument through dataclasses.asdict (a deep copy) on every cached call: a tenth of a
# warm overview rerun's CPU. The scope and the period, frozen dataclasses of plain values, are keyed by their repr
# (every field, in order) instead.
HASH_FUNCS: dict[type, Callable[[Any], Any]] = {Scope: repr, Period: repr}


@st.cache_resource(show_spinner="正在准备数据库……")
def engine() -> Engine:
    """One engine per process, migrated (and seeded with demo data on a fresh install) once: by the launcher
    (``python -m db.cli serve``) before the server started, else here on the first run (db.bootstrap.prepare)."""
    eng = get_engine()
    prepare(eng)
    return eng


def version() -> int:
    """The current data version (one indexed single-row read; never cached)."""
    with session_scope(engine()) as session:
        return data_version(session)


def cached(fn: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[int, P], R]:
    """``fn(session, *args)`` as a cached loader ``(data_version, *args)``, with a cache of its own.

    The arguments must be hashable by Streamlit (numbers, strings, dates, frozen dataclasses such as Scope and
    Period, tuples of these)."""
    settings = get_settings()

    def load(data_ver: int, *args: P.args, **kwargs: P.kwargs) -> R:
        with session_scope(engine()) as session:
            return fn(session, *args, **kwargs)

    # Streamlit keys a function's cache by its module, qualified name and source: take the db function's names so
    # that every loader has a cache of its own (the source of ``load`` is the same for all of them).
    load.__module__, load.__qualname__, load.__name__ = fn.__module__, fn.__qualname__, fn.__name__
    load.__doc__ = fn.__doc__
    return st.cache_data(ttl=settings.cache_ttl_seconds, max_entries=settings.cache_max_entries,
                         show_spinner=False, hash_funcs=HASH_FUNCS)(load)


# Altair refuses to inline more than 5,000 rows in a spec (MaxRowsError). Streamlit's own st.altair_chart sidesteps
# it, but a spec built here with to_dict() does not: a district's map carries one row per resource, need and
# community (6,200 in the 10M benchmark). Every chart's data is aggregated or bounded in SQL before it gets here.
alt.data_transformers.disable_max_rows()


@st.cache_data(max_entries=512, show_spinner=False, hash_funcs=HASH_FUNCS)
def _spec(key: tuple, _build: Callable[..., alt.TopLevelMixin | None], _args: tuple, _kwargs: dict) -> dict | None:
    chart = _build(*_args, **_kwargs)
    if chart is None:
        return None
    # Validating a spec against the Vega-Lite schema is two thirds of its to_dict (≈ 20 of 30 ms a chart, paid again
    # after every write): the suite (WUSHE_DEBUG_ERRORS=1) validates every chart it draws, the app does not.
    spec = chart.to_dict(validate=os.environ.get("WUSHE_DEBUG_ERRORS") == "1")
    # Streamlit turns each dataset into Arrow bytes on every draw (a DataFrame built from the rows, then converted:
    # a sixth of a warm overview rerun's CPU) unless it already is bytes: convert once, with Streamlit's own
    # converter, and cache the bytes with the spec. A map's GeoJSON features stay in the spec, as Streamlit leaves
    # them (Vega-Lite reads them as geometry). ``streamlit.dataframe_util`` is not public API: it exists, and a
    # dataset given as bytes is passed through, in 1.50 (pyproject's floor) as in 1.67; tests/test_pages.py reads
    # the charts' datasets back from the element, so a Streamlit that changed either would fail the suite.
    for name, rows in spec.get("datasets", {}).items():
        if isinstance(rows, list) and not (rows and isinstance(rows[0], dict) and rows[0].get("type") == "Feature"):
            spec["datasets"][name] = dataframe_util.convert_anything_to_arrow_bytes(rows)
    return spec


def chart_spec(build: Callable[..., alt.TopLevelMixin | None], key: tuple, args: tuple, kwargs: dict[str, Any]
               ) -> dict | None:
    """The Vega-Lite spec of ``build(*args, **kwargs)``, cached under ``key``, which must name everything the data
    depend on (data version, scope, period, figure; or the content of the frames, as the maps do): None when
    ``build`` has nothing to draw. Building an Altair chart and validating it is most of a warm
    rerun (≈ 20 ms a chart), and hashing the frames themselves would cost half of that again."""
    return _spec((build.__module__, build.__qualname__, key), build, args, kwargs)
