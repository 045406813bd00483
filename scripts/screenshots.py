# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Take the README's screenshots from a running server, in headless Chromium.

    python3 -m scripts.screenshots --url http://localhost:8069 --db crm_extension

It logs in over JSON-RPC, hands the session cookie to Chromium through the
DevTools protocol (websocket-client) and saves one PNG per page under
docs/screenshots/. Pages are Odoo client-action URLs; see PAGES.
"""

import argparse
import base64
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import websocket

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# clicks the closed group headers of a list (run twice: nested groups)
OPEN_GROUPS = (
    "document.querySelectorAll('.o_group_header:not(.o_group_open)')"
    ".forEach(g => g.click())"
)
# (file name, path relative to the server, what it shows[, script run once the
# page is shown]). ``{module.xml_id}`` in a path stands for that record's id.
PAGES = [
    (
        "feedback-kanban.png",
        "/odoo/action-crm_extension.action_customer_feedback",
        "customer feedback by state",
    ),
    (
        "dispatch-board.png",
        "/odoo/action-crm_extension.action_service_order_dispatch",
        "the dispatch board: visits by technician after auto-assign",
    ),
    (
        "routes-by-day.png",
        "/odoo/action-crm_extension.action_service_order_routes",
        "each technician's day, stop by stop, with travel and the day's km",
        OPEN_GROUPS,
        f"setTimeout(() => {{ {OPEN_GROUPS} }}, 1000)",
    ),
    (
        "service-orders.png",
        "/odoo/action-crm_extension.action_service_order?view_type=list",
        "service orders",
    ),
    (
        "sla-policies.png",
        "/odoo/action-crm_extension.action_service_sla_policy",
        "service-level policies",
    ),
    (
        "customer-analysis.png",
        "/odoo/action-crm_extension.action_customer_analysis",
        "customers by segment",
    ),
    (
        "service-order-parts.png",
        (
            "/odoo/action-crm_extension.action_service_order/"
            "{crm_extension.service_order_demo_1}"
        ),
        "a repair order with its parts and labour",
        "document.querySelector('.o_notebook a[name=parts]').click()",
    ),
    (
        "van-stock.png",
        "/odoo/action-crm_extension.action_service_van_stock",
        "what the technicians' vans hold",
    ),
]
XML_ID = re.compile(r"\{(\w+)\.(\w+)\}")


def free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def login(url, db, user, password):
    """A session id from /web/session/authenticate."""
    payload = json.dumps(
        {
            "jsonrpc": "2.0",
            "params": {"db": db, "login": user, "password": password},
        }
    ).encode()
    request = urllib.request.Request(
        f"{url}/web/session/authenticate",
        data=payload,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as resp:
        body = json.load(resp)
        cookie = resp.headers.get("Set-Cookie", "")
    if body.get("error"):
        raise SystemExit(f"login failed: {body['error']['data']['message']}")
    for part in cookie.split(";"):
        name, _sep, value = part.strip().partition("=")
        if name == "session_id":
            return value
    raise SystemExit("login failed: no session cookie")


def record_id(url, session, module, name):
    """The id of a record from its XML id (ir.model.data, over JSON-RPC)."""
    payload = json.dumps(
        {
            "jsonrpc": "2.0",
            "params": {
                "model": "ir.model.data",
                "method": "check_object_reference",
                "args": [module, name],
                "kwargs": {},
            },
        }
    ).encode()
    request = urllib.request.Request(
        f"{url}/web/dataset/call_kw",
        data=payload,
        headers={"Content-Type": "application/json", "Cookie": f"session_id={session}"},
    )
    with urllib.request.urlopen(request, timeout=60) as resp:
        body = json.load(resp)
    if body.get("error"):
        raise SystemExit(f"{module}.{name}: {body['error']['data']['message']}")
    return str(body["result"][1])


class Browser:
    def __init__(self, width, height):
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="crmext-shots-")
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if not chromium:
            raise SystemExit("chromium is missing: apt-get install chromium")
        self.proc = subprocess.Popen(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--window-size={width},{height}",
                f"--user-data-dir={self.profile}",
                f"--remote-debugging-port={self.port}",
                f"--remote-allow-origins=http://127.0.0.1:{self.port}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.ws = websocket.create_connection(self._page_ws(), timeout=60)
        self.msg_id = 0

    def _page_ws(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/json", timeout=5
                ) as resp,
            ):
                for target in json.load(resp):
                    if target.get("type") == "page":
                        return target["webSocketDebuggerUrl"]
            time.sleep(0.3)
        raise SystemExit("chromium did not start")

    def call(self, method, **params):
        self.msg_id += 1
        self.ws.send(
            json.dumps({"id": self.msg_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.msg_id:
                return message.get("result", {})

    def wait_for(self, selector, timeout):
        """Wait until ``selector`` is in the page and the network is quiet."""
        expression = (
            f"!!document.querySelector({json.dumps(selector)}) && "
            "!document.querySelector('.o_loading_indicator, .o_blockUI')"
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = self.call("Runtime.evaluate", expression=expression)
            if result.get("result", {}).get("value"):
                return True
            time.sleep(0.5)
        return False

    def close(self):
        with contextlib.suppress(Exception):
            self.ws.close()
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="crm_extension")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "screenshots"))
    parser.add_argument(
        "--wait", type=float, default=1.5, help="extra seconds once a page is shown"
    )
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    session = login(args.url, args.db, args.user, args.password)
    host = urllib.parse.urlparse(args.url).hostname
    browser = Browser(1400, 860)
    try:
        browser.call(
            "Network.setCookie",
            name="session_id",
            value=session,
            domain=host,
            path="/",
        )
        for name, path, _what, *script in PAGES:
            path = XML_ID.sub(
                lambda m: record_id(args.url, session, m.group(1), m.group(2)), path
            )
            browser.call("Page.navigate", url=args.url + path)
            if not browser.wait_for(".o_action_manager .o_view_controller", 90):
                print(f"warning: {path} did not finish loading")
            for expression in script:
                browser.call("Runtime.evaluate", expression=expression)
            time.sleep(args.wait)
            shot = browser.call("Page.captureScreenshot", format="png")
            with open(os.path.join(args.out, name), "wb") as fh:
                fh.write(base64.b64decode(shot["data"]))
            print(f"saved {os.path.relpath(os.path.join(args.out, name), ROOT)}")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
