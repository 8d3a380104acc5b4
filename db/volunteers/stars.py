"""Star volunteers (星级志愿者, DESIGN.md §4): editable presets, the level a volunteer's hours reach, awards.

Rules
- A preset is an ordered list of levels, each with the approved service hours from which it applies. Migration
  0003 seeds 全国（默认） 100/300/600/1000/1500 h (中国社区志愿者注册管理办法 §18), 北京 100/200/500/800/1000 h and
  惠州 (一星…五星 as 全国, then 五星（铜/银/金） 2000/3000/4000 h). Admins edit them and choose one per street;
  a street without a choice uses 全国（默认）.
- A volunteer is eligible (达标可申请) for level L when their approved hours (信用 + 荣誉, all time, wherever
  served) are ≥ L.min_hours — the boundary is inclusive: 100 h reaches 一星, 99.9 h does not. Hours are summed
  and rounded to 0.01 h before comparing, so float noise never moves a volunteer across a threshold.
- Awarded (已认定) is a recorded action (``StarAward``, written by ``db.volunteers.writes.award_star`` with an
  audit row). 「待认定」 lists volunteers whose eligible level is above their awarded level under their street's
  current preset.

The write services (awards, revocations, preset edits, a street's choice) are in ``db.volunteers.writes``; this
module keeps the rules and the reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from db import vocab
from db.errors import NotFound, ValidationFailed
from db.models import (
    AppUser,
    Community,
    StarAward,
    StarLevel,
    StarPreset,
    Street,
    StreetStarPreset,
    Volunteer,
    VolunteerTotal,
)
from db.scope import Scope

DEFAULT_PRESET = "全国（默认）"
_STARS = ("一星", "二星", "三星", "四星", "五星")
# The presets migration 0003 seeds (the migration keeps its own copy; a test checks they agree).
SEED_PRESETS: dict[str, tuple[tuple[str, float], ...]] = {
    DEFAULT_PRESET: tuple(zip(_STARS, (100.0, 300.0, 600.0, 1000.0, 1500.0), strict=True)),
    "北京": tuple(zip(_STARS, (100.0, 200.0, 500.0, 800.0, 1000.0), strict=True)),
    "惠州": tuple(zip(_STARS, (100.0, 300.0, 600.0, 1000.0, 1500.0), strict=True))
    + (("五星（铜）", 2000.0), ("五星（银）", 3000.0), ("五星（金）", 4000.0)),
}
MAX_LEVELS = 12
MAX_HOURS = 100_000.0


@dataclass(frozen=True)
class Level:
    rank: int
    label: str
    min_hours: float


@dataclass(frozen=True)
class Preset:
    id: int
    name: str
    description: str
    version: int
    levels: tuple[Level, ...]

    def summary(self) -> str:
        """一星 100 h · 二星 300 h · …"""
        return " · ".join(f"{lv.label} {lv.min_hours:g} h" for lv in self.levels)


# ------------------------------------------------------------------------------------------ pure rules


def round_hours(hours: float | None) -> float:
    """Hours as compared with thresholds: rounded to 0.01 h (records hold at most two decimals)."""
    return round(float(hours or 0.0) + 0.0, 2)


def eligible_level(hours: float | None, levels: tuple[Level, ...] | list[Level]) -> Level | None:
    """The highest level whose threshold ``hours`` reach (inclusive), or None below the first."""
    h = round_hours(hours)
    reached = None
    for level in sorted(levels, key=lambda lv: lv.rank):
        if h >= level.min_hours:
            reached = level
    return reached


def next_level(hours: float | None, levels: tuple[Level, ...] | list[Level]) -> Level | None:
    """The lowest level not yet reached, or None at the top."""
    h = round_hours(hours)
    return next((lv for lv in sorted(levels, key=lambda lv: lv.rank) if h < lv.min_hours), None)


def hours_to_next(hours: float | None, levels: tuple[Level, ...] | list[Level]) -> float | None:
    """Hours still needed for the next level (None at the top level)."""
    nxt = next_level(hours, levels)
    return None if nxt is None else round(nxt.min_hours - round_hours(hours), 2)


# ---------------------------------------------------------------------------------------------- reads


def presets(session: Session) -> list[Preset]:
    """Every preset with its levels, 全国（默认） first."""
    rows = session.execute(select(StarPreset).order_by(StarPreset.id)).scalars().all()
    levels = session.execute(select(StarLevel).order_by(StarLevel.preset_id, StarLevel.rank)).scalars().all()
    by_preset: dict[int, list[Level]] = {}
    for lv in levels:
        by_preset.setdefault(lv.preset_id, []).append(Level(lv.rank, lv.label, float(lv.min_hours)))
    out = [Preset(p.id or 0, p.name, p.description, p.version, tuple(by_preset.get(p.id or 0, [])))
           for p in rows]
    out.sort(key=lambda p: (p.name != DEFAULT_PRESET, p.id))
    return out


def preset(session: Session, preset_id: int) -> Preset:
    found = next((p for p in presets(session) if p.id == preset_id), None)
    if found is None:
        raise NotFound("该星级标准不存在或已被删除。")
    return found


def default_preset_id(session: Session) -> int | None:
    return session.execute(select(StarPreset.id).where(StarPreset.name == DEFAULT_PRESET)).scalar()


def street_presets(session: Session, scope: Scope | None = None) -> pd.DataFrame:
    """Each street (within ``scope``) with the preset it uses: street_id, street, preset_id, preset, chosen,
    version (of the choice; None when the street falls back to the default)."""
    default_id = default_preset_id(session)
    query = (
        select(Street.id.label("street_id"), Street.name.label("street"), StreetStarPreset.preset_id,
               StreetStarPreset.version)
        .outerjoin(StreetStarPreset, StreetStarPreset.street_id == Street.id).order_by(Street.id)
    )
    if scope is not None:
        query = query.where(*scope.where(Street))
    df = pd.DataFrame(session.execute(query).all(), columns=["street_id", "street", "preset_id", "version"])
    names = {p.id: p.name for p in presets(session)}
    df["chosen"] = df["preset_id"].notna()
    df["preset_id"] = df["preset_id"].fillna(default_id if default_id is not None else -1).astype(int)
    df["preset"] = df["preset_id"].map(names)
    return df[["street_id", "street", "preset_id", "preset", "chosen", "version"]]


def preset_for_street(session: Session, street_id: int) -> Preset:
    """The preset a street uses (its admin's choice, else 全国（默认）)."""
    chosen = session.get(StreetStarPreset, street_id)
    preset_id = chosen.preset_id if chosen is not None else default_preset_id(session)
    if preset_id is None:
        raise NotFound("尚未配置星级标准（缺少“全国（默认）”），请联系管理员。")
    return preset(session, preset_id)


def _approved_hours(scope: Scope | None = None, volunteer_id: int | None = None):
    """Approved hours per volunteer, all time, wherever served: the running totals the write services keep
    (db/volunteers/totals.py), so a star list does not sum the whole history (33–45 s at 10M records)."""
    query = select(VolunteerTotal.volunteer_id, VolunteerTotal.hours.label("hours"))
    if volunteer_id is not None:
        query = query.where(VolunteerTotal.volunteer_id == volunteer_id)
    elif scope is not None and not scope.is_all:
        query = query.where(VolunteerTotal.volunteer_id.in_(select(Volunteer.id).where(*scope.where(Volunteer))))
    return query.subquery()


def _awarded(session: Session) -> pd.DataFrame:
    """The highest award per (volunteer, preset): volunteer_id, preset_id, awarded_rank, awarded_on."""
    best = (select(StarAward.volunteer_id, StarAward.preset_id, func.max(StarAward.rank).label("awarded_rank"))
            .group_by(StarAward.volunteer_id, StarAward.preset_id).subquery())
    rows = session.execute(
        select(best.c.volunteer_id, best.c.preset_id, best.c.awarded_rank, func.max(StarAward.awarded_on))
        .join(StarAward, (StarAward.volunteer_id == best.c.volunteer_id) & (StarAward.preset_id == best.c.preset_id)
              & (StarAward.rank == best.c.awarded_rank))
        .group_by(best.c.volunteer_id, best.c.preset_id, best.c.awarded_rank)
    ).all()
    return pd.DataFrame(rows, columns=["volunteer_id", "preset_id", "awarded_rank", "awarded_on"])


STAR_COLUMNS = ["volunteer_id", "name", "street_id", "street", "community", "hours", "preset_id", "preset",
                "eligible_rank", "eligible", "awarded_rank", "awarded", "awarded_on", "next", "to_next", "pending"]


def star_table(session: Session, scope: Scope, volunteer_id: int | None = None,
               min_hours: float | None = None) -> pd.DataFrame:
    """Every volunteer registered in ``scope`` (or one volunteer) with approved hours, preset, eligible and
    awarded level, the next level and the hours still needed; ``pending`` = eligible above awarded.

    Names are the real names: callers mask them for display (``db.privacy.mask_name``).
    ``min_hours`` keeps only volunteers with at least that many hours (e.g. the first threshold).
    """
    hours = _approved_hours(scope, volunteer_id)
    query = (
        select(Volunteer.id.label("volunteer_id"), Volunteer.name, Volunteer.street_id, Street.name.label("street"),
               Community.name.label("community"), func.coalesce(hours.c.hours, 0.0).label("hours"))
        .join(Street, Street.id == Volunteer.street_id)
        .outerjoin(Community, Community.id == Volunteer.community_id)
        .outerjoin(hours, hours.c.volunteer_id == Volunteer.id)
    )
    if volunteer_id is not None:
        query = query.where(Volunteer.id == volunteer_id)
    else:
        query = query.where(*scope.where(Volunteer))
    if min_hours is not None:
        query = query.where(hours.c.hours >= min_hours - 0.005)
    df = pd.DataFrame(session.execute(query.order_by(Volunteer.id)).all(),
                      columns=["volunteer_id", "name", "street_id", "street", "community", "hours"])
    if df.empty:
        return pd.DataFrame(columns=STAR_COLUMNS)
    df["hours"] = df["hours"].astype(float).round(2)
    choice = street_presets(session)
    df = df.merge(choice[["street_id", "preset_id", "preset"]], on="street_id", how="left")
    by_id = {p.id: p for p in presets(session)}
    parts = []
    for preset_id, part in df.groupby("preset_id", sort=False):  # one vectorised pass per preset (a handful)
        levels = by_id[int(preset_id)].levels
        part = part.copy()
        thresholds = pd.Series([lv.min_hours for lv in levels])
        # Number of thresholds reached (inclusive) = the eligible rank; ranks are 1..n in order.
        reached = thresholds.searchsorted(part["hours"].to_numpy(), side="right")
        labels = {lv.rank: lv.label for lv in levels}
        part["eligible_rank"] = reached.astype(int)
        part["eligible"] = part["eligible_rank"].map(labels)
        nxt = pd.Series(reached).map(lambda i, lv=levels: lv[i] if i < len(lv) else None).tolist()
        part["next"] = [n.label if n else None for n in nxt]
        part["to_next"] = [round(n.min_hours - h, 2) if n else None for n, h in zip(nxt, part["hours"], strict=True)]
        parts.append(part)
    df = pd.concat(parts).sort_values("volunteer_id")
    awarded = _awarded(session)
    df = df.merge(awarded, on=["volunteer_id", "preset_id"], how="left")
    df["awarded_rank"] = df["awarded_rank"].fillna(0).astype(int)
    df["awarded"] = [by_id[int(p)].levels[r - 1].label if 0 < r <= len(by_id[int(p)].levels) else None
                     for p, r in zip(df["preset_id"], df["awarded_rank"], strict=True)]
    df["pending"] = df["eligible_rank"] > df["awarded_rank"]
    return df[STAR_COLUMNS].reset_index(drop=True)


def level_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Volunteers per level of each preset: preset, rank, level, eligible (达标), awarded (已认定)."""
    columns = ["preset", "rank", "level", "eligible", "awarded"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    eligible = (table[table["eligible_rank"] > 0].groupby(["preset", "eligible_rank"])
                .agg(level=("eligible", "first"), eligible=("volunteer_id", "size")))
    awarded = (table[table["awarded_rank"] > 0].groupby(["preset", "awarded_rank"])
               .agg(awarded_level=("awarded", "first"), awarded=("volunteer_id", "size")))
    eligible.index.names = awarded.index.names = ["preset", "rank"]
    out = eligible.join(awarded, how="outer").reset_index()
    out["level"] = out["level"].fillna(out["awarded_level"])
    out[["eligible", "awarded"]] = out[["eligible", "awarded"]].fillna(0).astype(int)
    return out[columns].sort_values(["preset", "rank"]).reset_index(drop=True)


def volunteer_stars(session: Session, volunteer_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One volunteer's star row (as ``star_table``) and their award history."""
    return star_table(session, Scope(), volunteer_id=volunteer_id), award_history(session, volunteer_id)


def award_history(session: Session, volunteer_id: int) -> pd.DataFrame:
    """A volunteer's awards, newest first: award_id, awarded_on, preset, level, rank, awarded_by."""
    rows = session.execute(
        select(StarAward.awarded_on, StarPreset.name, StarAward.preset_id, StarAward.rank, AppUser.display_name,
               StarAward.id)
        .join(StarPreset, StarPreset.id == StarAward.preset_id)
        .outerjoin(AppUser, AppUser.id == StarAward.awarded_by)
        .where(StarAward.volunteer_id == volunteer_id).order_by(StarAward.awarded_on.desc(), StarAward.id.desc())
    ).all()
    labels = {(p.id, lv.rank): lv.label for p in presets(session) for lv in p.levels}
    return pd.DataFrame(
        [(r[5], r[0], r[1], labels.get((r[2], r[3]), f"第 {r[3]} 级"), r[3], r[4] or "") for r in rows],
        columns=["award_id", "awarded_on", "preset", "level", "rank", "awarded_by"])


# ---------------------------------------------------------------------------------------------- rules


def _label(name: str) -> str:
    return f"「{vocab.VOLUNTEER_FIELD_LABELS.get(name) or vocab.FIELD_LABELS.get(name, name)}」"


def require_level(preset_obj: Preset, rank: int) -> Level:
    level = next((lv for lv in preset_obj.levels if lv.rank == rank), None)
    if level is None:
        raise ValidationFailed({"rank": f"{_label('rank')}不在「{preset_obj.name}」标准中"})
    return level


__all__ = [
    "DEFAULT_PRESET", "Level", "Preset", "award_history", "eligible_level", "hours_to_next", "level_counts",
    "next_level", "preset", "preset_for_street", "presets", "require_level", "star_table", "street_presets",
]
