"""The big screen's dark theme: CSS injected on the 大屏 page only (never on other pages), local fonts only.

Designed for a 1920×1080 projector, in relative units: every size is in rem, and the page's root font size follows
the screen (16 px at 1920×1080, 10.7 px at 1280×720, 32 px at 3840×2160: the smaller of width ÷ 120 and height ÷ 67.5),
so the layout keeps its proportions on any 16:9 screen and nothing is cut off; the charts fill containers sized in
rem. Figures are 48 px and captions ≥ 16 px at 1920 (no grey 12 px text).
"""

from __future__ import annotations

import re

FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
BG = "#050E22"
PANEL = "rgba(13, 38, 80, 0.62)"
EDGE = "rgba(79, 179, 255, 0.35)"
TEXT = "#E6F1FF"
MUTED = "#A9C3E6"  # secondary text: light enough on the dark ground to read from the back of a room
ACCENT = "#4FB3FF"
GOLD = "#FFC857"
UP, DOWN = "#5EE6A8", "#FF8A8A"

CSS = f"""
<style>
/* One rem is 16 px at 1920×1080 and scales with the screen (relative units everywhere below). */
html {{ font-size: min(calc(100vw / 120), calc(100vh / 67.5)) !important; }}
html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {{
  background: radial-gradient(ellipse at 50% 0%, #0D2A57 0%, {BG} 62%) fixed !important;
  color: {TEXT}; font-family: {FONT};
}}
[data-testid="stHeader"] {{ background: transparent !important; }}
[data-testid="stMainBlockContainer"], .block-container {{
  padding: 10px 18px 8px 18px !important; max-width: 100% !important;
}}
[data-testid="stMain"] [data-testid="stVerticalBlock"] {{ gap: 10px; }}
[data-testid="stMain"] [data-testid="stHorizontalBlock"] {{ gap: 12px; }}
[data-testid="stMain"] p, [data-testid="stMain"] span, [data-testid="stMain"] div {{ font-family: {FONT}; }}
.ws-panel, .st-key-ws_map, .st-key-ws_trend {{
  background: {PANEL}; border: 1px solid {EDGE}; border-radius: 8px;
  box-shadow: inset 0 0 28px rgba(40, 120, 255, 0.16);
}}
.ws-panel {{ padding: 10px 16px 12px 16px; overflow: hidden; }}
.st-key-ws_map, .st-key-ws_trend {{ padding: 10px 12px 6px 12px; display: flex; flex-direction: column; }}
.st-key-ws_map {{ height: 468px; }}
.st-key-ws_trend {{ height: 346px; }}
.ws-title {{ font-size: 22px; font-weight: 700; color: {ACCENT}; border-left: 5px solid {ACCENT};
  padding-left: 10px; margin: 0 0 8px 0; line-height: 1.3; display: flex; justify-content: space-between; }}
.ws-title small {{ font-size: 16px; color: {MUTED}; font-weight: 400; }}
.ws-header {{ display: flex; align-items: center; justify-content: space-between; height: 56px;
  border-bottom: 2px solid {EDGE}; padding: 0 6px; }}
.ws-header h1 {{ font-size: 34px; margin: 0; padding: 0; color: {TEXT}; letter-spacing: 4px; font-weight: 800;
  text-shadow: 0 0 18px rgba(79, 179, 255, 0.55); }}
.ws-header .ws-side {{ font-size: 18px; color: {MUTED}; min-width: 30%; }}
.ws-header .ws-side.right {{ text-align: right; }}
.ws-header .ws-place {{ color: {GOLD}; font-size: 24px; font-weight: 700; }}
.ws-demo {{ display: inline-block; margin-left: 10px; padding: 1px 10px; border: 1px solid {GOLD}; color: {GOLD};
  border-radius: 12px; font-size: 16px; }}
.ws-figs {{ display: grid; grid-template-columns: repeat(6, 1fr); gap: 12px; }}
.ws-fig {{ background: {PANEL}; border: 1px solid {EDGE}; border-radius: 8px; padding: 10px 16px; height: 132px;
  box-sizing: border-box; box-shadow: inset 0 0 28px rgba(40, 120, 255, 0.16); overflow: hidden; }}
.ws-fig-label {{ font-size: 20px; color: {MUTED}; white-space: nowrap; line-height: 1.35; }}
.ws-fig-value {{ font-size: 48px; font-weight: 800; color: {TEXT}; line-height: 1.15; white-space: nowrap;
  font-variant-numeric: tabular-nums; text-shadow: 0 0 14px rgba(79, 179, 255, 0.45); }}
.ws-fig-value .ws-unit {{ font-size: 20px; color: {MUTED}; font-weight: 400; margin-left: 6px; }}
.ws-fig-change {{ font-size: 17px; color: {MUTED}; white-space: nowrap; line-height: 1.4; }}
.ws-up {{ color: {UP}; }} .ws-down {{ color: {DOWN}; }}
.ws-bars {{ display: grid; grid-template-columns: 5.2em 1fr 4.2em; gap: 8px 10px; align-items: center;
  font-size: 19px; }}
.ws-bar {{ height: 16px; border-radius: 8px; background: rgba(79, 179, 255, 0.12); overflow: hidden; }}
.ws-bar > i {{ display: block; height: 100%; border-radius: 8px;
  background: linear-gradient(90deg, #2F7DF6, {ACCENT}); }}
.ws-num {{ text-align: right; font-variant-numeric: tabular-nums; color: {TEXT}; }}
.ws-note {{ font-size: 16px; color: {MUTED}; line-height: 1.45; margin-top: 8px; }}
.ws-rank {{ width: 100%; border-collapse: collapse; font-size: 18px; }}
.ws-rank th {{ font-size: 16px; color: {MUTED}; font-weight: 400; text-align: center; padding: 2px 4px;
  white-space: nowrap;
  border-bottom: 1px solid {EDGE}; }}
.ws-rank td {{ padding: 4px 4px; text-align: center; border-bottom: 1px solid rgba(79, 179, 255, 0.10);
  white-space: nowrap; }}
.ws-rank td.name {{ text-align: left; max-width: 7.5em; overflow: hidden; text-overflow: ellipsis; }}
.ws-rank td.idx {{ color: {GOLD}; font-weight: 700; font-size: 20px; }}
.ws-rank td.share {{ font-variant-numeric: tabular-nums; }}
.ws-rank td.weak {{ color: {DOWN}; font-size: 16px; }}
.ws-latest {{ height: 430px; overflow: hidden; position: relative; }}
.ws-latest ul {{ list-style: none; margin: 0; padding: 0; }}
.ws-latest.moving ul {{ animation: ws-scroll var(--ws-duration, 40s) linear infinite; }}
.ws-latest li {{ display: grid; grid-template-columns: 3.4em 1fr 6.2em 4.6em; gap: 8px; font-size: 18px;
  padding: 7px 2px; border-bottom: 1px dashed rgba(79, 179, 255, 0.18); }}
.ws-latest li span {{ white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
.ws-latest li .day {{ color: {ACCENT}; font-variant-numeric: tabular-nums; }}
.ws-latest li .place {{ color: {MUTED}; }}
.ws-latest li .served {{ text-align: right; color: {GOLD}; font-variant-numeric: tabular-nums; }}
@keyframes ws-scroll {{ from {{ transform: translateY(0); }} to {{ transform: translateY(-50%); }} }}
@media (prefers-reduced-motion: reduce) {{ .ws-latest.moving ul {{ animation: none; }} }}
.ws-mini {{ display: grid; grid-template-columns: repeat(2, 1fr); gap: 12px 16px; }}
.ws-mini div.cell {{ background: rgba(79, 179, 255, 0.08); border-radius: 6px; padding: 10px 12px; }}
.ws-mini .label {{ font-size: 18px; color: {MUTED}; }}
.ws-mini .value {{ font-size: 38px; font-weight: 800; color: {TEXT}; line-height: 1.2;
  font-variant-numeric: tabular-nums; }}
.ws-mini .value small {{ font-size: 18px; color: {MUTED}; font-weight: 400; margin-left: 4px; }}
.ws-dots {{ font-size: 16px; color: {MUTED}; letter-spacing: 4px; }}
.ws-dots b {{ color: {ACCENT}; }}
.ws-empty {{ font-size: 20px; color: {MUTED}; padding: 24px 8px; text-align: center; }}
.ws-caption {{ font-size: 16px; color: {MUTED}; margin: 2px 0 0 4px; }}
.st-key-ws_sr_title {{ position: absolute !important; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }}
[data-testid="stMain"] [data-testid="stAlert"] p {{ font-size: 20px; }}
</style>
"""


def _rem(match: re.Match[str]) -> str:
    px = float(match.group(1))
    return match.group(0) if px <= 1 else f"{px / 16:g}rem"


# Every size above is written in px at 1920×1080 for readability and served in rem (1 px borders stay 1 px).
CSS = re.sub(r"(?<![\w.])(\d+(?:\.\d+)?)px", _rem, CSS)
