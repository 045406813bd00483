# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Load and fault test of a running crm_extension server, with Locust.

    python3 -m scripts.loadtest --url http://127.0.0.1:8069 --db DB \\
        --login admin --password admin [--duration 300] [--users 55] \\
        [--fault worker-kill|db-restart|cron-kill ...] [--json]

Locust runs as a library, headless, in this process (``pip install -r
requirements-dev.txt``; the module itself does not need it). As admin, over
XML-RPC, the tool first makes its own users and data (tagged with a run id:
customers with portal users, technicians with vans and stock, dispatchers, an
integrator, units with serials), then runs, for ``--duration`` seconds:

- portal customers: their feedback and service order lists and pages, and
  new feedback through the portal form (never sent twice);
- integrators: ``api_submit`` batches of 50 rows, ``api_request`` and
  ``api_report_event`` with external references, over JSON-RPC and XML-RPC,
  retried with backoff on connection errors (they are idempotent);
- dispatchers: new orders and Auto-assign (synchronous for a few orders, a
  background run for many), and bookings moved by hand;
- technicians: start their next order, add a part from the van, finish it
  (after a lost answer the order is read again, not started twice);
- the SLA and maintenance crons, run throughout.

``--fault`` (repeatable) injects, spread over the run: ``worker-kill`` (kill
-9 of the busiest HTTP worker among the server's children), ``db-restart``
(``--pg-restart-cmd``, a shell command) and ``cron-kill`` (kill -9 of the cron
worker while it plans a background Auto-assign). The server is found by
``--server-pid`` or by the process listening on the URL's port.

Then it prints requests/s, median and p95 latency and errors by kind, how long
each fault degraded the service (first failure to the first 2 s without
failures), and checks invariants in the database (psycopg2, ``--db-dsn`` or
libpq's usual PG* settings): no overlapping active bookings of a technician,
every acknowledged API row and portal submission present exactly once, no
negative quant in a van, each escalation level logged once per record, every
order a technician finished done, one background run per plan, every
background run done. ``--json`` makes the last line a JSON summary. The exit
code is 1 on an invariant violation, 0 otherwise.

Only loopback addresses are accepted as targets.
"""

import argparse
import json
import os
import random
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict

from scripts import client as client_mod
from scripts.load_common import (
    BACKGROUND_ORDERS,
    CONFIG,
    LEDGER,
    RpcError,
    loopback_only,
)

DEFAULT_USERS = {"portal": 30, "integrator": 10, "dispatcher": 5, "technician": 10}
TARGETS = {
    "invariant violations": "0",
    "5xx outside fault windows": "0 (the rate-limited public form aside)",
    "p95 portal pages and API calls": "< 1500 ms (logins aside: password hashing)",
    "recovery after a DB restart": "< 30 s",
}
P95_TARGET_MS = 1500
RECOVERY_TARGET_S = 30


# ---------------------------------------------------------------------------
# Setup as admin, over XML-RPC
# ---------------------------------------------------------------------------
class Admin:
    """JSON-RPC calls of one user (the setup's admin, the fault scripts)."""

    def __init__(self, url, db, login, password, timeout=300):
        self.url, self.db, self.password, self.timeout = url, db, password, timeout
        self.uid = self.rpc("common", "login", [db, login, password], idempotent=True)
        if not self.uid:
            raise SystemExit(f"login {login!r} refused on {db!r}")

    def _post(self, service, method, args):
        payload = json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"service": service, "method": method, "args": args},
            }
        ).encode()
        request = urllib.request.Request(
            f"{self.url}/jsonrpc",
            data=payload,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as resp:
            body = json.loads(resp.read())
        if "error" in body:
            error = body["error"]
            raise RpcError((error.get("data") or {}).get("message", "error"), error)
        return body.get("result")

    def rpc(self, service, method, args, idempotent=False):
        return client_mod.call(self._post, service, method, args, idempotent=idempotent)

    def __call__(self, model, method, *args, idempotent=False, **kw):
        return self.rpc(
            "object",
            "execute_kw",
            [self.db, self.uid, self.password, model, method, list(args), kw],
            idempotent=idempotent,
        )

    def ref(self, xmlid):
        module, name = xmlid.split(".")
        rows = self(
            "ir.model.data",
            "search_read",
            [("module", "=", module), ("name", "=", name)],
            ["res_id"],
            idempotent=True,
        )
        return rows[0]["res_id"]


def setup_data(admin, tag, counts):
    """Users and data of this run; a dict the user classes read."""
    t0 = time.monotonic()
    group = {
        name: admin.ref(f"{mod}.{xmlid}")
        for name, (mod, xmlid) in {
            "portal": ("base", "group_portal"),
            "technician": ("crm_extension", "group_service_technician"),
            "user": ("crm_extension", "group_service_user"),
        }.items()
    }
    company_id = admin("res.users", "read", [admin.uid], ["company_id"])[0][
        "company_id"
    ][0]
    password = f"lt-{tag}-pw"
    # customers, one portal contact each, around one place
    n_customers = max(counts["portal"], 5)
    companies = admin(
        "res.partner",
        "create",
        [
            {
                "name": f"LT {tag} Customer {i}",
                "is_company": True,
                "email": f"lt-{tag}-c{i}@example.com",
                "partner_latitude": 48.85 + 0.003 * (i % 10),
                "partner_longitude": 2.35 + 0.003 * (i // 10),
            }
            for i in range(n_customers)
        ],
    )
    contacts = admin(
        "res.partner",
        "create",
        [
            {
                "name": f"LT {tag} Contact {i}",
                "parent_id": cid,
                "email": f"lt-{tag}-p{i}@example.com",
            }
            for i, cid in enumerate(companies)
        ],
    )
    portal_logins = [f"lt-{tag}-portal{i}" for i in range(counts["portal"])]
    if portal_logins:
        admin(
            "res.users",
            "create",
            [
                {
                    "name": f"LT {tag} Portal {i}",
                    "login": login,
                    "password": password,
                    "partner_id": contacts[i],
                    "groups_id": [(6, 0, [group["portal"]])],
                }
                for i, login in enumerate(portal_logins)
            ],
            context={"no_reset_password": True},
        )
    # technicians: round-the-clock calendar, a van with stock
    calendar = admin(
        "resource.calendar",
        "create",
        {
            "name": f"LT {tag} 24/7",
            "tz": "UTC",
            "attendance_ids": [
                (
                    0,
                    0,
                    {
                        "name": f"{day} {period}",
                        "dayofweek": str(day),
                        "hour_from": start,
                        "hour_to": end,
                        "day_period": period,
                    },
                )
                for day in range(7)
                for start, end, period in ((0, 12, "morning"), (12, 23.99, "afternoon"))
            ],
        },
    )
    stock_location = admin(
        "stock.warehouse",
        "search_read",
        [("company_id", "=", company_id)],
        ["lot_stock_id"],
        limit=1,
    )[0]["lot_stock_id"][0]
    product = admin(
        "product.product",
        "create",
        {
            "name": f"LT {tag} Gasket",
            "type": "consu",
            "is_storable": True,
            "list_price": 12.0,
            "standard_price": 4.0,
        },
    )
    home = admin(
        "res.partner",
        "create",
        {
            "name": f"LT {tag} Depot",
            "partner_latitude": 48.853,
            "partner_longitude": 2.369,
        },
    )
    tech_logins = [f"lt-{tag}-tech{i}" for i in range(counts["technician"])]
    tech_users = (
        admin(
            "res.users",
            "create",
            [
                {
                    "name": f"LT {tag} Technician {i}",
                    "login": login,
                    "password": password,
                    "email": f"{login}@example.com",
                    "groups_id": [(6, 0, [group["technician"]])],
                }
                for i, login in enumerate(tech_logins)
            ],
            context={"no_reset_password": True},
        )
        if tech_logins
        else []
    )
    vans = (
        admin(
            "stock.location",
            "create",
            [
                {
                    "name": f"LT {tag} Van {i}",
                    "usage": "internal",
                    "location_id": stock_location,
                }
                for i in range(len(tech_users))
            ],
        )
        if tech_users
        else []
    )
    technicians = (
        admin(
            "service.technician",
            "create",
            [
                {
                    "name": f"LT {tag} Technician {i}",
                    "user_id": uid,
                    "partner_id": home,
                    "resource_calendar_id": calendar,
                    "van_location_id": vans[i],
                }
                for i, uid in enumerate(tech_users)
            ],
        )
        if tech_users
        else []
    )
    if vans:
        quants = admin(
            "stock.quant",
            "create",
            [
                {"product_id": product, "location_id": van, "inventory_quantity": 500}
                for van in vans
            ],
            context={"inventory_mode": True},
        )
        admin("stock.quant", "action_apply_inventory", quants)
    staff = {}
    for role, count in (
        ("dispatcher", max(counts["dispatcher"], 2)),
        ("integrator", 1),
    ):
        logins = [f"lt-{tag}-{role}{i}" for i in range(count)]
        admin(
            "res.users",
            "create",
            [
                {
                    "name": f"LT {tag} {role} {i}",
                    "login": login,
                    "password": password,
                    "email": f"{login}@example.com",
                    "groups_id": [(6, 0, [group["user"]])],
                }
                for i, login in enumerate(logins)
            ],
            context={"no_reset_password": True},
        )
        staff[role] = logins
    serials = [f"LT-{tag}-U{i}" for i in range(20)]
    admin(
        "customer.equipment",
        "create",
        [
            {
                "name": f"LT {tag} Boiler {i}",
                "partner_id": companies[i % len(companies)],
                "serial": serial,
            }
            for i, serial in enumerate(serials)
        ],
    )
    crons = [
        admin.ref(xmlid)
        for xmlid in (
            "crm_extension.ir_cron_sla_evaluate",
            "crm_extension.ir_cron_equipment_maintenance",
        )
    ]
    print(
        f"setup: {len(companies)} customers, {len(portal_logins)} portal users, "
        f"{len(technicians)} technicians with vans, "
        f"{len(staff['dispatcher'])} dispatchers in {time.monotonic() - t0:.1f} s",
        flush=True,
    )
    return {
        "tag": tag,
        "password": password,
        "contacts": contacts,
        "companies": companies,
        "portal_logins": portal_logins,
        "tech_logins": tech_logins,
        "technicians": technicians,
        "dispatchers": staff["dispatcher"],
        "integrator": staff["integrator"][0],
        "serials": serials,
        "product": product,
        "crons": crons,
        "dispatch_cron": admin.ref("crm_extension.ir_cron_dispatch_runs"),
    }


# ---------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------
def server_processes(port, server_pid=None):
    """(master, http workers, cron workers) of the prefork server on ``port``."""
    import psutil

    def listening(proc):
        try:
            return {
                c.laddr.port
                for c in proc.net_connections(kind="tcp")
                if c.status == psutil.CONN_LISTEN
            }
        except psutil.Error:
            return set()

    if server_pid:
        master = psutil.Process(server_pid)
    else:
        # the system-wide table names one of the processes sharing the
        # socket: climb to the first one whose parent does not listen
        pids = [
            c.pid
            for c in psutil.net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port and c.pid
        ]
        if not pids:
            raise RuntimeError(f"no server listens on port {port}")
        master = psutil.Process(pids[0])
        while master.parent() and port in listening(master.parent()):
            master = master.parent()
    http, cron = [], []
    for child in master.children():
        try:
            # the gevent worker is started as ``python odoo-bin gevent ...``;
            # HTTP and cron workers are forks of the master (its command line)
            cmd = child.cmdline()
            ports = listening(child)
        except psutil.Error:
            continue
        if "gevent" in cmd or (ports and port not in ports):
            continue  # the gevent (websocket) worker
        (http if port in ports else cron).append(child)
    return master, http, cron


def busiest(processes):
    for proc in processes:
        proc.cpu_percent(None)
    time.sleep(0.5)
    return max(processes, key=lambda p: p.cpu_percent(None))


class FaultInjector:
    def __init__(self, args, admin, data, port):
        self.args, self.admin, self.data, self.port = args, admin, data, port
        self.report = []

    def inject(self, kind):
        at = time.time()
        entry = {"kind": kind, "at": at, "ok": True, "detail": ""}
        try:
            if kind == "worker-kill":
                _master, http, _cron = server_processes(self.port, self.args.server_pid)
                victim = busiest(http)
                os.kill(victim.pid, signal.SIGKILL)
                entry["detail"] = f"killed HTTP worker {victim.pid} of {len(http)}"
            elif kind == "db-restart":
                if not self.args.pg_restart_cmd:
                    entry.update(ok=False, detail="no --pg-restart-cmd: skipped")
                else:
                    out = subprocess.run(
                        shlex.split(self.args.pg_restart_cmd),
                        capture_output=True,
                        text=True,
                        timeout=120,
                        check=False,
                    )
                    entry["detail"] = f"restart command exit {out.returncode}"
                    entry["ok"] = out.returncode == 0
            elif kind == "cron-kill":
                entry["detail"] = self.kill_cron_mid_batch()
            at_end = time.time()
            entry["took_s"] = round(at_end - at, 1)
        except Exception as exc:  # noqa: BLE001 - reported, not fatal
            entry.update(ok=False, detail=f"{type(exc).__name__}: {exc}")
        self.report.append(entry)
        print(f"fault {kind}: {entry['detail']}", flush=True)

    def kill_cron_mid_batch(self):
        """Queue a background Auto-assign, wait until the cron worker plans
        it, kill -9 the cron worker."""
        admin, data = self.admin, self.data
        ids = admin(
            "service.order",
            "create",
            [
                {
                    "partner_id": random.choice(data["companies"]),
                    "description": f"LT {data['tag']} cron-kill visit",
                }
                for _i in range(BACKGROUND_ORDERS * 2)
            ],
        )
        answer = admin("service.order", "action_auto_assign", ids)
        run_id = answer.get("dispatch_run_id")
        deadline = time.time() + 90
        while time.time() < deadline:
            _master, _http, cron = server_processes(self.port, self.args.server_pid)
            state = admin(
                "service.dispatch.run", "read", [run_id], ["state"], idempotent=True
            )[0]["state"]
            running = admin(
                "service.dispatch.run",
                "search",
                [("state", "=", "running")],
                idempotent=True,
            )
            if cron and running:
                # mid-batch: a run (this one, or an earlier one it waits
                # behind) is taken and the cron worker plans it
                os.kill(cron[0].pid, signal.SIGKILL)
                return (
                    f"killed cron worker {cron[0].pid} while it planned run "
                    f"{running[0]} (this fault's run {run_id}: {state})"
                )
            if state in ("done", "failed"):
                return f"run {run_id} ended ({state}) before the kill"
            time.sleep(0.3)
        if cron:
            os.kill(cron[0].pid, signal.SIGKILL)
            return f"killed cron worker {cron[0].pid} (run {run_id} still {state})"
        return f"no cron worker found for run {run_id}"


# ---------------------------------------------------------------------------
# Invariants
# ---------------------------------------------------------------------------
INVARIANT_SQL = {
    "overlapping bookings": """
        SELECT count(*) FROM service_order a JOIN service_order b
          ON a.technician_id = b.technician_id AND a.id < b.id
         WHERE a.state IN ('scheduled', 'in_progress')
           AND b.state IN ('scheduled', 'in_progress')
           AND a.scheduled_start < b.scheduled_end
           AND b.scheduled_start < a.scheduled_end""",
    "negative van quants": """
        SELECT count(*) FROM stock_quant q
          JOIN service_technician t ON t.van_location_id = q.location_id
         WHERE q.quantity < 0""",
    "escalation level logged twice": """
        SELECT count(*) FROM (
            SELECT l.res_model, l.res_id, e.level FROM service_sla_escalation_log l
              JOIN service_sla_escalation e ON e.id = l.escalation_id
             GROUP BY 1, 2, 3 HAVING count(*) > 1) d""",
    "more than one queued run per company": """
        SELECT count(*) FROM (SELECT company_id FROM service_dispatch_run
         WHERE state = 'queued' GROUP BY 1 HAVING count(*) > 1) d""",
}


def _exactly_once(cr, table, column, acked, sent):
    """Violations: acknowledged keys not there exactly once, and any key sent
    that is there more than once."""
    keys = sorted(sent | acked)
    if not keys:
        return 0
    cr.execute(
        f"SELECT {column}, count(*) FROM {table} WHERE {column} = ANY(%s) GROUP BY 1",
        (keys,),
    )
    found = dict(cr.fetchall())
    missing = sum(1 for key in acked if found.get(key, 0) != 1)
    doubled = sum(1 for key in sent - acked if found.get(key, 0) > 1)
    return missing + doubled


STALL_S = 90


def check_invariants(dsn, ledger, tag=None, wait_runs_s=900):
    """{invariant: violations}, read in the database."""
    import psycopg2

    deadline = time.time() + 60
    while True:
        try:
            conn = psycopg2.connect(dsn, connect_timeout=10)
            break
        except psycopg2.OperationalError:
            if time.time() > deadline:
                raise
            time.sleep(1)
    conn.autocommit = True
    out = {}
    with conn, conn.cursor() as cr:
        for name, query in INVARIANT_SQL.items():
            cr.execute(query)
            out[name] = cr.fetchone()[0]
        out["api_submit rows not exactly once"] = _exactly_once(
            cr,
            "customer_feedback",
            "external_ref",
            ledger.feedback_refs,
            ledger.feedback_sent,
        )
        out["api_request orders not exactly once"] = _exactly_once(
            cr, "service_order", "external_ref", ledger.order_refs, ledger.order_sent
        )
        out["equipment events not exactly once"] = _exactly_once(
            cr,
            "customer_equipment_event",
            "external_ref",
            ledger.event_refs,
            ledger.event_sent,
        )
        out["portal feedback lost or doubled"] = _exactly_once(
            cr, "customer_feedback", "name", ledger.portal_acked, ledger.portal_sent
        )
        done = sorted(ledger.done_orders)
        lost = 0
        if done:
            cr.execute(
                "SELECT count(*) FROM service_order"
                " WHERE id = ANY(%s) AND state != 'done'",
                (done,),
            )
            lost = cr.fetchone()[0] + len(done)
            cr.execute("SELECT count(*) FROM service_order WHERE id = ANY(%s)", (done,))
            lost -= cr.fetchone()[0]
        out["finished orders not done"] = lost
        # both dispatchers answered, with different runs (a refused request
        # is an error of the table, not a second run)
        out["one plan, two runs"] = sum(
            1 for a, b in ledger.plan_runs if a and b and a != b
        )
        # background runs end done, even after a cron worker kill: wait while
        # they make progress (a stall of STALL_S seconds is a violation)
        open_runs, waited = -1, time.time()
        progress, stalled_since = None, time.time()
        while time.time() - waited < wait_runs_s:
            cr.execute(
                "SELECT count(*), coalesce(sum(done_count), 0)"
                " FROM service_dispatch_run WHERE state IN ('queued', 'running')"
            )
            open_runs, done = cr.fetchone()
            if not open_runs:
                break
            if (open_runs, done) != progress:
                progress, stalled_since = (open_runs, done), time.time()
            elif time.time() - stalled_since > STALL_S:
                break
            time.sleep(2)
        print(
            f"background runs: {open_runs} open after {time.time() - waited:.0f} s",
            flush=True,
        )
        out["background runs not finished"] = open_runs
        cr.execute(
            "SELECT count(*) FROM service_dispatch_run r JOIN res_users u"
            " ON u.id = r.user_id WHERE r.state = 'failed' AND u.login LIKE %s",
            (f"lt-{tag or ''}%",),
        )
        out["background runs failed"] = cr.fetchone()[0]
    conn.close()
    return out


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
def degraded_windows(events, faults, quiet_s=2.0):
    """Per fault: seconds from the first failed request at or after it to the
    first moment followed by ``quiet_s`` seconds of successes only."""
    events = sorted(events)
    result = []
    for index, fault in enumerate(faults):
        end = faults[index + 1]["at"] if index + 1 < len(faults) else float("inf")
        window = [e for e in events if fault["at"] <= e[0] < end]
        failures = [e[0] for e in window if not e[1]]
        if not failures:
            result.append({**fault, "degraded_s": 0.0, "failed_requests": 0})
            continue
        first = failures[0]
        recovered = None
        for t, ok, *_rest in window:
            if t < first or not ok:
                continue
            later_failures = [f for f in failures if t < f <= t + quiet_s]
            if not later_failures:
                recovered = t
                break
        degraded = round((recovered or window[-1][0]) - first, 1)
        result.append(
            {
                **fault,
                "degraded_s": degraded,
                "recovered": recovered is not None,
                "failed_requests": len(failures),
                "window": (first, (recovered or window[-1][0]) + quiet_s),
            }
        )
    return result


def print_report(stats, duration, per_kind_5xx, faults, invariants, out=sys.stdout):
    rows = []
    for entry in sorted(stats.entries.values(), key=lambda e: e.name):
        rows.append(
            (
                entry.name,
                entry.num_requests,
                entry.num_requests / duration if duration else 0,
                entry.get_response_time_percentile(0.5) or 0,
                entry.get_response_time_percentile(0.95) or 0,
                entry.num_failures,
                per_kind_5xx.get(entry.name, 0),
                LEDGER.refusals.get(entry.name, 0),
            )
        )
    width = max([len(r[0]) for r in rows] + [10])
    out.write(
        f"\n{'kind':<{width}} {'requests':>8} {'req/s':>6} {'median ms':>9} "
        f"{'p95 ms':>7} {'errors':>6} {'5xx':>4} {'refused':>7}\n"
    )
    for name, n, rps, med, p95, err, s5xx, ref in rows:
        out.write(
            f"{name:<{width}} {n:>8} {rps:>6.1f} {med:>9.0f} {p95:>7.0f} "
            f"{err:>6} {s5xx:>4} {ref:>7}\n"
        )
    total = stats.total
    out.write(
        f"{'total':<{width}} {total.num_requests:>8} "
        f"{total.num_requests / duration if duration else 0:>6.1f} "
        f"{total.get_response_time_percentile(0.5) or 0:>9.0f} "
        f"{total.get_response_time_percentile(0.95) or 0:>7.0f} "
        f"{total.num_failures:>6} {sum(per_kind_5xx.values()):>4}\n"
    )
    if LEDGER.retries:
        out.write(
            "retries of idempotent calls: "
            + ", ".join(f"{k} {v}" for k, v in sorted(LEDGER.retries.items()))
            + "\n"
        )
    for fault in faults:
        out.write(
            f"fault {fault['kind']}: {fault['detail']}; degraded "
            f"{fault.get('degraded_s', 0):.1f} s, {fault.get('failed_requests', 0)} "
            f"failed requests"
            f"{'' if fault.get('recovered', True) else ' (NOT RECOVERED)'}\n"
        )
    out.write("\ninvariants (violations):\n")
    for name, count in invariants.items():
        out.write(f"  {name:<40} {count}\n")
    out.write("\ntargets (2 cores, 4 workers):\n")
    for name, target in TARGETS.items():
        out.write(f"  {name:<40} {target}\n")
    out.flush()


def main(argv=None):
    # Locust patches the standard library for gevent when it is imported:
    # first, before any socket or thread exists.
    import gevent
    from locust.env import Environment

    parser = argparse.ArgumentParser(
        prog="loadtest", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", required=True)
    parser.add_argument("--duration", type=float, default=300)
    parser.add_argument(
        "--users",
        type=int,
        default=sum(DEFAULT_USERS.values()),
        help="total simulated users, split 30/10/5/10 (portal, integrators, "
        "dispatchers, technicians) as the defaults",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        choices=["worker-kill", "db-restart", "cron-kill"],
    )
    parser.add_argument("--pg-restart-cmd", help="shell command restarting PostgreSQL")
    parser.add_argument("--server-pid", type=int, help="the prefork server's master")
    parser.add_argument("--db-dsn", help="libpq DSN of the database (default: PG*)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    loopback_only(args.url)
    if args.seed is not None:
        random.seed(args.seed)
    CONFIG.update(login=args.login, password=args.password)
    total_default = sum(DEFAULT_USERS.values())
    counts = {
        role: max(1, round(n * args.users / total_default))
        for role, n in DEFAULT_USERS.items()
    }
    url = args.url.rstrip("/")
    port = urllib.parse.urlsplit(url).port or 80
    dsn = args.db_dsn or f"dbname={args.db}"

    admin = Admin(url, args.db, args.login, args.password)
    tag = uuid.uuid4().hex[:6]
    data = setup_data(admin, tag, counts)
    from scripts import load_users

    classes = load_users.configure(data, counts, url, args.db)
    env = Environment(user_classes=classes)
    status_5xx = defaultdict(int)

    def on_request(
        request_type,
        name,
        response_time,
        response_length,
        exception=None,
        response=None,
        **_kw,
    ):
        status = getattr(response, "status_code", None)
        if status and status >= 500:
            status_5xx[name] += 1
        LEDGER.events.append((time.time(), exception is None, name, status))

    env.events.request.add_listener(on_request)
    runner = env.create_local_runner()
    users = sum(cls.fixed_count for cls in classes)
    print(
        f"load: {users} users "
        f"({', '.join(f'{c.__name__} {c.fixed_count}' for c in classes)}) "
        f"for {args.duration:.0f} s against {url}",
        flush=True,
    )
    started = time.time()
    runner.start(users, spawn_rate=max(users / 5, 1))
    injector = FaultInjector(args, admin, data, port)

    def same_plan_twice():
        """Two dispatchers ask for the same big plan at once: one run."""
        try:
            ids = admin(
                "service.order",
                "create",
                [
                    {
                        "partner_id": random.choice(data["companies"]),
                        "description": f"LT {tag} shared plan",
                    }
                    for _i in range(BACKGROUND_ORDERS)
                ],
            )
            answers = [None, None]

            def ask(slot, login):
                other = Admin(url, args.db, login, data["password"])
                try:
                    answers[slot] = other("service.order", "action_auto_assign", ids)
                except RpcError as exc:
                    print(f"same plan: {login} was refused: {exc}", flush=True)

            threads = [
                threading.Thread(target=ask, args=(i, data["dispatchers"][i]))
                for i in range(2)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
            runs = tuple(a.get("dispatch_run_id") if a else None for a in answers)
            print(f"same plan asked twice at once: runs {runs}", flush=True)
            LEDGER.plan_runs.append(runs)
        except Exception as exc:  # noqa: BLE001 - reported as a violation
            print(f"same plan twice: {exc}", flush=True)
            LEDGER.plan_runs.append((None, "error"))

    side = [
        gevent.spawn_later(at, same_plan_twice)
        for at in (min(5, args.duration / 4), args.duration * 0.4)
    ]
    for index, kind in enumerate(args.fault):
        delay = args.duration * (index + 1) / (len(args.fault) + 1)
        side.append(gevent.spawn_later(delay, injector.inject, kind))
    gevent.spawn_later(args.duration, runner.quit)
    runner.greenlet.join()
    # a fault still under way (the cron kill waits for its run) ends first
    gevent.joinall(side, timeout=180)
    elapsed = time.time() - started
    print(f"load done in {elapsed:.0f} s; checking invariants", flush=True)
    faults = degraded_windows(LEDGER.events, injector.report)
    invariants = check_invariants(dsn, LEDGER, tag)
    # 5xx outside the fault windows
    windows = [f["window"] for f in faults if f.get("window")]
    outside_5xx = sum(
        1
        for t, _ok, name, status in LEDGER.events
        if status
        and status >= 500
        and "public" not in name
        and not any(a <= t <= b for a, b in windows)
    )
    invariants_total = sum(max(v, 0) for v in invariants.values())
    print_report(env.stats, elapsed, status_5xx, faults, invariants)
    p95 = {
        entry.name: round(entry.get_response_time_percentile(0.95) or 0)
        for entry in env.stats.entries.values()
    }
    slow = sorted(
        name
        for name, ms in p95.items()
        if name.startswith(("portal", "api_"))
        and "login" not in name
        and ms > P95_TARGET_MS
    )
    db_restarts = [f for f in faults if f["kind"] == "db-restart" and f["ok"]]
    summary = {
        "requests": env.stats.total.num_requests,
        "errors": env.stats.total.num_failures,
        "errors_5xx_outside_faults": outside_5xx,
        "p95_ms": p95,
        "invariants": invariants,
        "fault": {
            f["kind"]: {
                "ok": f["ok"],
                "detail": f["detail"],
                "degraded_s": f.get("degraded_s", 0.0),
                "failed_requests": f.get("failed_requests", 0),
                "recovered": f.get("recovered", True),
            }
            for f in faults
        },
        "targets_met": {
            "invariants": invariants_total == 0,
            "no 5xx outside faults": outside_5xx == 0,
            "p95 portal/API < 1.5 s": not slow,
            "recovery after DB restart < 30 s": all(
                f.get("degraded_s", 0) < RECOVERY_TARGET_S and f.get("recovered", True)
                for f in db_restarts
            ),
        },
        "users": users,
        "duration_s": round(elapsed),
    }
    print(
        "targets met: "
        + ", ".join(
            f"{k}: {'yes' if v else 'NO'}" for k, v in summary["targets_met"].items()
        ),
        flush=True,
    )
    if args.json:
        print(json.dumps(summary, sort_keys=True), flush=True)
    return 1 if invariants_total else 0


if __name__ == "__main__":
    sys.exit(main())
