"""Every file a user takes away is in the audit log (issue 12): the download helper records who took what, when
the button is clicked, without the file's content."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import select

from components import downloads
from db.engine import get_engine, session_scope
from db.models import AuditLog
from tests.ui_helpers import current_user


def test_a_download_click_appends_an_audit_row(app_db):
    user = current_user("demo_staff")
    st.session_state["current_user"] = user
    try:
        downloads._record("certificate", "volunteer", 7, {"file": "志愿服务记录证明_X.html", "number": "X"})
    finally:
        del st.session_state["current_user"]
    with session_scope(get_engine()) as s:
        row = s.execute(select(AuditLog).order_by(AuditLog.id.desc())).scalars().first()
    assert (row.action, row.table_name, row.record_id, row.username) == ("certificate", "volunteer", 7, "demo_staff")
    assert row.new_values == {"file": "志愿服务记录证明_X.html", "number": "X"}


def test_nobody_logged_in_records_nothing(app_db):
    with session_scope(get_engine()) as s:
        before = s.execute(select(AuditLog.id).order_by(AuditLog.id.desc())).scalars().first()
    downloads._record("export", "figure", None, {"file": "x.csv"})
    with session_scope(get_engine()) as s:
        after = s.execute(select(AuditLog.id).order_by(AuditLog.id.desc())).scalars().first()
    assert after == before
