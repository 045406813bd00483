# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Take the README's screenshots from a running server, in headless Chromium.

    python3 -m scripts.screenshots --url http://localhost:8069 --db crm_extension

It logs in over JSON-RPC as the admin and as the demo technician, hands the
session cookie to Chromium through the DevTools protocol (websocket-client)
and saves one PNG per page under docs/screenshots/: back-office screens at
1400x900, the technician's at phone size (390x844, mobile emulation). The
records shown are found by XML id or by search, never by database id; see
PAGES. A page that shows no record, sample data or an error is reported and
the command fails.
"""

import argparse
import base64
import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import websocket

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DESKTOP = {"width": 1400, "height": 900, "mobile": False}
PHONE = {"width": 390, "height": 844, "mobile": True}
# Odoo renders its small-screen UI for a narrow window; the user agent makes
# the widgets that ask for a mobile OS (touch, pickers) behave as on a phone
PHONE_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"
)
# clicks the closed group headers of a list (run twice: nested groups)
OPEN_GROUPS = (
    "document.querySelectorAll('.o_group_header:not(.o_group_open)')"
    ".forEach(g => g.click())"
)


def open_tab(name):
    """A script that opens the notebook page ``name`` and scrolls to it."""
    return (
        f"(() => {{ const tab = document.querySelector('.o_notebook a[name={name}]');"
        " tab.click(); tab.scrollIntoView({block: 'start'}); })()"
    )


# the demo technician's next visit (searched with the technician's rights)
TECHNICIAN_VISIT = {
    "model": "service.order",
    "domain": [("state", "in", ["scheduled", "in_progress"])],
    "order": "scheduled_start, id",
}
# What a page is shown with, besides ``name`` (the PNG), ``path`` (relative to
# the server) and ``what``:
#   record   the record whose id replaces ``{id}`` in the path: an XML id
#            tried first (``xml_id``), else the first of a search (``model``,
#            ``domain``, ``order``), else the commercial partner with the most
#            records of ``top`` (a model): no database id is written here,
#            so the pages follow the demo data when it changes
#   user     "admin" (--user) or "technician" (--tech-user); the record is
#            searched with that user's rights
#   device   DESKTOP (1400x900) or PHONE (390x844, mobile emulation)
#   ready    a selector that must be shown before the shot (by default the
#            view's first record); a page that shows sample data, the "no
#            record" helper or the login page is reported as failed
#   scripts  JavaScript run once the page is ready
PAGES = [
    {
        "name": "feedback-kanban.png",
        "path": "/odoo/action-crm_extension.action_customer_feedback",
        "what": "customer feedback by state",
    },
    {
        "name": "ticket-sla.png",
        "path": "/odoo/action-helpdesk_mgmt.helpdesk_ticket_action/{id}",
        "what": "a ticket's service level: status badge and deadlines",
        "record": {
            "model": "helpdesk.ticket",
            "domain": [("sla_policy_id", "!=", False), ("stage_id.closed", "=", False)],
            "order": "sla_deadline, id",
        },
        "ready": ".o_notebook a[name=sla]",
        "scripts": [open_tab("sla")],
    },
    {
        "name": "dispatch-board.png",
        "path": "/odoo/action-crm_extension.action_service_order_dispatch",
        "what": "the dispatch board: visits by technician after auto-assign",
        "ready": ".vis-item",
    },
    {
        "name": "dispatch-calendar.png",
        "path": "/odoo/action-crm_extension.action_service_order_dispatch"
        "?view_type=calendar",
        "what": "the week's visits in the calendar, by technician",
        "ready": ".fc-event",
    },
    {
        "name": "routes-by-day.png",
        "path": "/odoo/action-crm_extension.action_service_order_routes",
        "what": "each technician's day, stop by stop, with travel and the day's km",
        "ready": ".o_group_header",
        "scripts": [OPEN_GROUPS, f"setTimeout(() => {{ {OPEN_GROUPS} }}, 1000)"],
    },
    {
        "name": "service-orders.png",
        "path": "/odoo/action-crm_extension.action_service_order?view_type=list",
        "what": "service orders",
    },
    {
        "name": "service-order-parts.png",
        "path": "/odoo/action-crm_extension.action_service_order/{id}",
        "what": "a repair order with its parts and labour",
        "record": {
            "xml_id": "crm_extension.service_order_demo_1",
            "model": "service.order",
            "domain": [("line_ids", "!=", False)],
            "order": "id",
        },
        "ready": ".o_notebook a[name=parts]",
        "scripts": [open_tab("parts")],
    },
    {
        "name": "partner-360.png",
        "path": "/odoo/action-base.action_partner_form/{id}",
        "what": "a customer's Service & Loyalty tab: value, satisfaction, churn",
        "record": {"top": "service.order"},
        "ready": ".o_notebook a[name=service_loyalty]",
        "scripts": [open_tab("service_loyalty")],
    },
    {
        "name": "customer-analysis.png",
        "path": "/odoo/action-crm_extension.action_customer_analysis",
        "what": "customers by segment",
    },
    {
        "name": "equipment.png",
        "path": "/odoo/action-crm_extension.action_customer_equipment/{id}",
        "what": "an installed machine: serial, warranty, service history",
        "record": {
            "xml_id": "crm_extension.equipment_demo_boiler",
            "model": "customer.equipment",
            "domain": [],
            "order": "id",
        },
        "ready": ".o_form_view .o_form_sheet",
    },
    {
        "name": "returns.png",
        "path": "/odoo/action-crm_extension.action_service_return/{id}",
        "what": "a return: the lines taken back and what the customer gets",
        "record": {
            "model": "service.return",
            "domain": [("state", "!=", "cancelled")],
            "order": "id desc",
        },
        "ready": ".o_form_view .o_form_sheet",
    },
    {
        "name": "sla-policies.png",
        "path": "/odoo/action-crm_extension.action_service_sla_policy",
        "what": "service-level policies",
    },
    {
        "name": "van-stock.png",
        "path": "/odoo/action-crm_extension.action_service_van_stock",
        "what": "what the technicians' vans hold",
        # one group per van
        "ready": ".o_group_header",
        "scripts": [OPEN_GROUPS],
    },
    {
        "name": "solutions.png",
        "path": "/odoo/action-crm_extension.action_service_solution",
        "what": "the solutions knowledge base",
    },
    {
        "name": "technician-today-phone.png",
        "path": "/odoo/action-crm_extension.action_service_order_my_today",
        "what": "the technician's visits of the day, on a phone",
        "user": "technician",
        "device": PHONE,
    },
    {
        "name": "technician-order-phone.png",
        "path": "/odoo/action-crm_extension.action_service_order/{id}",
        "what": "the technician's visit on a phone, its actions opened: Start, "
        "Map, Day's Route",
        "user": "technician",
        "device": PHONE,
        "record": TECHNICIAN_VISIT,
        "ready": ".o_form_view .o_form_sheet",
        "scripts": ["document.querySelector('.o_cp_action_menus button').click()"],
    },
    {
        "name": "technician-signature-phone.png",
        "path": "/odoo/action-crm_extension.action_service_order/{id}",
        "what": "the customer signs the visit on the technician's phone",
        "user": "technician",
        "device": PHONE,
        "record": TECHNICIAN_VISIT,
        "ready": ".o_notebook a[name=signature]",
        "scripts": [open_tab("signature")],
    },
]
# the view shows records: not the login page, an error, sample data or the
# "nothing yet" helper
RECORDS_SHOWN = (
    ".o_action_manager .o_view_controller "
    ":is(.o_data_row, .o_kanban_record:not(.o_kanban_ghost), .o_pivot table)"
)
BAD_PAGE = (
    ".o_view_sample_data, .o_view_nocontent, .o_error_dialog, "
    ".oe_login_form, .o_notification.border-danger"
)


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
        raise SystemExit(f"login {user} failed: {body['error']['data']['message']}")
    for part in cookie.split(";"):
        name, _sep, value = part.strip().partition("=")
        if name == "session_id":
            return value
    raise SystemExit(f"login {user} failed: no session cookie")


def call_kw(url, session, model, method, *args, **kwargs):
    """One ORM call over JSON-RPC with the rights of ``session``."""
    payload = json.dumps(
        {
            "jsonrpc": "2.0",
            "params": {
                "model": model,
                "method": method,
                "args": list(args),
                "kwargs": kwargs,
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
        raise RuntimeError(f"{model}.{method}: {body['error']['data']['message']}")
    return body["result"]


def find_record(url, session, spec):
    """The id of the record ``spec`` names (see PAGES), or None."""
    if spec.get("xml_id"):
        module, name = spec["xml_id"].split(".")
        rows = call_kw(
            url,
            session,
            "ir.model.data",
            "search_read",
            [("module", "=", module), ("name", "=", name)],
            fields=["model", "res_id"],
        )
        if rows and call_kw(
            url, session, rows[0]["model"], "search", [("id", "=", rows[0]["res_id"])]
        ):
            return rows[0]["res_id"]
    if spec.get("top"):
        groups = call_kw(
            url,
            session,
            spec["top"],
            "read_group",
            [("commercial_partner_id", "!=", False)],
            ["commercial_partner_id"],
            ["commercial_partner_id"],
            lazy=True,
        )
        groups.sort(key=lambda g: -g["commercial_partner_id_count"])
        return groups[0]["commercial_partner_id"][0] if groups else None
    ids = call_kw(
        url,
        session,
        spec["model"],
        "search",
        spec["domain"],
        order=spec.get("order", "id"),
        limit=1,
    )
    return ids[0] if ids else None


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
        self.user_agent = self.call("Browser.getVersion")["userAgent"]

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

    def found(self, selector):
        result = self.call(
            "Runtime.evaluate",
            expression=f"!!document.querySelector({json.dumps(selector)})",
        )
        return bool(result.get("result", {}).get("value"))

    def emulate(self, device):
        """The viewport of ``device``; a phone also gets touch and a mobile
        user agent."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=device["width"],
            height=device["height"],
            deviceScaleFactor=1,
            mobile=device["mobile"],
        )
        self.call("Emulation.setTouchEmulationEnabled", enabled=device["mobile"])
        self.call(
            "Emulation.setUserAgentOverride",
            userAgent=PHONE_AGENT if device["mobile"] else self.user_agent,
        )

    def close(self):
        with contextlib.suppress(Exception):
            self.ws.close()
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def shoot(browser, args, sessions, page):
    """Save the PNG of ``page``; False when it does not show what it should."""
    session = sessions.get(page.get("user", "admin"))
    if not session:
        print(f"skipped {page['name']}: no {page['user']} user to log in")
        return False
    path = page["path"]
    if "record" in page:
        res_id = find_record(args.url, session, page["record"])
        if not res_id:
            print(f"skipped {page['name']}: no record for {page['record']}")
            return False
        path = path.format(id=res_id)
    browser.emulate(page.get("device", DESKTOP))
    browser.call(
        "Network.setCookie",
        name="session_id",
        value=session,
        domain=urllib.parse.urlparse(args.url).hostname,
        path="/",
    )
    browser.call("Page.navigate", url=args.url + path)
    ready = browser.wait_for(page.get("ready", RECORDS_SHOWN), 90)
    for expression in page.get("scripts", ()):
        browser.call("Runtime.evaluate", expression=expression)
    time.sleep(args.wait)
    browser.wait_for(".o_action_manager", 30)  # the scripts' reloads are done
    shot = browser.call("Page.captureScreenshot", format="png")
    with open(os.path.join(args.out, page["name"]), "wb") as fh:
        fh.write(base64.b64decode(shot["data"]))
    rel = os.path.relpath(os.path.join(args.out, page["name"]), ROOT)
    if not ready or browser.found(BAD_PAGE):
        print(f"FAILED {rel}: {path} does not show {page['what']}")
        return False
    print(f"saved {rel}: {page['what']}")
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="crm_extension")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--tech-user", default="technician")
    parser.add_argument("--tech-password", default="technician")
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "screenshots"))
    parser.add_argument(
        "--only", action="append", help="take this PNG only (repeatable)"
    )
    parser.add_argument(
        "--wait", type=float, default=1.5, help="extra seconds once a page is shown"
    )
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    sessions = {"admin": login(args.url, args.db, args.user, args.password)}
    try:
        sessions["technician"] = login(
            args.url, args.db, args.tech_user, args.tech_password
        )
    except SystemExit as error:
        print(f"warning: {error}")
    pages = [p for p in PAGES if not args.only or p["name"] in args.only]
    browser = Browser(DESKTOP["width"], DESKTOP["height"])
    try:
        failed = [p["name"] for p in pages if not shoot(browser, args, sessions, p)]
    finally:
        browser.close()
    if failed:
        raise SystemExit(f"{len(failed)} page(s) not shown: {', '.join(failed)}")


if __name__ == "__main__":
    main()
