"""Print the script-src of deploy/nginx.conf's Content-Security-Policy for the installed Streamlit and this app.

    python tools/csp_hashes.py

The policy allows exactly these inline scripts, by their SHA-256: the frontend's own (in streamlit/static/index.html,
which changes with Streamlit releases), the login cookie script (components/page.py COOKIE_SCRIPT), the 大屏's
count-up (components/screen/big_screen.py COUNT_UP_JS) and the 工作简报's print button (components/screen/brief.py
PRINT_JS). No script of the app holds a value (they read data- attributes), so each hash is fixed. After upgrading
Streamlit or changing one of them, put the printed line into deploy/nginx.conf (and
/etc/nginx/sites-available/wushe) and reload nginx; tests/test_deploy.py fails until they agree.
"""

from __future__ import annotations

import base64
import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sha256_source(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


def frontend_inline_scripts() -> list[str]:
    import streamlit

    index = (Path(streamlit.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    return re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", index, re.S)


def script_src() -> list[str]:
    """The sources of script-src: Streamlit's own files, WebAssembly (protobuf's long.js), the inline scripts."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return ["'self'", "'wasm-unsafe-eval'", *(sha256_source(s) for s in frontend_inline_scripts()),
            *(sha256_source(s) for s in app_inline_scripts())]


def app_inline_scripts() -> list[str]:
    """The app's own inline scripts (st.html with unsafe_allow_javascript): each a constant."""
    from components.page import COOKIE_SCRIPT
    from components.screen.big_screen import COUNT_UP_JS
    from components.screen.brief import PRINT_JS

    return [COOKIE_SCRIPT, COUNT_UP_JS, PRINT_JS]


if __name__ == "__main__":
    print("script-src " + " ".join(script_src()))
