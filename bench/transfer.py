"""How long an Excel 台账 import takes at the row cap; a benchmark, not a test (never collected by pytest).

    python -m bench.transfer [--rows 5000] [--volunteers 3] [--url sqlite:///... | postgresql+psycopg://...]

Builds a fresh database (a street, a community, 400 volunteers, a staff user), writes an activities workbook of
``--rows`` rows with ``--volunteers`` names each, and times: parsing alone, the preview (the import run and rolled
back), the import, and a second import of the same file (every row already imported). The import holds the write
lock for its whole run (one transaction), so on SQLite other writers wait that long.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time as clock
from datetime import date, timedelta

from openpyxl import Workbook
from sqlalchemy import text

from db.engine import make_engine, session_scope
from db.migrate import upgrade
from db.models import Volunteer
from db.transfer.importers import preview, run_import
from db.transfer.parse import parse_file
from db.transfer.templates import TEMPLATES
from tests.factories import make_community, make_street, make_user

SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红"


def names(n: int) -> list[str]:
    out = []
    for s in SURNAMES:
        for g in GIVEN:
            for h in GIVEN:
                out.append(s + g + h)
                if len(out) == n:
                    return out
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--volunteers", type=int, default=3)
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench_transfer.db"
    engine = make_engine(url)
    if url.startswith("postgresql"):
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            conn.commit()
    upgrade(engine)
    people = names(400)
    with session_scope(engine, write=True) as s:
        street = make_street(s, "基准街道")
        community = make_community(s, street, "基准社区")
        for name in people:
            s.add(Volunteer(name=name, street_id=street.id, community_id=community.id, registered_on=date(2020, 1, 1)))
        user = make_user(s, "staff", "community", community.id)
    wb = Workbook()
    ws = wb.active
    ws.append(["活动日期", "活动名称", "活动类型", "活动时段", "参与志愿者", "每人时长（小时）", "服务人次", "参与主体"])
    start = date(2024, 1, 1)
    for i in range(args.rows):
        # Activities spread over days and hours so that no volunteer is at two overlapping ones.
        day = start + timedelta(days=i // 4)
        hour = 8 + 3 * (i % 4)
        group = [people[(i * args.volunteers + k) % len(people)] for k in range(args.volunteers)]
        ws.append([f"{day:%Y-%m-%d}", f"活动{i}", "联动服务", f"{hour}:00-{hour + 2}:00", "、".join(group), 2, 20, "社区"])
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    today = start + timedelta(days=args.rows // 4 + 1)
    print(f"file: {args.rows} rows × {args.volunteers} volunteers, {len(data) / 1024:.0f} KB, {url.split(':')[0]}")

    def timed(label, work):
        began = clock.perf_counter()
        result = work()
        print(f"{label:<28} {clock.perf_counter() - began:7.2f} s")
        return result

    parsed = timed("parse", lambda: parse_file(TEMPLATES["activities"], data, "x.xlsx"))
    assert parsed.error is None, parsed.error
    seen = timed("preview (run + rollback)", lambda: preview(engine, user, "activities", data, "x.xlsx", today=today))
    done = timed("import", lambda: run_import(engine, user, "activities", data, "x.xlsx", today=today))
    again = timed("import again (all skipped)", lambda: run_import(engine, user, "activities", data, "x.xlsx",
                                                                   today=today))
    print(seen.message)
    print(done.message)
    print(again.message)
    engine.dispose()


if __name__ == "__main__":
    main()
