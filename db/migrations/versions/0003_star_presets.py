"""seed the star-level presets (reference data)

Three presets of 星级志愿者 thresholds in approved hours (DESIGN.md §4, §6 志愿者):
- 全国（默认）: 100/300/600/1000/1500 h (中国社区志愿者注册管理办法 §18); a street without a chosen preset uses it;
- 北京: 100/200/500/800/1000 h;
- 惠州: 一星…五星 at 100/300/600/1000/1500 h, then 五星（铜）2000, 五星（银）3000, 五星（金）4000 h.
Rows are inserted without explicit ids (PostgreSQL sequences stay right) and looked up by name.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STARS = ("一星", "二星", "三星", "四星", "五星")

PRESETS: tuple[tuple[str, str, tuple[tuple[str, float], ...]], ...] = (
    (
        "全国（默认）",
        "中国社区志愿者注册管理办法第十八条：累计志愿服务 100/300/600/1000/1500 小时",
        tuple(zip(_STARS, (100.0, 300.0, 600.0, 1000.0, 1500.0), strict=True)),
    ),
    (
        "北京",
        "北京市星级志愿者：累计志愿服务 100/200/500/800/1000 小时",
        tuple(zip(_STARS, (100.0, 200.0, 500.0, 800.0, 1000.0), strict=True)),
    ),
    (
        "惠州",
        "惠州市星级志愿者：一至五星 100/300/600/1000/1500 小时，五星（铜/银/金）2000/3000/4000 小时",
        tuple(zip(_STARS, (100.0, 300.0, 600.0, 1000.0, 1500.0), strict=True))
        + (("五星（铜）", 2000.0), ("五星（银）", 3000.0), ("五星（金）", 4000.0)),
    ),
)

_preset = sa.table(
    "starpreset",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("description", sa.String),
    sa.column("version", sa.Integer),
)
_level = sa.table(
    "starlevel",
    sa.column("id", sa.Integer),
    sa.column("preset_id", sa.Integer),
    sa.column("rank", sa.Integer),
    sa.column("label", sa.String),
    sa.column("min_hours", sa.Float),
)


def upgrade() -> None:
    conn = op.get_bind()
    for name, description, levels in PRESETS:
        conn.execute(sa.insert(_preset).values(name=name, description=description, version=1))
        preset_id = conn.execute(sa.select(_preset.c.id).where(_preset.c.name == name)).scalar_one()
        conn.execute(
            sa.insert(_level),
            [
                {"preset_id": preset_id, "rank": rank, "label": label, "min_hours": hours}
                for rank, (label, hours) in enumerate(levels, start=1)
            ],
        )


def downgrade() -> None:
    conn = op.get_bind()
    names = [name for name, _, _ in PRESETS]
    ids = conn.execute(sa.select(_preset.c.id).where(_preset.c.name.in_(names))).scalars().all()
    if ids:
        conn.execute(sa.delete(_level).where(_level.c.preset_id.in_(ids)))
        conn.execute(sa.delete(_preset).where(_preset.c.id.in_(ids)))
