"""Filler records from 2021 up to today, so that 本月/本年 figures are never empty; they never touch a figure
a report states exactly."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from db import vocab
from db.demo.charity import _charity, _donor
from db.demo.facts import _PROJECT_TITLES, _noodle_donation
from db.demo.generator import (
    _COMMUNITIES,
    _FILLER_TYPE_WEIGHTS,
    _FILLER_TYPES,
    _TITLES,
    _YEAR_WEIGHT,
    COMPOUNDS,
    FEATURED_SPACES,
    FILLER_START,
    HU_AHU_ITEMS,
    QIAO,
    REPORT1_AS_OF,
    REPORT2_AS_OF,
    XGSL,
    XUE,
    _Gen,
)
from db.demo.people import _xgsl_tags
from db.models import (
    Donation,
    Training,
)

if TYPE_CHECKING:
    pass


# =============================================================================================== filler


def _days(start: date, end: date) -> Iterable[date]:
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


def _filler(g: _Gen) -> None:
    """Synthetic records from 2021-01-01 to ``today`` (the only part that depends on ``today``)."""
    r = g.rng
    today = g.today
    late = (date(2021, 1, 1), today)
    # Volunteers registering over the years in every community.
    for street, cname, _kind, _lng, _lat, _brand in _COMMUNITIES:
        n_old, n_new = (0, 110) if cname == XGSL else (r.randint(50, 80), r.randint(60, 100))
        tags = _xgsl_tags(r) if cname == XGSL else (lambda: r.choice(([], [], ["在职党员"], ["小区居民"],
                                                                       ["退役军人"], ["高校学生"])))
        pool = "xgsl" if cname == XGSL else cname
        if n_old:
            g.volunteers(pool, n_old, street=street, community=cname, reg=(date(2018, 1, 1), date(2020, 12, 31)),
                         tags=tags)
        g.volunteers(pool, n_new, street=street, community=cname, reg=late, tags=tags)
        if cname != XGSL:
            members = r.sample(g.pool[pool], 18)
            g.team_of(f"{cname}志愿服务队", members, street=street, community=cname, founded=r.randint(2015, 2021))
    # Activities of every community, growing over the years.
    rates = {XGSL: 0.22}
    for day in _days(FILLER_START, today):
        w = _YEAR_WEIGHT.get(day.year, 1.4)
        for street, cname, _kind, _lng, _lat, _brand in _COMMUNITIES:
            p = rates.get(cname, 0.12) * w
            n = (r.random() < p) + (r.random() < p * 0.3)
            for _ in range(n):
                _filler_activity(g, street, cname, day)
        # Organisations' own services.
        if r.random() < 0.06 * w:
            item = r.choice(HU_AHU_ITEMS)
            title = "志愿者为老人理发" if item == "理发" else f"胡阿虎便民服务日：{item}"
            g.activity(street=QIAO, community=r.choice([c[1] for c in _COMMUNITIES if c[0] == QIAO]),
                       org="胡阿虎公益服务中心", project="胡阿虎便民志愿服务", title=title, type="便民服务",
                       venue="乔司街道新时代文明实践站", day=day, pool=g.pool["huahu"], n_vol=(3, 9),
                       people=(30, 120), slot=0)
        if day.weekday() in (1, 4) and r.random() < 0.35:
            g.activity(street=QIAO, community=None, org="乔心愿公益服务中心", project="乔心守护、医路同行",
                       title="“乔心守护、医路同行”导诊志愿服务", type="便民服务",
                       venue="乔司街道社区卫生服务中心（导诊台）", day=day, pool=g.pool["qiaoxinyuan"], n_vol=(5, 12),
                       lead=r.choice(g.sw_by_place[("org", g.org["乔心愿公益服务中心"])]) if r.random() < 0.3 else None,
                       people=(150, 400), slot=0, hours=(2.0, 4.0))
        if r.random() < 0.03 * w:
            g.activity(street=QIAO, community=r.choice([c[1] for c in _COMMUNITIES if c[0] == QIAO]),
                       org="杨金泉纠纷调解服务中心", project="乔司街道社会矛盾纠纷（非诉类）调解服务项目",
                       title=r.choice(("矛盾纠纷调解接待日", "法律知识进村社")),
                       type=r.choice(("调解", "宣讲")), venue="村社调解室", day=day, pool=g.pool["yangjinquan"],
                       n_vol=(2, 5), lead=r.choice(g.sw_by_place[("org", g.org["杨金泉纠纷调解服务中心"])]))
        if day > REPORT2_AS_OF and r.random() < 0.04:
            g.activity(street=QIAO, community=r.choice([c[1] for c in _COMMUNITIES if c[0] == QIAO]),
                       org="心灵守乔社会工作服务站", project="阳光下 蔚蓝天",  # it goes on after the report
                       title=r.choice(("妇女儿童心理关爱", "家庭关系辅导小组")),
                       type="探访关爱", venue="村社服务站", day=day, pool=g.pool["sunshine"], n_vol=(4, 10),
                       lead=r.choice(g.sw_by_place[("org", g.org["心灵守乔社会工作服务站"])]))
    # 杨金泉 keeps mediating after the report (rate stays ≥ 98 %); 一碗面一毛钱 keeps donating.
    n = 0
    for day in _days(REPORT2_AS_OF + timedelta(days=1), today):
        if r.random() < 0.33:
            n += 1
            outcome = "处理中" if (today - day).days < 20 else ("未化解" if n % 70 == 0 else "化解成功")
            g.mediation(street=QIAO, community=r.choice([c[1] for c in _COMMUNITIES if c[0] == QIAO]),
                        org="杨金泉纠纷调解服务中心", project="乔司街道社会矛盾纠纷（非诉类）调解服务项目", received=day,
                        type=r.choice(("邻里", "物业", "家庭", "劳资", "征迁")), source=r.choice(("纠纷", "投诉")),
                        outcome=outcome, people=r.randint(2, 5))
        if day.day == 28:
            _noodle_donation(g, day)
    # Community mediation, donations and trainings.
    for _street, cname, _kind, _lng, _lat, _brand in _COMMUNITIES:
        start = REPORT1_AS_OF if cname == XGSL else FILLER_START
        for day in _days(start, today):
            if r.random() < 0.035:
                age = (today - day).days
                outcome = "处理中" if age < 15 else r.choices(("化解成功", "未化解"), weights=(90, 10))[0]
                g.mediation(street=_street, community=cname, received=day, type=r.choice(vocab.MEDIATION_TYPES[:2]
                            + ("家庭", "其他")), source=r.choice(vocab.MEDIATION_SOURCES), outcome=outcome,
                            people=r.randint(2, 6), location=r.choice(COMPOUNDS) if cname == XGSL else "")
            if r.random() < 0.03:
                money = r.random() < 0.6
                g.add(Donation, street_id=g.street[_street], community_id=g.community[cname], organization_id=None,
                      project_id=r.choice(g.filler_projects[g.community[cname]]) if r.random() < 0.5 else None,
                      **_donor(r, g), recipient=f"{cname}",
                      is_money=money, amount_yuan=float(r.randrange(200, 5000, 50)) if money else float(
                          r.randrange(300, 3000, 100)), items="" if money else r.choice(("米面油", "冬衣", "学习用品")),
                      quantity=None if money else float(r.randint(10, 80)), donated_on=day,
                      channel=r.choice(("线下", "线上")))
    trainings = (
        (XUE, "高级社会工作师工作室", "社会工作者职业水平考试辅导", "考证培训"),
        (XUE, "高级社会工作师工作室", "“社工+志愿”融合服务督导", "实务技能"),
        (QIAO, "心灵守乔社会工作服务站", "反家暴法专题培训", "实务技能"),
        (QIAO, "胡阿虎公益服务中心", "便民志愿服务技能培训", "通用能力"),
        (QIAO, "乔心愿公益服务中心", "导诊志愿者岗前培训", "通用能力"),
    )
    for year in range(2021, today.year + 1):
        for street, org, title, topic in trainings:
            day = date(year, r.randint(3, 11), r.randint(1, 28))
            if day <= today:
                g.add(Training, street_id=g.street[street], organization_id=g.org[org], project_id=None,
                      title=f"{year}年{title}", topic=topic, held_on=day, sessions=r.randint(1, 3),
                      trainees=r.randint(15, 60), hours=float(r.choice((2, 3, 4, 6))))
    _charity(g)


def _filler_activity(g: _Gen, street: str, cname: str, day: date) -> None:
    r = g.rng
    cid = g.community[cname]
    kind = r.choices(_FILLER_TYPES, _FILLER_TYPE_WEIGHTS)[0]
    projects = g.filler_projects[cid]
    project_id = r.choice(projects) if projects and r.random() < 0.6 else None
    project = next((n for n, i in g.project.items() if i == project_id), None) if project_id else None
    if project in _PROJECT_TITLES and r.random() < 0.5:
        kind, title = "联动服务", r.choice(_PROJECT_TITLES[project])
    else:
        title = r.choice(_TITLES[kind])
    leads = g.sw_by_place[("community", cid)]
    venues = g.venues[cid]
    if cname == XGSL and day >= REPORT1_AS_OF:
        venues = venues + [s for s, _ in FEATURED_SPACES]
    with_volunteers = r.random() < 0.92
    g.activity(street=street, community=cname, project=project, title=title, type=kind,
               venue=r.choice(venues), day=day, pool=g.pool["xgsl" if cname == XGSL else cname],
               n_vol=(2, 12) if with_volunteers else (0, 0), lead=r.choice(leads) if r.random() < 0.55 else None,
               people=(8, 90), charity=kind == "义卖")


# Donors of the community donations other than residents: (name, donor type), every type of the vocabulary.
