"""Cached reads of the 志愿者 page, keyed by the data version like components.data (a write anywhere makes the
next read recompute). Only plain data (DataFrames, dataclasses of plain values) is cached, never ORM objects."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.page import engine
from db.engine import session_scope
from db.periods import Period
from db.scope import Scope
from db.settings import get_settings
from db.volunteers import reads as vol
from db.volunteers import stars as stars

_TTL = get_settings().cache_ttl_seconds


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=128)
def volunteer_board(data_ver: int, f: vol.BoardFilter, metric: str) -> pd.DataFrame:
    with session_scope(engine()) as session:
        return vol.volunteer_board(session, f, metric)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=128)
def team_board(data_ver: int, f: vol.BoardFilter, metric: str) -> pd.DataFrame:
    with session_scope(engine()) as session:
        return vol.team_board(session, f, metric)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=128)
def board_totals(data_ver: int, f: vol.BoardFilter) -> vol.BoardTotals:
    with session_scope(engine()) as session:
        return vol.board_totals(session, f)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def teams(data_ver: int, scope: Scope) -> list[tuple[int, str]]:
    with session_scope(engine()) as session:
        return vol.teams(session, scope)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def projects(data_ver: int, scope: Scope) -> list[tuple[int, str]]:
    with session_scope(engine()) as session:
        return vol.projects(session, scope)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=32)
def star_table(data_ver: int, scope: Scope) -> pd.DataFrame:
    with session_scope(engine()) as session:
        return stars.star_table(session, scope)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=16)
def presets(data_ver: int) -> list[stars.Preset]:
    with session_scope(engine()) as session:
        return stars.presets(session)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=16)
def street_presets(data_ver: int, scope: Scope | None) -> pd.DataFrame:
    with session_scope(engine()) as session:
        return stars.street_presets(session, scope)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def active_by_community(data_ver: int, scope: Scope, period: Period) -> pd.DataFrame:
    with session_scope(engine()) as session:
        return vol.active_by_community(session, scope, period)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def active_by_month(data_ver: int, scope: Scope, period: Period) -> pd.DataFrame:
    with session_scope(engine()) as session:
        return vol.active_by_month(session, scope, period)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=32)
def volunteer_options(data_ver: int, scope: Scope) -> list[tuple[int, str]]:
    with session_scope(engine()) as session:
        return vol.volunteer_options(session, scope)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def volunteer_file(data_ver: int, scope: Scope, volunteer_id: int) -> vol.VolunteerFile:
    with session_scope(engine()) as session:
        return vol.volunteer_file(session, scope, volunteer_id)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def service_record(data_ver: int, scope: Scope, volunteer_id: int) -> pd.DataFrame:
    with session_scope(engine()) as session:
        return vol.service_record(session, scope, volunteer_id)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=64)
def volunteer_stars(data_ver: int, volunteer_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the volunteer's star row, their award history)."""
    with session_scope(engine()) as session:
        return (stars.star_table(session, Scope(), volunteer_id=volunteer_id),
                stars.award_history(session, volunteer_id))


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=32)
def pending_records(data_ver: int, scope: Scope) -> pd.DataFrame:
    with session_scope(engine()) as session:
        return vol.pending_records(session, scope)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=32)
def team_table(data_ver: int, scope: Scope) -> pd.DataFrame:
    with session_scope(engine()) as session:
        return vol.team_table(session, scope)
