"""Places and organisations of the two reports: streets, communities, compounds, spaces, organisations, grades."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from db import vocab
from db.demo.generator import _COMMUNITIES, COMPOUNDS, FEATURED_SPACES, HU_AHU_ITEMS, QIAO, XGSL, XUE, _Gen
from db.models import (
    Community,
    Compound,
    Organization,
    OrgGrade,
    ServiceSpace,
    Street,
)

if TYPE_CHECKING:
    pass


# ================================================================================================ places


def _places(g: _Gen) -> None:
    g.street[XUE] = g.add(Street, name=XUE, province="山东省", city="青岛市", district="黄岛区",
                          district_code="370211", lng=120.243, lat=36.003)
    g.street[QIAO] = g.add(Street, name=QIAO, province="浙江省", city="杭州市", district="临平区",
                           district_code="330113", lng=120.280, lat=30.370)
    r = g.rng
    for street, name, kind, lng, lat, brand in _COMMUNITIES:
        if name == XGSL:
            cid = g.add(
                Community, street_id=g.street[street], name=name, kind=kind, founded_year=2010, population=8900,
                households=None, area_km2=None, party_secretary="范偌为", service_brand=brand,
                pilot_status="入选山东省委社会工作部党建引领“专业社工+志愿服务”融合试点项目（青岛市 3 个入选社区之一，"
                             "西海岸新区唯一入选社区）",
                featured_scenes=[s for s, _ in FEATURED_SPACES],
                description="辖海尔山海湾、京海园两个居民小区。设立“高级社会工作师工作室”（督导团队+工作团队），"
                            "建立专职人员和专业人员组成的“两专工作队”、社会工作者和社区志愿者联席会议工作小组；"
                            "搭建“双报到”平台，引导在职党员、商圈业主、小区居民注册成为社区志愿者，并鼓励其参加"
                            "社会工作者职业水平考试。下一步：打造首个“自我创业”型党群服务中心，依托高级社工师工作室"
                            "和社会组织孵化中心引入专业社会工作力量。",
                lng=lng, lat=lat)
        else:
            population = r.randrange(2400, 9000, 10)
            cid = g.add(Community, street_id=g.street[street], name=name, kind=kind,
                        founded_year=r.choice((2001, 2004, 2008, 2012, 2015)) if kind == "社区" else None,
                        population=population, households=population // r.choice((2, 3)),
                        area_km2=round(r.uniform(0.6, 4.5), 2), party_secretary=g.name(), service_brand=brand,
                        pilot_status="", featured_scenes=[], description="", lng=lng, lat=lat)
        g.community[name] = cid
        g.point[cid] = (lng, lat)
    # Compounds and spaces.
    xg = g.community[XGSL]
    for c in COMPOUNDS:
        g.add(Compound, community_id=xg, name=c, households=None)
    lng, lat = g.point[xg]
    g.add(ServiceSpace, community_id=xg, name="新港山路社区服务中心", kind="服务中心", area_m2=2600, indoor=True,
          description="整合山海湾小区内 19 处物业用房，化零为整置换 2600 平方米空间打造而成", lng=lng, lat=lat)
    offsets = ((0.0012, 0.0004), (-0.0008, 0.0010), (0.0004, -0.0012))
    # The featured spaces host the report's 100+ linked activities; filler uses them only after the report.
    g.venues[xg] = ["新港山路社区服务中心", *COMPOUNDS]
    for (space, indoor), (dx, dy) in zip(FEATURED_SPACES, offsets, strict=True):
        g.add(ServiceSpace, community_id=xg, name=space, kind="特色场景", area_m2=None, indoor=indoor,
              description="“社工+志愿”融合创新的主要空间载体" + ("（室内）" if indoor else "（户外花园）"),
              lng=round(lng + dx, 6), lat=round(lat + dy, 6))
    for _street, name, kind, lng, lat, _brand in _COMMUNITIES[1:]:
        cid = g.community[name]
        centre = f"{name}党群服务中心"
        spaces = [(centre, "服务中心", r.randrange(300, 1500, 10), True), (f"{name}文化广场", "广场", None, False)]
        if kind == "村":
            spaces.append((f"{name}文化礼堂", "活动室", r.randrange(200, 600, 10), True))
        g.venues[cid] = []
        for sname, skind, area, indoor in spaces:
            slng, slat = g.jitter(lng, lat, 0.0012)
            g.add(ServiceSpace, community_id=cid, name=sname, kind=skind, area_m2=area, indoor=indoor,
                  description="", lng=slng, lat=slat)
            g.venues[cid].append(sname)
    for name, cid in g.community.items():
        if name in ("鱼鸣嘴社区", "三角村", "和睦社区", "乔莫社区"):
            for suffix in ("花园", "家园")[: r.randint(1, 2)]:
                g.add(Compound, community_id=cid, name=name[:2] + suffix, households=r.randrange(300, 1500, 10))


# ======================================================================================== organisations


def _organisations(g: _Gen) -> None:
    g.organization("高级社会工作师工作室", "工作站", street=XUE, community=XGSL,
                   description="设于新港山路社区党群服务中心，由青岛理工大学社会工作教研室主任、高级社工师刘世颖教授领衔，"
                               "由督导团队和工作团队组成，运用专业智库完善顶层设计、系统推进融合项目。")
    g.organization("青岛理工大学", "高校", street=XUE,
                   description="社会工作教研室为新港山路社区提供专业督导与智库支持。")
    g.organization("薛家岛街道办事处", "政府部门", street=XUE)
    g.organization(
        "乔司社会组织服务中心", "服务中心", street=QIAO, reg_status="登记", category="社区服务类", founded=2019,
        description="成立于 2019 年，集党建、交流、服务、培育、宣传等功能于一体的社会组织服务平台。理念“乔社领航 五社融合”，"
                    "以“融”字为主线贯穿社区治理融享、社工人才融聚、社会组织融建、志愿力量融助、慈善资源融汇五大区域，"
                    "打造“乔社善治”“乔社育才”“乔社有为”“乔社互助”“乔社积善”五大品牌。")
    g.organization("杨金泉纠纷调解服务中心", "服务中心", street=QIAO, reg_status="登记", category="社区服务类",
                   founded=2018, incubation="出壳",
                   description="开展区级品牌公益服务项目“乔司街道社会矛盾纠纷（非诉类）调解服务项目”。")
    g.organization("心灵守乔社会工作服务站", "工作站", street=QIAO, reg_status="登记", category="社会工作服务类",
                   founded=2020, incubation="出壳",
                   description="开展“阳光下 蔚蓝天”妇女权益维护、反家暴项目，以加强妇女维权服务和家庭建设为着力点。")
    g.organization(
        "胡阿虎公益服务中心", "服务中心", street=QIAO, reg_status="登记", category="公益慈善类", founded=2016,
        incubation="出壳",
        description="长期在辖区内提供志愿服务，从单一的补鞋扩展到 12 个便民服务项目：" + "、".join(HU_AHU_ITEMS)
                    + "（报道列举前五项，其余为演示数据）；志愿者队伍发展到 100 余人。胡阿虎师傅获评浙江好人、"
                    "浙江省最美志愿者、杭州市道德模范（平民英雄）。")
    g.organization("乔心愿公益服务中心", "服务中心", street=QIAO, reg_status="登记", category="公益慈善类",
                   founded=2019, incubation="出壳",
                   description="开展“乔心守护、医路同行”项目，长期在医院提供导诊志愿服务，成为患者就医的直通“乔”。")
    g.organization("乔社学院", "服务中心", street=QIAO,
                   description="乔司社会组织服务中心建立的培训平台（非独立登记），组建包括高校专家教授、优秀村社书记等在内的"
                               "智库导师团，开设多层次培训课程。")
    g.organization("乔司街道残疾人之家", "政府部门", street=QIAO, description="设有残疾人之家爱心超市。")
    g.organization("乔司街道办事处", "政府部门", street=QIAO)
    g.organization("临平区乔善公益基金会", "基金会", street=QIAO)
    g.organization("浙江理工大学", "高校", street=QIAO, description="社会工作专业师生参与慈善资源库技能服务。")
    for name in ("杭州乔新纺织有限公司", "临平顺泰物流有限公司", "杭州和睦超市连锁有限公司", "乔司爱心面馆"):
        g.organization(name, "企业", street=QIAO)
    for name in ("青岛港湾物业服务有限公司", "西海岸新区海韵商贸有限公司"):
        g.organization(name, "企业", street=XUE)
    # 乔司街道: exactly 63 registered (登记) and 216 filed (备案) social organisations, named ones included.
    themes = ("社会工作", "养老服务", "青少年服务", "助残服务", "邻里互助", "文化促进", "体育健身", "法律服务",
              "心理健康", "环保公益", "家庭教育", "乡贤治理", "新居民服务", "应急救援")
    forms = ("服务中心", "促进会", "协会", "服务社", "发展中心")
    registered_named = sum(1 for row in g.rows[Organization] if row["reg_status"] == "登记" and row["street_id"]
                           == g.street[QIAO])
    r = g.rng
    names = [f"杭州市临平区乔司{t}{f}" for f in forms for t in themes]
    assert len(names) >= 63 - registered_named
    for name in names[: 63 - registered_named]:
        g.organization(name, "社会组织", street=QIAO, reg_status="登记",
                       category=r.choice(("社区服务类", "公益慈善类", "文体类", "社会工作服务类")),
                       founded=r.randint(2008, 2023), incubation=r.choice((None, "成长", "出壳")))
    groups = ("夕阳红舞蹈队", "腰鼓队", "书画社", "太极拳队", "合唱团", "志愿服务队", "邻里互助会", "睦邻议事会",
              "巾帼志愿队", "红色宣讲团", "平安巡逻队", "读书会", "环保志愿队", "棋牌协会", "健身队", "乡风文明劝导队",
              "老年协会", "亲子阅读会", "垃圾分类督导队", "篮球队", "摄影社", "戏曲社", "编织兴趣社", "民间调解队",
              "助老服务队", "青年志愿队", "爱心车队", "义剪队", "健康宣教队", "手工坊", "旗袍队", "越剧社",
              "象棋社", "钓鱼协会", "农技服务队", "文艺轻骑兵")
    qiao_communities = [c[1] for c in _COMMUNITIES if c[0] == QIAO]
    for cname in qiao_communities:
        for grp in groups:
            g.organization(f"{cname}{grp}", "社会组织", street=QIAO, community=cname, reg_status="备案",
                           category="社区社会组织", founded=r.randint(2012, 2024),
                           incubation=r.choice((None, None, "入驻孵化", "成长")))
    # A few social organisations in 薛家岛街道 (not part of any report figure).
    for cname in (XGSL, "安子社区", "鱼鸣嘴社区"):
        for grp in ("志愿服务队", "邻里互助会", "书画社", "夕阳红舞蹈队"):
            g.organization(f"{cname}{grp}", "社会组织", street=XUE, community=cname, reg_status="备案",
                           category="社区社会组织", founded=r.randint(2012, 2023))
    g.organization("青岛市黄岛区薛家岛社会工作服务中心", "社会组织", street=XUE, reg_status="登记",
                   category="社会工作服务类", founded=2017)
    # Grades current at the demo date: 3×5A, 5×4A, 2×3A in 乔司街道 (awarded 2022–2025, valid five years).
    filler_registered = names[: 63 - registered_named]
    graded = [("杨金泉纠纷调解服务中心", "5A", date(2023, 11, 20)), ("胡阿虎公益服务中心", "5A", date(2024, 6, 18)),
              ("乔心愿公益服务中心", "5A", date(2025, 3, 26)), ("心灵守乔社会工作服务站", "4A", date(2024, 12, 10)),
              (filler_registered[0], "4A", date(2022, 3, 15)), (filler_registered[1], "4A", date(2023, 5, 8)),
              (filler_registered[2], "4A", date(2024, 9, 2)), (filler_registered[3], "4A", date(2025, 4, 22)),
              (filler_registered[4], "3A", date(2022, 12, 28)), (filler_registered[5], "3A", date(2024, 10, 15))]
    scores = {"5A": (900, 980), "4A": (800, 899), "3A": (700, 799)}
    for name, grade, awarded in graded:
        g.add(OrgGrade, organization_id=g.org[name], grade=grade, awarded_on=awarded,
              expires_on=awarded.replace(year=awarded.year + vocab.GRADE_YEARS), score=float(r.randint(*scores[grade])))
    # Earlier grades, expired before the demo date (history of the grades page).
    for name, grade, awarded in (("心灵守乔社会工作服务站", "3A", date(2020, 11, 6)), (filler_registered[6], "3A",
                                 date(2019, 6, 1))):
        g.add(OrgGrade, organization_id=g.org[name], grade=grade, awarded_on=awarded,
              expires_on=awarded.replace(year=awarded.year + vocab.GRADE_YEARS), score=float(r.randint(*scores[grade])))
    g.add(OrgGrade, organization_id=g.org["青岛市黄岛区薛家岛社会工作服务中心"], grade="4A",
          awarded_on=date(2022, 1, 20), expires_on=date(2027, 1, 20), score=861.0)
