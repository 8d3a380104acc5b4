"""People and projects: volunteers and teams, social workers, projects and their targets."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from db.demo.generator import _COMMUNITIES, QIAO, XGSL, XUE, _Gen
from db.models import (
    ProjectTarget,
    SocialWorker,
)

if TYPE_CHECKING:
    pass


# ======================================================================================= people, projects


def _xgsl_tags(r: random.Random) -> Callable[[], list[str]]:
    def tags() -> list[str]:
        return [r.choices(("在职党员", "商圈业主", "小区居民"), weights=(30, 15, 55))[0]]
    return tags


def _people_and_projects(g: _Gen) -> None:
    r = g.rng
    early = (date(2019, 1, 1), date(2021, 6, 30))
    # 新港山路社区
    xg = g.volunteers("xgsl", 300, street=XUE, community=XGSL, reg=early, tags=_xgsl_tags(r), staff=10)
    lei = g.volunteers("xgsl", 40, street=XUE, community=XGSL, reg=(date(2019, 1, 1), date(2020, 12, 31)),
                       tags=lambda: ["退役军人", r.choice(("在职党员", "小区居民"))], female=0.1)
    liu = g.add(SocialWorker, name="刘世颖", level="高级社会工作师", street_id=g.street[XUE],
                community_id=g.community[XGSL], organization_id=g.org["高级社会工作师工作室"],
                title="青岛理工大学社会工作教研室主任、齐鲁和谐使者", certified_year=2010, training_hours=320.0)
    g.sw_by_place[("community", g.community[XGSL])].append(liu)
    g.social_workers(3, street=XUE, community=XGSL, org="高级社会工作师工作室", levels=(0, 70, 30))
    g.sw_by_place[("community", g.community[XGSL])].extend(g.sw_by_place[("org", g.org["高级社会工作师工作室"])])
    g.social_workers(3, street=XUE, community=XGSL)
    studio = "高级社会工作师工作室"
    g.team_of("督导团队", [], street=XUE, community=XGSL, org=studio, founded=2023,
              description="高级社会工作师工作室督导团队：由刘世颖教授及青岛理工大学社会工作专业教师组成。")
    g.team_of("工作团队", xg[:12], street=XUE, community=XGSL, org=studio, founded=2023,
              description="高级社会工作师工作室工作团队：社区工作者与骨干志愿者。")
    g.team_of("两专工作队", xg[:10], street=XUE, community=XGSL, founded=2023,
              description="由专职人员和专业人员组成。")
    g.team_of("社工与志愿者联席会议工作小组", xg[10:25], street=XUE, community=XGSL, founded=2023,
              description="社会工作者和社区志愿者联席会议工作小组，常态化联动志愿服务队伍。")
    jieyou = xg[25:49]
    g.team_of("邻里解忧团", jieyou, street=XUE, community=XGSL, founded=2021,
              description="由 20 余名社区“明白人”组成，打造“万事无忧”社区工作品牌，化解居民急难愁盼。")
    g.team_of("雷锋战友志愿服务队", lei, street=XUE, community=XGSL, founded=2019,
              description="退役军人志愿者赓续雷锋精神，开展“雷锋战友志愿行”与雷锋精神宣讲。")
    g.team_of("小哥友好志愿服务队", xg[49:79], street=XUE, community=XGSL, founded=2022,
              description="为外卖小哥等新就业群体提供暖心服务。")
    areas = {
        "候鸟有家": ("社区治理", ["候鸟人群/外来人口"], "外来人员社区融合项目：针对辖区人员流动性大、外来人口多的特点，"
                                                   "依托“银铃筑梦课堂”“YEAH归人”“邻里节”等平台吸引外来流动人口参与社区活动。"),
        "小哥友好型": ("志愿互助", ["新就业群体/外卖小哥"], "新就业群体关爱项目：全方位打造“小哥友好型社区”，为新业态新就业群体"
                                                        "提供暖心服务，实现“进得来、融得入、被关爱、促发展”。"),
        "万事无忧": ("社区治理", ["全体居民"], "社区能人化解纠纷项目：邻里解忧团 20 余名社区“明白人”协调化解矛盾纠纷。"),
        "雷锋战友志愿行": ("志愿互助", ["全体居民", "老年人"], "雷锋精神赓续项目：开展雷锋精神宣讲与志愿服务。"),
    }
    for name, (area, groups, desc) in areas.items():
        g.project_of(name, street=XUE, community=XGSL, area=area, groups=groups, start=date(2021, 3, 1),
                     description=desc)
    g.project_of("“自我创业”型党群服务中心", street=XUE, community=XGSL, area="社区治理", groups=["全体居民"],
                 status="筹备中", description="下一步计划：打造首个“自我创业”型党群服务中心。")
    g.project_of("社会组织孵化中心", street=XUE, community=XGSL, org=studio, area="社会组织", groups=["全体居民"],
                 status="筹备中", description="下一步计划：依托高级社工师工作室和社会组织孵化中心，引入专业社会工作力量。")
    g.brand("港好有你 治享家园", street=XUE, community=XGSL, description="“专业社工引领志愿服务、志愿服务助推社会工作”融合服务品牌。")
    g.brand("睦邻友好", street=XUE, community=XGSL, area="社区治理", description="依托社区“邻里节”打造的文化品牌。")
    g.brand("银铃筑梦课堂", street=XUE, community=XGSL, area="志愿互助", description="面向老年人与外来流动人口的学习平台。")
    g.brand("YEAH归人", street=XUE, community=XGSL, area="社区治理", description="吸引外来流动人口参与社区活动的平台。")
    g.brand("万事无忧", street=XUE, community=XGSL, area="社区治理", description="邻里解忧团社区工作品牌。")

    # 乔司街道 organisations' people.
    qiao_comms = [c[1] for c in _COMMUNITIES if c[0] == QIAO]
    sunshine = g.volunteers("sunshine", 330, street=QIAO, communities=qiao_comms, org="心灵守乔社会工作服务站",
                            reg=(date(2021, 1, 1), date(2022, 12, 31)), female=0.85,
                            tags=lambda: r.choice(([], ["在职党员"], ["高校学生"])))
    for i in range(4):
        g.team_of(f"妇女维权志愿小分队（第{'一二三四'[i]}分队）", sunshine[i * 22:(i + 1) * 22], street=QIAO,
                  org="心灵守乔社会工作服务站", founded=2023,
                  description="宣传妇女权益保护及反家暴法，开展妇女维权志愿服务。")
    hu = g.volunteers("huahu", 112, street=QIAO, communities=qiao_comms, org="胡阿虎公益服务中心",
                      reg=(date(2018, 1, 1), date(2022, 6, 30)), female=0.4, tags=lambda: r.choice(([], ["退役军人"])))
    g.team_of("胡阿虎志愿服务队", hu, street=QIAO, org="胡阿虎公益服务中心", founded=2016,
              description="从补鞋起步，提供补衣服、修家电、磨刀、理发等 12 个便民服务项目。")
    xy = g.volunteers("qiaoxinyuan", 180, street=QIAO, communities=qiao_comms, org="乔心愿公益服务中心",
                      reg=(date(2019, 6, 1), date(2022, 12, 31)), female=0.6,
                      tags=lambda: r.choice(([], ["高校学生"], ["在职党员"])))
    g.team_of("乔心愿导诊志愿服务队", xy, street=QIAO, org="乔心愿公益服务中心", founded=2019)
    yj = g.volunteers("yangjinquan", 30, street=QIAO, communities=qiao_comms, org="杨金泉纠纷调解服务中心",
                      reg=(date(2019, 1, 1), date(2021, 12, 31)), female=0.3, tags=lambda: ["在职党员"])
    g.team_of("杨金泉调解志愿者队", yj, street=QIAO, org="杨金泉纠纷调解服务中心", founded=2019)
    sj = g.volunteers("shengjia_makers", 24, street=QIAO, community="胜稼村", reg=(date(2020, 1, 1), date(2021, 12, 31)),
                      female=0.95, tags=lambda: ["小区居民"])
    g.team_of("幸福工坊钩花志愿指导队", sj, street=QIAO, community="胜稼村", founded=2022)
    g.social_workers(6, street=QIAO, org="心灵守乔社会工作服务站", levels=(30, 55, 15))
    g.social_workers(5, street=QIAO, org="乔司社会组织服务中心", levels=(20, 60, 20))
    g.social_workers(2, street=QIAO, org="杨金泉纠纷调解服务中心")
    g.social_workers(2, street=QIAO, org="乔心愿公益服务中心")
    g.social_workers(1, street=QIAO, org="胡阿虎公益服务中心")
    for cname in [c[1] for c in _COMMUNITIES if c[1] != XGSL]:
        g.social_workers(r.randint(2, 4), street=XUE if cname in ("安子社区", "鱼鸣嘴社区") else QIAO, community=cname)

    centre = "乔司社会组织服务中心"
    g.brand("乔社领航 五社融合", street=QIAO, org=centre, description="乔司社会组织服务中心的运营理念。")
    for name, area, desc in (
        ("乔社善治", "社区治理", "社区治理融享：每年开展村社和社会组织摸排调研，提炼需求清单，引导社会组织参与基层治理。"),
        ("乔社育才", "人才培育", "社工人才融聚：外引内育，建立“乔社学院”，培育社会组织与社工人才。"),
        ("乔社有为", "社会组织", "社会组织融建：专项培育、精准培育、孵化与等级评估。"),
        ("乔社互助", "志愿互助", "志愿力量融助：推行“社会工作者+志愿者”协作机制。"),
        ("乔社积善", "慈善资源", "慈善资源融汇：“乔见社彩·共融共聚”乔司街道慈善资源库，精准对接供需双方。"),
    ):
        g.brand(name, street=QIAO, org=centre, area=area, description=desc)
    projects = (
        ("乔司街道社会矛盾纠纷（非诉类）调解服务项目", "杨金泉纠纷调解服务中心", None, "社区治理", ["全体居民"], "区级",
         date(2020, 6, 1), "共调解各类矛盾纠纷 600 余起，成功率 98% 以上。"),
        ("阳光下 蔚蓝天", "心灵守乔社会工作服务站", None, "社区治理", ["妇女"], "区级", date(2023, 3, 1),
         "妇女权益维护、反家暴项目：以加强妇女维权服务和家庭建设为着力点。"),
        ("乔心守护、医路同行", "乔心愿公益服务中心", None, "志愿互助", ["老年人", "全体居民"], "市级", date(2019, 9, 1),
         "长期在医院提供导诊志愿服务。"),
        ("胡阿虎便民志愿服务", "胡阿虎公益服务中心", None, "志愿互助", ["老年人", "困难家庭"], "市级", date(2016, 5, 1),
         "从单一的补鞋扩展到补衣服、修家电、磨刀、理发等 12 个便民服务项目。"),
        ("乔社学院社工人才培育", "乔社学院", None, "人才培育", ["全体居民"], "区级", date(2023, 9, 1),
         "聚焦基础理论、通用能力、实务技能、考证培训、团队建设等专题开展培训。"),
        ("胜稼村幸福工坊钩花项目", None, "胜稼村", "慈善资源", ["失地妇女"], "区级", date(2022, 3, 1),
         "帮助辖区失地妇女掌握钩花制作技巧，售出花束、花篮、挂件、饰品等手工编织产品。"),
        ("一碗面一毛钱", "乔司爱心面馆", None, "慈善资源", ["残疾人"], "区级", date(2021, 1, 1),
         "创新残疾人就业创业新路径，为残疾人之家爱心超市捐款。"),
        ("“乔头堡”培养计划", centre, None, "人才培育", ["全体居民"], None, date(2024, 3, 1),
         "“六个一”模式：开展一轮集中培训、上好一堂主题党课、记好一本民情日记、撰写一份调研报告、实施一场主题打擂、"
         "组织一系列考察学习；以实训实战为导向，做到以讲促学、以学促干、以干促效。"),
        ("乔见社彩·共融共聚 乔司街道慈善资源库", centre, None, "慈善资源", ["全体居民"], None, date(2023, 1, 1),
         "线上街道级公益慈善资源库，融聚政府、企业、基金会、社会组织、高校等多元主体，精准对接供需；"
         "各社区成立社区慈善资源库。"),
        ("社会组织能力提升与实训督导", centre, None, "社会组织", ["全体居民"], None, date(2025, 1, 1),
         "“赋能乔司、分类分型”专项培育与精准培育，陪伴式成长服务。"),
        ("村社与社会组织需求摸排调研", centre, None, "社区治理", ["全体居民"], None, date(2021, 3, 1),
         "每年定期开展村社和社会组织摸排调研，提炼辖区基层治理需求清单。"),
    )
    for name, org, comm, area, groups, level, start, desc in projects:
        g.project_of(name, street=QIAO, org=org, community=comm, area=area, groups=groups, level=level,
                     start=start, description=desc)
    for project, metric, value, due in (("阳光下 蔚蓝天", "activities", 80, date(2025, 12, 31)),
                                        ("胜稼村幸福工坊钩花项目", "people_served", 1600, date(2025, 12, 31)),
                                        ("乔司街道社会矛盾纠纷（非诉类）调解服务项目", "disputes", 700,
                                         date(2026, 12, 31))):
        g.add(ProjectTarget, project_id=g.project[project], metric=metric, target_value=float(value),
              start_date=date(2025, 1, 1), due_date=due)
    # Filler projects of the other communities.
    for cname, pairs in (
        ("安子社区", (("银龄互助", "志愿互助", "老年人"), ("海岸守护", "社区治理", "全体居民"))),
        ("鱼鸣嘴社区", (("渔村文化传承", "社区治理", "全体居民"), ("四点半课堂", "志愿互助", "儿童青少年"))),
        ("胜稼村", (("美丽庭院共建", "社区治理", "全体居民"),)),
        ("三角村", (("乡贤议事会", "社区治理", "全体居民"), ("银龄食堂助餐", "慈善资源", "老年人"))),
        ("方桥村", (("新居民融入", "社区治理", "候鸟人群/外来人口"),)),
        ("永玄村", (("村规民约宣传", "社区治理", "全体居民"),)),
        ("和睦社区", (("四点半课堂", "志愿互助", "儿童青少年"), ("邻里守望", "志愿互助", "老年人"))),
        ("乔莫社区", (("困境家庭帮扶", "慈善资源", "困难家庭"), ("新就业群体驿站", "志愿互助", "新就业群体/外卖小哥"))),
    ):
        street = XUE if cname in ("安子社区", "鱼鸣嘴社区") else QIAO
        for pname, area, group in pairs:
            pid = g.project_of(f"{cname}·{pname}", street=street, community=cname, area=area, groups=[group],
                               start=date(2021, 1, 1))
            g.filler_projects[g.community[cname]].append(pid)
    for name in ("候鸟有家", "小哥友好型", "万事无忧", "雷锋战友志愿行"):
        g.filler_projects[g.community[XGSL]].append(g.project[name])
