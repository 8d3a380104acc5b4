"""Excel/CSV import of the 台账 staff keep, and the monthly 台账 workbook (DESIGN.md §6 导入导出, §7).

- ``parse``: bytes of an .xlsx/.csv file → typed rows with their row numbers, or Chinese problems (no database).
- ``templates``: one declarative definition per import kind, and the template workbook to download.
- ``importers``: preview and import through the existing write services; the report of rejected rows.
- ``ledger``: the monthly 台账 workbook of a community or street, its totals from db.kpi.
"""
