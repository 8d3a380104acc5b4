"""Snapshot of what every page shows to every demo role, for comparing the app before and after a refactor.

    python -m tools.page_snapshot OUT.json [--db PATH]

Builds (or reuses, with --db) a demo SQLite database for a fixed day, opens every page the role may open with
streamlit's AppTest, opens every lazy tab, and writes the figures, tables and texts each shows. Two snapshots of
the same database and day must be equal (`python -m tools.page_snapshot --compare A.json B.json`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

DAY = date(2026, 11, 28)


def _elements(at) -> dict:
    out: dict = {}
    out["metric"] = [(m.label, m.value, str(m.proto.delta)) for m in at.metric]
    out["dataframe"] = [m.value.to_csv(index=False) for m in at.dataframe]
    out["table"] = [str(m.value) for m in at.table]
    for kind in ("markdown", "caption", "info", "success", "warning", "error", "subheader", "title", "header"):
        out[kind] = [str(e.value) for e in getattr(at, kind)]
    out["selectbox"] = [(s.label, [str(o) for o in s.options]) for s in at.selectbox]
    return out


LAZY_TABS = {
    "pages/3_volunteers.py": [("volunteer_tab", t) for t in ("星级认定", "活跃度", "志愿者档案", "登记与审核")],
    "pages/4_charity.py": [("charity_tab", t) for t in ("供需", "对接", "捐赠")],
}


def _pages(user) -> list[str]:
    try:
        from components import nav
    except ImportError:  # before components.nav: the page list lived in db.vocab
        from db import vocab

        return [path for path, _title, roles in vocab.PAGES if user.role in roles]
    return nav.page_paths(user)


def snapshot(db: Path) -> dict:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["LIVE_REFRESH_SECONDS"] = "0"
    os.environ["LOAD_DEMO"] = "true"
    from tests.ui_helpers import DEMO_ROLES, current_user, new_app, reset_app_caches

    reset_app_caches()
    result: dict = {}
    for username in DEMO_ROLES:
        user = current_user(username)
        for page in _pages(user):
            shots = {}
            for tab_key, tab in [(None, "")] + LAZY_TABS.get(page, []):
                at = new_app()
                at.session_state["current_user"] = user
                if tab_key:
                    at.session_state[tab_key] = tab
                if page != "app.py":
                    at.switch_page(page)
                at.run()
                shots[tab] = _elements(at)
            result[f"{username} {page}"] = shots
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", nargs="?")
    parser.add_argument("--db", type=Path)
    parser.add_argument("--compare", nargs=2)
    args = parser.parse_args()
    if args.compare:
        a, b = (json.loads(Path(p).read_text()) for p in args.compare)
        diffs = 0
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                diffs += 1
                print("DIFFERS:", key)
                for sub in sorted(set(a.get(key, {})) | set(b.get(key, {}))):
                    x, y = a.get(key, {}).get(sub, {}), b.get(key, {}).get(sub, {})
                    for kind in sorted(set(x) | set(y)):
                        if x.get(kind) != y.get(kind):
                            print("   ", repr(sub), kind, "\n      before:", str(x.get(kind))[:600],
                                  "\n      after: ", str(y.get(kind))[:600])
        print(f"{len(set(a) | set(b))} page × role views, {diffs} differ")
        return 1 if diffs else 0
    from tests.ui_helpers import build_demo_database

    db = args.db or Path("/tmp/snapshot-demo.db")
    if not db.exists():
        build_demo_database(db, today=DAY)
    Path(args.out).write_text(json.dumps(snapshot(db), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
