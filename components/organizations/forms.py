"""社会组织与社工: the entry forms (staff and admins) — organisations, grades, social workers, trainings and
mediation cases, the edits of organisations and social workers, 办结 of a case — and the admin's score bands."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import data
from components.forms import (
    ANY_DAY,
    NONE,
    Edit,
    FormStates,
    edit_form,
    entry_header,
    index_of,
    pick,
    run_change,
    show_flash,
)
from components.organizations import data as od
from db import clock, vocab
from db.auth import CurrentUser
from db.organizations.writes import (
    GradeInput,
    MediationInput,
    OrganizationInput,
    SocialWorkerInput,
    TrainingInput,
    conclude_mediation_case,
    create_grade,
    create_mediation_case,
    create_organization,
    create_social_worker,
    create_training,
    drop_city_bands,
    update_grade_bands,
    update_organization,
    update_social_worker,
)
from db.scope import Scope

FORMS = ("社会组织", "修改社会组织", "评估等级", "社会工作者", "修改社会工作者", "培训", "纠纷调解案件", "办结调解案件")
STATES = FormStates(key="org_form_key_{}", flash="org_saved")


def _create(kind: str, service, user: CurrentUser, entry, message: str) -> None:
    STATES.create(kind, service, user, entry, lambda record_id: f"{message}（编号 {record_id}）。")


def entry_panel(ver: int, user: CurrentUser) -> None:
    """Forms of organisations, grades, social workers, trainings and mediation cases (staff and admin)."""
    STATES.show_flash()
    header = entry_header(data.streets(ver, user.scope), FORMS, kind_key="org_form_kind", street_key="org_form_street")
    if header is None:
        return
    kind, street_id = header
    scope = Scope(street_id=street_id) if user.scope.community_id is None else user.scope
    forms = {
        "社会组织": lambda: _organization_form(ver, user, street_id, scope),
        "修改社会组织": lambda: _organization_edit(ver, user, street_id, scope),
        "评估等级": lambda: _grade_form(ver, user, scope),
        "社会工作者": lambda: _social_worker_form(ver, user, street_id, scope),
        "修改社会工作者": lambda: _social_worker_edit(ver, user, street_id, scope),
        "培训": lambda: _training_form(ver, user, street_id, scope),
        "纠纷调解案件": lambda: _mediation_form(ver, user, street_id, scope),
        "办结调解案件": lambda: _conclude_form(ver, user, scope),
    }
    forms[kind]()


# ------------------------------------------------------------------------------------------- organisations


def _organization_fields(ver: int, street_id: int, scope: Scope, key: str, init: OrganizationInput | None
                         ) -> OrganizationInput:
    """The organisation's widgets (empty, or showing ``init``), read back as the service's input."""
    init = init or OrganizationInput(name="", kind=vocab.ORG_KINDS[0])
    name = st.text_input("机构名称", value=init.name or "", key=f"org_name_{key}")
    c1, c2, c3 = st.columns(3)
    kind = c1.selectbox("机构类型", vocab.ORG_KINDS, index=index_of(vocab.ORG_KINDS, init.kind), key=f"org_kind_{key}")
    regs = [None, *vocab.REG_STATUSES]
    reg = c2.selectbox("登记/备案", regs, index=index_of(regs, init.reg_status), format_func=lambda s: s or "（不适用）",
                       key=f"org_reg_{key}")
    cats = ["", *vocab.ORG_CATEGORIES]
    category = c3.selectbox("社会组织类别", cats, index=index_of(cats, init.category or ""),
                            format_func=lambda s: s or NONE, key=f"org_cat_{key}")
    c1, c2, c3 = st.columns(3)
    community = pick("所属社区", data.communities(ver, scope, street_id), f"org_comm_{key}", box=c1,
                     value=init.community_id)
    stages = [None, *vocab.INCUBATION_STAGES]
    stage = c2.selectbox("孵化阶段", stages, index=index_of(stages, init.incubation_stage),
                         format_func=lambda s: s or "未入孵", key=f"org_stage_{key}")
    founded = c3.number_input("成立年份", value=init.founded_year,
                              step=1, key=f"org_year_{key}")
    description = st.text_area("简介", value=init.description or "", height=68,
                               key=f"org_desc_{key}")
    return OrganizationInput(name=name, kind=kind, street_id=street_id, community_id=community, reg_status=reg,
                             category=category, incubation_stage=stage, founded_year=founded, description=description)


def _organization_form(ver: int, user: CurrentUser, street_id: int, scope: Scope) -> None:
    STATES.create_form("organization", lambda key: _organization_fields(ver, street_id, scope, key, None),
                       "保存社会组织", create_organization, user,
                       lambda entry, record_id: f"已保存机构「{(entry.name or '').strip()}」（编号 {record_id}）。")


def _organization_edit(ver: int, user: CurrentUser, street_id: int, scope: Scope) -> None:
    """修改: the registration status, incubation stage and other fields of an organisation in the scope."""
    edit_form(Edit(
        noun="机构", pick_key="org_edit_pick", flash=STATES.flash_state(),
        load=lambda record_id: od.organization_for_edit(ver, user, record_id),
        fields=lambda key, init: _organization_fields(ver, init.street_id or street_id, scope, key, init),
        save=lambda session, opened, entry, _key: update_organization(
            session=session, user=user, organization_id=opened.record_id, expected_version=opened.version,
            data=entry),
        message=lambda _opened, entry, _result: f"已修改机构「{(entry.name or '').strip()}」。",
    ), data.organization_options(ver, scope))


def _grade_form(ver: int, user: CurrentUser, scope: Scope) -> None:
    key = STATES.form_key("grade")
    orgs = data.organization_options(ver, scope, True)
    if not orgs:
        st.info("所选范围内没有登记注册的社会组织。")
        return
    with st.form(f"grade_{key}", border=True, enter_to_submit=False):
        org = pick("社会组织", orgs, f"grade_org_{key}", optional=False)
        c1, c2, c3 = st.columns(3)
        grade = c1.selectbox("评估等级", [None, *vocab.GRADES], format_func=lambda g: g or "按得分确定",
                             key=f"grade_grade_{key}")
        awarded = c2.date_input("评定日期", value=None, **ANY_DAY, key=f"grade_day_{key}")
        score = c3.number_input("评估得分（满分 1000）", value=None,
                                step=1.0, key=f"grade_score_{key}")
        st.caption(f"等级自评定日起有效 {vocab.GRADE_YEARS} 年，到期日自动计算；填写得分时须与分数段一致。")
        submitted = st.form_submit_button("保存评估等级", type="primary")
    if submitted:
        _create("grade", create_grade, user, GradeInput(organization_id=org, grade=grade, awarded_on=awarded,
                                                        score=score), "已保存评估等级")


def bands_form(ver: int, user: CurrentUser, city: str, table: pd.DataFrame) -> None:
    """Admins: the minimum score of each grade for ``city`` (or the default set), or back to the default."""
    show_flash("bands_saved")
    versions = od.band_versions(ver, city)
    current = dict(zip(table["grade"], table["min_score"], strict=True))
    with st.form(f"bands_{city or 'default'}", border=True, enter_to_submit=False):
        st.markdown(f"**修改{'「' + city + '」' if city else '默认'}分数段**")
        cols = st.columns(len(vocab.GRADES))
        values = {g: col.number_input(f"{g} 最低分",
                                      value=float(current[g]), step=10.0, key=f"band_{city}_{g}")
                  for g, col in zip(vocab.GRADES, cols, strict=True)}
        save = st.form_submit_button("保存分数段", type="primary")
        drop = st.form_submit_button("恢复使用默认分数段", disabled=not (city and versions))
    if not (save or drop):
        return

    def work(session) -> None:
        if save:
            update_grade_bands(session=session, user=user, city=city, bands=values, expected_versions=versions)
        else:
            drop_city_bands(session=session, user=user, city=city)

    run_change("bands_saved", work, lambda _: "分数段已保存。" if save else f"「{city}」已恢复使用默认分数段。")


# ------------------------------------------------------------------------------------------ social workers


def _social_worker_fields(ver: int, street_id: int, scope: Scope, key: str, init: SocialWorkerInput | None
                          ) -> SocialWorkerInput:
    """The social worker's widgets (empty, or showing ``init``), read back as the service's input."""
    init = init or SocialWorkerInput(name="", level=vocab.SOCIAL_WORKER_LEVELS[0])
    c1, c2 = st.columns(2)
    name = c1.text_input("姓名", value=init.name or "", key=f"sw_name_{key}")
    levels = list(vocab.SOCIAL_WORKER_LEVELS)
    level = c2.selectbox("职业水平等级", levels, index=index_of(levels, init.level),
                         format_func=lambda lv: f"{lv}（{vocab.SOCIAL_WORKER_LEVEL_SHORT[lv]}）", key=f"sw_level_{key}")
    c1, c2 = st.columns(2)
    community = pick("所属社区", data.communities(ver, scope, street_id), f"sw_comm_{key}", box=c1,
                     value=init.community_id)
    org = pick("所属机构", data.organization_options(ver, Scope(street_id=street_id)), f"sw_org_{key}", box=c2,
               value=init.organization_id)
    c1, c2, c3 = st.columns(3)
    title = c1.text_input("职务/头衔", value=init.title or "", key=f"sw_title_{key}")
    year = c2.number_input("取证年份", value=init.certified_year, step=1,
                           key=f"sw_year_{key}")
    hours = c3.number_input("培训学时", value=float(init.training_hours or 0),
                            step=1.0, key=f"sw_hours_{key}")
    return SocialWorkerInput(name=name, level=level, street_id=street_id, community_id=community,
                             organization_id=org, title=title, certified_year=year, training_hours=hours)


def _social_worker_form(ver: int, user: CurrentUser, street_id: int, scope: Scope) -> None:
    STATES.create_form("social_worker", lambda key: _social_worker_fields(ver, street_id, scope, key, None),
                       "保存社会工作者", create_social_worker, user,
                       lambda entry, record_id: f"已保存社会工作者「{(entry.name or '').strip()}」（编号 {record_id}）。")


def _social_worker_edit(ver: int, user: CurrentUser, street_id: int, scope: Scope) -> None:
    """修改: a social worker's level (助理 → 中级 after the exam), organisation and other fields."""
    edit_form(Edit(
        noun="社会工作者", pick_key="sw_edit_pick", flash=STATES.flash_state(),
        load=lambda record_id: od.social_worker_for_edit(ver, user, record_id),
        fields=lambda key, init: _social_worker_fields(ver, init.street_id or street_id, scope, key, init),
        save=lambda session, opened, entry, _key: update_social_worker(
            session=session, user=user, worker_id=opened.record_id, expected_version=opened.version, data=entry),
        message=lambda _opened, entry, _result: f"已修改社会工作者「{(entry.name or '').strip()}」。",
    ), od.social_worker_names(ver, scope))


# ------------------------------------------------------------------------------------ trainings, mediation


def _training_form(ver: int, user: CurrentUser, street_id: int, scope: Scope) -> None:
    key = STATES.form_key("training")
    with st.form(f"training_{key}", border=True, enter_to_submit=False):
        title = st.text_input("培训名称", key=f"tr_title_{key}")
        c1, c2, c3 = st.columns(3)
        topic = c1.selectbox("培训专题", vocab.TRAINING_TOPICS, key=f"tr_topic_{key}")
        held = c2.date_input("培训日期", value=clock.today(), **ANY_DAY, key=f"tr_day_{key}")
        org = pick("主办机构", data.organization_options(ver, scope), f"tr_org_{key}", box=c3)
        c1, c2, c3, c4 = st.columns(4)
        sessions = c1.number_input("场次", value=1, step=1, key=f"tr_sessions_{key}")
        trainees = c2.number_input("参训人次", value=0, step=1, key=f"tr_people_{key}")
        hours = c3.number_input("学时", value=2.0, step=0.5, key=f"tr_hours_{key}")
        project = pick("所属项目", data.project_options(ver, Scope(street_id=street_id)), f"tr_project_{key}", box=c4)
        submitted = st.form_submit_button("保存培训", type="primary")
    if submitted:
        entry = TrainingInput(title=title, topic=topic, held_on=held, sessions=sessions, trainees=trainees,
                              hours=hours, street_id=street_id, organization_id=org, project_id=project)
        _create("training", create_training, user, entry, f"已保存培训「{title.strip()}」")


def _mediation_form(ver: int, user: CurrentUser, street_id: int, scope: Scope) -> None:
    key = STATES.form_key("mediation")
    street = Scope(street_id=street_id)
    with st.form(f"mediation_{key}", border=True, enter_to_submit=False):
        st.caption("只记录人数，不填写当事人姓名等个人信息。")
        c1, c2, c3 = st.columns(3)
        received = c1.date_input("受理日期", value=clock.today(), **ANY_DAY, key=f"md_recv_{key}")
        kind = c2.selectbox("纠纷类型", vocab.MEDIATION_TYPES, key=f"md_type_{key}")
        source = c3.selectbox("来源", vocab.MEDIATION_SOURCES, key=f"md_source_{key}")
        c1, c2, c3 = st.columns(3)
        outcome = c1.selectbox("调解结果", vocab.MEDIATION_OUTCOMES, index=2, key=f"md_outcome_{key}")
        resolved = c2.date_input("办结日期（处理中可不填）", value=None, **ANY_DAY, key=f"md_done_{key}")
        people = c3.number_input("涉及人数", value=2, step=1, key=f"md_people_{key}")
        c1, c2 = st.columns(2)
        community = pick("所属社区", data.communities(ver, scope, street_id), f"md_comm_{key}", box=c1)
        org = pick("调解机构", data.organization_options(ver, street), f"md_org_{key}", box=c2)
        c1, c2 = st.columns(2)
        team = pick("调解队伍", od.team_options(ver, street), f"md_team_{key}", box=c1)
        project = pick("所属项目", data.project_options(ver, street), f"md_project_{key}", box=c2)
        location = st.text_input("发生地点（如小区名称，勿填个人信息）", key=f"md_place_{key}")
        submitted = st.form_submit_button("保存调解案件", type="primary")
    if submitted:
        entry = MediationInput(received_on=received, type=kind, source=source, outcome=outcome,
                               people_involved=people, resolved_on=resolved, community_id=community,
                               organization_id=org, team_id=team, project_id=project, street_id=street_id,
                               location=location)
        _create("mediation", create_mediation_case, user, entry, "已保存调解案件")


def _conclude_fields() -> tuple[str, object]:
    c1, c2 = st.columns(2)
    outcome = c1.selectbox("调解结果", [o for o in vocab.MEDIATION_OUTCOMES if o != "处理中"], key="md_conclude_outcome")
    resolved = c2.date_input("办结日期", value=clock.today(), **ANY_DAY, key="md_conclude_date")
    return outcome, resolved


def _conclude_form(ver: int, user: CurrentUser, scope: Scope) -> None:
    """办结: a case received as 处理中 gets its outcome and date (the success rate counts it from then on)."""
    cases = od.open_cases(ver, scope)
    versions = {case_id: version for (case_id, version), _label in cases}
    edit_form(Edit(
        noun="处理中的调解案件", pick_key="md_conclude_case", flash=STATES.flash_state(),
        pick_label=f"处理中的案件（{len(cases)} 件，最早受理的在前）", empty="没有处理中的调解案件。",
        heading=False, submit="办结案件",
        load=lambda case_id: (None, versions[case_id]),
        fields=lambda _key, _init: _conclude_fields(),
        save=lambda session, opened, entry, _key: conclude_mediation_case(
            session=session, user=user, case_id=opened.record_id, expected_version=opened.version,
            outcome=entry[0], resolved_on=entry[1]),
        message=lambda opened, entry, _result: f"调解案件 #{opened.record_id} 已办结：{entry[0]}。",
    ), [(case_id, label) for (case_id, _version), label in cases])


# ------------------------------------------------------------------------------- 系统管理 › 基础数据 embeds these


def organization_form(ver: int, user: CurrentUser, street_id: int) -> None:
    """The new-organisation form for one street (the same form and service as 录入 › 社会组织)."""
    STATES.show_flash()
    _organization_form(ver, user, street_id, Scope(street_id=street_id))


def organization_edit(ver: int, user: CurrentUser, street_id: int) -> None:
    """The edit form of the organisations of one street (as 录入 › 修改社会组织)."""
    STATES.show_flash()
    _organization_edit(ver, user, street_id, Scope(street_id=street_id))
