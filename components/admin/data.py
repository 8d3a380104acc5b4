"""Loaders of the 系统管理 page.

Reference data are cached like every other read (``components.cache.cached``: keyed by the data version, which
every write of them bumps). The user table, the audit log and the demo status are read fresh on every run, on
purpose: logins, lockouts after failed logins and audit events do not bump the data version (they change no
figure), so a cached copy would show an old 最近登录, 状态 or log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlmodel import Session

from components.cache import cached, engine
from db.engine import session_scope
from db.places import reference

P = ParamSpec("P")
R = TypeVar("R")

street_table = cached(reference.street_table)
community_table = cached(reference.community_table)
compound_table = cached(reference.compound_table)
street_for_edit = cached(reference.street_for_edit)
community_for_edit = cached(reference.community_for_edit)
compound_for_edit = cached(reference.compound_for_edit)
place_choices = cached(reference.place_choices)


def fresh(fn: Callable[Concatenate[Session, P], R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``fn(session, *args)`` in a read session of its own, not cached (see the module docstring)."""
    with session_scope(engine()) as session:
        return fn(session, *args, **kwargs)
