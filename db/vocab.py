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
ACTOR_FIELDS = tuple(name for name, _ in ACTORS)  # their flags on an activity, and the summaries' columns

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

# --------------------------------------------------------------- 项目成效 and 社会组织与社工 (projects, organisations)

GRADE_WARNING_MONTHS = 6  # a grade that runs out within this many months is flagged for re-assessment
# Default score bands (minimum score of each grade on a 1,000-point assessment): a default for an admin to edit
# to the city's own rules; stored in the gradeband table (migration 0004).
DEFAULT_GRADE_BANDS = {"5A": 900.0, "4A": 800.0, "3A": 700.0, "2A": 600.0, "1A": 500.0}
GRADE_SCORE_MAX = 1000.0
SOCIAL_WORKER_LEVEL_SHORT = {"助理社会工作师": "助理（初级）", "社会工作师": "中级", "高级社会工作师": "高级"}
INCUBATION_STAGES = ("入驻孵化", "成长", "出壳")
ORG_CATEGORIES = ("社区服务类", "公益慈善类", "社会工作服务类", "文体类", "社区社会组织", "其他")
SOCIAL_ORG_KINDS = ("社会组织", "服务中心", "工作站")  # kinds that can be registered (登记) or filed (备案)
TRAINING_TOPICS = ("基础理论", "通用能力", "实务技能", "考证培训", "团队建设", "能力建设", "其他")
QUALIFIERS = {"=": "等于", "≥": "不少于（余/超/以上）", "≈": "约", "≤": "不超过"}
TARGET_STATES = {"done": "已达成", "on_track": "进度正常", "behind": "进度落后", "not_started": "未开始",
                 "no_schedule": "未设期限"}

# Field labels of the project and organisation forms (「字段」原因).
PROJECT_FIELD_LABELS = {
    "name": "项目名称", "area": "服务领域", "brand_level": "品牌级别", "status": "项目状态",
    "beneficiary_groups": "服务对象", "start_date": "开始日期", "end_date": "结束日期", "description": "项目简介",
    "street_id": "所属街道", "community_id": "所属社区", "organization_id": "实施机构", "targets": "项目目标",
    "project_id": "所属项目", "metric": "目标指标", "target_value": "目标值", "due_date": "截止日期",
}
INDICATOR_FIELD_LABELS = {
    "subject": "主体", "metric": "指标名称", "kpi_key": "对应记录指标", "value": "报道数值", "qualifier": "限定词",
    "unit": "单位", "as_of": "截至日期", "source": "来源", "note": "备注", "street_id": "所属街道",
    "community_id": "所属社区", "organization_id": "所属机构", "project_id": "所属项目",
}
ORG_FIELD_LABELS = {
    "name": "机构名称", "kind": "机构类型", "reg_status": "登记/备案", "category": "社会组织类别",
    "incubation_stage": "孵化阶段", "founded_year": "成立年份", "description": "简介", "street_id": "所属街道",
    "community_id": "所属社区",
}
GRADE_FIELD_LABELS = {"organization_id": "社会组织", "grade": "评估等级", "awarded_on": "评定日期",
                      "score": "评估得分", "bands": "分数段", "city": "适用城市"}
SOCIAL_WORKER_FIELD_LABELS = {
    "name": "姓名", "level": "职业水平等级", "street_id": "所属街道", "community_id": "所属社区",
    "organization_id": "所属机构", "title": "职务/头衔", "certified_year": "取证年份", "training_hours": "培训学时",
}
TRAINING_FIELD_LABELS = {
    "title": "培训名称", "topic": "培训专题", "held_on": "培训日期", "sessions": "场次", "trainees": "参训人次",
    "hours": "学时", "street_id": "所属街道", "organization_id": "主办机构", "project_id": "所属项目",
}
MEDIATION_FIELD_LABELS = {
    "received_on": "受理日期", "resolved_on": "办结日期", "type": "纠纷类型", "source": "来源", "outcome": "调解结果",
    "people_involved": "涉及人数", "location": "发生地点", "street_id": "所属街道", "community_id": "所属社区",
    "organization_id": "调解机构", "team_id": "调解队伍", "project_id": "所属项目",
}


# ---------------------------------------------------------------------------------- 志愿者 page (issue 4)

# Field labels of the volunteer, team, review, backfill, star-award and star-preset forms (「字段」原因).
VOLUNTEER_FIELD_LABELS = {
    "name": "姓名",
    "phone": "手机号码",
    "gender": "性别",
    "birth_year": "出生年份",
    "registered_on": "注册日期",
    "tags": "志愿者类别",
    "team_ids": "所属队伍",
    "leaderboard_opt_out": "不参加排行",
    "is_staff": "工作人员",
    "team_name": "队伍名称",
    "founded_year": "成立年份",
    "description": "说明",
    "volunteer_id": "志愿者",
    "activity_id": "活动",
    "record_ids": "服务记录",
    "decision": "审核结果",
    "reason": "原因",
    "rank": "星级",
    "awarded_on": "认定日期",
    "revoke_reason": "撤销原因",
    "preset_id": "星级标准",
    "preset_name": "标准名称",
    "levels": "星级档位",
    "issuer": "出具单位",
}
GENDERS = ("男", "女")
LEADERBOARD_METRICS = {"hours": "服务时长", "activities": "参与活动"}
LEADERBOARD_LIMIT = 50
# Column headers of the volunteer page's tables and exports.
VOLUNTEER_COLUMNS = {
    "rank": "名次", "name": "姓名", "team": "队伍", "community": "社区", "street": "街道", "hours": "服务时长（小时）",
    "activities": "参与活动（场）", "members": "参与成员（人）", "volunteer_id": "志愿者编号", "preset": "星级标准",
    "eligible": "达标星级", "awarded": "已认定星级", "awarded_on": "认定日期", "next": "下一星级",
    "to_next": "距下一星级（小时）", "service_date": "服务日期", "title": "活动名称", "type": "类型",
    "project": "项目", "kind": "类别", "status": "状态", "reason": "原因", "record_id": "记录编号",
    "month": "月份", "registered": "注册志愿者", "active": "活跃志愿者", "active_rate": "活跃率",
    "level": "星级", "awarded_by": "认定人", "phone": "手机号码", "gender": "性别", "registered_on": "注册日期",
    "tags": "类别", "teams": "所属队伍", "starts_at": "开始时间", "ends_at": "结束时间",
    "credit_hours": "信用时长（小时）", "honour_hours": "荣誉时长（小时）", "founded_year": "成立年份",
    "description": "说明", "organization": "所属机构",
}


# ---------------------------------------------------------------------------------- 慈善资源 page (issue 5)

RESOURCE_STATUSES = {"available": "可对接", "exhausted": "已用完", "withdrawn": "已撤回"}
URGENCIES = ("紧急", "较急", "一般")
DONATION_CHANNELS = ("线下", "线上", "义卖")
DONATION_FORMS = {True: "善款", False: "物资"}
# The five kinds of provider that 乔见社彩 joins (个人 donors come on top).
LIBRARY_PROVIDER_TYPES = ("政府", "企业", "基金会", "社会组织", "高校")
COORD_SYSTEMS = {"GCJ-02": "GCJ-02（高德/腾讯）", "WGS-84": "WGS-84（GPS）"}
MAP_KINDS = ("资源", "需求", "服务阵地", "社区")
FUNNEL_STAGES = {"filed": "提出需求", "approved": "审核通过", "matched": "已对接", "completed": "已完成"}
# Field labels of the charity forms (「字段」原因).
CHARITY_FIELD_LABELS = {
    "provider_name": "提供方", "provider_type": "提供方类型", "kind": "资源类别", "title": "名称",
    "resource_title": "资源名称", "need_title": "需求名称", "amount": "数量", "unit": "单位",
    "offered_on": "提供日期", "street_id": "所属街道", "community_id": "所属社区", "lng": "经度", "lat": "纬度",
    "coord_system": "坐标系", "category": "需求类别", "beneficiary_group": "服务对象", "urgency": "紧急程度",
    "filed_on": "提出日期", "status": "需求状态", "resource_status": "资源状态", "reject_reason": "拒绝理由", "need_id": "需求",
    "resource_id": "对接资源", "match_amount": "对接数量", "matched_on": "对接日期", "completed_on": "完成日期",
    "donor_name": "捐赠方", "donor_type": "捐赠方类型", "recipient": "受赠方", "is_money": "捐赠形式",
    "amount_yuan": "金额（元）", "items": "物资名称", "quantity": "物资数量", "donated_on": "捐赠日期",
    "channel": "捐赠渠道", "project_id": "所属项目", "organization_id": "所属机构",
}
# Column headers of the charity page's tables and exports.
CHARITY_COLUMNS = {
    "resource_id": "资源编号", "need_id": "需求编号", "match_id": "对接编号", "provider_name": "提供方",
    "provider_type": "提供方类型", "kind": "类别", "category": "类别", "title": "名称", "amount": "数量",
    "unit": "单位", "matched": "已对接", "left": "剩余", "status": "状态", "offered_on": "提供日期",
    "filed_on": "提出日期", "matched_on": "对接日期", "completed_on": "完成日期", "days": "对接用时（天）",
    "community": "社区", "street": "街道", "beneficiary_group": "服务对象", "urgency": "紧急程度",
    "reject_reason": "拒绝理由", "resources": "资源（项）", "offered": "提供数量", "needs": "需求（件）",
    "requested": "需求数量", "unmet": "待对接需求数量", "donor_type": "捐赠方类型", "project": "项目",
    "money": "善款（元）", "in_kind": "物资折价（元）", "donations": "捐赠（笔）", "month": "月份",
}


# ---------------------------------------------------------------------------------- 系统管理 (issue 12)

# Chinese names of the database tables (backup preview, audit log, demo refusals). A table missing here is shown
# by its English name.
TABLE_LABELS = {
    "appmeta": "系统设置", "appuser": "用户", "auditlog": "操作日志", "dataversion": "数据版本", "gradeband": "等级评分线",
    "starpreset": "星级标准", "starlevel": "星级档位", "streetstarpreset": "街道星级标准", "street": "街道",
    "submission": "提交记录", "community": "社区", "compound": "小区", "servicespace": "服务阵地",
    "organization": "组织机构", "orggrade": "社会组织等级", "brand": "服务品牌", "volunteer": "志愿者",
    "volunteerteam": "志愿服务队", "teammember": "队伍成员", "socialworker": "社会工作者", "project": "项目",
    "projecttarget": "项目目标", "activity": "活动", "servicerecord": "服务记录", "volunteertotal": "志愿时长合计",
    "volunteermonth": "志愿服务月汇总", "volunteerspan": "志愿服务年季汇总", "figuremonth": "指标月汇总",
    "activecount": "活跃志愿者计数", "figureyear": "指标年汇总", "placeyear": "地区指标年汇总",
    "training": "培训", "mediationcase": "调解案件", "charityresource": "慈善资源", "charityneed": "需求",
    "charitymatch": "资源对接", "donation": "捐赠", "reportedindicator": "报道指标", "staraward": "星级认定",
    "backup": "备份",
    "figure": "指标明细", "brief": "工作简报", "ledger": "月度台账", "export": "数据导出", "import_report": "导入报告"
}

# Form fields of the reference data (系统管理 › 基础数据: streets, communities, compounds), 「字段」原因.
PLACE_FIELD_LABELS = {
    "name": "名称", "province": "省份", "city": "城市", "district": "区县", "district_code": "行政区划代码",
    "street_id": "所属街道", "community_id": "所属社区", "kind": "类型", "founded_year": "成立年份",
    "population": "常住人口", "households": "户数", "area_km2": "面积（平方公里）", "party_secretary": "党组织书记",
    "service_brand": "服务品牌", "pilot_status": "试点情况", "featured_scenes": "特色场景", "description": "简介",
    "lng": "经度", "lat": "纬度", "coord_system": "坐标系",
}
COMMUNITY_KINDS = ("社区", "村")

# ------------------------------------------------------------------------------------------ users and audit

# Form fields of user administration and of changing one's own password (「字段」原因).
USER_FIELD_LABELS = {
    "username": "用户名",
    "display_name": "姓名",
    "password": "密码",
    "role": "角色",
    "scope": "数据范围",
    "old_password": "原密码",
    "new_password": "新密码",
    "confirm_password": "确认新密码",
}

USER_STATUSES = {"active": "正常", "locked": "已锁定（管理员）", "temp_locked": "暂时锁定", "inactive": "已停用"}

# What an audit row records (AuditLog.action).
AUDIT_ACTIONS = {
    "create": "新增",
    "update": "修改",
    "delete": "删除",
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出登录",
    "lock": "锁定账户",
    "unlock": "解锁账户",
    "password_change": "修改密码",
    "password_reset": "重置密码",
    "role_scope": "修改角色与范围",
    "deactivate": "停用账户",
    "reactivate": "启用账户",
    "export": "导出",
    "import": "导入",
    "certificate": "出具证明",
    "demo_load": "载入演示数据",
    "demo_reset": "重置演示数据",
    "demo_clear": "清除演示数据",
    "backup": "备份",
    "restore": "恢复备份",
}

# Keys of audit values that no form label covers.
AUDIT_FIELD_LABELS = {
    "name": "名称",
    "reason": "原因",
    "source": "来源地址",
    "locked_until": "锁定至",
    "lock_count": "连续锁定次数",
    "failed_logins": "连续失败次数",
    "is_locked": "管理员锁定",
    "is_active": "启用",
    "must_change_password": "须修改密码",
    "session_epoch": "会话批次",
    "scope_type": "范围类型",
    "scope_id": "范围编号",
    "display_name": "姓名",
    "last_login_at": "最近登录",
    "created_at": "创建时间",
    "is_demo": "演示数据",
    "version": "版本",
    "id": "编号",
    # Details of events (backups, restores, the demo, exports).
    "today": "日期",
    "rows": "行数",
    "file": "文件",
    "bytes": "大小（字节）",
    "kind": "方式",
    "filters": "筛选条件",
    "backup_created_at": "备份时间",
    "backup_revision": "备份的结构版本",
    "backup_dialect": "备份来源数据库",
    "revision": "结构版本",
    "fingerprint": "备份校验值",
    "sessions_ended": "已结束所有会话",
}
