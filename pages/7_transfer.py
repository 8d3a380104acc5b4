"""导入导出: Excel templates, import of the 台账 staff keep (preview, row-by-row report, all-or-nothing or the valid
rows), the monthly 台账 workbook and table exports."""

from __future__ import annotations

import streamlit as st

from components import transfer
from components.page import friendly_errors, setup_page

user = setup_page("pages/7_transfer.py", "导入导出")
st.title("导入导出")
import_tab, export_tab = st.tabs(["导入台账", "导出"])
with import_tab, friendly_errors():
    transfer.template_downloads()
    transfer.import_section(user)
with export_tab, friendly_errors():
    transfer.ledger_section(user)
    st.divider()
    transfer.table_exports(user)
