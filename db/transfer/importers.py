"""Import of parsed 台账 rows through the EXISTING write services (DESIGN.md §7).

Each row becomes one call of the service its form uses (create_activity, create_volunteer, record_donation,
offer_resource, file_need, create_mediation_case), so role, scope, validation, idempotency and audit are exactly
the forms'. What the importer adds:

- Names → ids within the importing user's reach: communities of the user's scope (“街道/社区” tells namesakes of two
  streets apart); projects, social workers, organisations, teams and volunteers of the row's street (the activity
  form offers the whole street's volunteers too). An unknown, out-of-scope or ambiguous name is a row problem
  naming its column; two volunteers of one name need a phone tail or number in the file (“王芳(3418)”,
  “王芳(#123)”), and the message lists the namesakes.
- The same volunteer twice in one activity is refused, not merged: the file does not say which of two hours is
  right, and adding them up could pass the activity's length; the form refuses it too.
- Every row runs in its own savepoint inside one write transaction. ``preview`` is that very run, rolled back at
  the end, so its verdicts are the import's by construction (including rows that clash with an earlier row of the
  same file). ``run_import`` commits it: all-or-nothing by default (one rejected row → nothing is written), or the
  valid rows only when the user chooses.
- Each row's idempotency key comes from the kind, the user and the row's normalised content: the write service's
  input with names resolved to ids, the user's own community written out where the cell was blank, times as the
  activity's start and end whichever columns held them, blanks left out, lists sorted. A re-saved, re-ordered or
  re-encoded file is recognised: its rows are reported “已导入过，跳过”. Two rows of one file with the same content
  are reported as such, and the second is skipped.
- One audit row per committed batch (action “import”: file name, mode and counts), besides each record's own.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from db import vocab
from db.activities.writes import ActivityInput, VolunteerHours, create_activity
from db.auth import CurrentUser
from db.charity.writes import (
    DonationInput,
    NeedInput,
    ResourceInput,
    file_need,
    offer_resource,
    record_donation,
)
from db.engine import get_engine
from db.errors import ValidationFailed, WriteError
from db.export import neutralise
from db.models import (
    Activity,
    CharityNeed,
    CharityResource,
    Donation,
    MediationCase,
    Organization,
    Project,
    SocialWorker,
    Submission,
    Volunteer,
    VolunteerTeam,
)
from db.organizations.writes import MediationInput, create_mediation_case
from db.privacy import mask_name
from db.transfer.names import Resolver
from db.transfer.parse import Parsed, ParsedRow, Problem, Skipped, VolunteerEntry, parse_file
from db.transfer.templates import ACTOR_ALIASES, TEMPLATES, Template
from db.volunteers.writes import VolunteerInput, create_volunteer
from db.write import record_audit, require_writer

IMPORT_CHUNK_ROWS = 200  # rows per committed part of a "valid rows only" import (the write lock is held per part)
MODES = {"all_or_nothing": "全部导入或都不导入", "valid_only": "只导入通过检查的行"}
STATUS_LABELS = {"ok": "可导入", "imported": "已导入", "already": "已导入过，跳过", "duplicate": "重复行，跳过",
                 "rejected": "未通过"}


# ------------------------------------------------------------------------------------------- results


@dataclass
class RowResult:
    row: int
    status: str  # ok | already | duplicate | rejected (ok rows are written when the result says so)
    original: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    note: str = ""
    record_id: int | None = None
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class ImportResult:
    kind: str
    file_name: str
    mode: str
    dry_run: bool
    written: bool = False
    error: str | None = None
    rows: list[RowResult] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)  # the file's headers that were read, in order
    ignored: list[str] = field(default_factory=list)

    def with_status(self, status: str) -> list[RowResult]:
        return [r for r in self.rows if r.status == status]

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.rows for p in r.problems]

    @property
    def counts(self) -> dict[str, int]:
        """What the ok rows write (would write, for a preview), per kind of record."""
        total: dict[str, int] = {}
        for row in self.with_status("ok"):
            for noun, n in row.counts.items():
                total[noun] = total.get(noun, 0) + n
        return total

    def counts_text(self) -> str:
        return "、".join(f"{noun} {n}" for noun, n in self.counts.items()) or "无"

    @property
    def message(self) -> str:
        """One Chinese sentence on the outcome."""
        if self.error:
            return self.error
        ok, rejected = len(self.with_status("ok")), len(self.with_status("rejected"))
        already = len(self.with_status("already")) + len(self.with_status("duplicate"))
        tail = []
        if already:
            tail.append(f"已导入过或重复 {already} 行（跳过）")
        if self.skipped:
            tail.append(f"空行、合计行等 {sum(s.last - s.row + 1 for s in self.skipped)} 行（跳过）")
        rest = ("；" + "，".join(tail)) if tail else ""
        if self.dry_run:
            found = f"可导入 {ok} 行（{self.counts_text()}）" if ok else "没有可导入的新行"
            return f"预览：{found}，未通过 {rejected} 行{rest}。尚未写入任何数据。"
        if self.written:
            left = f"；未通过的 {rejected} 行没有导入" if rejected else ""
            return f"已导入 {ok} 行（{self.counts_text()}）{left}{rest}。"
        if rejected and self.mode == "all_or_nothing":
            return (f"有 {rejected} 行未通过检查，按“{MODES['all_or_nothing']}”本次没有写入任何数据：请修改后重新导入，"
                    f"或选择“{MODES['valid_only']}”。")
        return f"没有需要导入的新数据{rest}。"


# ------------------------------------------------------------------------------------------- rows → inputs


class RowProblems:
    """The problems of one row, each under its column as the file names it."""

    def __init__(self, template: Template, parsed: Parsed, row: ParsedRow):
        self.template, self.parsed, self.row = template, parsed, row
        self.items: list[Problem] = []

    def header(self, key: str) -> str:
        if key in self.parsed.headers:
            return self.parsed.headers[key]
        return next((c.header for c in self.template.columns if c.key == key), "")

    def add(self, key: str, reason: str) -> None:
        header = self.header(key)
        label = f"「{header}」" if header else ""
        self.items.append(Problem(self.row.row, header, reason if reason.startswith("「") else label + reason))


@dataclass
class Prepared:
    """A row made ready for its write service."""

    data: Any  # the write service's input (ids resolved): what the row's idempotency key is made of
    call: Callable[[Session, str], int]  # (session, idempotency key) → record id
    counts: dict[str, int]
    # write-service field → template column key, for the service's messages
    fields: dict[str, str] = field(default_factory=dict)
    rewrite: Callable[[str, str], tuple[str, str]] | None = None  # (field, message) → (column key, message)


def _place(res: Resolver, v: dict[str, Any], p: RowProblems) -> tuple[int | None, int | None]:
    """(community, street) of a row. A blank community is the user's own when the user has one (as the forms
    default it), written out so that a blank cell and the community's name give the same row."""
    community_id, street_id, problem = res.community(v.get("community"))
    if problem:
        p.add("community", problem)
    elif community_id is None and res.scope.community_id is not None:
        community_id, street_id = res.scope.community_id, res.home_street
    if street_id is None and community_id is None:
        street_id = res.home_street
    return community_id, street_id


def _name(res: Resolver, p: RowProblems, v: dict[str, Any], key: str, model: type[SQLModel], street_id: int | None,
          noun: str, detail: Callable[[Any], str] = lambda r: "") -> int | None:
    found, problem = res.named(model, v.get(key), street_id, noun, detail)
    if problem:
        p.add(key, problem)
    return found


_FIELDS_COMMON = {"community_id": "community", "street_id": "street", "organization_id": "organization",
                  "project_id": "project", "team_id": "team", "team_ids": "teams"}


def _activity(res: Resolver, v: dict[str, Any], p: RowProblems, user: CurrentUser, today: date | None) -> Prepared:
    community_id, street_id = _place(res, v, p)
    organization_id = _name(res, p, v, "organization", Organization, street_id, "机构")
    project_id = _name(res, p, v, "project", Project, street_id, "项目")
    worker_id = _name(res, p, v, "lead_social_worker", SocialWorker, street_id, "社会工作者",
                      lambda r: f"，{r.level}")
    start, end = v.get("start_time"), v.get("end_time")
    start_key, end_key = "start_time", "end_time"
    if v.get("time_range") is not None:
        range_start, range_end = v["time_range"]
        if (start is not None and start != range_start) or (end is not None and end != range_end):
            p.add("time_range", f"与「{p.header('start_time')}」「{p.header('end_time')}」不一致")
        start, end = start or range_start, end or range_end
        if v.get("start_time") is None:
            start_key = "time_range"
        if v.get("end_time") is None:
            end_key = "time_range"
    actors: set[str] = set()
    for label in v.get("actors") or []:
        name = ACTOR_ALIASES.get(label)
        if name is None:
            p.add("actors", f"“{label}”不是五社主体：须为 {'、'.join(lb for _n, lb in vocab.ACTORS)}")
        else:
            actors.add(name)
    entries: list[VolunteerEntry] = v.get("volunteers") or []
    ids, problems = res.volunteers(entries, street_id) if entries else ([], [])
    for problem in problems:
        p.add("volunteers", problem)
    seen: dict[int, VolunteerEntry] = {}
    for entry, vid in zip(entries, ids, strict=True):
        if vid is None:
            continue
        if vid in seen:
            p.add("volunteers", f"“{entry.name}”填写了不止一次（“{seen[vid].text}”和“{entry.text}”）：同一志愿者在"
                                "一场活动中只能出现一次，请删去重复的一处")
        seen[vid] = entry
    per_person = v.get("hours")
    hours = [VolunteerHours(vid, e.hours if e.hours is not None else per_person) for e, vid in zip(entries, ids,
                                                                                                   strict=True)]
    data = ActivityInput(
        activity_date=v.get("activity_date"), start_time=start, end_time=end, title=v.get("title"),
        type=v.get("type"), venue=v.get("venue") or "", community_id=community_id,
        organization_id=organization_id, project_id=project_id, actors=actors,
        lead_social_worker_id=worker_id, people_served=v.get("people_served") or 0,
        unique_persons=v.get("unique_persons"), volunteers=hours, note=v.get("note") or "",
    )

    def rewrite(name: str, message: str) -> tuple[str, str]:
        # The form numbers volunteers and masks their names; the file's author wrote them: use what they wrote.
        key = "volunteers"
        for n, (entry, vid) in enumerate(zip(entries, ids, strict=True), start=1):
            if vid is None:
                continue
            who = f"第 {n} 位志愿者（{mask_name(_real_name(res, vid, entry))}）"
            if who in message:
                message = message.replace(who, f"“{entry.text}”")
                if message.startswith(f"「{vocab.FIELD_LABELS['hours']}」") and entry.hours is None \
                        and per_person is not None:
                    key = "hours"
        return key, message

    return Prepared(
        data=data,
        call=lambda session, key: create_activity(session=session, user=user, data=data, idempotency_key=key,
                                                  today=today),
        counts={"活动": 1, "志愿服务记录": len(entries)},
        fields={"activity_date": "activity_date", "start_time": start_key, "end_time": end_key, "title": "title",
                "type": "type", "venue": "venue", "note": "note", "lead_social_worker_id": "lead_social_worker",
                "people_served": "people_served", "unique_persons": "unique_persons", "actors": "actors",
                "volunteers": "volunteers"},
        rewrite=lambda name, message: rewrite(name, message) if name == "volunteers" else (name, message),
    )


def _real_name(res: Resolver, volunteer_id: int, entry: VolunteerEntry) -> str:
    for (_street, _name), vs in res._volunteers.items():
        for v in vs:
            if v.id == volunteer_id:
                return v.name
    return entry.name


def _volunteer(res: Resolver, v: dict[str, Any], p: RowProblems, user: CurrentUser, today: date | None) -> Prepared:
    community_id, street_id = _place(res, v, p)
    organization_id = _name(res, p, v, "organization", Organization, street_id, "机构")
    team_ids = []
    for team in v.get("teams") or []:
        found, problem = res.named(VolunteerTeam, team, street_id, "队伍")
        if problem:
            p.add("teams", problem)
        elif found is not None:
            team_ids.append(found)
    data = VolunteerInput(
        name=v.get("name"), registered_on=v.get("registered_on"), community_id=community_id,
        organization_id=organization_id, phone=v.get("phone") or "", gender=v.get("gender") or "",
        birth_year=v.get("birth_year"), tags=list(v.get("tags") or []), team_ids=team_ids,
        leaderboard_opt_out=bool(v.get("leaderboard_opt_out")), is_staff=bool(v.get("is_staff")),
    )
    return Prepared(
        data=data,
        call=lambda session, key: create_volunteer(session=session, user=user, data=data, idempotency_key=key,
                                                   today=today),
        counts={"志愿者": 1},
        fields={"name": "name", "phone": "phone", "gender": "gender", "birth_year": "birth_year",
                "registered_on": "registered_on", "tags": "tags"},
    )


def _donation(res: Resolver, v: dict[str, Any], p: RowProblems, user: CurrentUser, today: date | None) -> Prepared:
    community_id, street_id = _place(res, v, p)
    project_id = _name(res, p, v, "project", Project, street_id, "项目")
    form = v.get("form")
    if form is not None and form not in ("善款", "物资"):
        p.add("form", "须为：善款、物资")
    data = DonationInput(
        donor_name=v.get("donor_name"), donor_type=v.get("donor_type"), is_money=form != "物资",
        amount_yuan=v.get("amount_yuan"), donated_on=v.get("donated_on"), community_id=community_id,
        street_id=None if community_id else street_id, project_id=project_id, recipient=v.get("recipient") or "",
        items=v.get("items") or "", quantity=v.get("quantity"), channel=v.get("channel") or "线下",
    )
    return Prepared(
        data=data,
        call=lambda session, key: record_donation(session=session, user=user, data=data, idempotency_key=key,
                                                  today=today),
        counts={"捐赠": 1},
        fields={"donor_name": "donor_name", "donor_type": "donor_type", "amount_yuan": "amount_yuan",
                "items": "items", "quantity": "quantity", "recipient": "recipient", "channel": "channel",
                "donated_on": "donated_on", "is_money": "form"},
    )


_CHARITY_FIELDS = {"title": "title", "amount": "amount", "unit": "unit", "lng": "lng", "lat": "lat",
                   "coord_system": "coord_system"}


def _resource(res: Resolver, v: dict[str, Any], p: RowProblems, user: CurrentUser, today: date | None) -> Prepared:
    community_id, street_id = _place(res, v, p)
    if v.get("street"):
        named_street, problem = res.street(v.get("street"))
        if problem:
            p.add("street", problem)
        elif community_id is None:
            street_id = named_street
    data = ResourceInput(
        provider_name=v.get("provider_name"), provider_type=v.get("provider_type"), kind=v.get("kind"),
        title=v.get("title"), amount=v.get("amount"), unit=v.get("unit") or "", offered_on=v.get("offered_on"),
        community_id=community_id, street_id=None if community_id else street_id, lng=v.get("lng"),
        lat=v.get("lat"), coord_system=v.get("coord_system") or "GCJ-02",
    )
    return Prepared(
        data=data,
        call=lambda session, key: offer_resource(session=session, user=user, data=data, idempotency_key=key,
                                                 today=today),
        counts={"慈善资源": 1},
        fields={**_CHARITY_FIELDS, "provider_name": "provider_name", "provider_type": "provider_type",
                "kind": "kind", "offered_on": "offered_on"},
    )


def _need(res: Resolver, v: dict[str, Any], p: RowProblems, user: CurrentUser, today: date | None) -> Prepared:
    community_id, _street_id = _place(res, v, p)
    data = NeedInput(
        title=v.get("title"), category=v.get("category"), amount=v.get("amount"), unit=v.get("unit") or "",
        filed_on=v.get("filed_on"), community_id=community_id, beneficiary_group=v.get("beneficiary_group") or "",
        urgency=v.get("urgency") or "一般", lng=v.get("lng"), lat=v.get("lat"),
        coord_system=v.get("coord_system") or "GCJ-02",
    )
    return Prepared(
        data=data,
        call=lambda session, key: file_need(session=session, user=user, data=data, idempotency_key=key, today=today),
        counts={"慈善需求": 1},
        fields={**_CHARITY_FIELDS, "category": "category", "filed_on": "filed_on",
                "beneficiary_group": "beneficiary_group", "urgency": "urgency"},
    )


def _mediation(res: Resolver, v: dict[str, Any], p: RowProblems, user: CurrentUser, today: date | None) -> Prepared:
    community_id, street_id = _place(res, v, p)
    organization_id = _name(res, p, v, "organization", Organization, street_id, "机构")
    team_id = _name(res, p, v, "team", VolunteerTeam, street_id, "队伍")
    project_id = _name(res, p, v, "project", Project, street_id, "项目")
    data = MediationInput(
        received_on=v.get("received_on"), type=v.get("type"), source=v.get("source"), outcome=v.get("outcome"),
        people_involved=v.get("people_involved"), resolved_on=v.get("resolved_on"), community_id=community_id,
        organization_id=organization_id, team_id=team_id, project_id=project_id,
        street_id=None if community_id or organization_id else street_id, location=v.get("location") or "",
    )
    return Prepared(
        data=data,
        call=lambda session, key: create_mediation_case(session=session, user=user, data=data, idempotency_key=key,
                                                        today=today),
        counts={"调解案件": 1},
        fields={"received_on": "received_on", "resolved_on": "resolved_on", "type": "type", "source": "source",
                "outcome": "outcome", "people_involved": "people_involved", "location": "location"},
    )


@dataclass(frozen=True)
class Kind:
    prepare: Callable[[Resolver, dict[str, Any], RowProblems, CurrentUser, date | None], Prepared]
    model: type[SQLModel]


KINDS: dict[str, Kind] = {
    "activities": Kind(_activity, Activity),
    "volunteers": Kind(_volunteer, Volunteer),
    "donations": Kind(_donation, Donation),
    "resources": Kind(_resource, CharityResource),
    "needs": Kind(_need, CharityNeed),
    "mediation": Kind(_mediation, MediationCase),
}


# ------------------------------------------------------------------------------------------- keys


def _canonical(value: Any) -> Any:
    if isinstance(value, VolunteerEntry):
        return [value.name, value.tail, value.volunteer_id, value.hours]
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_canonical(v) for v in value]
        return items if isinstance(value, tuple) else sorted(items, key=lambda x: json.dumps(x, default=str))
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value == int(value):
        return int(value)
    return value


def row_content(data: Any) -> dict[str, Any]:
    """The content of a service input as the key sees it: ids, dates, numbers; order and blanks left out."""
    values = dataclasses.asdict(data) if dataclasses.is_dataclass(data) else dict(data)
    return {k: v for k, v in values.items() if v not in (None, "", [], (), set(), {})}


def row_key(kind: str, user: CurrentUser, values: dict[str, Any]) -> str:
    """The idempotency key of a row: kind, user and the row's normalised content (``row_content``)."""
    content = {k: _canonical(v) for k, v in sorted(values.items()) if v not in (None, "", [], (), set(), {})}
    payload = json.dumps([kind, user.id, content], ensure_ascii=False, sort_keys=True, default=str)
    return "imp-" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:60]


# ------------------------------------------------------------------------------------------- the run


def _service_problems(prepared: Prepared, problems: RowProblems, exc: WriteError) -> None:
    if isinstance(exc, ValidationFailed):
        for name, message in exc.errors.items():
            key = prepared.fields.get(name) or _FIELDS_COMMON.get(name) or name
            parts = message.split("；") if name == "volunteers" else [message]
            for part in parts:
                column, text = prepared.rewrite(key, part) if prepared.rewrite else (key, part)
                problems.add(column if column in {c.key for c in problems.template.columns} else "", text)
    else:
        problems.add("community" if "community" in problems.parsed.headers else "", str(exc))


def _chunks(items: list[Any], size: int = 500) -> Any:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _submitted(session: Session, keys: list[str]) -> dict[str, int | None]:
    """Keys already used (an earlier import of the same rows) → the record each created."""
    out: dict[str, int | None] = {}
    for part in _chunks(keys):
        out.update(session.execute(select(Submission.key, Submission.record_id).where(Submission.key.in_(part))).all())
    return out


def _existing(session: Session, model: type[SQLModel], ids: list[int]) -> set[int]:
    table_id = model.id  # type: ignore[attr-defined]
    out: set[int] = set()
    for part in _chunks(ids):
        out.update(session.execute(select(table_id).where(table_id.in_(part))).scalars())
    return out


def _run(engine: Engine | None, user: CurrentUser, kind: str, data: bytes, file_name: str, *, mode: str,
         dry_run: bool, today: date | None) -> ImportResult:
    require_writer(user)
    if mode not in MODES:
        raise ValueError(f"unknown import mode {mode!r}")
    template = TEMPLATES[kind]
    spec = KINDS[kind]
    result = ImportResult(kind, file_name, mode, dry_run)
    parsed = parse_file(template, data, file_name)
    result.skipped, result.headers, result.ignored = parsed.skipped, parsed.file_headers, parsed.ignored
    if parsed.error:
        result.error = parsed.error
        return result
    if not parsed.rows:
        result.error = f"表头（第 {parsed.header_row} 行）下面没有可导入的数据行。"
        return result
    session = Session(engine or get_engine(), expire_on_commit=False)
    session.connection(execution_options={"sqlite_immediate": True})
    try:
        resolver = Resolver(session, user)
        pending: list[tuple[RowResult, Prepared, str]] = []
        first_of: dict[str, int] = {}
        for row in parsed.rows:
            outcome = RowResult(row.row, "rejected", row.original)
            result.rows.append(outcome)
            problems = RowProblems(template, parsed, row)
            problems.items.extend(row.problems)
            prepared = spec.prepare(resolver, row.values, problems, user, today)
            if problems.items:
                outcome.problems = problems.items
                continue
            key = row_key(kind, user, row_content(prepared.data))
            if key in first_of:
                outcome.status, outcome.note = "duplicate", f"与第 {first_of[key]} 行内容相同，跳过"
                continue
            first_of[key] = row.row
            pending.append((outcome, prepared, key))
        earlier = _submitted(session, [key for _o, _p, key in pending])
        alive = _existing(session, spec.model, [r for r in earlier.values() if r is not None])
        # "Valid rows only" commits every IMPORT_CHUNK_ROWS written rows, each part with its own audit row, so that
        # the write lock is held for one part at a time (a 5,000-row file held it for 28 s in one transaction).
        # Safe: rows are independent in this mode, and a file interrupted half-way is imported again without
        # doubles (its written rows are recognised by their keys: 已导入过). All-or-nothing stays one transaction.
        chunked = mode == "valid_only" and not dry_run
        part: list[RowResult] = []
        parts = 0

        def commit_part() -> None:
            nonlocal parts
            parts += 1
            _audit_import(session, user, spec, result, part, file_name, mode, parts)
            session.commit()
            result.written = True
            part.clear()
            session.connection(execution_options={"sqlite_immediate": True})

        for outcome, prepared, key in pending:
            if key in earlier:
                record_id = earlier[key]
                outcome.status, outcome.record_id = "already", record_id
                outcome.note = (f"已导入过，跳过（编号 {record_id}）" if record_id in alive
                                else "已导入过，跳过（该记录后来已被删除；如需重新导入，请修改该行内容）")
                continue
            problems = RowProblems(template, parsed, ParsedRow(outcome.row, {}, outcome.original))
            try:
                with session.begin_nested():
                    outcome.record_id = prepared.call(session, key)
            except WriteError as exc:
                _service_problems(prepared, problems, exc)
                outcome.problems = problems.items
                continue
            except IntegrityError:  # the same row imported at this moment by a racing import of the same file
                outcome.status, outcome.note = "already", "已导入过，跳过"
                continue
            outcome.status, outcome.counts = "ok", prepared.counts
            part.append(outcome)
            if chunked and len(part) >= IMPORT_CHUNK_ROWS:
                commit_part()
        rejected = result.with_status("rejected")
        commit = not dry_run and bool(part) and (mode == "valid_only" or not rejected)
        if commit:
            _audit_import(session, user, spec, result, part, file_name, mode, parts + 1 if parts else None)
            session.commit()
            result.written = True
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    return result


def _audit_import(session: Session, user: CurrentUser, spec: Kind, result: ImportResult, rows: list[RowResult],
                  file_name: str, mode: str, part: int | None) -> None:
    """One audit row for the rows a commit writes (the whole file, or one part of a chunked import)."""
    counts: dict[str, int] = {}
    for row in rows:
        for noun, n in row.counts.items():
            counts[noun] = counts.get(noun, 0) + n
    detail: dict[str, Any] = {
        "file": file_name, "kind": result.kind, "mode": mode, "imported": len(rows),
        "rejected": len(result.with_status("rejected")), "already": len(result.with_status("already")),
        "duplicate": len(result.with_status("duplicate")),
        "skipped": sum(s.last - s.row + 1 for s in result.skipped), "counts": counts,
        "records": [r.record_id for r in rows],
    }
    if part is not None:
        detail["part"] = part
    record_audit(session, user, "import", spec.model.__tablename__, None, None, detail)  # type: ignore[attr-defined]


def preview(engine: Engine | None, user: CurrentUser, kind: str, data: bytes, file_name: str = "", *,
            today: date | None = None) -> ImportResult:
    """What an import of ``data`` would write and every row it would reject, writing nothing: the import itself,
    run and rolled back, so the verdicts are exactly the import's. Raises PermissionDenied for a read-only role."""
    return _run(engine, user, kind, data, file_name, mode="valid_only", dry_run=True, today=today)


def run_import(engine: Engine | None, user: CurrentUser, kind: str, data: bytes, file_name: str = "", *,
               mode: str = "all_or_nothing", today: date | None = None) -> ImportResult:
    """Import ``data``: all-or-nothing by default (any rejected row → nothing written), or the valid rows only
    (``mode="valid_only"``). Rows imported before are skipped. Raises PermissionDenied for a read-only role."""
    return _run(engine, user, kind, data, file_name, mode=mode, dry_run=False, today=today)


# ------------------------------------------------------------------------------------------- report


def report_workbook(result: ImportResult) -> bytes:
    """The rejected rows (row number, column, reason, then the row's original values) and the skipped rows,
    as .xlsx bytes; every text cell is formula-neutralised."""
    wb = Workbook()
    ws = wb.active
    ws.title = "未导入的行"
    headers = list(dict.fromkeys(h for r in result.rows for h in r.original)) or result.headers
    top = ["行号", "列", "原因", *headers]
    _write_row(ws, 1, top, bold=True)
    line = 2
    for row in result.with_status("rejected"):
        for problem in row.problems:
            _write_row(ws, line, [row.row, problem.column, problem.reason,
                                  *[row.original.get(h, "") for h in headers]])
            line += 1
    for i, width in enumerate([8, 16, 60] + [14] * len(headers), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    other = wb.create_sheet("跳过的行")
    _write_row(other, 1, ["行号", "原因"], bold=True)
    line = 2
    skipped = [(s.row, s.rows_text, s.reason) for s in result.skipped]
    skipped += [(r.row, f"第 {r.row} 行", r.note) for r in result.rows if r.status in ("already", "duplicate")]
    for _first, rows_text, reason in sorted(skipped):
        _write_row(other, line, [rows_text, reason])
        line += 1
    other.column_dimensions["A"].width = 16
    other.column_dimensions["B"].width = 60
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")


def _write_row(ws: Any, line: int, values: list[Any], bold: bool = False) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=line, column=col)
        if isinstance(value, str):
            cell.value = neutralise(value)
            cell.data_type = "s"
        else:
            cell.value = value
        if bold:
            cell.font = Font(bold=True)
            cell.fill = _HEAD_FILL


__all__ = ["MODES", "STATUS_LABELS", "ImportResult", "RowResult", "preview", "report_workbook", "row_content",
           "row_key", "run_import"]
