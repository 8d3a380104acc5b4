"""Cached reads for pages. Every cached figure is keyed by the data version, so a write anywhere (any session,
any app server) makes the next read recompute, while unchanged data is served from the cache."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.page import engine
from db.engine import session_scope
from db.figures import registry as kpi
from db.periods import Period
from db.places import lists as queries
from db.scope import Scope
from db.settings import get_settings
from db.write import data_version

_TTL = get_settings().cache_ttl_seconds


def version() -> int:
    """The current data version (one indexed single-row read)."""
    with session_scope(engine()) as session:
        return data_version(session)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=512)
def kpi_values(data_ver: int, scope: Scope, period: Period, keys: tuple[str, ...]) -> dict[str, float | None]:
    with session_scope(engine()) as session:
        return kpi.kpi_values(session, keys, scope, period)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=128)
def latest_activities(data_ver: int, scope: Scope, limit: int = 10) -> pd.DataFrame:
    with session_scope(engine()) as session:
        return queries.latest_activities(session, scope, limit)


@st.cache_data(ttl=3600, show_spinner=False)
def streets(data_ver: int, scope: Scope) -> list[tuple[int, str]]:
    with session_scope(engine()) as session:
        return queries.streets(session, scope)


@st.cache_data(ttl=3600, show_spinner=False)
def communities(data_ver: int, scope: Scope, street_id: int | None) -> list[tuple[int, str]]:
    with session_scope(engine()) as session:
        return queries.communities(session, scope, street_id)


@st.cache_data(ttl=3600, show_spinner=False)
def scope_name(data_ver: int, scope: Scope) -> str:
    with session_scope(engine()) as session:
        return queries.scope_name(session, scope)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def kpi_changes(data_ver: int, scope: Scope, period: Period, keys: tuple[str, ...]) -> dict[str, kpi.Change]:
    with session_scope(engine()) as session:
        return kpi.kpi_changes(session, keys, scope, period)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=128)
def kpi_monthly(data_ver: int, key: str, scope: Scope, period: Period) -> pd.DataFrame:
    with session_scope(engine()) as session:
        return kpi.kpi_monthly(session, key, scope, period)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def kpi_records(data_ver: int, key: str, scope: Scope, period: Period) -> pd.DataFrame:
    with session_scope(engine()) as session:
        return kpi.kpi_records(session, key, scope, period)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def linkage(data_ver: int, scope: Scope, period: Period) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(actor shares with the index, area matrix, community ranking)."""
    from db.figures import linkage as lk

    with session_scope(engine()) as session:
        return (lk.actor_shares(session, scope, period), lk.area_matrix(session, scope, period),
                lk.community_ranking(session, scope, period))


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def profile(data_ver: int, kind: str, place_id: int):
    from db.places import reads as profiles

    with session_scope(engine()) as session:
        if kind == "community":
            return profiles.community_profile(session, place_id)
        return profiles.street_profile(session, place_id)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def reported(data_ver: int, scope: Scope) -> pd.DataFrame:
    from db import clock
    from db.places import reads as profiles

    with session_scope(engine()) as session:
        return profiles.reported_beside_records(session, scope, clock.today())
