"""components.filters.segments: a single-choice segmented control keeps its choice when the chosen segment is clicked
again (Streamlit's own toggles it off: nothing highlighted, the page silently back on the default). Every
single-choice segmented control of the app goes through it (时段, 排序依据, 证明时段, 录入内容, 维护内容)."""

from __future__ import annotations

import ast
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def _script():
    import streamlit as st

    from components.filters import segments

    chosen = segments(st, "时段", ["month", "year", "all"], "year", "k", {"month": "本月", "year": "本年", "all": "累计"}.get)
    st.markdown(f"chosen={chosen}")


def test_clicking_the_chosen_segment_again_keeps_it():
    at = AppTest.from_function(_script)
    at.run()
    assert at.markdown[0].value == "chosen=year" and at.button_group[0].value == "year"
    at.button_group[0].set_value("month").run()
    assert at.markdown[0].value == "chosen=month"
    at.button_group[0].set_value(None).run()  # what a click on the chosen segment sends
    assert at.markdown[0].value == "chosen=month" and at.button_group[0].value == "month"
    at.button_group[0].set_value(None).run()
    assert at.button_group[0].value == "month"


def test_the_default_stays_chosen_when_clicked_first():
    at = AppTest.from_function(_script)
    at.run()
    at.button_group[0].set_value(None).run()
    assert at.markdown[0].value == "chosen=year" and at.button_group[0].value == "year"


def test_no_segmented_control_is_made_elsewhere():
    found = []
    for path in sorted([*ROOT.glob("components/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "segmented_control":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert len(found) == 1 and found[0].startswith("components/filters.py:"), found
