"""One declarative definition per import kind: Chinese headers, which are required, aliases staff use in their own
台账, how each cell is read, an example row, and the template workbook to download (DESIGN.md §7).

Activities are one row per activity with a 参与志愿者 cell listing the volunteers (“张三、李四:1.5、王芳(3418)”), not
one row per volunteer: an activity is then one line the staff recognise (the way their monthly 活动记录 reads and
the way the form asks), its eight activity fields are typed once instead of once per volunteer (a typo in one of
twelve repeated dates would split the activity in two), a sign-in sheet's column of names pastes into one cell,
and the common case — everyone served the whole activity — needs no hours at all (a 每人时长 column gives one
figure for all; “姓名:时长” overrides it for one person).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from db import vocab

# How a cell is read (db.transfer.parse): text (stripped), name (a name to look up: full-width folded, every
# space removed), int, number, year, date, time, timerange (“9:00-11:30”), choice (folded, aliases applied, then
# judged by the write service), bool (是/否), list (“、”-separated), volunteers (“张三、李四:1.5、王芳(3418)”).
KINDS = ("text", "name", "int", "number", "year", "date", "time", "timerange", "choice", "bool", "list",
         "volunteers")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "text"
    required: bool = False
    aliases: tuple[str, ...] = ()
    example: Any = ""
    note: str = ""
    width: int = 14
    choices: tuple[str, ...] = ()  # offered in the template's drop-down and listed in 说明
    choice_aliases: dict[str, str] = field(default_factory=dict)  # what staff write → the term stored
    units: tuple[str, ...] = ()  # unit words allowed after a number (“3小时”, “1,000元”)


@dataclass(frozen=True)
class Template:
    kind: str
    label: str  # what one row is, e.g. 活动（含参与志愿者）
    noun: str  # what the import writes, for counts: 活动, 志愿者, 捐赠 ...
    columns: tuple[Column, ...]
    notes: tuple[str, ...] = ()

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    @property
    def file_name(self) -> str:
        return f"导入模板_{self.label}.xlsx"


_PLACE = (
    Column("community", "所属社区", "name", aliases=("社区", "社区名称", "社区(村)", "村/社区", "村居", "所在社区"),
           example="新港山路社区", note="系统中已有的社区名称；只有一个社区的工作人员可留空（默认本社区）。"
           "同名社区在多个街道时写成“街道/社区”", width=16),
)
_PROJECT = Column("project", "所属项目", "name", aliases=("项目", "项目名称"), example="港好有你",
                  note="系统中本街道已有的项目名称，可留空", width=14)
_COORDS = (
    Column("lng", "经度", "number", aliases=("lng", "longitude"), note="可留空（按所属社区位置显示）", width=10),
    Column("lat", "纬度", "number", aliases=("lat", "latitude"), note="可留空；经度和纬度须同时填写", width=10),
    Column("coord_system", "坐标系", "choice", aliases=("坐标类型",), choices=tuple(vocab.COORD_SYSTEMS),
           choice_aliases={"GCJ02": "GCJ-02", "高德": "GCJ-02", "腾讯": "GCJ-02", "火星坐标": "GCJ-02",
                           "WGS84": "WGS-84", "GPS": "WGS-84"},
           note="留空按 GCJ-02（高德/腾讯地图）", width=10),
)

ACTOR_ALIASES = {"社区": "with_community", "社会组织": "with_organization", "社会工作者": "with_social_worker",
                 "社工": "with_social_worker", "社区志愿者": "with_volunteers", "志愿者": "with_volunteers",
                 "社会慈善资源": "with_charity", "慈善资源": "with_charity", "慈善": "with_charity"}

ACTIVITIES = Template(
    "activities", "活动（含参与志愿者）", "活动",
    (
        Column("activity_date", "活动日期", "date", True, ("日期", "服务日期", "开展日期"), "2025-03-05",
               "如 2025-03-05、2025/3/5、2025年3月5日；不能晚于今天", 13),
        Column("start_time", "开始时间", "time", False, ("开始", "起始时间"), "09:00", "如 09:00、9点、9点半", 10),
        Column("end_time", "结束时间", "time", False, ("结束", "截止时间"), "11:30", "须晚于开始时间", 10),
        Column("time_range", "活动时段", "timerange", False, ("活动时间", "时间段", "时段", "起止时间"), "",
               "可代替开始、结束两列，如 9:00-11:30", 12),
        Column("title", "活动名称", "text", True, ("活动主题", "主题", "名称", "活动内容"), "邻里互助联动服务",
               "不超过 100 个字", 24),
        Column("type", "活动类型", "choice", True, ("类型", "活动类别", "服务类型"), "联动服务",
               choices=vocab.ACTIVITY_TYPES),
        Column("venue", "活动地点", "text", False, ("地点", "场地", "服务地点", "活动场地"), "社区党群服务中心",
               "不超过 100 个字", 18),
        *_PLACE,
        Column("organization", "所属机构", "name", False, ("机构", "承办机构", "实施机构", "社会组织"), "",
               "承办的社会组织或服务中心，可留空", 14),
        _PROJECT,
        Column("lead_social_worker", "主责社工", "name", False, ("社工", "负责社工", "社会工作者", "主责社会工作者"),
               "", "本街道社会工作者的姓名，可留空；填写则计入“社会工作者参与”", 10),
        Column("actors", "参与主体", "list", False, ("五社主体", "联动主体", "参与方"), "社区、社会组织",
               "用“、”分隔：社区、社会组织、社会工作者、社区志愿者、社会慈善资源。填写主责社工或志愿者的，"
               "对应主体自动计入", 18, choices=tuple(label for _n, label in vocab.ACTORS)),
        Column("people_served", "服务人次", "int", False, ("受益人次", "参与人次", "服务对象人次", "服务群众人次"),
               40, "整数，可留空（按 0）", 10, units=("人次", "人")),
        Column("unique_persons", "服务人数", "int", False, ("受益人数",), 30, "不重复的人数，不能多于服务人次，可留空",
               10, units=("人",)),
        Column("volunteers", "参与志愿者", "volunteers", False,
               ("志愿者", "志愿者名单", "志愿者姓名", "参与志愿者及时长", "参与志愿者名单"),
               "张三、李四:1.5、王芳(3418)",
               "用“、”或换行分隔；“姓名:时长”单独填写某人的时长；同名志愿者在姓名后注明手机尾号，如 王芳(3418)，"
               "或志愿者编号，如 王芳(#123)", 30),
        Column("hours", "每人时长（小时）", "number", False,
               ("服务时长", "时长(小时)", "时长", "志愿时长", "服务时长(小时)", "每人服务时长", "每人时长"), 2,
               "未单独填写时长的志愿者按此计；留空按活动全程；不含路途时间", 12, units=("小时", "h", "个小时")),
        Column("note", "备注", "text", False, ("说明",), "", "不超过 1000 个字", 20),
    ),
    notes=("一行一场活动；参与志愿者写在同一格内，用“、”或换行分隔（可直接粘贴签到表中的一列姓名）。",),
)

VOLUNTEERS = Template(
    "volunteers", "志愿者", "志愿者",
    (
        Column("name", "姓名", "name", True, ("志愿者姓名", "名字"), "张小明", "真实姓名，不含数字", 10),
        Column("phone", "手机号码", "text", False, ("手机", "手机号", "联系电话", "电话", "联系方式"), "13812345678",
               "11 位手机号码，或带区号的固定电话", 14),
        Column("gender", "性别", "choice", False, (), "男", choices=vocab.GENDERS, width=6),
        Column("birth_year", "出生年份", "year", False, ("出生年", "出生日期", "出生年月"), 1985,
               "四位年份；填写出生日期的按其年份", 10, units=("年",)),
        Column("registered_on", "注册日期", "date", True, ("登记日期", "加入日期", "注册时间", "入队日期"),
               "2024-01-15", "不能晚于今天", 12),
        *_PLACE,
        Column("organization", "所属机构", "name", False, ("机构",), "", "可留空", 14),
        Column("tags", "志愿者类别", "list", False, ("类别", "标签", "身份", "人员类别"), "在职党员、小区居民",
               f"用“、”分隔：{'、'.join(vocab.VOLUNTEER_TAGS)}", 18, choices=vocab.VOLUNTEER_TAGS),
        Column("teams", "所属队伍", "list", False, ("队伍", "志愿服务队", "志愿队伍"), "",
               "本街道已有队伍的名称，用“、”分隔，可留空", 16),
        Column("leaderboard_opt_out", "不参加排行", "bool", False, ("不参与排行", "不上榜"), "否", "是 / 否，留空为否", 10),
        Column("is_staff", "工作人员", "bool", False, ("是否工作人员", "社区工作人员"), "否",
               "是 / 否，留空为否；工作人员不参加排行", 10),
    ),
)

DONATIONS = Template(
    "donations", "捐赠", "捐赠",
    (
        Column("donated_on", "捐赠日期", "date", True, ("日期", "捐赠时间", "接收日期"), "2025-03-05", "不能晚于今天", 12),
        Column("donor_name", "捐赠方", "text", True, ("捐赠人", "捐赠单位", "捐赠者", "捐赠人/单位"), "爱心企业", "", 18),
        Column("donor_type", "捐赠方类型", "choice", True, ("捐赠方性质", "捐赠人类型"), "企业",
               choices=vocab.PROVIDER_TYPES, choice_aliases={"单位": "企业", "公司": "企业", "居民": "个人"}),
        Column("form", "捐赠形式", "choice", True, ("形式", "捐赠类别", "捐赠类型"), "善款",
               "善款（资金）或物资", 10, choices=("善款", "物资"),
               choice_aliases={"资金": "善款", "现金": "善款", "钱款": "善款", "捐款": "善款", "实物": "物资"}),
        Column("amount_yuan", "金额（元）", "number", True,
               ("金额", "捐赠金额", "金额(元)", "折价(元)", "价值(元)", "折合金额", "折价金额"), 5000,
               "善款为金额；物资为折价金额，不详可填 0", 12, units=("元",)),
        Column("items", "物资名称", "text", False, ("物资", "捐赠物资", "物品"), "", "捐赠物资时必填", 16),
        Column("quantity", "物资数量", "number", False, ("数量",), "", "可留空", 10),
        Column("recipient", "受赠方", "text", False, ("受赠对象", "受益方", "接收方"), "社区爱心超市", "", 16),
        *_PLACE,
        _PROJECT,
        Column("channel", "捐赠渠道", "choice", False, ("渠道", "方式"), "线下", "留空为线下", 10,
               choices=vocab.DONATION_CHANNELS),
    ),
)

RESOURCES = Template(
    "resources", "慈善资源", "资源",
    (
        Column("offered_on", "提供日期", "date", True, ("日期", "登记日期"), "2025-03-05", "不能晚于今天", 12),
        Column("provider_name", "提供方", "text", True, ("提供单位", "资源提供方", "提供者"), "某某基金会", "", 18),
        Column("provider_type", "提供方类型", "choice", True, ("提供方性质",), "基金会", choices=vocab.PROVIDER_TYPES),
        Column("kind", "资源类别", "choice", True, ("类别", "资源类型"), "物资", choices=vocab.RESOURCE_KINDS),
        Column("title", "资源名称", "text", True, ("名称", "资源内容"), "爱心米面油", "", 20),
        Column("amount", "数量", "number", True, ("数额", "金额/数量"), 100, "", 10),
        Column("unit", "单位", "text", False, (), "份", "资金为元；其余如 份、次、小时、场次", 8),
        *_PLACE,
        Column("street", "所属街道", "name", False, ("街道",), "", "街道资源库的资源不填社区、填街道", 14),
        *_COORDS,
    ),
)

NEEDS = Template(
    "needs", "慈善需求", "需求",
    (
        Column("filed_on", "提出日期", "date", True, ("日期", "登记日期"), "2025-03-05", "不能晚于今天", 12),
        Column("title", "需求名称", "text", True, ("名称", "需求内容"), "独居老人助餐", "", 20),
        Column("category", "需求类别", "choice", True, ("类别",), "服务", choices=vocab.RESOURCE_KINDS),
        Column("amount", "数量", "number", True, ("数额",), 20, "", 10),
        Column("unit", "单位", "text", False, (), "次", "资金为元；其余如 份、次、小时", 8),
        *_PLACE,
        Column("beneficiary_group", "服务对象", "text", False, ("受益对象", "受益群体"), "老年人", "", 14),
        Column("urgency", "紧急程度", "choice", False, ("紧急", "急缓"), "一般", "留空为一般", 10,
               choices=vocab.URGENCIES),
        *_COORDS,
    ),
)

MEDIATION = Template(
    "mediation", "纠纷调解案件", "调解案件",
    (
        Column("received_on", "受理日期", "date", True, ("日期", "受理时间", "登记日期"), "2025-03-05", "不能晚于今天", 12),
        Column("type", "纠纷类型", "choice", True, ("类型", "纠纷类别"), "邻里", choices=vocab.MEDIATION_TYPES,
               choice_aliases={"邻里纠纷": "邻里", "物业纠纷": "物业", "征迁纠纷": "征迁", "家庭纠纷": "家庭",
                               "劳资纠纷": "劳资", "婚姻家庭": "家庭"}),
        Column("source", "来源", "choice", True, ("纠纷来源", "案件来源"), "纠纷", choices=vocab.MEDIATION_SOURCES),
        Column("outcome", "调解结果", "choice", True, ("结果", "办理结果", "调解情况"), "化解成功",
               choices=vocab.MEDIATION_OUTCOMES, choice_aliases={"成功": "化解成功", "已化解": "化解成功",
                                                               "调解成功": "化解成功", "未成功": "未化解",
                                                               "调解不成": "未化解", "在办": "处理中",
                                                               "办理中": "处理中"}),
        Column("people_involved", "涉及人数", "int", True, ("人数", "当事人数"), 2, "只填人数，不填当事人姓名", 10,
               units=("人",)),
        Column("resolved_on", "办结日期", "date", False, ("结案日期", "办结时间"), "2025-03-06",
               "处理中的案件留空", 12),
        *_PLACE,
        Column("organization", "调解机构", "name", False, ("机构", "调解组织"), "", "可留空", 16),
        Column("team", "调解队伍", "name", False, ("队伍", "调解团队"), "", "本街道已有队伍的名称，可留空", 14),
        _PROJECT,
        Column("location", "发生地点", "text", False, ("地点", "小区"), "", "如小区名称；不填当事人信息", 14),
    ),
    notes=("纠纷调解涉及个人隐私：只填写人数，不要填写当事人姓名、电话或住址。",),
)

TEMPLATES: dict[str, Template] = {t.kind: t for t in (ACTIVITIES, VOLUNTEERS, DONATIONS, RESOURCES, NEEDS, MEDIATION)}
KIND_LABELS = {t.kind: t.label for t in TEMPLATES.values()}

_REQUIRED_FONT = Font(bold=True, color="C00000")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


@lru_cache(maxsize=16)  # a template depends on its kind only: built once per process
def template_workbook(kind: str) -> bytes:
    """The template of ``kind`` as .xlsx bytes: a header row (required columns in red), one example row, column
    widths, drop-downs for fixed choices, and a 说明 sheet listing every column."""
    template = TEMPLATES[kind]
    wb = Workbook()
    ws = wb.active
    ws.title = template.label[:31]
    for i, col in enumerate(template.columns, start=1):
        cell = ws.cell(row=1, column=i, value=col.header)
        cell.font = _REQUIRED_FONT if col.required else Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        example = ws.cell(row=2, column=i, value=col.example if col.example != "" else None)
        example.data_type = "s" if isinstance(col.example, str) else example.data_type
        if col.kind in ("date", "time"):
            example.number_format = "@"  # the example stays as written; staff may type dates any usual way
        ws.column_dimensions[get_column_letter(i)].width = col.width
        options = col.choices if col.kind == "choice" else ()
        if options and len(",".join(options)) < 250:
            rule = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True,
                                  showErrorMessage=False)
            rule.add(f"{get_column_letter(i)}2:{get_column_letter(i)}5001")
            ws.add_data_validation(rule)
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 30

    guide = wb.create_sheet("说明")
    lines = [
        f"{template.label}导入模板",
        "第 1 行是表头，请勿改动列名（列的顺序可以调整，不用的选填列可以删除）；第 2 行是示例，导入前请删除或改写。",
        "红色列名为必填。每行导入前都会逐项检查，有问题的行会列出行号、列名和原因。",
        "同一文件重复导入不会重复写入（已导入过的行会跳过）。",
        *template.notes,
        "",
    ]
    for r, text in enumerate(lines, start=1):
        guide.cell(row=r, column=1, value=text).font = Font(bold=(r == 1), size=13 if r == 1 else 11)
    start = len(lines) + 1
    for i, head in enumerate(("列名", "必填", "填写说明", "可选值"), start=1):
        cell = guide.cell(row=start, column=i, value=head)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    for r, col in enumerate(template.columns, start=start + 1):
        guide.cell(row=r, column=1, value=col.header)
        guide.cell(row=r, column=2, value="是" if col.required else "否")
        guide.cell(row=r, column=3, value=col.note)
        guide.cell(row=r, column=4, value="、".join(col.choices))
    for letter, width in zip("ABCD", (18, 6, 70, 50), strict=True):
        guide.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


__all__ = ["ACTOR_ALIASES", "KIND_LABELS", "TEMPLATES", "Column", "Template", "template_workbook"]
