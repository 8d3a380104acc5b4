"""项目成效: the entry forms (staff and admins) — a project with its targets, a target for a project, a project
edit and a reported figure."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from components import data
from components.forms import ANY_DAY, Edit, FormStates, edit_form, entry_header, index_of, pick
from components.projects import data as pdata
from db import clock, vocab
from db.auth import CurrentUser
from db.projects import reads as projects
from db.projects.writes import (
    IndicatorInput,
    NewTarget,
    ProjectInput,
    TargetInput,
    create_indicator,
    create_project,
    create_target,
    update_project,
)
from db.scope import Scope

FORMS = ("新建项目（含目标）", "为项目添加目标", "修改项目", "报道数据")
TARGET_COLS = {"metric": "目标指标", "target_value": "目标值", "start_date": "开始日期（空＝项目开始）",
               "due_date": "截止日期"}
STATES = FormStates(key="project_form_key_{}", flash="project_saved")


def _create(kind: str, service, user: CurrentUser, entry: Any, message: str) -> None:
    STATES.create(kind, service, user, entry, lambda record_id: f"{message}（编号 {record_id}）。")


def entry_panel(ver: int, user: CurrentUser) -> None:
    """Forms: a project with its targets, a target for an existing project, a project edit, a reported figure."""
    STATES.show_flash()
    header = entry_header(data.streets(ver, user.scope), FORMS, kind_key="project_form_kind",
                          street_key="project_form_street")
    if header is None:
        return
    kind, street_id = header
    scope = Scope(street_id=street_id) if user.scope.community_id is None else user.scope
    if kind == FORMS[0]:
        _project_form(ver, user, street_id, scope)
    elif kind == FORMS[1]:
        _target_form(ver, user, scope)
    elif kind == FORMS[2]:
        _edit_form(ver, user, scope)
    else:
        _indicator_form(ver, user, street_id, scope)


def _project_fields(ver: int, key: str, street_id: int, scope: Scope, init: ProjectInput | None) -> ProjectInput:
    init = init or ProjectInput(name="", area=vocab.FIVE_AREAS[0], start_date=clock.today())
    name = st.text_input("项目名称", value=init.name or "", key=f"pj_name_{key}")
    c1, c2, c3 = st.columns(3)
    area = c1.selectbox("服务领域", vocab.FIVE_AREAS, index=index_of(vocab.FIVE_AREAS, init.area), key=f"pj_area_{key}")
    status = c2.selectbox("项目状态", vocab.PROJECT_STATUSES, index=index_of(vocab.PROJECT_STATUSES, init.status, 1),
                          key=f"pj_status_{key}")
    levels = [None, *vocab.BRAND_LEVELS]
    level = c3.selectbox("品牌级别", levels, index=index_of(levels, init.brand_level),
                         format_func=lambda v: v or "（非品牌项目）", key=f"pj_level_{key}")
    groups = st.multiselect("服务对象", vocab.BENEFICIARY_GROUPS, default=[g for g in init.beneficiary_groups
                                                                       if g in vocab.BENEFICIARY_GROUPS],
                            placeholder="请选择（可多选）", key=f"pj_groups_{key}")
    c1, c2, c3, c4 = st.columns(4)
    start = c1.date_input("开始日期", value=init.start_date, key=f"pj_start_{key}", **ANY_DAY)
    end = c2.date_input("结束日期（可空）", value=init.end_date, key=f"pj_end_{key}", **ANY_DAY)
    community = pick("所属社区", data.communities(ver, scope, street_id), f"pj_comm_{key}", box=c3,
                     value=init.community_id)
    org = pick("实施机构", data.organization_options(ver, Scope(street_id=street_id)), f"pj_org_{key}", box=c4,
               value=init.organization_id)
    description = st.text_area("项目简介", value=init.description or "", height=68,
                               key=f"pj_desc_{key}")
    return ProjectInput(name=name, area=area, status=status, brand_level=level, beneficiary_groups=groups,
                        start_date=start, end_date=end, description=description, street_id=street_id,
                        community_id=community, organization_id=org)


def _project_form(ver: int, user: CurrentUser, street_id: int, scope: Scope) -> None:
    key = STATES.form_key("project")
    by_label = {label: metric for metric, label in projects.metric_options()}
    with st.form(f"project_{key}", border=True, enter_to_submit=False):
        entry = _project_fields(ver, key, street_id, scope, None)
        st.markdown("**项目目标**（可添加多行；指标取自系统记录，按目标期限统计）")
        frame = pd.DataFrame(columns=list(TARGET_COLS.values())).astype(
            {TARGET_COLS["target_value"]: "float", TARGET_COLS["start_date"]: "datetime64[ns]",
             TARGET_COLS["due_date"]: "datetime64[ns]"})
        edited = st.data_editor(frame, num_rows="dynamic", hide_index=True, width="stretch", key=f"pj_targets_{key}",
                                column_config={
                                    TARGET_COLS["metric"]: st.column_config.SelectboxColumn(
                                        options=list(by_label), width="medium"),
                                    TARGET_COLS["target_value"]: st.column_config.NumberColumn(),
                                    TARGET_COLS["start_date"]: st.column_config.DateColumn(format="YYYY-MM-DD"),
                                    TARGET_COLS["due_date"]: st.column_config.DateColumn(format="YYYY-MM-DD"),
                                })
        submitted = st.form_submit_button("保存项目", type="primary")
    if submitted:
        entry.targets = [TargetInput(metric=by_label.get(r[TARGET_COLS["metric"]]),
                                     target_value=_cell(r[TARGET_COLS["target_value"]]),
                                     start_date=_cell_day(r[TARGET_COLS["start_date"]]),
                                     due_date=_cell_day(r[TARGET_COLS["due_date"]]))
                         for _, r in edited.iterrows() if not all(_cell(v) is None for v in r.values)]
        _create("project", create_project, user, entry, f"已保存项目「{(entry.name or '').strip()}」")


def _cell(value: Any) -> Any:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _cell_day(value: Any) -> date | None:
    value = _cell(value)
    return None if value is None else pd.Timestamp(value).date()


def _target_form(ver: int, user: CurrentUser, scope: Scope) -> None:
    key = STATES.form_key("target")
    items = dict(data.project_options(ver, scope))
    if not items:
        st.info("所选街道没有项目。")
        return
    metric_labels = dict(projects.metric_options())
    with st.form(f"target_{key}", border=True, enter_to_submit=False):
        project_id = st.selectbox("所属项目", list(items), format_func=items.get, key=f"tg_project_{key}")
        c1, c2, c3, c4 = st.columns(4)
        metric = c1.selectbox("目标指标", list(metric_labels), format_func=metric_labels.get, key=f"tg_metric_{key}")
        value = c2.number_input("目标值", value=None, key=f"tg_value_{key}")
        start = c3.date_input("开始日期（空＝项目开始）", value=None, key=f"tg_start_{key}", **ANY_DAY)
        due = c4.date_input("截止日期", value=None, key=f"tg_due_{key}", **ANY_DAY)
        submitted = st.form_submit_button("保存目标", type="primary")
    if submitted:
        _create("target", create_target, user, NewTarget(project_id, TargetInput(metric, value, due, start)),
                f"已为「{items[project_id]}」添加目标")


def _edit_form(ver: int, user: CurrentUser, scope: Scope) -> None:
    edit_form(Edit(
        noun="项目", pick_key="pj_edit_pick", flash=STATES.flash_state(), pick_label="选择要修改的项目",
        empty="所选街道没有项目。", note="目标不在此修改",
        load=lambda project_id: pdata.project_for_edit(ver, user, project_id),
        fields=lambda key, init: _project_fields(ver, key, init.street_id, scope, init),
        save=lambda session, opened, entry, _key: update_project(
            session=session, user=user, project_id=opened.record_id, expected_version=opened.version, data=entry),
        message=lambda opened, _entry, _result: f"项目 #{opened.record_id} 已修改。",
    ), data.project_options(ver, scope))


def _indicator_form(ver: int, user: CurrentUser, street_id: int, scope: Scope) -> None:
    key = STATES.form_key("indicator")
    kpis = list(projects.indicator_kpi_options())
    with st.form(f"indicator_{key}", border=True, enter_to_submit=False):
        st.caption("报道、总结中的数字按原文录入（“余/超/以上”选 ≥），与系统记录分开显示，不计入统计。")
        c1, c2 = st.columns(2)
        subject = c1.text_input("主体（机构、项目或社区）", key=f"ind_subject_{key}")
        metric = c2.text_input("指标名称", key=f"ind_metric_{key}")
        c1, c2, c3, c4 = st.columns(4)
        qualifier = c1.selectbox("限定词", list(vocab.QUALIFIERS), format_func=lambda q: f"{q} {vocab.QUALIFIERS[q]}",
                                 key=f"ind_q_{key}")
        value = c2.number_input("报道数值", value=None, format="%g", key=f"ind_value_{key}")
        unit = c3.text_input("单位", key=f"ind_unit_{key}")
        as_of = c4.date_input("截至日期", value=None, **ANY_DAY, key=f"ind_asof_{key}")
        source = st.text_input("来源（如报道名称、网站）", key=f"ind_source_{key}")
        c1, c2 = st.columns(2)
        project_id = pick("所属项目", data.project_options(ver, scope), f"ind_project_{key}", box=c1)
        kpi_key = pick("对应记录指标（可选，用于对照）", kpis, f"ind_kpi_{key}", box=c2)
        note = st.text_input("备注", key=f"ind_note_{key}")
        submitted = st.form_submit_button("保存报道数据", type="primary")
    if submitted:
        entry = IndicatorInput(subject=subject, metric=metric, value=value, qualifier=qualifier, unit=unit,
                               as_of=as_of, source=source, note=note, kpi_key=kpi_key, street_id=street_id,
                               project_id=project_id)
        _create("indicator", create_indicator, user, entry, "已保存报道数据")

