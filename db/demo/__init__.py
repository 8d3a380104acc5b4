"""The demo data set (DESIGN.md §11): built from the two source reports, loaded only into a demo database.

    from db.demo import load_demo, reset_demo, clear_demo, is_demo_database
"""

from db.demo.build import build_demo_rows
from db.demo.generator import CLEARED_KEY, DEMO_ACCOUNTS, DEMO_PASSWORD, META_KEY
from db.demo.load import (
    DemoRefused,
    clear_demo,
    demo_loaded,
    demo_row_counts,
    holds_real_records,
    is_demo_database,
    load_demo,
    real_record_tables,
    refuse_if_real,
    reset_demo,
    shows_demo_accounts,
)

__all__ = ["CLEARED_KEY", "DEMO_ACCOUNTS", "DEMO_PASSWORD", "META_KEY", "DemoRefused", "build_demo_rows", "clear_demo",
           "demo_loaded", "demo_row_counts", "holds_real_records", "is_demo_database", "load_demo",
           "real_record_tables", "refuse_if_real", "reset_demo", "shows_demo_accounts"]
