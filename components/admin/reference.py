"""系统管理 › 基础数据: streets (with the district's 行政区划代码), communities (profile facts and a GCJ-02 location),
compounds, and organisations (the forms of 社会组织与社工, embedded). Each list, a new-record form and the edit
frame of ``components.forms`` (the version the record was opened at; a change by anyone since is refused)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from components.admin import data as ad
from components.filters import segments
from components.forms import Edit, FormStates, edit_form, index_of, pick
from components.organizations import forms as org_forms
from components.tables import show as show_table
from db import geo, vocab
from db.auth import CurrentUser
from db.places import writes as places
from db.places.writes import CommunityInput, CompoundInput, StreetInput

STATES = FormStates(key="ref_key_{}", flash="ref_flash")
KINDS = ("街道", "社区", "小区", "社会组织")
COORD_HELP = ("GCJ-02：在高德、腾讯地图上取的坐标；WGS-84：GPS 设备或手机定位给出的坐标，保存时换算为 GCJ-02。"
              "须在中国境内；不填则地图上按所属街道或社区显示。")


def reference_panel(user: CurrentUser, ver: int) -> None:
    STATES.show_flash()
    kind = segments(st, "维护内容", list(KINDS), KINDS[0], "ref_kind")
    choices = ad.place_choices(ver, user)
    if kind == "街道":
        _streets(user, ver)
    elif kind == "社区":
        _communities(user, ver, choices.streets)
    elif kind == "小区":
        _compounds(user, ver, choices.communities)
    else:
        _organizations(user, ver, choices.streets)


def _table(df: pd.DataFrame, empty: str) -> None:
    if df.empty:
        st.info(empty)
        return
    show_table(df.drop(columns=["id", "version"]), hide_index=True, width="stretch")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _location_fields(key: str, lng: Any, lat: Any) -> tuple[str, str, str]:
    c1, c2, c3 = st.columns([2, 2, 3])
    lng_text = c1.text_input("经度", value=_text(lng), key=f"{key}_lng", placeholder="如 120.198")
    lat_text = c2.text_input("纬度", value=_text(lat), key=f"{key}_lat", placeholder="如 35.960")
    system = c3.radio("坐标系", geo.COORD_SYSTEMS, horizontal=True, key=f"{key}_coord", help=COORD_HELP)
    return lng_text, lat_text, system


# ------------------------------------------------------------------------------------------ streets


def _street_fields(key: str, init: StreetInput | None) -> StreetInput:
    init = init or StreetInput()
    name = st.text_input("街道名称", value=init.name or "", key=f"{key}_name")
    c1, c2, c3, c4 = st.columns(4)
    province = c1.text_input("省份", value=init.province or "", key=f"{key}_province")
    city = c2.text_input("城市", value=init.city or "", key=f"{key}_city")
    district = c3.text_input("区县", value=init.district or "", key=f"{key}_district")
    code = c4.text_input("行政区划代码", value=init.district_code or "", key=f"{key}_code",
                         help="街道所在区县的 6 位代码，如 370211（青岛市黄岛区）、330113（杭州市临平区）；离线地图按它画出区县边界。")
    lng, lat, system = _location_fields(key, init.lng, init.lat)
    return StreetInput(name=name, province=province, city=city, district=district, district_code=code, lng=lng,
                       lat=lat, coord_system=system)


def _streets(user: CurrentUser, ver: int) -> None:
    table = ad.street_table(ver, user)
    _table(table, "还没有街道。")
    new, edit = st.tabs(["新建街道", "修改街道"])
    with new:
        STATES.create_form("street", lambda key: _street_fields(key, None), "保存街道", places.create_street, user,
                           lambda entry, new_id: f"已保存街道「{(entry.name or '').strip()}」（编号 {new_id}）。")
    with edit:
        edit_form(Edit(
            noun="街道", pick_key="ref_street_pick", flash=STATES.flash_state(), placeholder="请选择",
            load=lambda record_id: ad.street_for_edit(ver, user, record_id),
            fields=_street_fields,
            save=lambda session, opened, entry, _key: places.update_street(
                session=session, user=user, street_id=opened.record_id, expected_version=opened.version,
                data=entry),
            message=_saved_message,
        ), list(zip(table["id"].tolist(), table["街道"].tolist(), strict=True)))


def _saved_message(opened: Any, entry: Any, changed: Any) -> str:
    name = (entry.name or "").strip()
    return f"已保存「{name}」的修改。" if changed else f"「{name}」没有改动，未写入。"


# ------------------------------------------------------------------------------------------ communities


def _community_fields(key: str, init: CommunityInput | None, street_id: int) -> CommunityInput:
    init = init or CommunityInput(street_id=street_id)
    c1, c2, c3 = st.columns([3, 1, 1])
    name = c1.text_input("社区名称", value=init.name or "", key=f"{key}_name")
    kinds = list(vocab.COMMUNITY_KINDS)
    kind = c2.selectbox("类型", kinds, index=index_of(kinds, init.kind), key=f"{key}_kind")
    founded = c3.number_input("成立年份", value=init.founded_year,
                              step=1, key=f"{key}_founded")
    c1, c2, c3 = st.columns(3)
    population = c1.number_input("常住人口", value=init.population,
                                 step=100, key=f"{key}_population")
    households = c2.number_input("户数", value=init.households,
                                 step=10, key=f"{key}_households")
    area = c3.number_input("面积（平方公里）", value=init.area_km2,
                           step=0.1, format="%.2f", key=f"{key}_area")
    c1, c2, c3 = st.columns(3)
    secretary = c1.text_input("党组织书记", value=init.party_secretary or "", key=f"{key}_secretary")
    brand = c2.text_input("服务品牌", value=init.service_brand or "", key=f"{key}_brand")
    pilot = c3.text_input("试点情况", value=init.pilot_status or "", key=f"{key}_pilot")
    scenes = st.text_input("特色场景（用“、”分隔）", value="、".join(init.featured_scenes or []),
                           key=f"{key}_scenes")
    description = st.text_area("简介", value=init.description or "", height=68,
                               key=f"{key}_description")
    lng, lat, system = _location_fields(key, init.lng, init.lat)
    return CommunityInput(street_id=init.street_id or street_id, name=name, kind=kind, founded_year=founded,
                          population=population, households=households, area_km2=area, party_secretary=secretary,
                          service_brand=brand, pilot_status=pilot, featured_scenes=scenes,
                          description=description, lng=lng, lat=lat, coord_system=system)


def _communities(user: CurrentUser, ver: int, streets: tuple[tuple[int, str], ...]) -> None:
    if not streets:
        st.info("还没有街道：请先新建街道。")
        return
    street_id = pick("所属街道", streets, "ref_comm_street", optional=False)
    table = ad.community_table(ver, user, street_id)
    _table(table, "该街道还没有社区。")
    new, edit = st.tabs(["新建社区", "修改社区"])
    with new:
        STATES.create_form(f"community_{street_id}", lambda key: _community_fields(key, None, street_id), "保存社区",
                           places.create_community, user,
                           lambda entry, new_id: f"已保存社区「{(entry.name or '').strip()}」（编号 {new_id}）。")
    with edit:
        edit_form(Edit(
            noun="社区", pick_key=f"ref_comm_pick_{street_id}", flash=STATES.flash_state(), placeholder="请选择",
            note="所属街道不能更改",
            load=lambda record_id: ad.community_for_edit(ver, user, record_id),
            fields=lambda key, init: _community_fields(key, init, street_id),
            save=lambda session, opened, entry, _key: places.update_community(
                session=session, user=user, community_id=opened.record_id, expected_version=opened.version,
                data=entry),
            message=_saved_message,
        ), list(zip(table["id"].tolist(), table["社区"].tolist(), strict=True)))


# ------------------------------------------------------------------------------------------ compounds


def _compound_fields(key: str, init: CompoundInput | None, community_id: int) -> CompoundInput:
    init = init or CompoundInput(community_id=community_id)
    c1, c2 = st.columns([3, 1])
    name = c1.text_input("小区名称", value=init.name or "", key=f"{key}_name")
    households = c2.number_input("户数", value=init.households,
                                 step=10, key=f"{key}_households")
    return CompoundInput(community_id=init.community_id or community_id, name=name, households=households)


def _compounds(user: CurrentUser, ver: int, communities: tuple[tuple[int, str], ...]) -> None:
    if not communities:
        st.info("还没有社区：请先新建社区。")
        return
    community_id = pick("所属社区", communities, "ref_compound_community", optional=False)
    table = ad.compound_table(ver, user, community_id)
    _table(table, "该社区还没有登记小区。")
    new, edit = st.tabs(["新建小区", "修改小区"])
    with new:
        STATES.create_form(f"compound_{community_id}", lambda key: _compound_fields(key, None, community_id),
                           "保存小区", places.create_compound, user,
                           lambda entry, new_id: f"已保存小区「{(entry.name or '').strip()}」（编号 {new_id}）。")
    with edit:
        edit_form(Edit(
            noun="小区", pick_key=f"ref_compound_pick_{community_id}", flash=STATES.flash_state(),
            placeholder="请选择",
            load=lambda record_id: ad.compound_for_edit(ver, user, record_id),
            fields=lambda key, init: _compound_fields(key, init, community_id),
            save=lambda session, opened, entry, _key: places.update_compound(
                session=session, user=user, compound_id=opened.record_id, expected_version=opened.version,
                data=entry),
            message=_saved_message,
        ), list(zip(table["id"].tolist(), table["小区"].tolist(), strict=True)))


# ------------------------------------------------------------------------------------------ organisations


def _organizations(user: CurrentUser, ver: int, streets: tuple[tuple[int, str], ...]) -> None:
    st.caption("与「社会组织与社工 › 录入」是同一组表单和同一个保存服务；名册、等级与孵化情况见该页面。")
    st.page_link("pages/6_organizations.py", label="打开「社会组织与社工」", icon=":material/groups:")
    if not streets:
        st.info("还没有街道：请先新建街道。")
        return
    street_id = pick("所属街道", streets, "ref_org_street", optional=False)
    new, edit = st.tabs(["新建机构", "修改机构"])
    with new:
        org_forms.organization_form(ver, user, street_id)
    with edit:
        org_forms.organization_edit(ver, user, street_id)
