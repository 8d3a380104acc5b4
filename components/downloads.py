"""Downloads that leave a trace: every file a user takes away (an export, a 台账, a certificate, a brief) is recorded
in the audit log when the button is clicked (DESIGN.md §3, issue 12), with what it held — never its content."""

from __future__ import annotations

from typing import Any

import streamlit as st

from components.cache import engine
from db.auth import CurrentUser
from db.engine import session_scope
from db.write import audit_event

_USER = "current_user"  # where components.page keeps the logged-in user


def _record(action: str, table: str, record_id: int | None, detail: dict[str, Any]) -> None:
    user: CurrentUser | None = st.session_state.get(_USER)
    if user is None:  # nobody logged in (a kiosk offers no downloads)
        return
    with session_scope(engine(), write=True) as session:
        audit_event(session, user, action, table, record_id, detail)


def download(label: str, data: bytes | str, *, file_name: str, mime: str, key: str, table: str,
             action: str = "export", record_id: int | None = None, detail: dict[str, Any] | None = None,
             **kwargs: Any) -> None:
    """``st.download_button`` whose click appends an audit row (action, the table or kind of data, the file name and
    ``detail``, e.g. how many rows)."""
    st.download_button(label, data, file_name=file_name, mime=mime, key=key, on_click=_record,
                       args=(action, table, record_id, {"file": file_name, **(detail or {})}), **kwargs)
