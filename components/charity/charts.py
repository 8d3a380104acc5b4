"""Charts of the 慈善资源 page (each returns an ``alt.Chart``)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from components.charts import PALETTE, RED, style, wan_axis
from db import figures, vocab
from db.charity import reads as charity

# Money and goods, never added together: their names from the figure registry.
FORMS = {"money": figures.label("money"), "in_kind": figures.label("in_kind")}
YUAN = figures.unit("money")
AMOUNT = f"金额（{YUAN}）"


def funnel_chart(df: pd.DataFrame) -> alt.Chart:
    """Needs → passed review → matched → completed, as bars with counts and shares of all needs."""
    view = df.assign(text=[f"{n:,} 件" + ("" if s is None or pd.isna(s) else f"（{s * 100:.0f}%）")
                           for n, s in zip(df["needs"], df["share"], strict=True)])
    base = alt.Chart(view).encode(
        y=alt.Y("label:N", sort=list(view["label"]), title=None, axis=alt.Axis(labelFontSize=13)),
        x=alt.X("needs:Q", title="需求（件）"),
        tooltip=[alt.Tooltip("label:N", title="阶段"), alt.Tooltip("needs:Q", title="需求（件）"),
                 alt.Tooltip("share:Q", title="占提出需求", format=".1%")],
    )
    bars = base.mark_bar(cornerRadiusEnd=3).encode(
        color=alt.Color("label:N", legend=None, sort=list(view["label"]),
                        scale=alt.Scale(range=["#F3B4BE", "#E0707F", RED, "#7F0A1D"])))
    text = base.mark_text(align="left", dx=4, fontSize=12).encode(text="text:N")
    return style((bars + text).properties(height=200))


def supply_chart(df: pd.DataFrame) -> alt.Chart:
    """Resources per kind, stacked by provider type."""
    return style(alt.Chart(df).mark_bar().encode(
        y=alt.Y("kind:N", title=None, sort=list(vocab.RESOURCE_KINDS), axis=alt.Axis(labelOverlap=False)),
        x=alt.X("resources:Q", title="资源（项）", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("provider_type:N", title="提供方类型", sort=list(vocab.PROVIDER_TYPES),
                        scale=alt.Scale(domain=list(vocab.PROVIDER_TYPES), range=PALETTE)),
        order=alt.Order("provider_type:N"),
        tooltip=[alt.Tooltip("kind:N", title="类别"), alt.Tooltip("provider_type:N", title="提供方类型"),
                 alt.Tooltip("resources:Q", title="资源（项）")],
    ).properties(height=300))


def demand_chart(df: pd.DataFrame) -> alt.Chart:
    """Needs per category, stacked by status."""
    labels = list(vocab.NEED_STATUSES.values())
    return style(alt.Chart(df).mark_bar().encode(
        y=alt.Y("category:N", title=None, sort=list(vocab.RESOURCE_KINDS), axis=alt.Axis(labelOverlap=False)),
        x=alt.X("needs:Q", title="需求（件）", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("status_label:N", title="状态", sort=labels,
                        scale=alt.Scale(domain=labels, range=["#9CA3AF", "#E8A33D", "#1F4E79", "#3C8D5A", "#C8102E"])),
        tooltip=[alt.Tooltip("category:N", title="类别"), alt.Tooltip("status_label:N", title="状态"),
                 alt.Tooltip("needs:Q", title="需求（件）")],
    ).properties(height=300))


def time_to_match_chart(df: pd.DataFrame) -> alt.Chart:
    buckets = [label for _, label in charity.TIME_TO_MATCH_BUCKETS]
    base = alt.Chart(df).encode(
        x=alt.X("bucket:N", sort=buckets, title="从提出到首次对接", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("needs:Q", title="需求（件）", axis=alt.Axis(tickMinStep=1)),
        tooltip=[alt.Tooltip("bucket:N", title="用时"), alt.Tooltip("needs:Q", title="需求（件）")],
    )
    return style((base.mark_bar(color=PALETTE[1], cornerRadiusEnd=3)
                  + base.mark_text(dy=-7, fontSize=12).encode(text="needs:Q")).properties(height=200))


def donor_type_chart(df: pd.DataFrame, form: str, color: str) -> alt.Chart:
    """Donations of one form (善款 or 物资) per donor type."""
    part = df[df["form"] == form]
    base = alt.Chart(part).encode(
        y=alt.Y("donor_type:N", title=None, sort=list(vocab.PROVIDER_TYPES), axis=alt.Axis(labelOverlap=False)),
        x=alt.X("amount:Q", title=YUAN, axis=wan_axis()),
        tooltip=[alt.Tooltip("donor_type:N", title="捐赠方类型"), alt.Tooltip("amount:Q", title=AMOUNT, format=",.1f"),
                 alt.Tooltip("donations:Q", title="笔数")],
    )
    return style((base.mark_bar(color=color, cornerRadiusEnd=3)
                  + base.mark_text(align="left", dx=4, fontSize=12).encode(text=alt.Text("amount:Q", format=",.0f")))
                 .properties(height=70 + 44 * max(len(part), 1)))


def donations_monthly_chart(df: pd.DataFrame) -> alt.Chart:
    """Money and in-kind value month by month: two lines, never summed."""
    long = df.melt("month", ["money", "in_kind"], var_name="form", value_name="amount")
    long["form"] = long["form"].map(FORMS)
    base = alt.Chart(long).encode(
        x=alt.X("month:O", title=None, axis=alt.Axis(labelAngle=-45, labelOverlap="greedy")),
        y=alt.Y("amount:Q", title=YUAN, axis=wan_axis()),
        color=alt.Color("form:N", title=None, scale=alt.Scale(domain=list(FORMS.values()), range=[RED, PALETTE[1]])),
        tooltip=[alt.Tooltip("month:O", title="月份"), alt.Tooltip("form:N", title="类别"),
                 alt.Tooltip("amount:Q", title=AMOUNT, format=",.1f")],
    )
    return style((base.mark_line(strokeWidth=2) + base.mark_point(filled=True, size=25)).properties(height=240))


def project_chart(df: pd.DataFrame, top: int = 10) -> alt.Chart:
    """The projects that received the most money (善款), with their in-kind value stacked after it and the total
    at the end of each bar."""
    head = df.head(top)
    order = list(head["project"])
    part = head.melt("project", ["money", "in_kind"], var_name="form", value_name="amount")
    part["form_order"] = part["form"].map({"money": 0, "in_kind": 1})
    part["form"] = part["form"].map(FORMS)
    y = alt.Y("project:N", title=None, sort=order, axis=alt.Axis(labelLimit=200, labelOverlap=False))
    bars = alt.Chart(part).mark_bar().encode(
        y=y, x=alt.X("amount:Q", title=YUAN, stack="zero", axis=wan_axis()),
        order=alt.Order("form_order:Q"),
        color=alt.Color("form:N", title=None, scale=alt.Scale(domain=list(FORMS.values()), range=[RED, PALETTE[1]])),
        tooltip=[alt.Tooltip("project:N", title="项目"), alt.Tooltip("form:N", title="类别"),
                 alt.Tooltip("amount:Q", title=AMOUNT, format=",.1f")],
    )
    totals = head.assign(total=head["money"] + head["in_kind"])[["project", "total"]]
    text = alt.Chart(totals).mark_text(align="left", dx=4, fontSize=12).encode(
        y=y, x="total:Q", text=alt.Text("total:Q", format=",.0f"))
    # The height holds the axis and the legend too (the chart is fitted to the column): 110 px for those, 30 a bar.
    return style((bars + text).properties(height=110 + 30 * max(len(head), 1)))

