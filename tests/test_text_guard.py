"""Text that gets through (issue 14): one sanitiser for every stored text (db.fields.text_problem), in
``Fields.text`` and under every write (db/guard.py). SQLite and PostgreSQL.

The field that got through: a 星级标准's name and its levels' names were stored without the markup check and are
shown in Markdown on the 志愿者 page (``components/volunteers/panels.py``: 「…」采用「{preset}」…), so an admin's
``![x](http://…)`` became an image every visitor's browser fetched from outside. A charity unit (``db.charity``
``_unit_for``) was the same, shown in 「以「{unit}」计」 warnings. NUL and other control characters were stored on
SQLite and refused by PostgreSQL with a database error (意外错误).
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from argon2 import PasswordHasher

from db.activities.writes import create_activity
from db.charity.writes import NeedInput, file_need
from db.engine import session_scope
from db.errors import ValidationFailed
from db.fields import Fields, control_problem, text_problem
from db.organizations.writes import OrganizationInput, create_organization
from db.projects.writes import ProjectInput, create_project
from db.transfer.importers import run_import
from db.volunteers import stars
from db.volunteers import writes as star_writes
from db.write import submit
from tests.factories import activity_input, build_world
from tests.proof_helpers import changed_tables, fingerprint, invalid_values

TODAY = date(2025, 6, 30)
IMAGE = "![x](http://203.0.113.9/a.png)"


@pytest.fixture
def w(engine, monkeypatch):
    import db.auth

    monkeypatch.setattr(db.auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    world = build_world(engine, n_volunteers=1)
    yield world
    engine.dispose()


def refused(engine, call, field: str, *words: str) -> ValidationFailed:
    """``call()`` raises ValidationFailed naming ``field``'s message with ``words``, and changes no row."""
    before = fingerprint(engine)
    with pytest.raises(ValidationFailed) as exc:
        call()
    assert field in exc.value.errors, exc.value.errors
    message = exc.value.errors[field]
    assert message.startswith("「"), message
    for word in words:
        assert word in message, message
    assert changed_tables(before, fingerprint(engine)) == []
    return exc.value


def _preset(engine, user, name: str, labels=("一星", "二星")) -> int:
    with session_scope(engine, write=True) as session:
        return star_writes.save_preset(session=session, user=user, preset_id=None, name=name, description="",
                                 levels=[star_writes.LevelInput(label, 50 * (n + 1)) for n, label in enumerate(labels)])


# ------------------------------------------------------------------------------------------ the field found


def test_a_star_preset_named_with_a_markdown_image_is_refused(engine, w):
    # Before the fix this preset was stored and the 志愿者 page showed its name as an image from outside.
    refused(engine, lambda: _preset(engine, w.admin, IMAGE), "preset_name", "「标准名称」", "图片")


def test_a_star_level_named_with_a_link_is_refused(engine, w):
    refused(engine, lambda: _preset(engine, w.admin, f"标准{uuid.uuid4().hex[:6]}", ("一星", "[点我](http://x.cn)")),
            "label", "「星级名称」", "链接")


def test_a_charity_unit_with_a_markdown_image_is_refused(engine, w):
    data = NeedInput(title="困难家庭米面油", category="物资", amount=8, unit="![](//1.2)", filed_on=date(2025, 2, 1),
                     community_id=w.community_a)
    refused(engine, lambda: submit(file_need, user=w.staff_a, idempotency_key=uuid.uuid4().hex, engine=engine,
                                   data=data, today=TODAY), "unit", "「单位」")


def test_a_plain_preset_name_is_still_stored(engine, w):
    name = f"青岛标准{uuid.uuid4().hex[:6]}"
    preset_id = _preset(engine, w.admin, name)
    with session_scope(engine) as session:
        assert stars.preset(session, preset_id).name == name


# ------------------------------------------------------------------------------------------ control characters


@pytest.mark.parametrize("bad", ["机构\x00名", "机构\x07名", "机构\x1b[31m名", "机构\u202e名", "机构\ud800名",
                                 "机构\x85名"])
def test_control_characters_in_a_form_field_are_refused_naming_it(engine, w, bad):
    # On PostgreSQL the NUL used to reach the database and fail there (意外错误); on SQLite it was stored.
    data = OrganizationInput(name=bad, kind="社会组织", street_id=w.street1)
    refused(engine, lambda: submit(create_organization, user=w.staff_s1, idempotency_key=uuid.uuid4().hex,
                                   engine=engine, data=data, today=TODAY), "name", "「机构名称」", "字符")


@pytest.mark.parametrize("field", ["title", "venue", "note"])
def test_control_characters_in_an_activity_are_refused_under_the_service(engine, w, field):
    # validate_activity checks its texts itself (not through Fields yet): the guard under every write refuses.
    data = activity_input(community_id=w.community_a, **{field: "邻里\x00互助"})
    refused(engine, lambda: submit(create_activity, user=w.staff_a, idempotency_key=uuid.uuid4().hex,
                                   engine=engine, data=data, today=TODAY), field, "空字符")


def test_line_breaks_are_kept_in_multi_line_text_and_refused_in_a_name(engine, w):
    text = "第一行\n\t第二行\r\n第三行"
    project_id = submit(create_project, user=w.staff_s1, idempotency_key=uuid.uuid4().hex, engine=engine,
                        data=ProjectInput(name=f"项目{uuid.uuid4().hex[:6]}", area="志愿互助", street_id=w.street1,
                                          description=text), today=TODAY)
    from db.models import Project
    with session_scope(engine) as session:
        assert session.get(Project, project_id).description == "第一行\n\t第二行\n第三行"
    refused(engine, lambda: submit(create_project, user=w.staff_s1, idempotency_key=uuid.uuid4().hex, engine=engine,
                                   data=ProjectInput(name="两行\n名称", area="志愿互助", street_id=w.street1),
                                   today=TODAY), "name", "「项目名称」", "换行")


def test_an_imported_cell_with_a_control_character_is_a_row_problem(engine, w):
    text = "活动日期,活动名称,活动类型,活动时段,服务人次,参与主体\n2025-06-03,社区\x07议事会,联动服务,9:00-11:00,40,社区\n"
    before = fingerprint(engine)
    result = run_import(engine, w.staff_a, "activities", text.encode(), "x.csv", today=TODAY)
    assert not result.written
    [row] = result.rows
    assert row.status == "rejected"
    assert [(p.column, p.reason) for p in row.problems] == [("活动名称", "「活动名称」不能含有控制字符（U+0007）")]
    assert changed_tables(before, fingerprint(engine)) == []


def test_what_the_services_stored_is_clean(engine, w):
    data = activity_input(community_id=w.community_a, title="社区议事会", note="两行\n备注")
    submit(create_activity, user=w.staff_a, idempotency_key=uuid.uuid4().hex, engine=engine, data=data, today=TODAY)
    assert invalid_values(engine) == []


# ------------------------------------------------------------------------------------------ the checks alone


@pytest.mark.parametrize(("text", "multiline", "word"), [
    ("a\x00b", True, "空字符"), ("a\nb", False, "换行"), ("a\rb", True, "控制字符"), ("a\tb", False, "制表符"),
    ("a\u2066b", True, "方向"), ("a\udfffb", True, "无效"), ("a\x9fb", True, "U+009F"), ("<script>", True, "网页标记"),
    ("![](x)", False, "图片"),
])
def test_text_problem_says_why(text, multiline, word):
    assert word in text_problem(text, multiline=multiline)


@pytest.mark.parametrize("text", ["社区议事会", "两行\n文字", "制表\t符", "≥ 600 起", "年龄<60岁", "C++ (进阶)",
                                  "https://mzj.hangzhou.gov.cn", "👨‍👩‍👧 家庭", "\u200b零宽"])
def test_ordinary_text_passes(text):
    assert text_problem(text, multiline=True) is None


def test_single_line_refuses_what_multi_line_allows():
    assert control_problem("a\nb", multiline=True) is None
    assert control_problem("a\nb", multiline=False) == "不能换行，请写在一行内"


def test_fields_text_refuses_anything_but_text():
    for value in (12, 1.5, b"bytes", ["a"], {"a": 1}, date(2025, 1, 1), True, object()):
        f = Fields({"title": "活动名称"})
        assert f.text("title", value, 100) == ""
        assert f.errors == {"title": "「活动名称」须为文字"}


def test_fields_text_knows_multi_line_fields_by_name():
    f = Fields({"description": "简介", "name": "名称"})
    assert f.text("description", " 一\r\n二 ", 100) == "一\n二"
    f.text("name", "一\n二", 100)
    assert f.errors == {"name": "「名称」不能换行，请写在一行内"}

