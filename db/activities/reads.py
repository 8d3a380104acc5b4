"""Reads of the activity form: what an activity of a community may be linked to, the volunteers a staff user
may credit (real names for those who may enter records, masked for others), names pasted from a sign-in sheet,
and the recent activities of the user's scope to copy."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlmodel import Session

from db.activities.writes import ActivityInput, VolunteerHours, activity_for_edit
from db.auth import CurrentUser
from db.models import Activity, Community, Volunteer
from db.places import lists
from db.privacy import phone_tail, sees_real_names
from db.transfer.cells import VolunteerEntry, fold
from db.transfer.names import Resolver

MAX_PASTED = 300  # names in one paste
COPY_CHOICES = 30  # recent activities offered to copy


@dataclass(frozen=True)
class ActivityOptions:
    """The projects, social workers and volunteers an activity of a community may name: (id, label) each."""

    projects: list[tuple[int, str]]
    social_workers: list[tuple[int, str]]
    volunteers: list[tuple[int, str]]


def activity_form_options(session: Session, community_id: int | None,
                          user: CurrentUser | None = None) -> ActivityOptions:
    """With ``user`` who may enter records, the volunteers are listed by real name (``db.privacy``)."""
    street_id = lists.street_of_community(session, community_id) if community_id else None
    volunteers = (_named_volunteers(session, street_id, community_id) if sees_real_names(user)
                  else lists.volunteer_options(session, street_id, community_id))
    return ActivityOptions(lists.projects_for(session, street_id, community_id),
                           lists.social_workers_for(session, street_id), volunteers)


def _named_volunteers(session: Session, street_id: int | None, community_id: int | None) -> list[tuple[int, str]]:
    """(id, “real name · 尾号1234 · #id”) of the volunteers an activity of the community may credit: the street's,
    the community's own first (the same volunteers ``lists.volunteer_options`` offers, unmasked)."""
    query = select(Volunteer.id, Volunteer.name, Volunteer.phone, Volunteer.community_id)
    if street_id is not None:
        query = query.where(Volunteer.street_id == street_id)
    rows = session.execute(query.order_by(Volunteer.id)).all()
    rows.sort(key=lambda r: (r.community_id != community_id, r.id))
    return [(r.id, f"{r.name} · {phone_tail(r.phone)} · #{r.id}") for r in rows]


# ------------------------------------------------------------------------------------------ pasted names

_SEPARATORS = re.compile(r"[、,;\n\r]+")
_TOKEN = re.compile(r"^(?P<name>[^\d()\[\]#:=+\-.,\s]+)"
                    r"(?:\((?:手机)?(?:尾号)?(?P<tail>\d{4})\)|(?P<tail2>\d{4})|\(#?(?P<id>\d{1,9})\)|#(?P<id2>\d{1,9}))?$")
PASTE_HINT = "每行一个姓名，或用、，；空格分隔；同名者写成“王芳 3418”“王芳(3418)”（手机尾号）或“王芳(#123)”（编号）"


def split_names(text: str | None) -> tuple[list[VolunteerEntry], list[str]]:
    """The names of a pasted sign-in column: one a line, or apart by 、，；, spaces or tabs; a name with its phone
    tail (“王芳 3418”, “王芳(3418)”, “王芳3418”) or its number (“王芳(#123)”, “王芳 #123”); a name spaced to
    align (“张  三”) stays one name. Returns the entries and, in Chinese, each piece that is not a name."""
    entries: list[VolunteerEntry] = []
    problems: list[str] = []
    for piece in _SEPARATORS.split(fold(text or "")):
        tokens = piece.split()
        if not tokens:
            continue
        if len(tokens) > 1 and all(len(t) == 1 and not t.isdigit() and t != "#" for t in tokens):
            tokens = ["".join(tokens)]
        previous: VolunteerEntry | None = None
        for token in tokens:
            tail_or_id = re.fullmatch(r"\(?(?:尾号)?(\d{4})\)?|\(?#(\d{1,9})\)?", token)
            if tail_or_id and previous is not None and previous.tail is None and previous.volunteer_id is None:
                tail, vid = tail_or_id[1], tail_or_id[2]
                previous = replace(previous, tail=tail, volunteer_id=int(vid) if vid else None,
                                   text=f"{previous.text} {token}")
                entries[-1] = previous
                continue
            match = _TOKEN.match(token)
            if match is None:
                problems.append(f"“{token}”不是姓名，无法识别：{PASTE_HINT}")
                previous = None
                continue
            vid = match["id"] or match["id2"]
            previous = VolunteerEntry(name=match["name"], tail=match["tail"] or match["tail2"],
                                      volunteer_id=int(vid) if vid else None, text=token)
            entries.append(previous)
    return entries, problems


@dataclass(frozen=True)
class Pasted:
    """What a paste resolved to: the volunteers found (in the order pasted, each once), and why each other name
    was not added (unknown, namesakes, not a name, pasted twice) — nothing guessed."""

    volunteer_ids: tuple[int, ...]
    problems: tuple[str, ...]


def pasted_volunteers(session: Session, user: CurrentUser, community_id: int | None, text: str) -> Pasted:
    """Pasted names → the volunteers an activity of ``community_id`` may credit, through the one name resolver
    (``db.transfer.names.Resolver``, which the imports use): names of the street of the community."""
    entries, problems = split_names(text)
    if len(entries) > MAX_PASTED:
        return Pasted((), (f"「粘贴姓名」一次最多 {MAX_PASTED} 个姓名，您粘贴了 {len(entries)} 个：请分批粘贴",))
    street_id = lists.street_of_community(session, community_id) if community_id else None
    ids, found_problems = Resolver(session, user).volunteers(entries, street_id)
    out: list[int] = []
    for entry, vid in zip(entries, ids, strict=True):
        if vid is None:
            continue
        if vid in out:
            problems.append(f"“{entry.text}”粘贴了两次：只加入一次")
            continue
        out.append(vid)
    return Pasted(tuple(out), tuple(problems + found_problems))


# ------------------------------------------------------------------------------------------ copy an activity


def copy_choices(session: Session, user: CurrentUser, limit: int = COPY_CHOICES) -> list[tuple[int, str]]:
    """(id, “#id 标题（日期 社区）”) of the newest activities of the user's scope, to copy into a new entry."""
    rows = session.execute(
        select(Activity.id, Activity.title, Activity.starts_at, Community.name.label("community"))
        .outerjoin(Community, Community.id == Activity.community_id)
        .where(*user.scope.where(Activity))
        .order_by(Activity.starts_at.desc(), Activity.id.desc()).limit(limit)
    ).all()
    return [(r.id, f"#{r.id} {r.title}（{r.starts_at:%Y-%m-%d}{' ' + r.community if r.community else ''}）")
            for r in rows]


def activity_to_copy(session: Session, user: CurrentUser, activity_id: int) -> ActivityInput:
    """A new entry prefilled from an activity of the user's scope: title, type, venue, times, place, project,
    actors, lead social worker and volunteers; the date left blank for the user to type, each volunteer's hours
    blank (the whole activity), and the day's own counts (people served, note) not copied."""
    data, _version = activity_for_edit(session, user, activity_id)
    return replace(data, activity_date=None, people_served=0, unique_persons=None, note="",
                   volunteers=[VolunteerHours(v.volunteer_id, None) for v in data.volunteers])
