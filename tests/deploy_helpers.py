"""The app as it is deployed, for the deployment tests: ``streamlit run app.py`` as its own process (optionally
with an audit hook that records every network address it touches), nginx in front of it (deploy/nginx.conf),
and a private PostgreSQL cluster that a test may stop and start.

The browser side (Chromium, the local-only request guard, logging in) is tests/test_browser.py's.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.test_browser import VIEWPORT, LocalOnly, Server, _free_port, _wait_healthy
from tests.ui_helpers import ROOT

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEPLOY_NGINX_CONF = ROOT / "deploy" / "nginx.conf"


# ------------------------------------------------------------------------------------------ app servers


def stop_process(*procs: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    """Stop processes started in their own sessions (each whole group: our own children only), all at once."""
    running = [p for p in procs if p.poll() is None]
    for proc in running:
        os.killpg(proc.pid, sig)
    deadline = time.monotonic() + timeout
    for proc in running:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def start_streamlit(tmp: Path, database_url: str, *, name: str = "server", port: int | None = None,
                    env: dict[str, str] | None = None, args: tuple[str, ...] = (),
                    pythonpath: Path | None = None) -> tuple[subprocess.Popen, Server]:
    """Start ``streamlit run app.py`` from the project root and return at once (see ``wait_ready``).

    Only the command line below and .streamlit/config.toml configure Streamlit: every STREAMLIT_* variable of
    the test's environment is dropped, so that the tests see the configuration a real installation has.
    """
    port = port or _free_port()
    db_path = Path(database_url.split("///", 1)[1]) if database_url.startswith("sqlite") else Path(os.devnull)
    srv = Server(f"http://127.0.0.1:{port}", port, db_path, tmp / f"{name}.log")
    # The test suite's WUSHE_DEBUG_ERRORS (conftest.py) would show exception elements: a real server has none.
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_") and k != "WUSHE_DEBUG_ERRORS"}
    full_env.update({"DATABASE_URL": database_url, "LOAD_DEMO": "true", "LIVE_REFRESH_SECONDS": "0"})
    full_env.update(env or {})
    if pythonpath is not None:
        full_env["PYTHONPATH"] = os.pathsep.join(p for p in (str(pythonpath), os.environ.get("PYTHONPATH")) if p)
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), *args]
    with srv.log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    return proc, srv


def wait_ready(proc: subprocess.Popen, srv: Server, timeout: float = 90) -> None:
    _wait_healthy(proc, srv, timeout)


@contextmanager
def streamlit_server(tmp: Path, database_url: str, **kwargs) -> Iterator[Server]:
    """A running ``streamlit run app.py`` (healthy), stopped at the end."""
    proc, srv = start_streamlit(tmp, database_url, **kwargs)
    try:
        wait_ready(proc, srv)
        yield srv
    finally:
        stop_process(proc)


def guarded_context(browser, port: int, **options):
    """A browser context whose every request is guarded (tests/test_browser.py LocalOnly): only ``port`` on
    localhost is reached, anything else is aborted and recorded. Returns (context, guard)."""
    guard = LocalOnly(port)
    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai",
                              service_workers="block", **options)
    ctx.route("**/*", guard.route)
    ctx.route_web_socket(re.compile(r".*"), guard.route_ws)
    ctx.on("request", guard.on_request)
    ctx.set_default_timeout(30_000)
    return ctx, guard


# ------------------------------------------------------------------------------------------ network audit

# Put first on PYTHONPATH, this runs in the server process before Streamlit is imported: every socket address
# the process connects or sends to, every name it resolves and every URL urllib opens, one JSON line each.
_SITECUSTOMIZE = '''
import json, os, sys, threading

_path = os.environ.get("WUSHE_NET_AUDIT_LOG")
_lock = threading.Lock()
_EVENTS = {"socket.connect": 1, "socket.sendto": 1, "socket.sendmsg": 1, "socket.getaddrinfo": 0,
           "socket.gethostbyname": 0, "socket.gethostbyname_ex": 0, "socket.gethostbyaddr": 0,
           "urllib.Request": 0, "subprocess.Popen": 0}


def _hook(event, args):
    where = _EVENTS.get(event)
    if where is None or not _path:
        return
    try:
        target = args[where]
        if event == "socket.getaddrinfo":
            target = [args[0], args[1]]
        elif isinstance(target, bytes):
            target = target.decode("latin-1")
        elif isinstance(target, tuple):
            target = list(target[:2])
        elif not isinstance(target, (str, int, type(None))):
            target = str(target)
        line = json.dumps({"event": event, "target": target}, default=str)
        with _lock, open(_path, "a", encoding="utf-8") as f:
            f.write(line + "\\n")
    except Exception as exc:  # never break the server; but say so in the log
        with _lock, open(_path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"event": "audit-error", "target": repr(exc)}) + "\\n")


if _path:
    sys.addaudithook(_hook)
    # Proof that the hook is live in this process: this look-up must appear in the log.
    import socket
    socket.getaddrinfo("localhost", 9, type=socket.SOCK_STREAM)
'''


def install_net_audit(tmp: Path) -> tuple[Path, Path]:
    """A directory to put first on PYTHONPATH (its sitecustomize installs the hook) and the log it writes."""
    site = tmp / "net-audit"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(_SITECUSTOMIZE, encoding="utf-8")
    return site, tmp / "net-audit.jsonl"


def audit_records(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]


def is_local_target(target, extra_hosts: frozenset[str] = frozenset()) -> bool:
    """True for an address on this machine: loopback, the wildcard a server binds to, localhost, a Unix socket
    path, or one of ``extra_hosts`` (e.g. the PostgreSQL server in use)."""
    if isinstance(target, list):
        host = target[0] if target else None
    elif isinstance(target, str) and "://" in target:  # a URL (urllib)
        host = urlparse(target).hostname
    else:
        host = target
    if host is None or host in ("", "localhost", "localhost.localdomain") or host in extra_hosts:
        return True
    if isinstance(host, int):  # getaddrinfo(port-only) never happens; a bare int is no address
        return False
    if isinstance(host, str) and host.startswith("/"):  # AF_UNIX
        return True
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


# ------------------------------------------------------------------------------------------ nginx

# The lines of deploy/nginx.conf that a test replaces (each must occur as spelled, so an edit of the file that
# the test would no longer follow fails loudly instead of testing something else).
_SERVER_NAME = "server_name dashboard.example.gov.cn;"
_UPSTREAM = "server 127.0.0.1:8501;"
_CERT = "ssl_certificate     /etc/ssl/wushe/fullchain.pem;"
_KEY = "ssl_certificate_key /etc/ssl/wushe/privkey.pem;"


@dataclass
class Proxy:
    url: str          # https://127.0.0.1:<port>
    port: int
    http_url: str     # the plain-HTTP listener (redirects)
    conf: Path
    error_log: Path
    access_log: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.error_log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no nginx error log)"


def self_signed_cert(tmp: Path) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed (apt-get install openssl): the proxy test serves HTTPS")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def render_site(upstreams: list[int], https_port: int, http_port: int, cert: Path, key: Path) -> str:
    """deploy/nginx.conf with the test's ports, host name, certificate and upstream servers."""
    text = DEPLOY_NGINX_CONF.read_text(encoding="utf-8")
    expected = {_SERVER_NAME: 2, _UPSTREAM: 1, _CERT: 1, _KEY: 1, "listen 443 ssl http2;": 1,
                "listen [::]:443 ssl http2;": 1, "listen 80;": 1, "listen [::]:80;": 1}
    for line, count in expected.items():
        found = len(re.findall(re.escape(line), text))
        assert found == count, f"deploy/nginx.conf: expected {count}× {line!r}, found {found}"
    text = text.replace(_SERVER_NAME, "server_name 127.0.0.1 localhost;")
    text = text.replace(_UPSTREAM, "\n    ".join(f"server 127.0.0.1:{p};" for p in upstreams))
    text = text.replace(_CERT, f"ssl_certificate {cert};").replace(_KEY, f"ssl_certificate_key {key};")
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    text = text.replace("listen [::]:443 ssl http2;", "")
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};").replace("listen [::]:80;", "")
    return text


_MAIN_CONF = """
daemon off;
master_process on;
worker_processes 1;
{user}
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
"""


@contextmanager
def nginx_proxy(tmp: Path, upstreams: list[int]) -> Iterator[Proxy]:
    """nginx as this test's own process: its own config, pid file and logs in ``tmp``, free ports."""
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (apt-get install nginx): the reverse-proxy test needs it")
    tmp.mkdir(parents=True, exist_ok=True)
    cert, key = self_signed_cert(tmp)
    https_port, http_port = _free_port(), _free_port()
    (tmp / "site.conf").write_text(render_site(upstreams, https_port, http_port, cert, key), encoding="utf-8")
    # Running as root, nginx would hand its workers to an unprivileged user who cannot enter pytest's 0700
    # temporary directory; the workers stay root here (a test process, bound to 127.0.0.1 only).
    user = "user root;" if os.geteuid() == 0 else ""
    conf = tmp / "nginx.conf"
    conf.write_text(_MAIN_CONF.format(tmp=tmp, user=user), encoding="utf-8")
    # -e: the start-up error log too is ours (not /var/log/nginx, which a non-root test could not open).
    base_cmd = [NGINX, "-c", str(conf), "-p", str(tmp), "-e", str(tmp / "error.log")]
    check = subprocess.run([*base_cmd, "-t", "-q"], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, f"nginx -t refused deploy/nginx.conf:\n{check.stderr}"
    proxy = Proxy(f"https://127.0.0.1:{https_port}", https_port, f"http://127.0.0.1:{http_port}", conf,
                  tmp / "error.log", tmp / "access.log")
    proc = subprocess.Popen(base_cmd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                pytest.fail(f"nginx exited with {proc.returncode}:\n{proxy.log_tail()}")
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"nginx did not listen within 20 s:\n{proxy.log_tail()}")
            time.sleep(0.05)  # polling a port: there is nothing to wait on
        yield proxy
    finally:
        stop_process(proc, sig=signal.SIGQUIT)  # graceful shutdown of our own nginx (its master and workers)


# ------------------------------------------------------------------------------------------ PostgreSQL


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
                   if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


@dataclass
class PgCluster:
    """A PostgreSQL cluster of the test's own (initdb into a temporary directory, a free port, trust auth)."""

    bin: Path
    data: Path
    port: int
    log: Path
    run_as: list[str]

    def _ctl(self, *args: str, timeout: float = 60) -> None:
        cmd = [*self.run_as, str(self.bin / "pg_ctl"), "-D", str(self.data), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"pg_ctl {' '.join(args)} failed:\n{done.stdout}{done.stderr}\n{self.log_tail()}"

    def start(self) -> None:
        self._ctl("start", "-w", "-t", "60", "-l", str(self.log),
                  "-o", f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=on")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("stop", "-w", "-t", "60", "-m", mode)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no PostgreSQL log)"


@contextmanager
def private_postgres() -> Iterator[PgCluster]:
    """initdb + pg_ctl from /usr/lib/postgresql/*/bin into a new temporary directory; stopped at the end.

    initdb refuses to run as root: then the cluster belongs to the ``postgres`` system user (runuser).
    """
    pg_bin = _pg_bin()
    if pg_bin is None:
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    run_as: list[str] = []
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        try:
            import pwd

            pg_user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a 'postgres' system user: initdb refuses root")
        if runuser is None:
            pytest.skip("running as root without runuser: initdb refuses root")
        run_as = [runuser, "-u", "postgres", "--"]
    # Outside pytest's private (0700) temporary tree, so that the postgres user can enter it; removed at the end.
    base = Path(tempfile.mkdtemp(prefix="wushe-pg-"))
    cluster: PgCluster | None = None
    try:
        if run_as:
            os.chown(base, pg_user.pw_uid, pg_user.pw_gid)
        data = base / "data"
        done = subprocess.run([*run_as, str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                               "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, f"initdb failed:\n{done.stdout}{done.stderr}"
        cluster = PgCluster(pg_bin, data, _free_port(), base / "postgres.log", run_as)
        cluster.start()
        yield cluster
    finally:
        if cluster is not None:
            try:
                cluster.stop("immediate")
            except AssertionError:
                pass  # already stopped (by the test, or it never started)
        shutil.rmtree(base, ignore_errors=True)
