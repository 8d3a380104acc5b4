"""Names of an imported file → ids, within the importing user's reach (used by db/transfer/importers.py):
communities of the user's scope (“街道/社区” tells namesakes of two streets apart); projects, social workers,
organisations, teams and volunteers of the row's street. Two volunteers of one name need a phone tail or number in
the file (“王芳(3418)”, “王芳(#123)”), and the message lists the namesakes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, SQLModel

from db.auth import CurrentUser
from db.models import Community, Organization, Street, Volunteer
from db.places.lists import scope_name
from db.transfer.parse import VolunteerEntry, squash

_ID_SUFFIX = re.compile(r"^(.*?)\(?#(\d{1,9})\)?$")


class Resolver:
    """Names of a file → ids, within the importing user's reach; caches what it has looked up."""

    def __init__(self, session: Session, user: CurrentUser):
        self.session, self.user, self.scope = session, user, user.scope
        rows = session.execute(select(Community.id, Community.name, Community.street_id, Street.name.label("street"))
                               .join(Street, Street.id == Community.street_id)).all()
        self.communities = rows
        self.home_street = self._home_street()
        self._volunteers: dict[tuple[int, str], list[Volunteer]] = {}
        self._cache: dict[tuple, tuple[int | None, str | None]] = {}

    def _home_street(self) -> int | None:
        base = self.scope
        if base.street_id is not None:
            return base.street_id
        if base.community_id is not None:
            return next((r.street_id for r in self.communities if r.id == base.community_id), None)
        if base.organization_id is not None:
            org = self.session.get(Organization, base.organization_id)
            return org.street_id if org else None
        return None

    def where(self) -> str:
        return scope_name(self.session, self.scope)

    def _in_scope(self, community_id: int, street_id: int) -> bool:
        base = self.scope
        if base.community_id is not None:
            return community_id == base.community_id
        if base.street_id is not None:
            return street_id == base.street_id
        if base.organization_id is not None:
            return street_id == self.home_street
        return True

    def community(self, text: str | None) -> tuple[int | None, int | None, str | None]:
        """(community id, its street id, problem)."""
        if not text:
            return None, None, None
        street_part, _, name = text.rpartition("/")
        name = squash(name)
        found = [r for r in self.communities if squash(r.name) == name]
        if street_part:
            found = [r for r in found if squash(r.street) == squash(street_part)]
        elif len(found) != 1:  # “薛家岛街道东山社区” written without the slash
            joined = [r for r in self.communities if squash(r.street + r.name) == name]
            found = joined or found
        mine = [r for r in found if self._in_scope(r.id, r.street_id)]
        if len(mine) == 1:
            return mine[0].id, mine[0].street_id, None
        if len(mine) > 1:
            example = f"{mine[0].street}/{mine[0].name}"
            return None, None, f"“{text}”在多个街道都有：请写成“街道/社区”，如“{example}”"
        if found:
            return None, None, f"“{text}”不在您的数据范围内：您只能导入{self.where()}的数据"
        return None, None, f"找不到社区“{text}”：请填写系统中已有的社区名称"

    def street(self, text: str | None) -> tuple[int | None, str | None]:
        if not text:
            return None, None
        rows = self.session.execute(select(Street.id, Street.name)).all()
        found = [r for r in rows if squash(r.name) == squash(text)]
        if not found:
            return None, f"找不到街道“{text}”"
        if self.home_street is not None and found[0].id != self.home_street:
            return None, f"“{text}”不在您的数据范围内：您只能导入{self.where()}的数据"
        return found[0].id, None

    def named(self, model: type[SQLModel], text: str | None, street_id: int | None, noun: str,
              detail: Callable[[Any], str] = lambda r: "") -> tuple[int | None, str | None]:
        """A project, social worker, organisation or team by name (or “name(#id)”) in the street."""
        if not text:
            return None, None
        key = (model.__name__, text, street_id)
        if key in self._cache:
            return self._cache[key]
        name, wanted = text, None
        match = _ID_SUFFIX.match(text)
        if match:
            name, wanted = match[1], int(match[2])
        query = select(model)
        street_col = model.street_id  # type: ignore[attr-defined]
        if street_id is not None:
            query = query.where((street_col == street_id) | street_col.is_(None)) if model is Organization \
                else query.where(street_col == street_id)
        elif self.home_street is not None:
            query = query.where(street_col == self.home_street)
        rows = [r for r in self.session.execute(query).scalars() if squash(r.name) == squash(name)]
        if wanted is not None:
            rows = [r for r in rows if r.id == wanted]
        if len(rows) == 1:
            out: tuple[int | None, str | None] = (rows[0].id, None)
        elif not rows:
            out = (None, f"找不到{noun}“{text}”：须为本街道系统中已有的{noun}名称")
        else:
            listed = "、".join(f"{r.name}(#{r.id}{detail(r)})" for r in rows[:6])
            out = (None, f"“{text}”有 {len(rows)} 个同名的{noun}：请在名称后注明编号，如“{rows[0].name}(#{rows[0].id})”。"
                         f"同名的有：{listed}")
        self._cache[key] = out
        return out

    def volunteers(self, entries: list[VolunteerEntry], street_id: int | None) -> tuple[list[int | None], list[str]]:
        """The volunteer of each entry (None when not found), and the problems."""
        street_id = street_id if street_id is not None else self.home_street
        names = {e.name for e in entries}
        missing = [n for n in names if (street_id or 0, n) not in self._volunteers]
        if missing:
            query = select(Volunteer).where(Volunteer.name.in_(missing))
            if street_id is not None:
                query = query.where(Volunteer.street_id == street_id)
            got: dict[str, list[Volunteer]] = {n: [] for n in missing}
            for v in self.session.execute(query).scalars():
                got.setdefault(v.name, []).append(v)
            for n, vs in got.items():
                self._volunteers[(street_id or 0, n)] = sorted(vs, key=lambda v: v.id or 0)
        ids: list[int | None] = []
        problems: list[str] = []
        for entry in entries:
            candidates = self._volunteers.get((street_id or 0, entry.name), [])
            if entry.volunteer_id is not None:
                chosen = [v for v in candidates if v.id == entry.volunteer_id]
                if not chosen:
                    problems.append(f"“{entry.text}”：本街道编号 #{entry.volunteer_id} 的志愿者不是“{entry.name}”")
            elif entry.tail is not None:
                chosen = [v for v in candidates if (v.phone or "").endswith(entry.tail)]
                if not chosen:
                    problems.append(f"找不到手机尾号为 {entry.tail} 的志愿者“{entry.name}”")
            else:
                chosen = candidates
                if not chosen:
                    problems.append(f"找不到志愿者“{entry.name}”：请先在志愿者页登记，或检查姓名是否写错")
            if len(chosen) > 1:
                listed = "、".join(f"{v.name}({_tail(v)}#{v.id})" for v in chosen[:6])
                phones = [v.phone[-4:] for v in chosen if v.phone and len(v.phone) >= 4]
                example = f"“{entry.name}({phones[0]})”或" if phones else ""
                problems.append(f"“{entry.text}”有 {len(chosen)} 位同名志愿者：请在姓名后注明手机尾号或编号，如"
                                f"{example}“{entry.name}(#{chosen[0].id})”。同名的有：{listed}")
            ids.append(chosen[0].id if len(chosen) == 1 else None)
        return ids, problems


def _tail(v: Volunteer) -> str:
    return f"尾号{v.phone[-4:]}，" if v.phone and len(v.phone) >= 4 else "无手机号，"
