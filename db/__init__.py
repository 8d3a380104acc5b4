"""The data layer of 五社联动数据看板: settings, tables, rules, queries and write services.

Nothing in this package imports Streamlit; it is a library that pages call and tests exercise directly.
"""
