"""Local time of the street offices (Asia/Shanghai by default), whatever the server's own time zone is.

A server in UTC would otherwise think it is still yesterday until 08:00 in China, and refuse an activity
entered for "today" as being in the future.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from db.settings import get_settings


def now() -> datetime:
    """Naive local wall-clock time, to the second (how every timestamp is stored)."""
    return datetime.now(ZoneInfo(get_settings().timezone)).replace(tzinfo=None, microsecond=0)


def today() -> date:
    """Today's local date."""
    return now().date()
