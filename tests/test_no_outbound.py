"""No request beyond this machine (DESIGN.md §13, issue 14): `streamlit run app.py` with nothing but
.streamlit/config.toml (no --server.address, no STREAMLIT_* variables) touches no outside address.

An audit hook (sys.addaudithook, from a sitecustomize.py put first on PYTHONPATH) records in the server process
every socket connect / sendto target, every name lookup and every urllib request, from start-up through a login
and page views in Chromium. Without `browser.serverAddress` in the config file, Streamlit in headless mode looks up
checkip.amazonaws.com and opens a UDP socket towards 8.8.8.8 at start-up; this test then fails.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.deploy_helpers import audit_records, install_net_audit, is_local_target, streamlit_server
from tests.test_browser import (  # noqa: F401  (browser and open_context are fixtures used by name)
    Server,
    browser,
    log_in,
    open_context,
    sidebar,
    wait_idle,
)
from tests.ui_helpers import copy_database

pytestmark = pytest.mark.browser

AUDIT: dict[str, object] = {}


@pytest.fixture(scope="module")
def server(demo_template, tmp_path_factory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("no-outbound")
    db = copy_database(demo_template, tmp / "demo.db")
    site, log = install_net_audit(tmp)
    AUDIT["log"] = log
    with streamlit_server(tmp, f"sqlite:///{db}", pythonpath=site, env={"WUSHE_NET_AUDIT_LOG": str(log)}) as srv:
        yield srv


def test_server_and_browser_stay_on_this_machine(server, open_context):  # noqa: F811 (a fixture)
    ctx, guard = open_context()
    page = ctx.new_page()
    log_in(page, server.url, "demo_leader")
    sidebar(page).get_by_role("link", name="社区画像").click()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    wait_idle(page)
    guard.assert_local()

    records = audit_records(AUDIT["log"])
    assert {"event": "socket.getaddrinfo", "target": ["localhost", 9]} in records, (
        f"the audit hook did not run in the server process: {records[:5]}")
    assert not [r for r in records if r["event"] == "audit-error"], records
    outside = [r for r in records if r["event"] != "subprocess.Popen" and not is_local_target(r["target"])]
    assert not outside, f"the server touched addresses beyond this machine: {outside}"
    spawned = [r for r in records if r["event"] == "subprocess.Popen"]
    assert not spawned, f"the server started programs: {spawned}"
