"""The charity resource library: resources, needs, matches and donations."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from db.demo.generator import _COMMUNITIES, QIAO, XGSL, XUE, _Gen
from db.models import (
    CharityMatch,
    CharityNeed,
    CharityResource,
)

if TYPE_CHECKING:
    pass


_INSTITUTIONAL_DONORS = (("辖区爱心企业", "企业"), ("辖区商户", "企业"), ("共建单位", "政府"), ("区慈善总会", "社会组织"),
                         ("公益基金会", "基金会"), ("高校志愿服务团队", "高校"))


def _donor(r: random.Random, g: _Gen) -> dict[str, str]:
    """A resident (个人) three times in five, else an institution with its own type."""
    if r.random() < 0.6:
        return {"donor_name": g.name(), "donor_type": "个人"}
    name, kind = r.choice(_INSTITUTIONAL_DONORS)
    return {"donor_name": name, "donor_type": kind}


_XGSL_OFFERS = ("小区物业用房", "外卖小哥爱心驿站补给")


def _charity(g: _Gen) -> None:
    """The charity resource libraries: resources from every provider type, needs and matches."""
    r = g.rng
    today = g.today
    offers = (  # street, provider, provider type, kind, title, amount, unit
        (QIAO, "乔司街道办事处", "政府", "资金", "社区微治理专项资金", 80000, "元"),
        (QIAO, "乔司街道办事处", "政府", "场地", "街道文化礼堂公益活动场地", 40, "场次"),
        (QIAO, "临平区乔善公益基金会", "基金会", "资金", "困难家庭帮扶基金", 50000, "元"),
        (QIAO, "临平区乔善公益基金会", "基金会", "物资", "助学礼包", 200, "份"),
        (QIAO, "杭州乔新纺织有限公司", "企业", "物资", "冬季爱心棉被", 300, "床"),
        (QIAO, "临平顺泰物流有限公司", "企业", "服务", "爱心物资免费配送", 60, "次"),
        (QIAO, "杭州和睦超市连锁有限公司", "企业", "物资", "米面油爱心包", 500, "份"),
        (QIAO, "乔司爱心面馆", "企业", "资金", "一碗面一毛钱爱心款", 3000, "元"),
        (QIAO, "胡阿虎公益服务中心", "社会组织", "服务", "便民维修志愿服务", 120, "次"),
        (QIAO, "心灵守乔社会工作服务站", "社会组织", "技能", "妇女儿童心理疏导", 80, "小时"),
        (QIAO, "乔心愿公益服务中心", "社会组织", "服务", "就医陪诊志愿服务", 150, "人次"),
        (QIAO, "浙江理工大学", "高校", "技能", "社工专业学生实务督导", 100, "小时"),
        (QIAO, "浙江理工大学", "高校", "服务", "大学生暑期支教", 40, "次"),
        (QIAO, "爱心人士（匿名）", "个人", "资金", "个人爱心捐款", 5000, "元"),
        (XUE, "薛家岛街道办事处", "政府", "资金", "社区志愿服务激励资金", 30000, "元"),
        (XUE, "青岛理工大学", "高校", "技能", "社会工作专业督导", 60, "小时"),
        (XUE, "高级社会工作师工作室", "社会组织", "服务", "个案与小组工作服务", 50, "次"),
        (XUE, "青岛港湾物业服务有限公司", "企业", "场地", "小区物业用房", 19, "处"),
        (XUE, "西海岸新区海韵商贸有限公司", "企业", "物资", "外卖小哥爱心驿站补给", 400, "份"),
    )
    resources: list[dict[str, Any]] = []
    for street, provider, ptype, kind, title, amount, unit in offers:
        comms = [c for c in _COMMUNITIES if c[0] == street]
        comm = r.choice(comms) if r.random() < 0.4 else None
        if title in _XGSL_OFFERS:  # 山海湾's 19 property rooms and the 小哥友好型 station are 新港山路社区's own
            comm = next(c for c in comms if c[1] == XGSL)
        lng, lat = g.jitter(comm[3], comm[4], 0.002) if comm else g.jitter(*g.point[g.community[comms[0][1]]], 0.002)
        # Most of a library was built up in its first years (乔社积善 from 2022); a few offers are recent.
        offered = g.day_between(date(2022, 6, 1), date(2023, 2, 28) if r.random() < 0.7 else today - timedelta(days=60))
        rid = g.add(CharityResource, street_id=g.street[street], community_id=g.community[comm[1]] if comm else None,
                    provider_name=provider, provider_org_id=g.org.get(provider), provider_type=ptype, kind=kind,
                    title=title, amount=float(amount), unit=unit, offered_on=offered,
                    status="available", lng=lng, lat=lat)
        resources.append({"row": g.rows[CharityResource][-1], "id": rid, "left": float(amount)})
    groups = ("老年人", "儿童青少年", "残疾人", "困难家庭", "妇女", "新就业群体/外卖小哥", "候鸟人群/外来人口")
    reasons = ("需求与资源库服务范围不符", "重复申报，已并入同类需求", "材料不全，请补充后重新提交")
    for i in range(64):
        street, cname, _kind, lng, lat, _brand = _COMMUNITIES[i % len(_COMMUNITIES)]
        # A need of a kind and unit the street's library offers, so that it can be matched.
        template = r.choice([x for x in resources if x["row"]["street_id"] == g.street[street]])["row"]
        kind, unit = template["kind"], template["unit"]
        amount = max(1.0, float(round(template["amount"] * r.uniform(0.04, 0.2))))
        if unit == "元":
            amount = max(100.0, amount // 100 * 100)
        filed = g.day_between(date(2023, 3, 1), today - timedelta(days=5))
        status = r.choices(("pending", "approved", "matched", "completed", "rejected"), (12, 18, 25, 33, 12))[0]
        if (today - filed).days < 30 and status == "completed":
            status = "matched"
        # A match takes 3 to 20 days after filing, from a resource already in the library by then.
        delay = r.randint(3, 20)
        candidates = [x for x in resources if x["row"]["street_id"] == g.street[street] and x["row"]["kind"] == kind
                      and x["row"]["unit"] == unit and x["left"] > 0
                      and x["row"]["offered_on"] <= filed + timedelta(days=delay)]
        if status in ("matched", "completed") and not candidates:
            status = "approved"
        nlng, nlat = g.jitter(lng, lat, 0.002)
        group = r.choice(groups)
        nid = g.add(CharityNeed, street_id=g.street[street], community_id=g.community[cname],
                    title=f"{cname}{group}{kind}需求", category=kind, beneficiary_group=group,
                    urgency=r.choices(("紧急", "较急", "一般"), (15, 30, 55))[0], amount=amount, unit=unit,
                    filed_on=filed, status=status, reject_reason=r.choice(reasons) if status == "rejected" else "",
                    lng=nlng, lat=nlat)
        if status in ("matched", "completed"):
            res = r.choice(candidates)
            take = min(amount, res["left"])
            res["left"] -= take
            matched = min(max(filed + timedelta(days=delay), res["row"]["offered_on"]), today)
            g.add(CharityMatch, need_id=nid, resource_id=res["id"], amount=take, matched_on=matched,
                  completed_on=min(matched + timedelta(days=r.randint(5, 30)), today) if status == "completed" else None)
    for res in resources:
        if res["left"] <= 0:
            res["row"]["status"] = "exhausted"


# Star levels: each street's preset (by name: presets are reference data of migration 0003) and awards.
