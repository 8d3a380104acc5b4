"""The records behind every figure of the two reports, and the figures as reported (indicators)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from db.demo.generator import (
    _COMMUNITIES,
    COMPOUNDS,
    FEATURED_SPACES,
    QIAO,
    REPORT1_AS_OF,
    REPORT2_AS_OF,
    XGSL,
    XUE,
    _Gen,
)
from db.models import (
    Donation,
    TeamMember,
    Training,
)

if TYPE_CHECKING:
    pass


# ================================================================================================ facts


_PROJECT_TITLES = {
    "候鸟有家": ("候鸟有家·新居民融入茶话会", "银铃筑梦课堂：智能手机教学", "YEAH归人·青年融入沙龙", "邻里节·睦邻友好"),
    "小哥友好型": ("小哥驿站·爱心午餐", "外卖小哥交通安全讲堂", "小哥友好·健康体检", "新就业群体座谈会"),
    "万事无忧": ("万事无忧·邻里议事会", "明白人调解技能督导", "万事无忧·居民议事"),
    "雷锋战友志愿行": ("雷锋战友志愿行·敬老服务", "雷锋战友志愿行·助残服务", "学雷锋志愿服务日"),
}
_LEI_FENG_TOPICS = ("雷锋日记里的初心", "新时代的雷锋精神", "老兵讲雷锋故事", "雷锋精神进校园", "雷锋精神与邻里互助",
                    "学雷锋 做好事")


def _facts_report1(g: _Gen) -> None:
    """新港山路社区: records behind the report-1 figures, dated up to REPORT1_AS_OF."""
    r = g.rng
    pool = g.pool["xgsl"]
    leads = g.sw_by_place[("community", g.community[XGSL])][:4]  # 刘世颖 and the studio
    featured = [s for s, _ in FEATURED_SPACES]
    end = REPORT1_AS_OF - timedelta(days=1)
    for day in g.days_spread(108, date(2022, 1, 1), end):
        project = r.choice(tuple(_PROJECT_TITLES))
        g.activity(street=XUE, community=XGSL, project=project, title=r.choice(_PROJECT_TITLES[project]),
                   type="联动服务", venue=r.choice(featured), day=day, pool=pool, n_vol=(4, 12),
                   lead=r.choice(leads), people=(20, 80), fact=True)
    lei = [m["volunteer_id"] for m in g.rows[TeamMember] if m["team_id"] == g.team["雷锋战友志愿服务队"]]
    days = g.days_spread(130, date(2021, 3, 6), end) + [date(y, 3, 5) for y in range(2021, 2025)]
    for day in sorted(days):
        g.activity(street=XUE, community=XGSL, project="雷锋战友志愿行",
                   title=f"雷锋精神宣讲：{r.choice(_LEI_FENG_TOPICS)}", type="宣讲", venue=r.choice(featured[1:]),
                   day=day, pool=lei, n_vol=(3, 8), people=(15, 80), fact=True)
    for day in g.days_spread(64, date(2021, 4, 1), end):
        g.mediation(street=XUE, community=XGSL, received=day, type=r.choice(("邻里", "物业", "家庭", "其他")),
                    source=r.choice(("纠纷", "纠纷", "投诉")), outcome="化解成功", people=r.randint(2, 6),
                    team="邻里解忧团", project="万事无忧", location=r.choice(COMPOUNDS))
    places = ("沿街商铺", "社区公共区域", "周边施工工地", "农贸市场", "社区道路")
    for day in g.days_spread(212, date(2021, 4, 1), end):
        g.mediation(street=XUE, community=XGSL, received=day, type=r.choice(("邻里", "物业", "劳资", "其他")),
                    source=r.choice(("投诉", "投诉", "纠纷")), outcome="化解成功", people=r.randint(1, 5),
                    team="邻里解忧团", project="万事无忧", location=r.choice(places))


def _facts_report2(g: _Gen) -> None:
    """乔司街道: records behind the report-2 figures, dated up to REPORT2_AS_OF."""
    r = g.rng
    qiao_comms = [c[1] for c in _COMMUNITIES if c[0] == QIAO]
    end = REPORT2_AS_OF - timedelta(days=1)
    # 杨金泉: 612 cases (603 resolved, 9 not), 158 of them enterprise relocation (征迁), all resolved.
    project = "乔司街道社会矛盾纠纷（非诉类）调解服务项目"
    days = g.days_spread(612, date(2021, 1, 4), end)
    failed = set(r.sample(range(612), 9))
    relocation = set(r.sample(sorted(set(range(612)) - failed), 158))
    people = [r.randint(2, 5) for _ in days]
    for i, day in enumerate(days):
        kind = "征迁" if i in relocation else r.choice(("邻里", "物业", "家庭", "劳资", "其他"))
        g.mediation(street=QIAO, community=r.choice(qiao_comms), org="杨金泉纠纷调解服务中心", project=project,
                    received=day, type=kind, source="纠纷" if kind == "征迁" else r.choice(("纠纷", "投诉")),
                    outcome="未化解" if i in failed else "化解成功", people=people[i] + (2 if kind == "征迁" else 0),
                    location="企业厂区" if kind == "征迁" else "")
    # 心灵守乔 “阳光下 蔚蓝天”: 17 lectures, ≥ 300 distinct volunteers; the squads hold 88 of the 330 volunteers.
    sunshine = g.pool["sunshine"]
    cover = list(sunshine)
    r.shuffle(cover)
    workers = g.sw_by_place[("org", g.org["心灵守乔社会工作服务站"])]
    start = date(2023, 3, 1)
    for i, day in enumerate(g.days_spread(17, start, end)):
        g.activity(street=QIAO, community=r.choice(qiao_comms), org="心灵守乔社会工作服务站", project="阳光下 蔚蓝天",
                   title=f"妇女权益保障讲座（第{i + 1}场）", type="宣讲", venue="村社文化礼堂", day=day, pool=sunshine,
                   n_vol=(6, 10), lead=r.choice(workers), people=(40, 120), fact=True, cover=cover)
    for day in g.days_spread(46, start, end):
        kind = r.choice(("联动服务", "探访关爱"))
        title = "反家暴法宣传进村社" if kind == "联动服务" else "妇女维权入户走访"
        g.activity(street=QIAO, community=r.choice(qiao_comms), org="心灵守乔社会工作服务站", project="阳光下 蔚蓝天",
                   title=title, type=kind, venue="村社宣传点", day=day, pool=sunshine, n_vol=(8, 14),
                   lead=r.choice(workers) if r.random() < 0.7 else None, people=(30, 200), fact=True, cover=cover)
    # 胜稼村幸福工坊: 35 weaving trainings (1,452 participants), 8 markets, one donation of 1,130 yuan.
    makers = g.pool["shengjia_makers"]
    sj_workers = g.sw_by_place[("community", g.community["胜稼村"])]
    served = [41 + (i % 3) for i in range(35)]  # 41, 42, 43 … = 1,452
    for i, day in enumerate(g.days_spread(35, date(2022, 3, 1), end)):
        g.activity(street=QIAO, community="胜稼村", project="胜稼村幸福工坊钩花项目", title=f"钩花编织技艺培训（第{i + 1}期）",
                   type="培训", venue="胜稼村文化礼堂", day=day, pool=makers, n_vol=(2, 3),
                   lead=r.choice(sj_workers) if i % 3 == 0 else None, people=served[i], slot=1, fact=True)
    markets = ("杭州市公益集市", "临平区文化集市", "乔司街道邻里集市", "临平区公益市集", "乔司街道新春集市",
               "杭州市巾帼创业集市", "临平区助残公益集市", "乔司街道文化广场集市")
    for day, market in zip(g.days_spread(8, date(2022, 9, 1), end), markets, strict=True):
        g.activity(street=QIAO, community="胜稼村", project="胜稼村幸福工坊钩花项目", title=f"手工编织产品义卖（{market}）",
                   type="义卖", venue=market, day=day, pool=makers, n_vol=(3, 6), people=(60, 200), slot=0,
                   charity=True, fact=True)
    g.add(Donation, street_id=g.street[QIAO], community_id=g.community["胜稼村"], organization_id=None,
          project_id=g.project["胜稼村幸福工坊钩花项目"], donor_name="胜稼村幸福工坊（钩花产品义卖所得）", donor_type="个人",
          recipient="乔司街道慈善资源库（乔社积善）", is_money=True, amount_yuan=1130.0, items="", quantity=None,
          donated_on=date(2025, 5, 20), channel="义卖")
    # 乔社学院: 12 trainings (436 trainees) on the five topics.
    topics = ("基础理论", "通用能力", "实务技能", "考证培训", "团队建设", "基础理论", "实务技能", "通用能力",
              "考证培训", "团队建设", "基础理论", "实务技能")
    trainees = (38, 35, 40, 33, 36, 37, 34, 39, 35, 36, 38, 35)
    for i, day in enumerate(g.days_spread(12, date(2024, 3, 1), end)):
        g.add(Training, street_id=g.street[QIAO], organization_id=g.org["乔社学院"],
              project_id=g.project["乔社学院社工人才培育"], title=f"乔社学院{topics[i]}专题培训", topic=topics[i],
              held_on=day, sessions=1 + i % 2, trainees=trainees[i], hours=3.0 * (1 + i % 2))
    # Capacity building in 2025: 12 sessions, 362 person-times.
    for i, (sessions, people_n) in enumerate(((3, 78), (2, 64), (2, 70), (3, 82), (2, 68))):
        g.add(Training, street_id=g.street[QIAO], organization_id=g.org["乔司社会组织服务中心"],
              project_id=g.project["社会组织能力提升与实训督导"], title=f"社会组织能力提升与实训督导（第{i + 1}期）",
              topic="能力建设", held_on=date(2025, 1 + i, 15 + i), sessions=sessions, trainees=people_n,
              hours=2.5 * sessions)
    # 一碗面一毛钱: a donation every month to the 残疾人之家爱心超市 (5,000+ yuan by mid-2025).
    month = date(2021, 1, 28)
    while month <= end:
        _noodle_donation(g, month)
        month = (month.replace(day=1) + timedelta(days=32)).replace(day=28)


def _noodle_donation(g: _Gen, day: date) -> None:
    g.add(Donation, street_id=g.street[QIAO], community_id=None, organization_id=g.org["乔司街道残疾人之家"],
          project_id=g.project["一碗面一毛钱"], donor_name="乔司爱心面馆（一碗面一毛钱）", donor_type="企业",
          recipient="残疾人之家爱心超市", is_money=True, amount_yuan=round(g.rng.uniform(85, 125), 1), items="",
          quantity=None, donated_on=day, channel="线下")


def _indicators(g: _Gen) -> None:
    """Every figure of the two reports as reported."""
    x = {"report": 1, "street": XUE, "community": XGSL}
    g.indicator(XGSL, "成立年份", 2010, "=", "年", **x)
    g.indicator(XGSL, "居民小区", 2, "=", "个", **x, note="海尔山海湾、京海园")
    g.indicator(XGSL, "居住人口", 8900, "=", "人", **x)
    g.indicator(XGSL, "试点入选：青岛市入选社区数", 3, "=", "个", **x,
                note="山东省委社会工作部党建引领“专业社工+志愿服务”融合试点项目")
    g.indicator(XGSL, "试点入选：西海岸新区入选社区数", 1, "=", "个", **x, note="西海岸新区唯一入选社区")
    g.indicator("新港山路社区服务中心", "整合物业用房", 19, "=", "处", **x, note="山海湾小区内物业用房")
    g.indicator("新港山路社区服务中心", "服务空间面积", 2600, "=", "平方米", **x)
    g.indicator(XGSL, "特色场景", 3, "=", "处", **x)
    g.indicator(XGSL, "“社工+志愿”联动服务活动", 100, "≥", "场次", **x, kpi_key="linked_activities",
                note="在三处特色场景开展，报道为“100余场次”")
    g.indicator("邻里解忧团", "社区“明白人”", 20, "≥", "人", **x)
    g.indicator("邻里解忧团", "成立年份", 2021, "=", "年", **x)
    g.indicator("邻里解忧团", "协调化解小区矛盾纠纷（2021 年以来）", 60, "≥", "件", **x,
                note="海尔山海湾、京海园两个小区内")
    g.indicator(XGSL, "协同社区化解投诉纠纷（2021 年以来）", 200, "≥", "件", **x, kpi_key="disputes_resolved")
    g.indicator(XGSL, "雷锋精神宣讲活动（2021 年以来）", 130, "≥", "场次", **x, project="雷锋战友志愿行")
    q = {"report": 2, "street": QIAO}
    centre = "乔司社会组织服务中心"
    g.indicator(centre, "成立年份", 2019, "=", "年", **q, org=centre)
    yj = {**q, "org": "杨金泉纠纷调解服务中心", "project": "乔司街道社会矛盾纠纷（非诉类）调解服务项目"}
    g.indicator("杨金泉纠纷调解服务中心", "调解矛盾纠纷", 600, "≥", "起", **yj, kpi_key="disputes")
    g.indicator("杨金泉纠纷调解服务中心", "调解成功率", 98, "≥", "%", **yj, kpi_key="dispute_success_rate",
                note="报道为“成功率98%以上”")
    g.indicator("杨金泉纠纷调解服务中心", "累计服务", 2000, "≥", "人", **yj)
    g.indicator("杨金泉纠纷调解服务中心", "化解企业征迁纠纷", 150, "≥", "起", **yj)
    ss = {**q, "org": "心灵守乔社会工作服务站", "project": "阳光下 蔚蓝天"}
    g.indicator("阳光下 蔚蓝天", "妇女维权志愿小分队", 4, "=", "支", **ss)
    g.indicator("阳光下 蔚蓝天", "妇女权益保障讲座", 17, "=", "场", **ss)
    g.indicator("阳光下 蔚蓝天", "动员志愿者", 300, "≥", "人", **ss)
    g.indicator("阳光下 蔚蓝天", "发放宣传单页", 30000, "≥", "份", **ss, note="报道为“三万余份”")
    g.indicator("阳光下 蔚蓝天", "重复家暴率较前一年变化", -42.8, "=", "%", **ss, note="较前一年减少 42.8%")
    g.indicator("阳光下 蔚蓝天", "恶性家暴", 0, "=", "起", **ss)
    g.indicator("乔社学院", "培训活动", 12, "=", "次", **q, org="乔社学院", kpi_key="trainings")
    g.indicator("乔社学院", "服务人数", 400, "≥", "人", **q, org="乔社学院")
    g.indicator(QIAO, "登记注册类社会组织", 63, "=", "家", **q, kpi_key="orgs_registered")
    g.indicator(QIAO, "备案管理类社会组织", 216, "=", "家", **q, kpi_key="orgs_filed")
    g.indicator(centre, "社会组织能力提升、实训督导活动（2025 年以来）", 12, "=", "场", **q, org=centre,
                kpi_key="training_sessions")
    g.indicator(centre, "能力提升、实训督导服务（2025 年以来）", 350, "≥", "人次", **q, org=centre,
                kpi_key="trainees")
    g.indicator(centre, "已培育 5A 社会组织", 3, "=", "家", **q, org=centre, kpi_key="orgs_5a")
    g.indicator(centre, "已培育 4A 社会组织", 5, "=", "家", **q, org=centre, kpi_key="orgs_4a")
    g.indicator(centre, "已培育 3A 社会组织", 2, "=", "家", **q, org=centre, kpi_key="orgs_3a")
    g.indicator(centre, "市级品牌公益服务项目", 2, "=", "个", **q, org=centre, kpi_key="brand_projects_city")
    g.indicator(centre, "区级品牌公益项目", 5, "=", "个", **q, org=centre, kpi_key="brand_projects_district")
    g.indicator("胡阿虎公益服务中心", "便民服务项目", 12, "=", "个", **q, org="胡阿虎公益服务中心")
    g.indicator("胡阿虎公益服务中心", "志愿者队伍", 100, "≥", "人", **q, org="胡阿虎公益服务中心")
    xy = {**q, "org": "乔心愿公益服务中心", "project": "乔心守护、医路同行"}
    g.indicator("乔心守护、医路同行", "组织志愿者", 18000, "≥", "人次", **xy, note="报道为“超1.8万人次”")
    g.indicator("乔心守护、医路同行", "服务对象", 700000, "≥", "人次", **xy, kpi_key="people_served",
                note="报道为“超70万人次”")
    g.indicator("一碗面一毛钱", "为残疾人之家爱心超市捐款", 5000, "≥", "元", **q, org="乔司街道残疾人之家",
                project="一碗面一毛钱", kpi_key="money")
    sj = {**q, "community": "胜稼村", "project": "胜稼村幸福工坊钩花项目"}
    g.indicator("胜稼村幸福工坊", "编织技艺培训", 35, "=", "场", **sj)
    g.indicator("胜稼村幸福工坊", "培训参与", 1400, "≥", "人次", **sj)
    g.indicator("胜稼村幸福工坊", "参加集市活动", 8, "=", "次", **sj)
    g.indicator("胜稼村幸福工坊", "售出手工编织产品", 600, "≥", "件", **sj, note="花束、花篮、挂件、饰品等")
    g.indicator("胜稼村幸福工坊", "累计捐款", 1130, "=", "元", **sj)
