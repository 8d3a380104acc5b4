"""Import of 台账 files through the write services (db.transfer.importers), on both backends.

A messy workbook is built here with every messiness staff files have; the tests check exactly which rows import
and the exact message of each rejected row, that a preview writes nothing and gives the import's verdicts, that
all-or-nothing writes nothing when one row is bad, that valid-only writes exactly the good rows, that importing
again (also re-saved as a GBK CSV with rows and columns reordered) adds nothing, and that role and scope are the
forms'.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from db.engine import session_scope
from db.errors import PermissionDenied
from db.models import (
    Activity,
    AuditLog,
    CharityNeed,
    CharityResource,
    Donation,
    MediationCase,
    ServiceRecord,
    Street,
    Submission,
    Volunteer,
    VolunteerTeam,
)
from db.settings import get_settings
from db.transfer.importers import preview, report_workbook, row_content, row_key, run_import
from db.transfer.parse import Problem, Skipped
from tests.factories import World, build_world, count_rows, make_social_worker, write_counts

TODAY = date(2025, 6, 30)
ALL_TABLES = (Activity, ServiceRecord, Volunteer, Donation, CharityResource, CharityNeed, MediationCase, AuditLog,
              Submission)


@dataclass
class Place:
    w: World
    zhang: int
    li: int
    wang_3418: int
    wang_5555: int
    zhao: int


@pytest.fixture
def place(engine) -> Place:
    w = build_world(engine, n_volunteers=0)
    with session_scope(engine, write=True) as s:
        people = {}
        for key, name, phone in (("zhang", "张三", "13800001111"), ("li", "李四", "13800002222"),
                                 ("wang_3418", "王芳", "13900003418"), ("wang_5555", "王芳", "13900005555"),
                                 ("zhao", "赵敏", "")):
            v = Volunteer(name=name, phone=phone, street_id=w.street1, community_id=w.community_a,
                          registered_on=date(2024, 1, 1))
            s.add(v)
            s.flush()
            people[key] = v.id
        s.add(VolunteerTeam(name="邻里解忧团", street_id=w.street1, community_id=w.community_a))
    return Place(w, **people)


def workbook(rows: list[list], merges: tuple[str, ...] = ()) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)
    for rng in merges:
        ws.merge_cells(rng)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


SERIAL_0607 = (date(2025, 6, 7) - date(1899, 12, 30)).days
GOOD_ROWS = [
    ["2025年6月3日", " 社区议事会 ", "联动服务", "9:00-11:00", "新港山路社区", " 张三 、李四", "２", "４０", "社区", 1],
    ["2025/6/4", "义诊进社区", "义诊", "14:00-16:00", "新港山路社区 ", "王芳(3418):1.5", None, 30, "社区、社会组织", 2],
    ["2025-06-05", "反诈宣讲", "宣讲", "9:00-10:00", None, "赵敏", None, "1,200", "社区", 3],
]


def messy_workbook() -> bytes:
    """Title row, a two-row header with merged cells, reordered headers with stray and full-width spaces, dates in
    four forms plus an Excel serial and a real date cell, full-width digits, thousands separators, a blank row, a
    合计 row, names needing a trim, the same volunteer twice, hours over the activity's length, a future date,
    an unknown volunteer, an out-of-scope community and an ambiguous name."""
    return workbook([
        ["新港山路社区2025年6月活动台账"],
        ["活 动 日 期", "活动信息", None, None, None, "参与志愿者", "时长（小时）"],
        [None, "活动名称 ", "活动　类型", "时段", "所属 社区", None, None, "服务人次", "参与主体", "序号"],
        *GOOD_ROWS,                                                                                     # rows 4-6
        ["2025.6.6", "便民理发", "便民服务", "9:00-11:00", "新港山路社区", "张三、张三:1", None, 10, "社区", 4],  # 7
        [],                                                                                             # 8
        [SERIAL_0607, "周末探访", "探访关爱", "9:00-10:30", "新港山路社区", "李四:3", None, 5, "社区", 5],      # 9
        [datetime(2025, 6, 8), "文艺汇演", "文体活动", "19:00-21:00", "新港山路社区", "张　三", None, 200, "社区", 6],
        ["2025-07-15", "暑期托管", "探访关爱", "9:00-11:00", "新港山路社区", None, None, 20, "社区", 7],     # 11
        ["2025-06-09", "环境整治", "联动服务", "9:00-11:00", "新港山路社区", "孙悟空", None, 15, "社区", 8],   # 12
        ["2025-06-10", "村居联谊", "联动服务", "9:00-11:00", "胜稼村", None, None, 15, "社区", 9],             # 13
        ["2025-06-11", "敬老探访", "探访关爱", "9:00-11:00", "新港山路社区", "王芳", None, 8, "社区", 10],      # 14
        ["合计", None, None, None, None, None, None, "1,523"],                                           # 15
        [], [],
    ], merges=("A1:J1", "A2:A3", "B2:E2", "F2:F3", "G2:G3"))


def expected_rejections(p: Place) -> dict[int, list[Problem]]:
    return {
        7: [Problem(7, "参与志愿者", "「参与志愿者」“张三”填写了不止一次（“张三”和“张三:1”）：同一志愿者在一场活动中只能出现一次，"
                                "请删去重复的一处")],
        9: [Problem(9, "参与志愿者", "「服务时长」“李四:3”为 3 小时，超过活动时长 1.5 小时（不含路途时间）")],
        11: [Problem(11, "活 动 日 期", "「活动日期」不能晚于今天（2025-06-30），请在活动结束后录入")],
        12: [Problem(12, "参与志愿者", "「参与志愿者」找不到志愿者“孙悟空”：请先在志愿者页登记，或检查姓名是否写错")],
        13: [Problem(13, "所属 社区", "「所属 社区」“胜稼村”不在您的数据范围内：您只能导入新港山路社区的数据")],
        14: [Problem(14, "参与志愿者", f"「参与志愿者」“王芳”有 2 位同名志愿者：请在姓名后注明手机尾号或编号，如“王芳(3418)”或"
                                 f"“王芳(#{p.wang_3418})”。同名的有：王芳(尾号3418，#{p.wang_3418})、"
                                 f"王芳(尾号5555，#{p.wang_5555})")],
    }


def verdicts(result) -> dict[int, tuple[str, list[Problem]]]:
    return {r.row: (r.status, r.problems) for r in result.rows}


def activities(engine) -> list[tuple]:
    with session_scope(engine) as s:
        acts = s.execute(select(Activity).order_by(Activity.starts_at)).scalars().all()
        out = []
        for a in acts:
            records = s.execute(select(ServiceRecord.volunteer_id, ServiceRecord.hours)
                                .where(ServiceRecord.activity_id == a.id).order_by(ServiceRecord.volunteer_id)).all()
            out.append((a.title, a.starts_at, a.ends_at, a.type, a.community_id, a.people_served,
                        a.with_community, a.with_organization, a.with_social_worker, a.with_volunteers,
                        [tuple(r) for r in records]))
        return out


def test_messy_workbook_imports_exactly_the_good_rows(engine, place):
    p, w = place, place.w
    data = messy_workbook()
    before = write_counts(engine)

    seen = preview(engine, w.staff_a, "activities", data, "六月台账.xlsx", today=TODAY)
    assert write_counts(engine) == before  # a dry run: not even the data version moved
    assert seen.error is None and not seen.written
    assert [r.row for r in seen.with_status("ok")] == [4, 5, 6, 10]
    assert {r.row: r.problems for r in seen.with_status("rejected")} == expected_rejections(p)
    assert seen.skipped == [Skipped(8, 8, "空行"), Skipped(15, 15, "合计行，不导入")]
    assert seen.ignored == ["序号"]
    assert seen.counts == {"活动": 4, "志愿服务记录": 5}
    assert seen.message == "预览：可导入 4 行（活动 4、志愿服务记录 5），未通过 6 行；空行、合计行等 2 行（跳过）。尚未写入任何数据。"

    refused = run_import(engine, w.staff_a, "activities", data, "六月台账.xlsx", today=TODAY)
    assert not refused.written and write_counts(engine) == before
    assert verdicts(refused) == verdicts(seen)
    assert refused.message == ("有 6 行未通过检查，按“全部导入或都不导入”本次没有写入任何数据：请修改后重新导入，"
                               "或选择“只导入通过检查的行”。")

    done = run_import(engine, w.staff_a, "activities", data, "六月台账.xlsx", mode="valid_only", today=TODAY)
    assert done.written and verdicts(done) == verdicts(seen)
    assert done.message == "已导入 4 行（活动 4、志愿服务记录 5）；未通过的 6 行没有导入；空行、合计行等 2 行（跳过）。"
    a = w.community_a
    assert activities(engine) == [
        ("社区议事会", datetime(2025, 6, 3, 9), datetime(2025, 6, 3, 11), "联动服务", a, 40, True, False, False, True,
         [(p.zhang, 2.0), (p.li, 2.0)]),
        ("义诊进社区", datetime(2025, 6, 4, 14), datetime(2025, 6, 4, 16), "义诊", a, 30, True, True, False, True,
         [(p.wang_3418, 1.5)]),
        ("反诈宣讲", datetime(2025, 6, 5, 9), datetime(2025, 6, 5, 10), "宣讲", a, 1200, True, False, False, True,
         [(p.zhao, 1.0)]),
        ("文艺汇演", datetime(2025, 6, 8, 19), datetime(2025, 6, 8, 21), "文体活动", a, 200, True, False, False, True,
         [(p.zhang, 2.0)]),
    ]
    assert [r.record_id for r in done.with_status("ok")] == list(_activity_ids(engine))
    with session_scope(engine) as s:
        audit = s.execute(select(AuditLog).where(AuditLog.action == "import")).scalars().all()
        creates = s.execute(select(func.count()).select_from(AuditLog).where(AuditLog.action == "create",
                                                                             AuditLog.table_name == "activity")
                            ).scalar_one()
    assert creates == 4  # each activity audited by its service, as from the form
    assert len(audit) == 1
    assert (audit[0].username, audit[0].table_name) == (w.staff_a.username, "activity")
    assert {k: audit[0].new_values[k] for k in ("file", "kind", "mode", "imported", "rejected", "skipped", "counts")} \
        == {"file": "六月台账.xlsx", "kind": "activities", "mode": "valid_only", "imported": 4, "rejected": 6,
            "skipped": 2, "counts": {"活动": 4, "志愿服务记录": 5}}

    after = count_rows(engine, *ALL_TABLES)
    again = run_import(engine, w.staff_a, "activities", data, "六月台账.xlsx", mode="valid_only", today=TODAY)
    assert count_rows(engine, *ALL_TABLES) == after and not again.written
    assert [(r.row, r.status) for r in again.rows if r.status != "rejected"] == [
        (4, "already"), (5, "already"), (6, "already"), (10, "already")]
    assert again.rows[0].note == f"已导入过，跳过（编号 {again.rows[0].record_id}）"
    assert again.message == "没有需要导入的新数据；已导入过或重复 4 行（跳过），空行、合计行等 2 行（跳过）。"


def _activity_ids(engine) -> list[int]:
    with session_scope(engine) as s:
        return list(s.execute(select(Activity.id).order_by(Activity.starts_at)).scalars())


def test_a_resaved_reordered_gbk_csv_is_recognised(engine, place):
    w = place.w
    done = run_import(engine, w.staff_a, "activities", messy_workbook(), "六月台账.xlsx", mode="valid_only",
                      today=TODAY)
    assert len(done.with_status("ok")) == 4
    after = count_rows(engine, *ALL_TABLES)
    # The good rows saved as CSV in GBK by another program: columns and rows in another order, names respaced,
    # dates and numbers written differently.
    csv_text = "\r\n".join([
        "序号,参与志愿者,活动名称,活动日期,活动类型,开始时间,结束时间,服务人次,所属社区,时长（小时）,参与主体",
        "3,赵敏,反诈宣讲,2025-6-5,宣讲,09:00,10:00,1200,新港山路社区,,社区",
        '1,"李四、张三",社区议事会,2025/06/03,联动服务,9:00,11:00,40,新港山路社区,2,社区',
        "2,王芳（3418）：1.5,义诊进社区,2025年6月4日,义诊,14:00,16:00,30,新港山路社区,,社会组织、社区",
        "6,张三,文艺汇演,2025.6.8,文体活动,19:00,21:00,200,新港山路社区,,社区",
    ])
    again = run_import(engine, w.staff_a, "activities", csv_text.encode("gbk"), "六月台账.csv", today=TODAY)
    assert [(r.row, r.status) for r in again.rows] == [(2, "already"), (3, "already"), (4, "already"),
                                                      (5, "already")]
    assert count_rows(engine, *ALL_TABLES) == after


def test_gbk_csv_of_donations_imports(engine, place):
    w = place.w
    text = "\r\n".join([
        "捐赠日期,捐赠方,捐赠方类型,捐赠形式,金额（元）,物资名称,所属社区,捐赠渠道",
        '2025/6/1,青岛某某科技有限公司,企业,资金,"5,000",,新港山路社区,线上',
        "2025年6月2日,爱心居民,个人,物资,800,米面油 20 份,新港山路社区,",
    ])
    data = text.encode("gbk")
    result = run_import(engine, w.staff_a, "donations", data, "捐赠.csv", today=TODAY)
    assert result.written and result.message == "已导入 2 行（捐赠 2）。"
    with session_scope(engine) as s:
        rows = s.execute(select(Donation.donated_on, Donation.donor_name, Donation.is_money, Donation.amount_yuan,
                                Donation.items, Donation.channel, Donation.community_id)
                         .order_by(Donation.donated_on)).all()
    assert [tuple(r) for r in rows] == [
        (date(2025, 6, 1), "青岛某某科技有限公司", True, 5000.0, "", "线上", w.community_a),
        (date(2025, 6, 2), "爱心居民", False, 800.0, "米面油 20 份", "线下", w.community_a)]
    again = run_import(engine, w.staff_a, "donations", data, "捐赠.csv", today=TODAY)
    assert [r.status for r in again.rows] == ["already", "already"] and count_rows(engine, Donation)["donation"] == 2


def test_all_or_nothing_writes_nothing_when_one_row_is_bad(engine, place):
    w = place.w
    header = ["活动日期", "活动名称", "活动类型", "开始时间", "结束时间", "参与志愿者", "参与主体"]
    rows = [header, ["2025-06-03", "甲", "宣讲", "9:00", "10:00", "张三", "社区"],
            ["2025-06-04", "乙", "宣讲", "9:00", "10:00", "李四", "社区"],
            ["2025-06-05", "丙", "郊游", "9:00", "10:00", "赵敏", "社区"]]
    before = write_counts(engine)
    result = run_import(engine, w.staff_a, "activities", workbook(rows), "x.xlsx", today=TODAY)
    assert not result.written and write_counts(engine) == before
    assert [(r.row, r.status) for r in result.rows] == [(2, "ok"), (3, "ok"), (4, "rejected")]
    assert result.rows[2].problems == [Problem(4, "活动类型", "「活动类型」须为：联动服务、宣讲、培训、调解、义诊、便民服务、文体活动、"
                                                          "探访关爱、义卖")]
    rows[3][2] = "探访关爱"
    fixed = run_import(engine, w.staff_a, "activities", workbook(rows), "x.xlsx", today=TODAY)
    assert fixed.written and [r.status for r in fixed.rows] == ["ok"] * 3
    assert [a[0] for a in activities(engine)] == ["甲", "乙", "丙"]


def test_valid_only_writes_exactly_the_good_rows_and_later_rows_see_earlier_ones(engine, place):
    w = place.w
    rows = [["活动日期", "活动名称", "活动类型", "活动时段", "参与志愿者", "参与主体"],
            ["2025-06-03", "上午场", "宣讲", "9:00-11:00", "张三", "社区"],
            ["2025-06-03", "撞车场", "宣讲", "10:00-12:00", "张三", "社区"],  # 张三 is at 上午场 then
            ["2025-06-03", "下午场", "宣讲", "14:00-15:00", "张三", "社区"],
            ["2025-06-03", "上午场", "宣讲", "9:00-11:00", "张三", "社区"]]  # row 2 again
    seen = preview(engine, w.staff_a, "activities", workbook(rows), "x.xlsx", today=TODAY)
    assert [(r.row, r.status) for r in seen.rows] == [(2, "ok"), (3, "rejected"), (4, "ok"), (5, "duplicate")]
    assert seen.rows[1].problems == [Problem(3, "参与志愿者", "「参与志愿者」张* 在 09:00–11:00 已参加活动「上午场」，"
                                                           "同一志愿者不能同时参加两场活动")]
    assert seen.rows[3].note == "与第 2 行内容相同，跳过"
    assert count_rows(engine, Activity)["activity"] == 0
    done = run_import(engine, w.staff_a, "activities", workbook(rows), "x.xlsx", mode="valid_only", today=TODAY)
    assert verdicts(done) == verdicts(seen)
    assert [a[0] for a in activities(engine)] == ["上午场", "下午场"]


def test_a_leader_is_refused(engine, place):
    w = place.w
    before = write_counts(engine)
    for call in (preview, run_import):
        with pytest.raises(PermissionDenied) as info:
            call(engine, w.leader, "activities", messy_workbook(), "x.xlsx", today=TODAY)
        assert str(info.value) == "您的角色只能查看数据，不能录入或修改。"
    assert write_counts(engine) == before


def test_staff_cannot_import_into_another_community(engine, place):
    w = place.w
    rows = [["活动日期", "活动名称", "活动类型", "开始时间", "结束时间", "所属社区", "参与主体"],
            ["2025-06-03", "东山议事", "宣讲", "9:00", "10:00", "东山社区", "社区"]]
    result = run_import(engine, w.staff_a, "activities", workbook(rows), "x.xlsx", today=TODAY)
    assert result.rows[0].problems == [Problem(2, "所属社区", "「所属社区」“东山社区”不在您的数据范围内：您只能导入新港山路社区的数据")]
    assert count_rows(engine, Activity)["activity"] == 0
    street = run_import(engine, w.staff_s1, "activities", workbook(rows), "x.xlsx", today=TODAY)
    assert street.written
    assert [(a[0], a[4]) for a in activities(engine)] == [("东山议事", w.community_b)]


def test_namesakes_told_apart_by_number_and_names_of_other_kinds(engine, place):
    p, w = place, place.w
    with session_scope(engine, write=True) as s:
        make_social_worker(s, s.get(Street, w.street1), None, name="周红", level="高级社会工作师")
    rows = [["活动日期", "活动名称", "活动类型", "开始时间", "结束时间", "参与志愿者", "所属项目", "主责社工", "每人时长"],
            ["2025-06-03", "甲", "联动服务", "9:00", "11:00", f"王芳(#{p.wang_5555})、王芳（尾号3418）:0.5", "港好有你",
             "周 红", 1],
            ["2025-06-04", "乙", "联动服务", "9:00", "11:00", f"王芳(#{p.zhang})", "不存在的项目", "周红", None]]
    result = preview(engine, w.staff_a, "activities", workbook(rows), "x.xlsx", today=TODAY)
    assert result.rows[0].status == "ok"
    assert result.rows[1].problems == [
        Problem(3, "所属项目", "「所属项目」找不到项目“不存在的项目”：须为本街道系统中已有的项目名称"),
        Problem(3, "参与志愿者", f"「参与志愿者」“王芳(#{p.zhang})”：本街道编号 #{p.zhang} 的志愿者不是“王芳”")]
    run_import(engine, w.staff_a, "activities", workbook(rows), "x.xlsx", mode="valid_only", today=TODAY)
    (act,) = activities(engine)
    assert act[8] is True  # 主责社工 given: 社会工作者 took part
    assert act[10] == sorted([(p.wang_3418, 0.5), (p.wang_5555, 1.0)])


def test_hours_from_the_hours_column_are_blamed_on_it(engine, place):
    w = place.w
    rows = [["活动日期", "活动名称", "活动类型", "活动时段", "参与志愿者", "服务时长", "参与主体"],
            ["2025-06-03", "甲", "宣讲", "9:00-10:00", "张三、李四", "-2", "社区"]]
    result = preview(engine, w.staff_a, "activities", workbook(rows), "x.xlsx", today=TODAY)
    assert result.rows[0].problems == [Problem(2, "服务时长", "「服务时长」“张三”须大于 0 小时"),
                                       Problem(2, "服务时长", "「服务时长」“李四”须大于 0 小时")]


def test_volunteers_import(engine, place):
    w = place.w
    rows = [["姓名", "手机号码", "性别", "出生日期", "注册日期", "志愿者类别", "所属队伍", "不参加排行"],
            [" 陈 晨 ", 13712345678, "女", datetime(1990, 5, 1), "2025/6/1", "在职党员、小区居民", "邻里解忧团", "否"],
            ["刘洋2", "12345", "男", 1985, "2025-06-01", "学生", "不存在的队", None]]
    result = run_import(engine, w.staff_a, "volunteers", workbook(rows), "名册.xlsx", mode="valid_only", today=TODAY)
    assert [(r.row, r.status) for r in result.rows] == [(2, "ok"), (3, "rejected")]
    assert result.rows[1].problems == [
        Problem(3, "所属队伍", "「所属队伍」找不到队伍“不存在的队”：须为本街道系统中已有的队伍名称")]
    rows[2][6] = None
    result = run_import(engine, w.staff_a, "volunteers", workbook(rows), "名册.xlsx", mode="valid_only", today=TODAY)
    assert [(r.row, r.status) for r in result.rows] == [(2, "already"), (3, "rejected")]
    assert result.rows[1].problems == [
        Problem(3, "姓名", "「姓名」不能含有数字或控制字符"),
        Problem(3, "手机号码", "「手机号码」须为 11 位手机号码（如 13812345678）或带区号的固定电话（如 0532-86001234）"),
        Problem(3, "志愿者类别", "「志愿者类别」须为：在职党员、商圈业主、小区居民、高校学生、退役军人（不认识：学生）")]
    with session_scope(engine) as s:
        v = s.execute(select(Volunteer).where(Volunteer.name == "陈晨")).scalar_one()
        assert (v.phone, v.gender, v.birth_year, v.registered_on, v.tags, v.community_id) == (
            "13712345678", "女", 1990, date(2025, 6, 1), ["在职党员", "小区居民"], w.community_a)


def test_mediation_cases_import(engine, place):
    w = place.w
    rows = [["受理日期", "纠纷类型", "来源", "调解结果", "涉及人数", "办结日期", "发生地点"],
            ["2025-06-02", "邻里纠纷", "纠纷", "成功", "3人", "2025-06-05", "海韵小区"],
            ["2025-06-03", "物业", "投诉", "化解成功", 2, None, ""],
            ["2025-06-04", "其他", "来访", "处理中", 0, None, ""]]
    result = run_import(engine, w.staff_a, "mediation", workbook(rows), "调解.xlsx", mode="valid_only", today=TODAY)
    assert [(r.row, r.status) for r in result.rows] == [(2, "ok"), (3, "rejected"), (4, "rejected")]
    assert result.rows[1].problems == [
        Problem(3, "办结日期", "「办结日期」不能为空：调解结果为“化解成功”的案件须填写办结日期")]
    assert result.rows[2].problems == [Problem(4, "来源", "「来源」须为：投诉、纠纷"),
                                       Problem(4, "涉及人数", "「涉及人数」须为 1 到 100000 之间的整数")]
    with session_scope(engine) as s:
        case = s.execute(select(MediationCase)).scalar_one()
    assert (case.type, case.outcome, case.people_involved, case.resolved_on, case.community_id, case.location) == (
        "邻里", "化解成功", 3, date(2025, 6, 5), w.community_a, "海韵小区")


def test_resources_and_needs_import(engine, place):
    w = place.w
    resources = [["提供日期", "提供方", "提供方类型", "资源类别", "资源名称", "数量", "单位"],
                 ["2025-06-01", "某某基金会", "基金会", "资金", "助学金", "20,000", ""],
                 ["2025-06-01", "某某超市", "企业", "资金", "购物卡", 50, "张"]]
    result = run_import(engine, w.staff_a, "resources", workbook(resources), "资源.xlsx", mode="valid_only",
                        today=TODAY)
    assert [r.status for r in result.rows] == ["ok", "rejected"]
    assert result.rows[1].problems == [Problem(3, "单位", "「单位」：「资源类别」为「资金」时单位须为「元」")]
    needs = [["提出日期", "需求名称", "需求类别", "数量", "单位", "紧急程度"],
             ["2025-06-02", "独居老人助餐", "服务", 20, "次", ""],
             ["2025-06-02", "助学", "钱", 1, "元", "很急"]]
    result = run_import(engine, w.staff_a, "needs", workbook(needs), "需求.xlsx", mode="valid_only", today=TODAY)
    assert [r.status for r in result.rows] == ["ok", "rejected"]
    assert result.rows[1].problems == [Problem(3, "需求类别", "「需求类别」须为：资金、物资、场地、服务、技能"),
                                       Problem(3, "紧急程度", "「紧急程度」须为：紧急、较急、一般")]
    with session_scope(engine) as s:
        res = s.execute(select(CharityResource)).scalar_one()
        need = s.execute(select(CharityNeed)).scalar_one()
    assert (res.amount, res.unit, res.community_id, res.status) == (20000.0, "元", w.community_a, "available")
    assert (need.urgency, need.status, need.community_id) == ("一般", "pending", w.community_a)


def test_file_level_refusals_write_nothing(engine, place, monkeypatch):
    w = place.w
    monkeypatch.setenv("UPLOAD_MAX_MB", "1")
    monkeypatch.setenv("IMPORT_MAX_ROWS", "3")
    get_settings.cache_clear()
    try:
        before = write_counts(engine)
        big = ("活动日期,活动名称,活动类型\n" + "2025-06-01,甲,宣讲\n" * 70_000).encode("utf-8")
        result = run_import(engine, w.staff_a, "activities", big, "big.csv", today=TODAY)
        assert result.error == (f"文件大小为 {len(big) / 1024 / 1024:.1f} MB，超过上限 1 MB：请删去不需要的工作表、图片，"
                                "或拆分成几个文件。")
        many = workbook([["活动日期", "活动名称", "活动类型"]] + [["2025-06-01", f"活动{i}", "宣讲"] for i in range(4)])
        result = preview(engine, w.staff_a, "activities", many, "many.xlsx", today=TODAY)
        assert result.error == "文件超过 3 行数据（单次导入的上限）：请拆分成几个文件分别导入。" and result.rows == []
        assert result.message == result.error
        empty = workbook([["活动日期", "活动名称", "活动类型"], [], []])
        assert run_import(engine, w.staff_a, "activities", empty, "e.xlsx", today=TODAY).error == \
            "表头（第 1 行）下面没有可导入的数据行。"
        assert write_counts(engine) == before
    finally:
        get_settings.cache_clear()


def test_report_workbook_lists_every_rejected_row(engine, place):
    result = preview(engine, place.w.staff_a, "activities", messy_workbook(), "x.xlsx", today=TODAY)
    wb = load_workbook(io.BytesIO(report_workbook(result)))
    assert wb.sheetnames == ["未导入的行", "跳过的行"]
    lines = list(wb["未导入的行"].iter_rows(values_only=True))
    assert lines[0][:5] == ("行号", "列", "原因", "活 动 日 期", "活动名称")
    got = [(line[0], line[1], line[2]) for line in lines[1:]]
    want = [(p.row, p.column, p.reason) for row in expected_rejections(place).values() for p in row]
    assert got == want
    by_row = {line[0]: line for line in lines[1:]}
    assert by_row[11][3] == "2025-07-15" and by_row[9][3] == str(SERIAL_0607) and by_row[7][4] == "便民理发"
    assert list(wb["跳过的行"].iter_rows(values_only=True)) == [("行号", "原因"), ("第 8 行", "空行"),
                                                               ("第 15 行", "合计行，不导入")]


def test_report_cells_are_inert(engine, place):
    text = '活动日期,活动名称,活动类型\n=1+2,"=HYPERLINK(""http://x"")",宣讲\n'
    result = preview(engine, place.w.staff_a, "activities", text.encode(), "x.csv", today=TODAY)
    ws = load_workbook(io.BytesIO(report_workbook(result)))["未导入的行"]
    assert [c.value for c in ws[1]] == ["行号", "列", "原因", "活动日期", "活动名称", "活动类型"]
    assert (ws["D2"].value, ws["E2"].value) == ("'=1+2", "'=HYPERLINK(\"http://x\")")
    assert ws["C2"].value.startswith("「活动日期」无法识别“=1+2”")
    assert all(c.data_type == "s" for c in ws[2] if isinstance(c.value, str))


def test_row_keys_follow_content_not_layout(place):
    from db.activities.writes import ActivityInput, VolunteerHours

    user, other = place.w.staff_a, place.w.staff_s1
    base = {"activity_date": date(2025, 6, 3), "start_time": time(9), "end_time": time(11), "title": "甲", "type": "宣讲",
                "community_id": 1, "actors": {"with_community", "with_charity"}}
    one = ActivityInput(**base, volunteers=[VolunteerHours(1, 2.0), VolunteerHours(2, None)], note="")
    two = ActivityInput(**{**base, "actors": {"with_charity", "with_community"}}, note=None,
                        volunteers=[VolunteerHours(2, None), VolunteerHours(1, 2)])
    key = row_key("activities", user, row_content(one))
    assert key == row_key("activities", user, row_content(two))
    assert key != row_key("activities", other, row_content(one))
    assert key != row_key("donations", user, row_content(one))
    assert key != row_key("activities", user, row_content(ActivityInput(**{**base, "title": "乙"})))
    assert key != row_key("activities", user, row_content(ActivityInput(**base, volunteers=[VolunteerHours(1, 2.5)])))
    assert len(key) <= 64
