"""项目成效 and 社会组织与社工 through streamlit.testing.v1.AppTest: every role, the reports' figures on the demo
data, and the forms — bad input refused with a message naming the field, good input written once.

The demo database is built once per module and copied for each test (tests write)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import func, select

from db import clock
from db.engine import get_engine, session_scope
from db.models import (
    Community,
    MediationCase,
    Organization,
    OrgGrade,
    Project,
    ReportedIndicator,
    SocialWorker,
    Street,
)
from tests.factories import make_case
from tests.ui_helpers import (
    DEMO_ROLES,
    assert_clean,
    by_label,
    current_user,
    has_label,
    metrics,
    new_app,
    open_page,
    texts,
)

PROJECTS = "pages/5_projects.py"
ORGS = "pages/6_organizations.py"




def row_id(model, **where) -> int:
    with session_scope(get_engine()) as s:
        query = select(model.id)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return s.execute(query).scalar_one()


def count(model) -> int:
    with session_scope(get_engine()) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def frame_with(at, column: str) -> pd.DataFrame:
    """The one dataframe on the page that has ``column``."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) >= 1, f"no table with {column!r}"
    return found[0]


def open_in_street(username: str, page: str, street: str):
    """Open ``page`` with the street filter already on ``street``.

    Set before the first run: AppTest formats a selectbox value with the widget's format_func after the run, and
    the street picker's lambda reads a name that the filter later rebinds to the communities' names."""
    at = new_app()
    at.session_state["current_user"] = current_user(username)
    at.session_state["filter_street"] = row_id(Street, name=street)
    at.switch_page(page)
    return at.run()


# ------------------------------------------------------------------------------------------ every role


@pytest.mark.parametrize("page", [PROJECTS, ORGS])
@pytest.mark.parametrize("username", list(DEMO_ROLES))
def test_page_renders_for_every_role_and_only_writers_get_forms(app_db, page, username):
    at = open_page(username, page)
    assert_clean(at)
    assert at.metric, "no figures shown"
    tabs = [t.label for t in at.tabs]
    if DEMO_ROLES[username] == "leader":
        assert "录入" not in tabs and not at.get("form")
    else:
        assert "录入" in tabs
    if page == ORGS:
        assert has_label(at.button, "保存分数段") is (DEMO_ROLES[username] == "admin")


# ------------------------------------------------------------------------------------------ the reports' figures


def test_organisations_page_shows_the_reports_figures_for_qiaosi(app_db):
    at = open_in_street("demo_leader", ORGS, "乔司街道")
    assert_clean(at)
    shown = metrics(at)
    assert shown["登记社会组织（家）"] == "63" and shown["备案社会组织（家）"] == "216"
    assert (shown["5A（家）"], shown["4A（家）"], shown["3A（家）"]) == ("3", "5", "2")
    assert shown["市级品牌项目（个）"] == "2" and shown["区级品牌项目（个）"] == "5"
    handlers = frame_with(at, "调解队伍/机构").set_index("调解队伍/机构")
    yang = handlers.loc["杨金泉纠纷调解服务中心"]
    assert yang["受理（件）"] >= 600
    assert float(yang["成功率"].rstrip("%")) >= 98
    trainings = frame_with(at, "主办机构").set_index("主办机构")
    assert trainings.loc["乔社学院", "培训（次）"] == 12
    levels = [label for label in shown if label.endswith("社工（人）")]
    assert levels == ["助理（初级）社工（人）", "中级社工（人）", "高级社工（人）"]


def test_organisations_page_lists_grades_running_out(app_db):
    at = open_page("demo_leader", ORGS)
    current = frame_with(at, "到期日期")
    assert set(current["等级"]) <= {"5A", "4A", "3A", "2A", "1A"}
    soon = current[current["状态"].str.contains("半年内到期")]
    assert (soon["剩余天数"] <= 184).all() and (soon["剩余天数"] >= 0).all()
    assert metrics(at)["半年内到期（家）"] == str(len(soon))  # the register tab's tile


def test_projects_page_shows_the_portfolio_and_the_anti_domestic_violence_project(app_db):
    at = open_page("demo_leader", PROJECTS)
    assert metrics(at)["市级品牌项目（个）"] == "2" and metrics(at)["区级品牌项目（个）"] == "5"
    portfolio = frame_with(at, "志愿时长")
    assert len(portfolio) == int(metrics(at)["项目（个）"])
    sunshine = row_id(Project, name="阳光下 蔚蓝天")
    at = at.selectbox(key="project_pick").set_value(sunshine).run()
    assert_clean(at)
    reported = frame_with(at, "报道数值").set_index("指标")
    assert reported.loc["重复家暴率较前一年变化", "报道数值"] == "-42.8%"
    assert reported.loc["恶性家暴", "报道数值"] == "0起"
    assert reported.loc["动员志愿者", "报道数值"] == "≥ 300人"
    assert set(reported["来源"]) == {"杭州市临平区民政局官网"}
    targets = frame_with(at, "时间进度")
    assert list(targets["指标"]) == ["活动场次"] and targets["状态"].iloc[0] == "⚠ 进度落后"
    assert any("妇女" in m for m in texts(at.markdown))  # beneficiary group
    captions = " ".join(texts(at.caption))
    assert "截至最近报道日（2025-06-30）" in captions and "活动场次 63 场" in captions


def test_mediation_project_shows_records_beside_the_report(app_db):
    at = open_page("demo_leader", PROJECTS)
    project = row_id(Project, name="乔司街道社会矛盾纠纷（非诉类）调解服务项目")
    at = at.selectbox(key="project_pick").set_value(project).run()
    reported = frame_with(at, "报道数值").set_index("指标")
    assert reported.loc["调解矛盾纠纷", "报道数值"] == "≥ 600起"
    assert reported.loc["调解矛盾纠纷", "记录数值（截至报道日）"] == "记录 612起"
    rate = metrics(at)["调解成功率"]
    assert float(rate.rstrip("%")) >= 98


# ------------------------------------------------------------------------------------------------- forms


def org_form(at, kind: str):
    return at.segmented_control(key="org_form_kind").set_value(kind).run()


def test_organisation_form_refuses_a_blank_name_then_saves_once(app_db):
    at = org_form(open_page("demo_admin", ORGS), "社会组织")
    at = at.selectbox(key="org_form_street").set_value(row_id(Street, name="乔司街道")).run()
    before = count(Organization)
    at = by_label(at.button, "保存社会组织").click().run()
    assert any("「机构名称」不能为空" in e for e in texts(at.error)), texts(at.error)
    assert count(Organization) == before
    by_label(at.text_input, "机构名称").input("乔司街道青年志愿者协会")
    at = by_label(at.button, "保存社会组织").click().run()
    assert_clean(at)
    assert any("已保存机构「乔司街道青年志愿者协会」" in s for s in texts(at.success)), texts(at.success)
    assert count(Organization) == before + 1
    at = by_label(at.button, "保存社会组织").click().run()  # the fresh form is empty again
    assert count(Organization) == before + 1


def test_grade_form_refuses_a_score_outside_the_grades_band(app_db):
    at = org_form(open_page("demo_admin", ORGS), "评估等级")
    at = at.selectbox(key="org_form_street").set_value(row_id(Street, name="乔司街道")).run()
    key = at.session_state["org_form_key_grade"]
    at.selectbox(key=f"grade_grade_{key}").set_value("5A")
    from datetime import date

    at.date_input(key=f"grade_day_{key}").set_value(date(2024, 5, 6))
    at.number_input(key=f"grade_score_{key}").set_value(850.0)
    before = count(OrgGrade)
    at = by_label(at.button, "保存评估等级").click().run()
    errors = " ".join(texts(at.error))
    assert "「评估等级」为 5A，但评估得分 850 分按当前分数段对应 4A" in errors, errors
    assert count(OrgGrade) == before


def test_mediation_form_needs_a_resolution_date_for_a_concluded_case(app_db):
    at = org_form(open_page("demo_staff", ORGS), "纠纷调解案件")
    key = at.session_state["org_form_key_mediation"]
    at.selectbox(key=f"md_outcome_{key}").set_value("化解成功")
    before = count(MediationCase)
    at = by_label(at.button, "保存调解案件").click().run()
    assert any("「办结日期」不能为空" in e for e in texts(at.error)), texts(at.error)
    assert count(MediationCase) == before
    at.selectbox(key=f"md_outcome_{key}").set_value("处理中")
    at = by_label(at.button, "保存调解案件").click().run()
    assert_clean(at)
    assert count(MediationCase) == before + 1


def test_admin_concludes_a_case_in_progress(app_db):
    # The test makes its own case in progress (the demo's depend on the day): received long before any demo case
    # in every community, so it is the oldest case still 处理中 whichever street the form starts on.
    with session_scope(get_engine(), write=True) as s:
        made = {make_case(s, c, date(2020, 1, 6), "处理中").id for c in s.execute(select(Community)).scalars()}
    at = org_form(open_page("demo_admin", ORGS), "办结调解案件")
    # The oldest case still 处理中 in the chosen street comes first (labels “#id · 受理日期 · …”).
    case_id = int(at.selectbox(key="md_conclude_case").options[0].split(" · ")[0].lstrip("#"))
    assert case_id in made
    at.selectbox(key="md_conclude_outcome").set_value("化解成功")
    at = by_label(at.button, "办结案件").click().run()
    assert_clean(at)
    assert any(f"调解案件 #{case_id} 已办结：化解成功" in s for s in texts(at.success)), texts(at.success)
    with session_scope(get_engine()) as s:
        case = s.get(MediationCase, case_id)
    assert (case.outcome, case.resolved_on) == ("化解成功", clock.today())
    left = next((box.options for box in at.selectbox if box.key == "md_conclude_case"), [])
    assert not any(label.startswith(f"#{case_id} ") for label in left)


def test_staff_edit_an_organisation_and_a_social_worker(app_db):
    at = org_form(open_page("demo_staff", ORGS), "修改社会组织")
    org_id = at.selectbox(key="org_edit_pick").value
    with session_scope(get_engine()) as s:
        org = s.get(Organization, org_id)
        name, version = org.name, org.version
    key = f"edit{org_id}_{version}"
    assert at.text_input(key=f"org_name_{key}").value == name  # the form shows the saved values
    at.selectbox(key=f"org_stage_{key}").set_value("成长")
    at = by_label(at.button, "保存修改").click().run()
    assert_clean(at)
    assert any(f"已修改机构「{name}」" in s for s in texts(at.success)), texts(at.success) + texts(at.error)
    with session_scope(get_engine()) as s:
        org = s.get(Organization, org_id)
    assert (org.incubation_stage, org.version) == ("成长", version + 1)

    at = org_form(at, "修改社会工作者")
    worker_id = at.selectbox(key="sw_edit_pick").value
    with session_scope(get_engine()) as s:
        version = s.get(SocialWorker, worker_id).version
    key = f"edit{worker_id}_{version}"
    at.text_input(key=f"sw_name_{key}").input(" ")
    at = by_label(at.button, "保存修改").click().run()
    assert any("「姓名」不能为空" in e for e in texts(at.error)), texts(at.error)
    with session_scope(get_engine()) as s:
        assert s.get(SocialWorker, worker_id).version == version


def project_form(at, kind: str):
    return at.segmented_control(key="project_form_kind").set_value(kind).run()


def test_project_form_refuses_a_blank_name_then_saves(app_db):
    at = project_form(open_page("demo_staff", PROJECTS), "新建项目（含目标）")
    before = count(Project)
    at = by_label(at.button, "保存项目").click().run()
    assert any("「项目名称」不能为空" in e for e in texts(at.error)), texts(at.error)
    assert count(Project) == before
    by_label(at.text_input, "项目名称").input("银龄数字课堂")
    at = by_label(at.button, "保存项目").click().run()
    assert_clean(at)
    assert count(Project) == before + 1
    with session_scope(get_engine()) as s:
        project = s.execute(select(Project).where(Project.name == "银龄数字课堂")).scalar_one()
    assert project.community_id is not None  # the staff user's own community


def test_indicator_form_refuses_a_missing_source(app_db):
    at = project_form(open_page("demo_admin", PROJECTS), "报道数据")
    key = at.session_state["project_form_key_indicator"]
    at.text_input(key=f"ind_subject_{key}").input("阳光下 蔚蓝天")
    at.text_input(key=f"ind_metric_{key}").input("妇女维权咨询")
    at.number_input(key=f"ind_value_{key}").set_value(120.0)
    from datetime import date

    at.date_input(key=f"ind_asof_{key}").set_value(date(2025, 6, 30))
    before = count(ReportedIndicator)
    at = by_label(at.button, "保存报道数据").click().run()
    assert any("「来源」不能为空" in e for e in texts(at.error)), texts(at.error)
    assert count(ReportedIndicator) == before
    at.text_input(key=f"ind_source_{key}").input("杭州市临平区民政局官网")
    at = by_label(at.button, "保存报道数据").click().run()
    assert_clean(at)
    assert count(ReportedIndicator) == before + 1
