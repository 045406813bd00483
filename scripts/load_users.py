# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The simulated users of ``scripts.loadtest`` (Locust classes).

Imported by ``scripts.loadtest`` once Locust is loaded; ``configure()`` gives
them the run's data (logins, ids) and how many users of each class to start.
"""

import datetime
import functools
import itertools
import random
import re
import time
import uuid
import xmlrpc.client

from locust import HttpUser, between, task

from scripts import client as client_mod
from scripts.load_common import (
    BACKGROUND_ORDERS,
    BATCH_ROWS,
    BUSINESS_ERRORS,
    CONFIG,
    LEDGER,
    RpcError,
)


def answered(resp):
    """The server answered without an error status. Locust's response of a
    request that got no answer (connection reset during a fault) raises its
    error on ``resp.ok``: this never raises."""
    return not getattr(resp, "error", None) and 0 < (resp.status_code or 0) < 400


def quiet(func):
    """A task whose refused or failed call is already counted by Locust."""

    @functools.wraps(func)
    def wrapper(self):
        try:
            return func(self)
        except RpcError:
            return None

    return wrapper


# filled by configure()
data = {}
db = None
url = None
PORTAL_SEQ = itertools.count()
DISPATCH_SEQ = itertools.count()
TECH_SEQ = itertools.count()


class RpcUser(HttpUser):
    abstract = True
    host = url
    login = None

    def on_start(self):
        self.uid = self.retry(
            "login",
            lambda: self.jsonrpc(
                "common", "login", [db, self.login, data["password"]], "login"
            ),
        )

    # one JSON-RPC call, recorded by Locust under ``kind``
    def jsonrpc(self, service, method, args, kind):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
            "id": random.randint(1, 1 << 30),
        }
        with self.client.post(
            "/jsonrpc", json=payload, name=kind, catch_response=True
        ) as resp:
            if resp.status_code >= 400 or resp.status_code == 0:
                resp.failure(f"HTTP {resp.status_code}")
                raise RpcError(
                    f"HTTP {resp.status_code} {resp.error or ''}",
                    status=resp.status_code,
                )
            try:
                body = resp.json()
            except ValueError:
                resp.failure("not JSON")
                raise RpcError("not a JSON answer", status=resp.status_code) from None
            if "error" in body:
                err = RpcError(
                    (body["error"].get("data") or {}).get("message", "error"),
                    body["error"],
                )
                if err.business:
                    resp.success()
                    LEDGER.refusals[kind] += 1
                else:
                    resp.failure(str(err)[:200])
                raise err
            resp.success()
            return body.get("result")

    def execute(self, model, method, *args, kind, **kw):
        return self.jsonrpc(
            "object",
            "execute_kw",
            [db, self.uid, data["password"], model, method, list(args), kw],
            kind,
        )

    def xmlrpc(self, model, method, *args, kind, **kw):
        body = xmlrpc.client.dumps(
            (db, self.uid, data["password"], model, method, list(args), kw),
            "execute_kw",
            allow_none=True,
        )
        with self.client.post(
            "/xmlrpc/2/object",
            data=body,
            headers={"Content-Type": "text/xml"},
            name=kind,
            catch_response=True,
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")
                raise RpcError(f"HTTP {resp.status_code}", status=resp.status_code)
            try:
                result = xmlrpc.client.loads(resp.content, use_builtin_types=True)
            except xmlrpc.client.Fault as fault:
                business = (
                    any(
                        b.rsplit(".", 1)[1] in fault.faultString[:300]
                        for b in BUSINESS_ERRORS
                    )
                    and "Traceback" not in fault.faultString[:20]
                )
                if business:
                    resp.success()
                    LEDGER.refusals[kind] += 1
                else:
                    resp.failure(fault.faultString[-200:])
                err = RpcError(fault.faultString[-300:])
                err.business = business
                raise err from None
            except Exception as exc:  # noqa: BLE001 - a broken answer
                resp.failure(f"bad XML-RPC answer: {exc}")
                raise RpcError(str(exc)) from None
            resp.success()
            return result[0][0]

    def retry(self, kind, func, attempts=8):
        """An idempotent call, sent again after a transient error."""
        wait = 0.25
        for attempt in range(attempts):
            try:
                return func()
            except RpcError as exc:
                if exc.business or not transient(exc) or attempt == attempts - 1:
                    raise
            LEDGER.retries[kind] += 1
            time.sleep(wait)
            wait = min(wait * 2, 4)
        raise AssertionError("unreachable")


def transient(exc):
    return exc.status in (None, 0, 500, 502, 503, 504) or client_mod.is_transient(exc)


class PortalCustomer(HttpUser):
    fixed_count = 0
    host = url
    wait_time = between(1, 3)

    def on_start(self):
        index = next(PORTAL_SEQ) % max(len(data["portal_logins"]), 1)
        self.login_name = data["portal_logins"][index]
        self.logged_in = False

    def ensure_login(self):
        if self.logged_in:
            return True
        resp = self.client.get("/web/login", name="portal: login page")
        token = re.search(r'name="csrf_token" value="([^"]+)"', resp.text or "")
        if not token:
            return False
        resp = self.client.post(
            "/web/login",
            data={
                "login": self.login_name,
                "password": data["password"],
                "csrf_token": token.group(1),
                "redirect": "/my",
            },
            name="portal: login",
        )
        self.logged_in = answered(resp) and "/web/login" not in (resp.url or "")
        return self.logged_in

    def page(self, path, kind):
        with self.client.get(path, name=kind, catch_response=True) as resp:
            if "/web/login" in (resp.url or "") and answered(resp):
                self.logged_in = False  # session lost: log in again
                resp.success()
            return resp

    @task(4)
    def browse_feedback(self):
        if not self.ensure_login():
            return
        resp = self.page("/my/feedback", "portal: /my/feedback")
        ids = re.findall(r"/my/feedback/(\d+)", resp.text or "")
        if ids:
            self.page(f"/my/feedback/{random.choice(ids)}", "portal: feedback page")

    @task(3)
    def browse_orders(self):
        if not self.ensure_login():
            return
        resp = self.page("/my/service-orders", "portal: /my/service-orders")
        ids = re.findall(r"/my/service-orders/(\d+)", resp.text or "")
        if ids:
            self.page(f"/my/service-orders/{random.choice(ids)}", "portal: order page")

    @task(1)
    def submit_feedback(self):
        if not self.ensure_login():
            return
        resp = self.page("/my/feedback/new", "portal: feedback form")
        token = re.search(r'name="csrf_token" value="([^"]+)"', resp.text or "")
        if not token:
            return
        subject = f"LT {data['tag']} portal {uuid.uuid4().hex[:12]}"
        LEDGER.add("portal_sent", [subject])
        # not idempotent: sent once, whatever happens
        with self.client.post(
            "/my/feedback/submit",
            data={
                "name": subject,
                "description": "Sent by the load test.",
                "feedback_type": random.choice(["complaint", "suggestion"]),
                "csrf_token": token.group(1),
            },
            name="portal: submit feedback",
            catch_response=True,
        ) as resp:
            if answered(resp) and re.search(r"/my/feedback/\d+", resp.url or ""):
                LEDGER.add("portal_acked", [subject])
                resp.success()
            elif answered(resp):
                resp.failure("the form came back without the new feedback")


class Integrator(RpcUser):
    fixed_count = 0
    wait_time = between(1, 3)
    login = None

    @task(3)
    @quiet
    def submit_batch(self):
        rows = [
            {
                "external_ref": f"LT-{data['tag']}-F{uuid.uuid4().hex[:16]}",
                "name": "Load test feedback",
                "partner_id": random.choice(data["contacts"]),
                "feedback_type": random.choice(["complaint", "suggestion", "praise"]),
                "priority": random.choice(["0", "1", "1", "2"]),
            }
            for _row in range(BATCH_ROWS)
        ]
        refs = [row["external_ref"] for row in rows]
        LEDGER.add("feedback_sent", refs)
        use_xml = random.random() < 0.3
        kind = "api_submit (xmlrpc)" if use_xml else "api_submit"
        call = self.xmlrpc if use_xml else self.execute
        ids = self.retry(
            kind, lambda: call("customer.feedback", "api_submit", rows, kind=kind)
        )
        if len(ids) == len(rows):
            LEDGER.add("feedback_refs", refs)

    @task(2)
    @quiet
    def request_service(self):
        ref = f"LT-{data['tag']}-R{uuid.uuid4().hex[:16]}"
        LEDGER.add("order_sent", [ref])
        vals = {
            "partner_id": random.choice(data["companies"]),
            "description": "Load test request",
            "external_ref": ref,
        }
        result = self.retry(
            "api_request",
            lambda: self.execute(
                "service.order", "api_request", vals, kind="api_request"
            ),
        )
        if result and result.get("id"):
            LEDGER.add("order_refs", [ref])

    @task(2)
    @quiet
    def report_event(self):
        ref = f"LT-{data['tag']}-E{uuid.uuid4().hex[:16]}"
        LEDGER.add("event_sent", [ref])
        event = {
            "type": random.choice(["reading", "reading", "alarm"]),
            "code": "P1",
            "value": round(random.uniform(1, 3), 2),
            "external_ref": ref,
        }
        use_xml = random.random() < 0.5
        kind = "api_report_event (xmlrpc)" if use_xml else "api_report_event"
        call = self.xmlrpc if use_xml else self.execute
        result = self.retry(
            kind,
            lambda: call(
                "customer.equipment",
                "api_report_event",
                random.choice(data["serials"]),
                event,
                kind=kind,
            ),
        )
        if result and result.get("event_id"):
            LEDGER.add("event_refs", [ref])


class Dispatcher(RpcUser):
    fixed_count = 0
    wait_time = between(2, 5)

    def on_start(self):
        index = next(DISPATCH_SEQ) % len(data["dispatchers"])
        self.login = data["dispatchers"][index]
        super().on_start()

    def new_orders(self, count):
        return self.execute(
            "service.order",
            "create",
            [
                {
                    "partner_id": random.choice(data["companies"]),
                    "description": f"LT {data['tag']} visit",
                    "duration_hours": random.choice([0.5, 1.0]),
                }
                for _order in range(count)
            ],
            kind="order create",
        )

    @task(5)
    def auto_assign_few(self):
        try:
            ids = self.new_orders(random.randint(2, 4))
            self.execute(
                "service.order",
                "action_auto_assign",
                ids,
                kind="auto-assign (sync)",
            )
        except RpcError:
            return

    @task(1)
    def auto_assign_many(self):
        # a big plan now and then: at most one per dispatcher in 2 minutes
        if time.monotonic() - getattr(self, "last_big", -1e9) < 120:
            return
        self.last_big = time.monotonic()
        try:
            ids = self.new_orders(BACKGROUND_ORDERS)
            self.execute(
                "service.order",
                "action_auto_assign",
                ids,
                kind="auto-assign (queued)",
            )
        except RpcError:
            return

    @task(3)
    def move_booking(self):
        try:
            orders = self.execute(
                "service.order",
                "search_read",
                [
                    ("state", "=", "scheduled"),
                    ("partner_id", "in", data["companies"]),
                    ("schedule_locked", "=", False),
                ],
                ["scheduled_start", "technician_id"],
                limit=20,
                kind="dispatch board",
            )
            if not orders:
                return
            order = random.choice(orders)
            start = datetime.datetime.strptime(
                order["scheduled_start"], "%Y-%m-%d %H:%M:%S"
            )
            shift = datetime.timedelta(hours=random.choice([1, 2, 24, 25]))
            new = (start + shift).strftime("%Y-%m-%d %H:%M:%S")
            self.execute(
                "service.order",
                "write",
                [order["id"]],
                {"scheduled_start": new},
                kind="move booking",
            )
        except RpcError:
            return


class Technician(RpcUser):
    fixed_count = 0
    wait_time = between(1, 3)

    def on_start(self):
        index = next(TECH_SEQ) % max(len(data["tech_logins"]), 1)
        self.login = data["tech_logins"][index]
        super().on_start()

    def state_of(self, order_id):
        return self.retry(
            "my orders",
            lambda: self.execute(
                "service.order", "read", [order_id], ["state"], kind="my orders"
            ),
        )[0]["state"]

    @task
    def work_an_order(self):
        try:
            orders = self.retry(
                "my orders",
                lambda: self.execute(
                    "service.order",
                    "search_read",
                    [("state", "in", ["scheduled", "in_progress"])],
                    ["state"],
                    order="scheduled_start",
                    limit=1,
                    kind="my orders",
                ),
            )
        except RpcError:
            return
        if not orders:
            return
        order = orders[0]
        try:
            if order["state"] == "scheduled":
                self.execute(
                    "service.order",
                    "action_start",
                    [order["id"]],
                    kind="start order",
                )
            self.execute(
                "service.order.line",
                "create",
                {
                    "order_id": order["id"],
                    "line_type": "part",
                    "product_id": data["product"],
                    "quantity": 1,
                },
                kind="add part",
            )
            self.execute(
                "service.order", "action_done", [order["id"]], kind="finish order"
            )
            LEDGER.add("done_orders", [order["id"]])
        except RpcError as exc:
            if exc.business:
                return
            # the answer was lost: read what happened, never send it blind
            try:
                if self.state_of(order["id"]) == "done":
                    LEDGER.add("done_orders", [order["id"]])
            except RpcError:
                return


class CronRunner(RpcUser):
    """The SLA and maintenance crons, run throughout: by hand in an HTTP
    worker, and due at once for the cron worker."""

    fixed_count = 1
    wait_time = between(4, 6)
    login = None

    def on_start(self):
        self.uid = self.retry(
            "login",
            lambda: self.jsonrpc(
                "common",
                "login",
                [db, CONFIG["login"], CONFIG["password"]],
                "login",
            ),
        )

    def execute(self, model, method, *args, kind, **kw):
        return self.jsonrpc(
            "object",
            "execute_kw",
            [db, self.uid, CONFIG["password"], model, method, list(args), kw],
            kind,
        )

    @task
    def run_crons(self):
        cron = random.choice(data["crons"])
        try:
            # every 30 s or so the cron worker runs them too (it also plans
            # the background Auto-assign: due every 5 s, they would starve it)
            if time.monotonic() - getattr(self, "last_due", 0) > 30:
                self.last_due = time.monotonic()
                self.execute(
                    "ir.cron",
                    "write",
                    data["crons"],
                    {"nextcall": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())},
                    kind="cron: due now",
                )
            self.execute("ir.cron", "method_direct_trigger", [cron], kind="cron: run")
        except RpcError:
            return


ROLES = {
    "portal": PortalCustomer,
    "integrator": Integrator,
    "dispatcher": Dispatcher,
    "technician": Technician,
}


def configure(run_data, counts, base_url, dbname):
    """The user classes to run, with their counts and the run's data."""
    global db, url
    data.clear()
    data.update(run_data)
    db, url = dbname, base_url
    classes = []
    for role, cls in ROLES.items():
        cls.fixed_count = counts[role]
        cls.host = base_url
        if counts[role]:
            classes.append(cls)
    Integrator.login = run_data["integrator"]
    CronRunner.fixed_count = 1
    CronRunner.login = CONFIG["login"]
    CronRunner.host = base_url
    return [*classes, CronRunner]
