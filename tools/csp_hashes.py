"""Print the script-src of deploy/nginx.conf's Content-Security-Policy for the installed Streamlit and this app.

    python tools/csp_hashes.py

The policy allows exactly two inline scripts, by their SHA-256: the frontend's own (in streamlit/static/index.html,
which changes with Streamlit releases) and the login cookie script (components/page.py COOKIE_SCRIPT). After
upgrading Streamlit or changing that script, put the printed line into deploy/nginx.conf (and
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
    from components.page import COOKIE_SCRIPT

    return ["'self'", "'wasm-unsafe-eval'", *(sha256_source(s) for s in frontend_inline_scripts()),
            sha256_source(COOKIE_SCRIPT)]


if __name__ == "__main__":
    print("script-src " + " ".join(script_src()))
