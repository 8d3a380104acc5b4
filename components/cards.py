"""Tiles: the one tile widget and the one grid every page draws figures with.

``figure_tiles`` draws figures of the registry (``db.figures``) by key: label, unit and help come from the
registry, values are formatted for Chinese readers, and a ``Change`` (value with its 环比/同比) shows its changes.
``tile_grid`` draws any other facts (a median, a count with a note) with the same look.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import streamlit as st

from components import fmt
from db import figures
from db.figures import Change


@dataclass(frozen=True)
class Tile:
    """One tile: a label, the value as text, its help, and an optional delta (shown coloured) and note."""

    label: str
    value: str
    help: str = ""
    delta: str | None = None
    note: str = ""
    detail_key: str | None = None  # a figure key: the tile offers 查看明细


def tile_grid(tiles: list[Tile], per_row: int = 5, height: int | None = None,
              on_detail: Callable[[str], None] | None = None) -> None:
    """Tiles ``per_row`` to a row, in order; ``on_detail(key)`` opens the records behind a tile."""
    if height is None:  # room for the label and value, a delta, a note, the 查看明细 button
        height = 118 + (44 if any(t.delta for t in tiles) else 0) + (24 if any(t.note for t in tiles) else 0) \
            + (40 if on_detail is not None else 0)
    for start in range(0, len(tiles), per_row):
        for col, tile in zip(st.columns(per_row), tiles[start:start + per_row], strict=False):
            with col.container(border=True, height=height):
                st.metric(tile.label, tile.value, help=tile.help or None, delta=tile.delta, delta_color="normal")
                if tile.note:
                    st.caption(tile.note)
                if on_detail is not None and tile.detail_key is not None and st.button(
                        "查看明细", key=f"detail_{tile.detail_key}", type="tertiary", icon=":material/table_view:"):
                    on_detail(tile.detail_key)


def figure_text(key: str, value: float | None) -> str:
    """A figure's value as text: 12.3万 for counts and sums, 98.2% for rates, — when undefined."""
    return fmt.percent(value) if figures.is_rate(key) else fmt.number(value)


def change_text(key: str, ratio: float | None, now: float | None, before: float | None) -> str:
    """环比/同比 text: +12.3% for counts; +1.2 个百分点 for rates; — when undefined."""
    if figures.is_rate(key):
        if now is None or before is None:
            return "—"
        return f"{(now - before) * 100:+.1f} 个百分点"
    return "—" if ratio is None else f"{ratio * 100:+.1f}%"


def figure_tile(key: str, value: float | Change | None, *, label: str | None = None, show_mom: bool = True,
                detail: bool = False) -> Tile:
    """The tile of a figure of the registry; a ``Change`` adds 环比 (the delta) and 同比 (the note).

    ``show_mom=False`` (本年, whose previous period is last year's) shows 同比 alone instead of twice."""
    name = label or figures.tile_label(key)
    help_text = figures.help_text(key)
    if not isinstance(value, Change):
        return Tile(name, figure_text(key, value), help_text, detail_key=key if detail else None)
    mom = change_text(key, value.mom, value.value, value.previous)
    yoy = change_text(key, value.yoy, value.value, value.last_year)
    first, first_label = (mom, "环比") if show_mom else (yoy, "同比")
    if show_mom:
        note = ("环比 —　" if mom == "—" else "") + f"同比 {yoy}"
    else:  # the delta already says 同比; only an undefined one needs saying
        note = "同比 —" if first == "—" else ""
    return Tile(name, figure_text(key, value.value), help_text,
                delta=None if first == "—" else f"{first} {first_label}", note=note,
                detail_key=key if detail else None)


def figure_tiles(values: Mapping[str, float | Change | None], per_row: int = 5, *,
                 labels: Mapping[str, str] | None = None, on_detail: Callable[[str], None] | None = None,
                 show_mom: bool = True, height: int | None = None) -> None:
    """A grid of figure tiles in the order of ``values`` (plain values or Changes); ``labels`` renames tiles."""
    labels = labels or {}
    tiles = [figure_tile(key, value, label=labels.get(key), show_mom=show_mom, detail=on_detail is not None)
             for key, value in values.items()]
    if height is None and any(isinstance(v, Change) for v in values.values()):
        # Tiles with changes keep room for a delta even where it is undefined (—), so rows line up.
        height = 118 + 44 + 24 + (40 if on_detail is not None else 0)
    tile_grid(tiles, per_row, height, on_detail)
