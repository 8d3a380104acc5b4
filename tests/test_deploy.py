"""The reverse proxy of docs/DEPLOY.md, tested: nginx with deploy/nginx.conf (its ports, host name, certificate and
upstream replaced; see tests/deploy_helpers.py) in front of `streamlit run app.py` on a demo database, over HTTPS
with a throw-away self-signed certificate.

Checked: the security headers on `/` (and on errors), the plain-HTTP redirect, the internal endpoints refused,
health still passing, foreign origins and rebound host names refused, the upload cap, the HttpOnly login cookie
endpoint, and in Chromium a login through the proxy that renders the overview's KPI tiles over the proxied
websocket, every page of a staff user with no Content-Security-Policy violation and no request beyond the proxy,
and a logout that clears the cookie.
"""

from __future__ import annotations

import base64
import http.client
import re
import socket
import ssl
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from components.page import COOKIE, COOKIE_SCRIPT
from db.settings import Settings
from tests.deploy_helpers import Proxy, guarded_context, nginx_proxy, streamlit_server
from tests.test_browser import (  # noqa: F401  (browser is a fixture used by name)
    Server,
    allowed_labels,
    browser,
    log_in,
    shot,
    sidebar,
    sync_api,
    tile_count,
    wait_idle,
)
from tests.ui_helpers import ROOT, copy_database
from tools.csp_hashes import script_src, sha256_source

expect = sync_api.expect

# The headers the proxy adds, exactly (docs/DEPLOY.md explains each).
EXPECTED_HEADERS = {
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
                          "midi=(), display-capture=(), browsing-topics=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000",
}
CSP_DIRECTIVES = {
    "default-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "worker-src": "'self' blob:",
    "frame-src": "'self'",
    "frame-ancestors": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}
# Streamlit's internal endpoints that the proxy refuses (each exists upstream; see test_internal_endpoints_...).
BLOCKED = ["/_stcore/metrics", "/_stcore/metrics?families=session_events", "/_stcore/metrics/",
           "/_stcore/%6Detrics", "/_stcore//metrics", "/_stcore/script-health-check", "/_stcore/agent/openapi.json",
           "/_stcore/agent/interact", "/_stcore/agent/mcp", "/auth/login", "/auth/logout", "/oauth2callback"]


@dataclass
class Stack:
    app: Server
    proxy: Proxy
    tls: ssl.SSLContext


@pytest.fixture(scope="module")
def stack(demo_template, tmp_path_factory) -> Iterator[Stack]:
    """The demo database, one app server bound to 127.0.0.1 (as docs/DEPLOY.md runs it) and nginx before it."""
    tmp = tmp_path_factory.mktemp("deploy")
    db = copy_database(demo_template, tmp / "demo.db")
    args = ("--server.address", "127.0.0.1", "--server.allowedHosts", "127.0.0.1")
    with streamlit_server(tmp, f"sqlite:///{db}", args=args) as app, \
            nginx_proxy(tmp / "nginx", [app.port]) as proxy:
        tls = ssl.create_default_context(cafile=str(tmp / "nginx" / "cert.pem"))
        yield Stack(app, proxy, tls)


def request(stack: Stack, path: str, method: str = "GET", headers: dict | None = None,
            via_proxy: bool = True) -> tuple[int, http.client.HTTPMessage, bytes]:
    if via_proxy:
        conn = http.client.HTTPSConnection("127.0.0.1", stack.proxy.port, context=stack.tls, timeout=30)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", stack.app.port, timeout=30)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def csp_of(headers: http.client.HTTPMessage) -> dict[str, str]:
    values = headers.get_all("Content-Security-Policy") or []
    assert len(values) == 1, f"expected one Content-Security-Policy header, got {values}"
    parts = [p.strip() for p in values[0].split(";") if p.strip()]
    return {p.split(" ", 1)[0]: p.split(" ", 1)[1] if " " in p else "" for p in parts}


# ------------------------------------------------------------------------------------------ HTTP


def test_security_headers_on_the_root(stack):
    status, headers, body = request(stack, "/")
    assert status == 200 and b'<div id="root">' in body or b"<noscript>" in body, body[:300]
    for name, value in EXPECTED_HEADERS.items():
        assert headers.get_all(name) == [value], f"{name}: {headers.get_all(name)}"
    assert headers["Server"] == "nginx", "the proxy names no version and hides the app server (uvicorn)"

    csp = csp_of(headers)
    for directive, value in CSP_DIRECTIVES.items():
        assert csp.get(directive) == value, f"CSP {directive}: {csp.get(directive)!r}"
    served = csp["script-src"].split()
    # Exactly Streamlit's own files, WebAssembly (protobuf's long.js) and the known inline scripts (Streamlit's own,
    # the login cookie, the 大屏's count-up, the 简报's print button), by hash: no 'unsafe-inline', no 'unsafe-eval'.
    wanted = script_src()
    assert len(wanted) == 6 and sha256_source(COOKIE_SCRIPT) in wanted
    assert sorted(served) == sorted(wanted), (
        f"script-src {served} != {wanted}: after a Streamlit upgrade or a change of components/page.py "
        "COOKIE_SCRIPT, COUNT_UP_JS or PRINT_JS, put the line `python tools/csp_hashes.py` prints into deploy/nginx.conf")

    # The sticky-session cookie is set once, HttpOnly and Secure.
    route = [c for c in headers.get_all("Set-Cookie") or [] if c.startswith("wushe_route=")]
    assert len(route) == 1 and route[0].endswith("; Path=/; HttpOnly; Secure; SameSite=Strict"), route
    status, headers, _ = request(stack, "/", headers={"Cookie": route[0].split(";", 1)[0]})
    assert status == 200 and not any(c.startswith("wushe_route=") for c in headers.get_all("Set-Cookie") or [])


def test_headers_also_on_errors_and_plain_http_redirects(stack):
    status, headers, _ = request(stack, "/_stcore/metrics")
    assert status == 404
    for name, value in EXPECTED_HEADERS.items():
        assert headers.get_all(name) == [value], f"{name} missing on a 404: {headers.get_all(name)}"

    conn = http.client.HTTPConnection("127.0.0.1", int(stack.proxy.http_url.rsplit(":", 1)[1]), timeout=30)
    try:
        conn.request("GET", "/anything?x=1")
        resp = conn.getresponse()
        assert resp.status == 301 and resp.headers["Location"] == "https://127.0.0.1/anything?x=1", resp.headers
    finally:
        conn.close()


def test_internal_endpoints_are_refused(stack):
    # They exist upstream: the app server itself answers them (it listens on 127.0.0.1 only).
    status, _, body = request(stack, "/_stcore/metrics", via_proxy=False)
    assert status == 200 and b"session_events" in body
    status, _, body = request(stack, "/_stcore/agent/openapi.json", via_proxy=False)
    assert status == 200 and b"openapi" in body
    for path in BLOCKED:
        for method in ("GET", "POST"):
            status, _, body = request(stack, path, method=method)
            assert status == 404, f"{method} {path} -> {status}"
            assert b"session_events" not in body and b"openapi" not in body


def test_the_login_cookie_is_set_by_the_proxy_only_for_a_token(stack):
    token = "WzEsMF0.aBcDeF.x-Y_z0123456789abcdefghij"  # the alphabet of itsdangerous tokens
    status, headers, _ = request(stack, "/_wushe/session", "POST",
                                 {"X-Wushe-Session": token, "X-Wushe-Max-Age": "28800"})
    assert status == 204
    assert f"{COOKIE}={token}; Path=/; Max-Age=28800; HttpOnly; Secure; SameSite=Strict" in (
        headers.get_all("Set-Cookie") or [])
    status, headers, _ = request(stack, "/_wushe/session", "POST", {"X-Wushe-Session": "logout",
                                                                     "X-Wushe-Max-Age": "0"})
    assert status == 204
    assert f"{COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict" in headers.get_all("Set-Cookie")

    refused = [("GET", {"X-Wushe-Session": token, "X-Wushe-Max-Age": "28800"}, 405),
               ("POST", {}, 400),
               ("POST", {"X-Wushe-Session": token}, 400),
               ("POST", {"X-Wushe-Session": token + "; Domain=evil.example", "X-Wushe-Max-Age": "28800"}, 400),
               ("POST", {"X-Wushe-Session": token, "X-Wushe-Max-Age": "1; Secure"}, 400),
               ("POST", {"X-Wushe-Session": token, "X-Wushe-Max-Age": "28800", "Origin": "https://evil.example"},
                403)]
    for method, hdrs, expected in refused:
        status, headers, _ = request(stack, "/_wushe/session", method, hdrs)
        assert status == expected, (method, hdrs, status)
        assert not any(c.startswith(f"{COOKIE}=") for c in headers.get_all("Set-Cookie") or []), hdrs


def test_health_and_host_config_still_answer(stack):
    status, headers, body = request(stack, "/_stcore/health")
    assert (status, body) == (200, b"ok")
    # Streamlit's XSRF cookie comes with it, made HTTPS-only and same-site-only by the proxy.
    xsrf = [c for c in headers.get_all("Set-Cookie") or [] if c.startswith("_streamlit_xsrf=")]
    assert len(xsrf) == 1 and "; Secure" in xsrf[0] and "SameSite=Strict" in xsrf[0] and "Lax" not in xsrf[0], xsrf
    status, _, body = request(stack, "/_stcore/host-config")
    assert status == 200 and b'"allowedOrigins":[]' in body, body  # client.allowedOrigins = [] in config.toml


def _ws_handshake(stack: Stack, origin: str | None, host: str = "127.0.0.1") -> str:
    """Open the websocket /_stcore/stream through the proxy; the response's status line."""
    key = base64.b64encode(b"wushe-deploy-key").decode()  # 16 bytes, as RFC 6455 asks
    lines = ["GET /_stcore/stream HTTP/1.1", f"Host: {host}:{stack.proxy.port}", "Upgrade: websocket",
             "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13",
             "Sec-WebSocket-Protocol: streamlit"]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", stack.proxy.port), timeout=30) as sock, \
            stack.tls.wrap_socket(sock, server_hostname="127.0.0.1") as tls:
        tls.sendall(raw)
        return tls.recv(4096).decode("latin-1").split("\r\n", 1)[0]


def test_websocket_upgrade_passes_for_this_site_only(stack):
    assert " 101 " in _ws_handshake(stack, f"https://127.0.0.1:{stack.proxy.port}")
    assert " 101 " in _ws_handshake(stack, None)
    assert " 403 " in _ws_handshake(stack, "https://evil.example")
    assert " 403 " in _ws_handshake(stack, f"http://127.0.0.1:{stack.proxy.port}")  # another scheme: another site


def test_websocket_refused_for_a_host_name_not_ours(stack):
    """DNS rebinding: a page of rebind.example whose name now points at this server is same-origin to itself,
    so the proxy's Origin check passes it; the app server's server.allowedHosts (docs/DEPLOY.md) refuses it."""
    origin = f"https://rebind.example:{stack.proxy.port}"
    status = _ws_handshake(stack, origin, host="rebind.example")
    assert " 101 " not in status and " 403 " in status, status


def test_upload_caps_are_in_step():
    """server.maxUploadSize is the largest upload, a backup to restore (BACKUP_UPLOAD_MAX_MB); every uploader passes
    its own cap (an import's is UPLOAD_MAX_MB), so nothing but a backup gets the large cap; the proxy's body limit
    sits 1 MB above it."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    settings = Settings()
    assert config["server"]["maxUploadSize"] == settings.backup_upload_max_mb > settings.upload_max_mb
    uploaders = [(path, call) for path in sorted((ROOT / "components").rglob("*.py"))
                 for call in re.findall(r"st\.file_uploader\((.*?)\)\n", path.read_text(encoding="utf-8"), re.S)]
    assert len(uploaders) >= 2, uploaders  # the import and the restore
    for path, call in uploaders:
        assert "max_upload_size=" in call, f"{path.name}: st.file_uploader without its own max_upload_size"
    nginx = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert re.findall(r"^\s*client_max_body_size (\d+)m;", nginx, re.M) == [str(settings.backup_upload_max_mb + 1)]


def test_bodies_above_the_upload_cap_are_refused(stack):
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    cap_mb = config["server"]["maxUploadSize"]
    assert cap_mb == Settings().backup_upload_max_mb, "server.maxUploadSize must equal backup_upload_max_mb"
    conn = http.client.HTTPSConnection("127.0.0.1", stack.proxy.port, context=stack.tls, timeout=30)
    try:
        conn.putrequest("PUT", "/_stcore/upload_file/session/file")
        conn.putheader("Content-Length", str((cap_mb + 2) * 1024 * 1024))
        conn.endheaders()
        assert conn.getresponse().status == 413  # refused on the announced size, before any body is read
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------ the browser

def _wait_cookie(ctx, name: str, present: bool = True, timeout: float = 15) -> dict:
    """The context's cookie ``name`` once it is there (or gone): the page sets it asynchronously."""
    deadline = time.monotonic() + timeout
    while True:
        found = {c["name"]: c for c in ctx.cookies()}.get(name)
        if (found is not None) == present:
            return found or {}
        assert time.monotonic() < deadline, f"cookie {name} {'never set' if present else 'never cleared'}"
        time.sleep(0.1)  # cookies have no event to wait on


CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
    e => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));
"""


@pytest.mark.browser
def test_login_through_the_proxy_renders_the_overview(stack, browser):  # noqa: F811 (a fixture)
    ctx, guard = guarded_context(browser, stack.proxy.port, ignore_https_errors=True)
    console: list[str] = []
    try:
        ctx.add_init_script(CSP_WATCH)
        page = ctx.new_page()
        page.on("console", lambda msg: console.append(msg.text))
        log_in(page, stack.proxy.url, "demo_staff")
        assert tile_count(page, "活动场次", "场") > 0
        shot(page, "proxy_overview.png")

        # The login cookie: set by the proxy at the hashed script's request, HttpOnly and Secure; a reload keeps
        # the login, and no script of the page can read it.
        session = _wait_cookie(ctx, COOKIE)
        assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Strict", session
        assert {c["name"]: c for c in ctx.cookies()}["wushe_route"]["httpOnly"]
        assert COOKIE not in page.evaluate("document.cookie")
        page.reload()
        page.locator('[data-testid="stMetric"]').first.wait_for()
        wait_idle(page)

        # A page with charts and the offline map draws under the CSP as well.
        sidebar(page).get_by_role("link", name="社区画像").click()
        charts = page.locator('[data-testid="stVegaLiteChart"]')
        charts.first.wait_for()
        wait_idle(page)
        expect(page.get_by_text("离线地图")).to_be_visible()
        expect(charts.first.locator("canvas, svg").first).to_be_visible()
        # Every other page the staff user may open (tables, forms, the data editor, maps) draws under it too; 大屏
        # last, as it opens with the sidebar collapsed (for the projector).
        for label in sorted(allowed_labels("demo_staff"), key=lambda name: name == "大屏"):
            if label in ("总览", "社区画像"):
                continue
            sidebar(page).get_by_role("link", name=label).click()
            expect(page.get_by_role("heading", name=label).first).to_be_visible()
            wait_idle(page)
            assert "意外错误" not in page.content(), f"{label} failed behind the proxy"
            if label == "工作简报":  # its print button runs under the CSP (a hashed script, no inline handler)
                page.locator("#ws-print[data-bound='1']").wait_for()  # the script ran
                page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
                page.get_by_role("button", name="打印简报").click()
                # (polled here: wait_for_function evaluates its predicate with eval, which the CSP refuses)
                for _ in range(50):
                    if page.evaluate("window.__printed") == 1:
                        break
                    page.wait_for_timeout(100)
                assert page.evaluate("window.__printed") == 1, "the print button did not print"
        shot(page, "proxy_last_page.png")
        page.goto(stack.proxy.url)  # back from 大屏 (its sidebar starts collapsed) to a page with the sidebar open
        page.locator('[data-testid="stMetric"]').first.wait_for()

        violations = page.evaluate("window.__cspViolations")
        # Logging out clears the HttpOnly cookie (through the proxy again): a reload shows the login form.
        sidebar(page).get_by_role("button", name="退出登录").click()
        page.get_by_label("密码").wait_for()
        _wait_cookie(ctx, COOKIE, present=False)
        page.reload()
        page.get_by_label("密码").wait_for()
        violations += page.evaluate("window.__cspViolations")
        refused = [m for m in console if "Content Security Policy" in m or "Refused to" in m]
        assert not violations and not refused, f"the CSP blocked part of the app: {violations} {refused}"
        guard.assert_local()
    except BaseException:
        for n, p in enumerate(ctx.pages):
            shot(p, f"failed_proxy_{n}.png")
        print(stack.proxy.log_tail())
        print(stack.app.log_tail())
        raise
    finally:
        ctx.close()
    streams = [line for line in stack.proxy.access_log.read_text().splitlines() if "/_stcore/stream" in line]
    assert any(" 101 " in line for line in streams), "the page's websocket did not go through the proxy"
