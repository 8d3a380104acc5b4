"""Domain vocabularies and the Chinese labels users see. One place, shared by db, components, pages and tests."""

from __future__ import annotations

FIVE_AREAS = ("社区治理", "人才培育", "社会组织", "志愿互助", "慈善资源")
ACTIVITY_TYPES = ("联动服务", "宣讲", "培训", "调解", "义诊", "便民服务", "文体活动", "探访关爱", "义卖")
ORG_KINDS = ("社会组织", "服务中心", "工作站", "企业", "基金会", "政府部门", "高校", "社区")
REG_STATUSES = ("登记", "备案")
GRADES = ("5A", "4A", "3A", "2A", "1A")
GRADE_YEARS = 5
SOCIAL_WORKER_LEVELS = ("助理社会工作师", "社会工作师", "高级社会工作师")
PROJECT_STATUSES = ("筹备中", "进行中", "已结项")
BRAND_LEVELS = ("市级", "区级")
BENEFICIARY_GROUPS = (
    "老年人", "儿童青少年", "候鸟人群/外来人口", "新就业群体/外卖小哥", "妇女", "残疾人", "失地妇女", "困难家庭", "全体居民",
)
VOLUNTEER_TAGS = ("在职党员", "商圈业主", "小区居民", "高校学生", "退役军人")
RECORD_KINDS = ("信用", "荣誉")
MEDIATION_TYPES = ("邻里", "物业", "征迁", "家庭", "劳资", "其他")
MEDIATION_SOURCES = ("投诉", "纠纷")
MEDIATION_OUTCOMES = ("化解成功", "未化解", "处理中")
PROVIDER_TYPES = ("政府", "企业", "基金会", "社会组织", "高校", "个人")
RESOURCE_KINDS = ("资金", "物资", "场地", "服务", "技能")

# The five actors of 五社联动, as (Activity field, label).
ACTORS = (
    ("with_community", "社区"),
    ("with_organization", "社会组织"),
    ("with_social_worker", "社会工作者"),
    ("with_volunteers", "社区志愿者"),
    ("with_charity", "社会慈善资源"),
)

ROLES = {"leader": "领导", "staff": "工作人员", "admin": "管理员"}
SCOPE_TYPES = {"all": "全部", "street": "街道", "community": "社区", "organization": "机构"}
RECORD_STATUSES = {"pending": "待审核", "approved": "已通过", "rejected": "已驳回"}
NEED_STATUSES = {
    "pending": "待审核", "approved": "待对接", "matched": "已对接", "completed": "已完成", "rejected": "已拒绝",
}

# Field labels used in forms and in validation messages (「字段」原因).
FIELD_LABELS = {
    "title": "活动名称",
    "type": "活动类型",
    "venue": "活动地点",
    "activity_date": "活动日期",
    "start_time": "开始时间",
    "end_time": "结束时间",
    "starts_at": "开始时间",
    "ends_at": "结束时间",
    "project_id": "所属项目",
    "community_id": "所属社区",
    "street_id": "所属街道",
    "organization_id": "所属机构",
    "lead_social_worker_id": "主责社工",
    "people_served": "服务人次",
    "unique_persons": "服务人数",
    "volunteers": "参与志愿者",
    "hours": "服务时长",
    "actors": "参与主体",
    "note": "备注",
    "username": "用户名",
    "password": "密码",
    "role": "角色",
    "scope": "数据范围",
}

# Pages: (script path, Chinese label, roles that may open it). The sidebar and the page guard read this.
PAGES = (
    ("app.py", "总览", ("leader", "staff", "admin")),
    ("pages/2_community.py", "社区画像", ("leader", "staff", "admin")),
    ("pages/1_data_entry.py", "数据录入", ("staff", "admin")),
)

# Column headers of drill-down tables and exports.
COLUMN_LABELS = {
    "volunteer_id": "志愿者编号", "name": "姓名", "gender": "性别", "registered_on": "注册日期",
    "record_id": "记录编号", "activity_id": "活动编号", "service_date": "服务日期", "hours": "时长（小时）",
    "kind": "类别", "starts_at": "开始时间", "title": "活动名称", "type": "类型", "venue": "地点",
    "people_served": "服务人次", "with_community": "社区参与", "with_organization": "社会组织参与",
    "with_social_worker": "社会工作者参与", "with_volunteers": "社区志愿者参与", "with_charity": "社会慈善资源参与",
    "case_id": "案件编号", "received_on": "受理日期", "resolved_on": "办结日期", "source": "来源", "outcome": "结果",
    "people_involved": "涉及人数", "donation_id": "捐赠编号", "donated_on": "捐赠日期", "donor_name": "捐赠方",
    "donor_type": "捐赠方类型", "recipient": "受赠方", "amount_yuan": "金额（元）", "items": "物资",
    "channel": "渠道", "street": "街道", "community": "社区", "project": "项目",
}
