#!/usr/bin/env python3
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Run and test crm_extension on a local Odoo 18 and PostgreSQL.

``scripts/run`` and ``scripts/test`` are thin wrappers around this file. It only
uses the standard library: Odoo runs in its own interpreter (``python3`` when it
can ``import odoo``, or the one named by ``ODOO_PYTHON``), and PostgreSQL is either
the one that libpq reaches with its usual settings (``PGHOST``, ``PGPORT``,
``PGUSER``, ``PGPASSWORD``) or a private cluster that this script owns, under
``.run/`` (``CRM_EXT_STATE`` moves it), reachable only through a unix socket.
"""

import argparse
import contextlib
import glob
import hashlib
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS = os.path.join(REPO, "addons")
MODULE = "crm_extension"
STATE = os.environ.get("CRM_EXT_STATE") or os.path.join(REPO, ".run")
# Debian packages the stack needs, by the command that shows they are there.
SYSTEM_PACKAGES = {
    "initdb": "postgresql",
    "chromium": "chromium",
    "wkhtmltopdf": "wkhtmltopdf",
    "pdftotext": "poppler-utils",
}
ODOO_MISSING = """\
Get Odoo 18 in one of two ways:
  1. Docker: `docker compose up` in this folder runs the official odoo:18.0 image
     with the module and demo data on http://localhost:8069.
  2. A local Odoo 18 install (packages or source, see
     https://www.odoo.com/documentation/18.0/administration/on_premise.html),
     then run this command again, with ODOO_PYTHON=/path/to/python when Odoo
     lives in another interpreter (a virtualenv, say).
"""


def log(msg):
    print(f"[crm_extension] {msg}", flush=True)


def fail(msg, code=2):
    print(f"[crm_extension] error: {msg}", file=sys.stderr, flush=True)
    sys.exit(code)


def run(cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, **kw)


# ---------------------------------------------------------------------------
# Odoo
# ---------------------------------------------------------------------------
def odoo_python():
    """The interpreter that imports Odoo 18, or exit with the two ways to get it."""
    if os.environ.get("ODOO_PYTHON"):
        candidates = [os.environ["ODOO_PYTHON"]]
    else:
        candidates = [shutil.which("python3") or sys.executable]
    probe = "import odoo.release as r; print(r.version_info[0])"
    for python in candidates:
        try:
            out = run(
                [python, "-c", probe], capture_output=True, text=True, check=False
            )
        except OSError:
            continue
        if out.returncode == 0 and out.stdout.strip() == "18":
            return python
        if out.returncode == 0:
            fail(
                f"{python} has Odoo {out.stdout.strip()}, not Odoo 18.\n{ODOO_MISSING}"
            )
    if os.environ.get("ODOO_PYTHON"):
        why = f"ODOO_PYTHON={os.environ['ODOO_PYTHON']} cannot import Odoo 18."
    else:
        why = '`python3 -c "import odoo"` fails and ODOO_PYTHON is not set.'
    fail(f"Odoo 18 was not found: {why}\n{ODOO_MISSING}")


def odoo_addons_path(python):
    """Our addons first, then every folder Odoo knows for ``odoo.addons``."""
    code = (
        "import os, odoo, odoo.addons as a;"
        "paths = [os.path.join(os.path.dirname(odoo.__file__), 'addons')];"
        "paths += list(a.__path__);"
        "print(','.join(dict.fromkeys(p for p in paths if os.path.isdir(p))))"
    )
    out = run([python, "-c", code], capture_output=True, text=True).stdout.strip()
    return ",".join([ADDONS] + [p for p in out.split(",") if p])


def ensure_system_packages(names):
    missing = sorted(
        {
            pkg
            for cmd, pkg in SYSTEM_PACKAGES.items()
            if cmd in names and not _which(cmd)
        }
    )
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        fail(
            "missing system packages: "
            + " ".join(missing)
            + ". Install them (Debian/Ubuntu: sudo apt-get install "
            + " ".join(missing)
            + ") and run this command again."
        )
    log(f"installing Debian packages: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "update", "-qq"], env=env)
    run(
        ["apt-get", "install", "-y", "-qq", *missing],
        env=env,
        stdout=subprocess.DEVNULL,
    )


def _which(cmd):
    if cmd == "initdb":
        return _pg_bindir() is not None
    return shutil.which(cmd)


def pip_install(python, requirements):
    log(f"installing Python requirements into {python}")
    cmd = [
        python,
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
        "-r",
        requirements,
    ]
    out = run(cmd, check=False, capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stdout[-4000:], out.stderr[-4000:], sep="\n", file=sys.stderr)
        fail(f"pip could not install {os.path.relpath(requirements, REPO)}")


# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------
def _pg_bindir():
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
    )
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


class Postgres:
    """Connection settings for Odoo, and the private cluster when we own one."""

    def __init__(self, python):
        self.python = python
        self.owned = False
        self.started = False
        self.host = os.environ.get("PGHOST")
        self.port = os.environ.get("PGPORT")
        self.user = os.environ.get("PGUSER")
        self.password = os.environ.get("PGPASSWORD")
        self.datadir = os.path.join(STATE, "pgdata")
        self.sockdir = os.path.join(STATE, "pgsock")
        self.where = os.path.relpath(self.datadir, REPO)

    def odoo_args(self):
        args = []
        if self.host:
            args += ["--db_host", self.host]
        if self.port:
            args += ["--db_port", str(self.port)]
        if self.user:
            args += ["--db_user", self.user]
        if self.password:
            args += ["--db_password", self.password]
        return args

    def _sql(self, statement=None, *args, dbname="postgres"):
        """Connect with these settings (and run one statement in ``dbname``);
        True on success."""
        code = (
            "import os, sys, psycopg2\n"
            "names = dict(host='H', port='P', user='U', password='W')\n"
            "kw = {k: os.environ[v] for k, v in names.items() if os.environ.get(v)}\n"
            "c = psycopg2.connect(dbname=os.environ['D'], connect_timeout=3, **kw)\n"
            "c.autocommit = True\n"
            "if len(sys.argv) > 1:\n"
            "    c.cursor().execute(sys.argv[1] % tuple(sys.argv[2:]))\n"
        )
        env = dict(os.environ, H=self.host or "", P=str(self.port or ""), D=dbname)
        env.update(U=self.user or "", W=self.password or "")
        cmd = [self.python, "-c", code, *([statement, *args] if statement else [])]
        return run(cmd, env=env, check=False, capture_output=True).returncode == 0

    def _can_connect(self):
        return self._sql()

    def _as_owner(self, cmd):
        # PostgreSQL refuses to run as root: use Debian's postgres account then.
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *cmd]
        return cmd

    def ensure(self):
        if self._can_connect():
            log("using the PostgreSQL server that libpq reaches")
            return self
        self.owned = True
        self.host, self.port, self.user, self.password = (
            self.sockdir,
            "5432",
            "odoo",
            None,
        )
        if self._can_connect():
            log(f"reusing the private PostgreSQL cluster in {self.where}")
            return self
        bindir = _pg_bindir()
        if not bindir:
            ensure_system_packages({"initdb"})
            bindir = _pg_bindir()
        os.makedirs(STATE, exist_ok=True)
        for folder in (self.datadir, self.sockdir):
            os.makedirs(folder, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(folder, "postgres", "postgres")
                os.chmod(folder, 0o700)
        if not os.path.exists(os.path.join(self.datadir, "PG_VERSION")):
            log("creating a private PostgreSQL cluster (unix socket only)")
            run(
                self._as_owner(
                    [
                        os.path.join(bindir, "initdb"),
                        "-D",
                        self.datadir,
                        "-U",
                        "odoo",
                        "--auth=trust",
                        "-E",
                        "UTF8",
                        "--locale=C.UTF-8",
                    ]
                ),
                stdout=subprocess.DEVNULL,
            )
        run(self._pg_ctl("start"), stdout=subprocess.DEVNULL)
        self.started = True
        if os.geteuid() == 0:
            os.chmod(self.sockdir, 0o755)
        log(f"started a private PostgreSQL cluster in {self.where}")
        return self

    def _pg_ctl(self, action):
        opts = f"-k {self.sockdir} -c listen_addresses='' -p 5432 -c fsync=off"
        return self._as_owner(
            [
                os.path.join(_pg_bindir(), "pg_ctl"),
                "-D",
                self.datadir,
                "-l",
                os.path.join(self.datadir, "server.log"),
                "-o",
                opts,
                "-m",
                "fast",
                "-w",
                action,
            ]
        )

    def restart_cmd(self):
        """The command that restarts PostgreSQL (the load test's db-restart
        fault): ``pg_ctl restart`` of the private cluster, or
        ``CRM_EXT_PG_RESTART_CMD`` for a server this script does not own;
        None when there is neither."""
        if self.owned:
            return shlex.join(self._pg_ctl("restart"))
        return os.environ.get("CRM_EXT_PG_RESTART_CMD") or None

    def dsn(self):
        """libpq settings, without the database name."""
        parts = [
            f"{key}={value}"
            for key, value in (
                ("host", self.host),
                ("port", self.port),
                ("user", self.user),
                ("password", self.password),
            )
            if value
        ]
        return " ".join(parts)

    def stop(self):
        if self.started:
            run(
                self._as_owner(
                    [
                        os.path.join(_pg_bindir(), "pg_ctl"),
                        "-D",
                        self.datadir,
                        "-m",
                        "fast",
                        "stop",
                    ]
                ),
                check=False,
                stdout=subprocess.DEVNULL,
            )
            log("stopped the private PostgreSQL cluster")

    def table_counts(self, dbname, tables):
        """{table: row count} in ``dbname`` (to compare around an upgrade)."""
        code = (
            "import json, os, sys, psycopg2\n"
            "names = dict(host='H', port='P', user='U', password='W')\n"
            "kw = {k: os.environ[v] for k, v in names.items() if os.environ.get(v)}\n"
            "c = psycopg2.connect(dbname=sys.argv[1], connect_timeout=10, **kw)\n"
            "cr = c.cursor()\n"
            "out = {}\n"
            "for table in sys.argv[2:]:\n"
            "    cr.execute('SELECT count(*) FROM %s' % table)\n"
            "    out[table] = cr.fetchone()[0]\n"
            "print(json.dumps(out))\n"
        )
        env = dict(os.environ, H=self.host or "", P=str(self.port or ""))
        env.update(U=self.user or "", W=self.password or "")
        out = run(
            [self.python, "-c", code, dbname, *tables],
            env=env,
            check=False,
            capture_output=True,
            text=True,
        )
        return json.loads(out.stdout) if out.returncode == 0 else None

    def vacuum(self, dbname):
        """VACUUM ANALYZE ``dbname``: no dead rows left by rolled-back work,
        fresh statistics."""
        return self._sql("VACUUM ANALYZE", dbname=dbname)

    def drop_db(self, name):
        self._sql('DROP DATABASE IF EXISTS "%s" WITH (FORCE)', name)

    def copy_db(self, source, name):
        """A copy of ``source`` (no connection may be open on it), filestore too."""
        if not self._sql('CREATE DATABASE "%s" TEMPLATE "%s"', name, source):
            return False
        filestore = os.path.join(STATE, "filestore", "filestore")
        if os.path.isdir(os.path.join(filestore, source)):
            shutil.copytree(
                os.path.join(filestore, source),
                os.path.join(filestore, name),
                dirs_exist_ok=True,
            )
        return True


# ---------------------------------------------------------------------------
# Odoo processes
# ---------------------------------------------------------------------------
def free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Odoo's command line (see odoo_server.py: why not ``python3 -m odoo``).
ODOO_SERVER = os.path.join(REPO, "scripts", "odoo_server.py")


def odoo_cmd(python, pg, db, *extra, http_port=None):
    """The command of an Odoo server on ``db``; ``[2:]`` are its options."""
    cmd = [
        python,
        ODOO_SERVER,
        "--addons-path",
        odoo_addons_path(python),
        "--data-dir",
        os.path.join(STATE, "filestore"),
        "-d",
        db,
        "--db-filter",
        f"^{re.escape(db)}$",
        *pg.odoo_args(),
    ]
    if http_port:
        cmd += ["--http-interface", "127.0.0.1", "--http-port", str(http_port)]
    return cmd + list(extra)


# Production-like limits of a prefork server (docker/odoo.conf has the same):
# a request killed after 120 s of wall time or 60 s of CPU, a worker recycled
# above 2 GiB and killed above 2.5 GiB.
PREFORK_LIMITS = {
    "--limit-time-real": "120",
    # the cron worker runs up to ten batches of a background run (or of the
    # SLA cron) in one go: 120 s would kill it in the middle of a run
    "--limit-time-real-cron": "900",
    "--limit-time-cpu": "60",
    "--limit-memory-soft": str(2048 * 1024 * 1024),
    "--limit-memory-hard": str(2560 * 1024 * 1024),
    "--limit-request": "8192",
}


def prefork_args(workers, gevent_port, cron_threads=1):
    """Odoo's options for prefork mode: ``workers`` HTTP workers, a cron
    worker, the gevent (websocket/bus) worker on ``gevent_port``, limits."""
    args = [
        "--workers",
        str(workers),
        "--max-cron-threads",
        str(cron_threads),
        "--gevent-port",
        str(gevent_port),
    ]
    for flag, value in PREFORK_LIMITS.items():
        args += [flag, value]
    return args


def odoo_batch(python, pg, db, *extra, logfile, http_port=None):
    """Run Odoo with --stop-after-init, log to a file; return (returncode, log text)."""
    cmd = odoo_cmd(
        python, pg, db, *extra, "--stop-after-init", http_port=http_port or free_port()
    )
    with open(logfile, "w") as fh:
        rc = run(cmd, check=False, stdout=fh, stderr=subprocess.STDOUT).returncode
    with open(logfile) as fh:
        return rc, fh.read()


# Run by `odoo shell` on the demo database at the end: uninstall the module
# as an admin does, then check that nothing of it stays behind and that every
# remaining view and menu still works.
UNINSTALL_CHECK = """
from odoo import SUPERUSER_ID, api
module = env["ir.module.module"].search([("name", "=", "crm_extension")])
module.button_immediate_uninstall()
env = api.Environment(env.cr, SUPERUSER_ID, {})
problems = []
# Records the module made in other modules' tables stay when something still
# refers to them (a demo product with stock moves), as Odoo does; nothing of
# the module's own models may stay, and no record may be left dangling.
left = env["ir.model.data"].search([("module", "=", "crm_extension")])
for data in left:
    if data.model not in env or not env[data.model].browse(data.res_id).exists():
        problems.append(f"dangling {data.model} {data.name}")
kept = sorted(set(left.mapped("model")))
print("UNINSTALL-KEPT", ", ".join(kept) or "nothing")
views = env["ir.ui.view"].search([("type", "!=", "qweb")])
for view in views:
    try:
        view._check_xml()
    except Exception as exc:
        problems.append(f"broken view {view.xml_id or view.id}: {exc}")
for menu in env["ir.ui.menu"].search([]):
    action = menu.action
    if action and (
        not action.exists()
        or (action._name == "ir.actions.act_window" and action.res_model not in env)
    ):
        problems.append(f"broken menu {menu.complete_name}")
print("UNINSTALL-CHECK", len(views), "views", problems or "OK")
"""

# Run by `odoo shell` before serving the demo database: an API key of the demo
# technician (Tina Technician, login `technician`), for the live tests.
APIKEY_SNIPPET = """
user = env.ref("crm_extension.user_demo_technician")
Keys = env["res.users.apikeys"].with_user(user).sudo()
print("APIKEY", Keys._generate("rpc", "live tests", None))
env.cr.commit()
"""


def odoo_shell(python, pg, db, code, logfile):
    """Run ``code`` in `odoo shell` on ``db``; return its output."""
    with open(logfile, "w") as fh:
        run(
            [python, ODOO_SERVER, "shell", *odoo_cmd(python, pg, db)[2:], "--no-http"],
            check=False,
            input=code,
            text=True,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    with open(logfile) as fh:
        return fh.read()


def demo_api_key(python, pg, db, logdir):
    text = odoo_shell(
        python, pg, db, APIKEY_SNIPPET, logfile=os.path.join(logdir, "apikey.log")
    )
    apikey = re.search(r"^APIKEY (\w+)$", text, re.MULTILINE)
    if not apikey:
        print("\n".join(text.splitlines()[-20:]), file=sys.stderr)
        fail("could not make the demo technician's API key")
    return apikey.group(1)


def check_uninstall(python, pg, db, logdir):
    """Uninstall the module; (ok, summary line)."""
    text = odoo_shell(
        python, pg, db, UNINSTALL_CHECK, logfile=os.path.join(logdir, "uninstall.log")
    )
    verdict = re.search(r"^UNINSTALL-CHECK (\d+) views (.*)$", text, re.MULTILINE)
    kept = re.search(r"^UNINSTALL-KEPT (.*)$", text, re.MULTILINE)
    if verdict and verdict.group(2) == "OK":
        return True, (
            f"uninstall: {verdict.group(1)} views and all menus valid, "
            f"kept because still referenced: {kept.group(1)} -> ok"
        )
    if not verdict:
        print("\n".join(text.splitlines()[-40:]), file=sys.stderr)
    return False, (
        f"uninstall: FAILED ({verdict.group(2) if verdict else 'no verdict'})"
    )


# The module's tables whose rows an upgrade must keep.
UPGRADE_TABLES = (
    "customer_feedback",
    "service_order",
    "service_order_line",
    "service_return",
    "customer_equipment",
    "customer_equipment_event",
    "service_technician",
    "service_sla_policy",
    "service_sla_escalation",
    "rating_rating",
    "helpdesk_ticket",
)

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) ", re.MULTILINE
)


def log_problems(text):
    """Lines logged at ERROR or CRITICAL level, with their first line only."""
    return [
        text[m.start() : text.find("\n", m.start())]
        for m in LOG_LINE.finditer(text)
        if m.group("level") in ("ERROR", "CRITICAL")
    ]


def run_streaming(cmd, **kw):
    """Run a command, echo its output as it comes; return (returncode, last line)."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw
    )
    last = ""
    for line in proc.stdout:
        sys.stdout.write(line)
        if line.strip():
            last = line.strip()
    sys.stdout.flush()
    return proc.wait(), last


def wait_http(url, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    return False


def dependencies():
    """The module's direct dependencies, read from its manifest."""
    import ast

    with open(os.path.join(ADDONS, MODULE, "__manifest__.py")) as fh:
        return ast.literal_eval(fh.read())["depends"]


# ---------------------------------------------------------------------------
# Peer suites: other modules' own tests, with the module and without it
# ---------------------------------------------------------------------------
# The apps whose flows the module extends most, whose own test suites must
# pass with it as they do without it.
PEER_SUITES = ("sale_stock", "helpdesk_mgmt", "helpdesk_mgmt_rating")
PEER_DIFFERENCES = os.path.join(REPO, "tests", "peer_suite_differences.txt")
PEER_LINE = re.compile(
    r"^(?P<test>odoo\.addons\.(?P<module>\w+)\.tests\.[\w.]+)\s+(?P<reason>\S.*)$"
)
SETUP_FAILED = re.compile(r"^setUpClass \((?P<cls>[\w.]+)\)$")


def peer_differences(path=PEER_DIFFERENCES):
    """{test id: reason}: the intended differences, one line each, test id then
    reason; blank lines and lines starting with # are ignored."""
    intended = {}
    where = os.path.relpath(path, REPO)
    with open(path) as fh:
        for number, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            match = PEER_LINE.match(line)
            if not match or match["module"] not in PEER_SUITES:
                raise ValueError(
                    f"{where}:{number}: write a test id of "
                    f"{', '.join(PEER_SUITES)} (odoo.addons.<module>.tests."
                    f"<file>.<class>.<method>), then its reason: {line!r}"
                )
            if match["test"] in intended:
                raise ValueError(f"{where}:{number}: {match['test']} is listed twice")
            intended[match["test"]] = match["reason"]
    return intended


def run_peer_suites(python, pg, db, logfile):
    """Run the peer suites on ``db`` with its whole registry; the runner's
    report ({module: {"ran": [...], "failed": {...}, "skipped": {...}}}), or
    None when it did not finish."""
    report = os.path.splitext(logfile)[0] + ".json"
    with contextlib.suppress(FileNotFoundError):
        os.remove(report)
    cmd = [
        python,
        os.path.join(REPO, "scripts", "peer_suites.py"),
        "--modules",
        ",".join(PEER_SUITES),
        "--report",
        report,
        "--",
        *odoo_cmd(python, pg, db, http_port=free_port())[2:],
    ]
    with open(logfile, "w") as fh:
        rc = run(cmd, check=False, stdout=fh, stderr=subprocess.STDOUT).returncode
    if rc or not os.path.exists(report):
        with open(logfile) as fh:
            print("\n".join(fh.read().splitlines()[-40:]), file=sys.stderr)
        return None
    with open(report) as fh:
        return json.load(fh)


def _not_passed(suite):
    """{test id: outcome} of the tests of one suite that did not pass."""
    outcome = dict(suite["failed"])
    for test in suite["skipped"]:
        outcome.setdefault(test, "skipped")
    return outcome


def compare_peer_suites(baseline, with_module, intended):
    """Judge the peer suites by their results: (ok, summary lines, details).

    A test differs when it passed without the module and, with it, failed,
    was skipped or did not run; each must be an intended difference, and
    each intended difference must still differ."""
    ok = True
    lines, details = [], []
    for module in PEER_SUITES:
        base, mod = baseline.get(module), with_module.get(module)
        if not base or not mod or not base["ran"]:
            ok = False
            lines.append(f"{module}: no test ran -> FAILED")
            continue
        before, after = _not_passed(base), _not_passed(mod)
        differ = {test: why for test, why in after.items() if test not in before}
        # A class whose setUpClass failed runs none of its tests: that error
        # stands for them.
        broken = tuple(
            m["cls"] + "." for m in map(SETUP_FAILED.match, mod["failed"]) if m
        )
        ran = set(mod["ran"])
        for test in base["ran"]:
            if test not in ran and test not in before and not test.startswith(broken):
                differ[test] = "not run"
        expected = {
            test for test in intended if test.startswith(f"odoo.addons.{module}.")
        }
        beyond = sorted(set(differ) - expected)
        stale = sorted(expected - set(differ))
        for test in beyond:
            details.append(f"{module}: {differ[test]} only with {MODULE}: {test}")
        for test in stale:
            details.append(
                f"{module}: listed in {os.path.relpath(PEER_DIFFERENCES, REPO)} "
                f"but no longer differs, remove it: {test}"
            )
        suite_ok = not beyond and not stale
        ok = ok and suite_ok
        failed = len(mod["failed"])
        line = (
            f"{module}: {len(mod['ran'])} run ({len(base['ran'])} without "
            f"{MODULE}), {len(mod['skipped'])} skipped, {failed} failed "
            f"({len(base['failed'])} without), {len(beyond)} failed beyond "
            f"baseline"
        )
        if expected:
            line += f", {len(expected) - len(stale)} intended"
        if stale:
            line += f", {len(stale)} listed but no longer different"
        lines.append(f"{line} -> {'ok' if suite_ok else 'FAILED'}")
    return ok, lines, details


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------
def cmd_run(args):
    python = odoo_python()
    ensure_system_packages({"initdb", "wkhtmltopdf"})
    pip_install(python, os.path.join(REPO, "requirements.txt"))
    pg = Postgres(python).ensure()
    os.makedirs(STATE, exist_ok=True)
    demo = [] if args.demo else ["--without-demo", "all"]
    logfile = os.path.join(STATE, f"{args.db}-install.log")
    where = os.path.relpath(logfile, REPO)
    log(f"installing or updating {MODULE} in {args.db!r} (log: {where})")
    rc, text = odoo_batch(
        python, pg, args.db, "-i", MODULE, "-u", MODULE, *demo, logfile=logfile
    )
    problems = log_problems(text)
    if rc or problems:
        print("\n".join(problems or text.splitlines()[-40:]), file=sys.stderr)
        fail(f"installing {MODULE} failed")
    url = f"http://localhost:{args.port}"
    extra = ["--http-port", str(args.port)]
    if args.workers:
        gevent_port = args.gevent_port or args.port + 3
        extra += prefork_args(args.workers, gevent_port)
        log(
            f"prefork mode: {args.workers} HTTP workers, 1 cron worker, "
            f"websocket/bus on port {gevent_port}"
        )
    log(f"serving Odoo on {url} (database {args.db!r}, login admin / admin)")
    cmd = odoo_cmd(python, pg, args.db, *extra)
    proc = subprocess.Popen(cmd)

    def forward(signum, _frame):
        proc.send_signal(signum)

    # Ctrl-C or a plain kill stops Odoo first, then the private cluster.
    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    try:
        return proc.wait()
    finally:
        if not args.keep_postgres:
            pg.stop()


def lint(python):
    log("ruff and pylint-odoo mandatory checks")
    problems = 0
    targets = ["addons", "scripts", "tests"]
    for cmd in (
        ["ruff", "check", *targets],
        ["ruff", "format", "--check", *targets],
        ["pylint", "--rcfile", ".pylintrc-mandatory", os.path.join("addons", MODULE)],
        ["oca_pre_commit_hooks.cli", os.path.join("addons", MODULE)],
        [
            "oca_pre_commit_hooks.cli_po",
            *sorted(glob.glob(os.path.join(ADDONS, MODULE, "i18n", "*.po*"))),
        ],
    ):
        out = run(
            [python, "-m", *cmd], cwd=REPO, check=False, capture_output=True, text=True
        )
        if out.returncode:
            problems += 1
            print(out.stdout, out.stderr, sep="", file=sys.stderr)
    return problems == 0


# ---------------------------------------------------------------------------
# Load and fault test: a prefork server on a copy of the demo database
# ---------------------------------------------------------------------------
LOAD_FAULTS = ("worker-kill", "db-restart", "cron-kill")
LOAD_WORKERS = 4


def load_python():
    """The interpreter of a virtualenv with requirements-dev.txt (Locust
    wants newer gevent and Werkzeug than Odoo 18, so not Odoo's own)."""
    venv = os.path.join(STATE, "loadvenv")
    python = os.path.join(venv, "bin", "python")
    requirements = os.path.join(REPO, "requirements-dev.txt")
    with open(requirements, "rb") as fh:
        stamp = hashlib.sha256(fh.read()).hexdigest()
    stamp_file = os.path.join(venv, "requirements-dev.sha256")
    if os.path.exists(stamp_file):
        with open(stamp_file) as fh:
            if fh.read().strip() == stamp:
                return python
    if not os.path.exists(python):
        log(f"creating the load test's virtualenv in {os.path.relpath(venv, REPO)}")
        run([sys.executable, "-m", "venv", venv], stdout=subprocess.DEVNULL)
    pip_install(python, requirements)
    with open(stamp_file, "w") as fh:
        fh.write(stamp)
    return python


def load_phase(
    python,
    pg,
    db_source,
    logdir,
    summary,
    duration=60,
    users=12,
    faults=None,
    keep=False,
):
    """Copy ``db_source``, serve the copy in prefork mode (4 workers, a cron
    worker, a gevent port), run ``scripts.loadtest`` against it with one fault
    of each kind, stop the server; add a summary line. True when no invariant
    is violated."""
    faults = list(LOAD_FAULTS if faults is None else faults)
    restart = pg.restart_cmd()
    if "db-restart" in faults and not restart:
        log(
            "load test: PostgreSQL is not this script's own cluster and "
            "CRM_EXT_PG_RESTART_CMD is not set: no db-restart fault"
        )
        faults.remove("db-restart")
    db_load = f"{db_source}_load"
    pg.drop_db(db_load)
    if not pg.copy_db(db_source, db_load):
        summary.append(f"load test: could not copy {db_source} -> FAILED")
        log(summary[-1])
        return False
    venv_python = load_python()
    port, gevent_port = free_port(), free_port()
    server_log = open(os.path.join(logdir, "load-server.log"), "w")  # noqa: SIM115
    server = subprocess.Popen(
        odoo_cmd(
            python,
            pg,
            db_load,
            *prefork_args(LOAD_WORKERS, gevent_port),
            http_port=port,
        ),
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    result, rc = None, 1
    try:
        if not wait_http(f"{url}/web/login"):
            summary.append("load test: the prefork server did not answer -> FAILED")
            log(summary[-1])
            return False
        log(
            f"load test: {users} users for {duration} s against {url} "
            f"({LOAD_WORKERS} workers), faults: {', '.join(faults) or 'none'}"
        )
        cmd = [
            venv_python,
            "-m",
            "scripts.loadtest",
            "--url",
            url,
            "--db",
            db_load,
            "--login",
            "admin",
            "--password",
            "admin",
            "--duration",
            str(duration),
            "--users",
            str(users),
            "--server-pid",
            str(server.pid),
            "--db-dsn",
            f"{pg.dsn()} dbname={db_load}",
            "--json",
        ]
        for fault in faults:
            cmd += ["--fault", fault]
        if restart:
            cmd += ["--pg-restart-cmd", restart]
        rc, last = run_streaming(cmd, cwd=REPO)
        with contextlib.suppress(ValueError):
            result = json.loads(last)
    finally:
        server.terminate()
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        server_log.close()
        if not keep:
            pg.drop_db(db_load)
    if not result:
        summary.append(f"load test: no result (exit {rc}) -> FAILED")
        log(summary[-1])
        return False
    violations = sum(max(v, 0) for v in result["invariants"].values())
    p95 = max(
        (
            ms
            for kind, ms in result["p95_ms"].items()
            if kind.startswith(("portal", "api_")) and "login" not in kind
        ),
        default=0,
    )
    degraded = ", ".join(
        f"{kind} {info['degraded_s']:.0f} s" for kind, info in result["fault"].items()
    )
    ok = rc == 0 and violations == 0
    summary.append(
        f"load test: {result['requests']} requests from {result['users']} users in "
        f"{result['duration_s']} s, {result['errors']} errors "
        f"({result['errors_5xx_outside_faults']} 5xx outside faults), p95 portal/API "
        f"{p95} ms, degraded: {degraded or 'no fault'}, {violations} invariant "
        f"violations -> {'ok' if ok else 'FAILED'}"
    )
    log(summary[-1])
    return ok


def peer_suites(python, pg, db_base, db_tests, logdir, summary):
    """Run the peer suites without the module and with it, add a summary line
    per suite; True when no test differs beyond the intended differences."""
    try:
        intended = peer_differences()
    except ValueError as exc:
        summary.append(f"peer suites: {exc} -> FAILED")
        log(summary[-1])
        return False
    reports = {}
    for db, label in ((db_base, "baseline"), (db_tests, "module")):
        t0 = time.monotonic()
        log(f"peer suites {', '.join(PEER_SUITES)} on {db} ({label})")
        logfile = os.path.join(logdir, f"peer-suites-{label}.log")
        reports[label] = run_peer_suites(python, pg, db, logfile)
        log(f"peer suites on {db}: {time.monotonic() - t0:.0f} s")
        if reports[label] is None:
            summary.append(f"peer suites ({label}): did not finish -> FAILED")
            log(summary[-1])
            return False
    ok, lines, details = compare_peer_suites(
        reports["baseline"], reports["module"], intended
    )
    for line in details:
        print(line, file=sys.stderr)
    for line in lines:
        summary.append(line)
        log(line)
    return ok


# ---------------------------------------------------------------------------
# scripts/test: one function per phase, run in order by cmd_test
# ---------------------------------------------------------------------------
def phase_prerequisites():
    """Odoo's interpreter, with the system packages and Python requirements
    the run needs; exits when browser tests could not run."""
    python = odoo_python()
    ensure_system_packages({"initdb", "chromium", "wkhtmltopdf", "pdftotext"})
    pip_install(python, os.path.join(REPO, "requirements.txt"))
    check = run([python, "-c", "import websocket"], check=False, capture_output=True)
    if check.returncode:
        fail("websocket-client is missing: Odoo would skip every browser test")
    return python


def phase_lint(python, args):
    """ruff and pylint-odoo, unless ``--no-lint``; False when they complain."""
    if not args.no_lint and not lint(python):
        log("lint: FAILED")
        return False
    return True


def phase_dependencies(python, pg, db_tests, db_base, logdir):
    """The dependencies and the peer suites' apps, without tests and without
    demo data, into ``db_tests``, copied to ``db_base`` (the peer suites'
    baseline, without the module); exits when that fails."""
    log(f"installing the dependencies into {db_tests} (no demo data)")
    deps = ",".join(dict.fromkeys([*dependencies(), *PEER_SUITES]))
    rc, text = odoo_batch(
        python,
        pg,
        db_tests,
        "-i",
        deps,
        "--without-demo",
        "all",
        logfile=os.path.join(logdir, "deps.log"),
    )
    if rc or log_problems(text):
        print(
            "\n".join(log_problems(text) or text.splitlines()[-40:]),
            file=sys.stderr,
        )
        fail("installing the dependencies failed")
    # The same database without the module: the peer suites' baseline.
    if not pg.copy_db(db_tests, db_base):
        fail(f"could not copy {db_tests} to {db_base}")


def phase_module_tests(python, pg, db_tests, logdir, summary):
    """The module with its own tests only (TransactionCase and HttpCase) on
    ``db_tests``; adds a summary line, True when they all passed."""
    log(f"installing {MODULE} with its tests (TransactionCase and HttpCase)")
    rc, text = odoo_batch(
        python,
        pg,
        db_tests,
        "-i",
        MODULE,
        "--without-demo",
        "all",
        "--test-enable",
        "--test-tags",
        f"/{MODULE}",
        "--log-level",
        "test",
        logfile=os.path.join(logdir, "module-tests.log"),
    )
    ran = len(re.findall(r" odoo\.addons\.\S+: Starting \S+ \.\.\.", text))
    skipped = re.findall(r": skipped (.*)", text)
    problems = log_problems(text)
    for line in problems:
        print(line, file=sys.stderr)
    for line in skipped:
        print(f"skipped: {line}", file=sys.stderr)
    failed = len([p for p in problems if re.search(r" (FAIL|ERROR): ", p)])
    module_ok = rc == 0 and not problems and not skipped and ran > 0
    summary.append(
        f"module tests: {ran} run, {failed} failed, {len(skipped)} skipped, "
        f"{len(problems)} error lines -> {'ok' if module_ok else 'FAILED'}"
    )
    log(summary[-1])
    return module_ok


def phase_demo_database(python, pg, db_live, logdir, summary):
    """The module with demo data into ``db_live``, as users get it, then
    upgraded in place (-u), as admins do: every record must survive. Adds
    summary lines; True when both went well."""
    ok = True
    log(f"installing {MODULE} with demo data into {db_live}")
    rc, text = odoo_batch(
        python,
        pg,
        db_live,
        "-i",
        MODULE,
        logfile=os.path.join(logdir, "demo-install.log"),
    )
    if rc or log_problems(text):
        print(
            "\n".join(log_problems(text) or text.splitlines()[-40:]),
            file=sys.stderr,
        )
        summary.append("install with demo data: FAILED")
        ok = False

    before = pg.table_counts(db_live, UPGRADE_TABLES)
    rc, text = odoo_batch(
        python,
        pg,
        db_live,
        "-u",
        MODULE,
        logfile=os.path.join(logdir, "upgrade.log"),
    )
    after = pg.table_counts(db_live, UPGRADE_TABLES)
    upgrade_ok = rc == 0 and not log_problems(text) and bool(before) and before == after
    total = sum((before or {}).values())
    summary.append(
        f"upgrade (-u) of the demo database: {total} records kept "
        f"-> {'ok' if upgrade_ok else 'FAILED'}"
    )
    if not upgrade_ok:
        print("\n".join(log_problems(text)), before, after, file=sys.stderr)
    return ok and upgrade_ok


def phase_live_pytest(python, pg, db_live, logdir, summary, started, pytest_args):
    """Serve ``db_live`` (with the database manager, for the backup and
    restore test) and run pytest's tests/ against it, then stop the server.
    Returns (True when pytest passed, pytest's last line)."""
    server = None
    try:
        apikey = demo_api_key(python, pg, db_live, logdir)
        port = free_port()
        # the database manager (backup and restore test) with a master
        # password of this run only
        master_password = secrets.token_urlsafe(18)
        server_conf = os.path.join(logdir, "server.conf")
        with open(server_conf, "w") as fh:
            fh.write(f"[options]\nadmin_passwd = {master_password}\nlist_db = True\n")
        server_log = open(os.path.join(logdir, "server.log"), "w")  # noqa: SIM115
        server = subprocess.Popen(
            odoo_cmd(
                python,
                pg,
                db_live,
                "-c",
                server_conf,
                "--workers",
                "0",
                "--max-cron-threads",
                "0",
                http_port=port,
            ),
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        if not wait_http(f"http://127.0.0.1:{port}/web/login"):
            fail("the Odoo server did not answer on /web/login")
        for line in summary:
            log(line)
        log(f"pytest tests/ against http://127.0.0.1:{port} (database {db_live})")
        env = dict(
            os.environ,
            CRM_EXT_URL=f"http://127.0.0.1:{port}",
            CRM_EXT_HOST="127.0.0.1",
            CRM_EXT_PORT=str(port),
            CRM_EXT_DB=db_live,
            CRM_EXT_USER="admin",
            CRM_EXT_PASSWORD="admin",
            CRM_EXT_TECH_LOGIN="technician",
            CRM_EXT_TECH_APIKEY=apikey,
            CRM_EXT_ODOO_PYTHON=python,
            CRM_EXT_MASTER_PASSWORD=master_password,
            CRM_EXT_PG_DSN=pg.dsn(),
        )
        log(f"elapsed before pytest: {time.monotonic() - started:.0f} s")
        pytest_rc, last_line = run_streaming(
            [
                python,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "-q",
                os.path.join(REPO, "tests"),
                *pytest_args,
            ],
            cwd=REPO,
            env=env,
        )
        server.terminate()
        server.wait(30)
        server = None
    finally:
        if server:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
    return pytest_rc == 0, last_line


def phase_load_test(python, pg, db_live, logdir, summary, keep):
    """Production mode under load, with faults: a prefork server on a copy of
    the demo database; any invariant violation fails the run."""
    t0 = time.monotonic()
    ok = load_phase(python, pg, db_live, logdir, summary, keep=keep)
    log(f"load test phase: {time.monotonic() - t0:.0f} s")
    return ok


def phase_uninstall(python, pg, db_live, logdir, summary):
    """Uninstall, as admins may: no record of the module stays behind, every
    remaining view and menu still works. Adds a summary line."""
    log(f"uninstalling {MODULE} from {db_live}")
    uninstall_ok, line = check_uninstall(python, pg, db_live, logdir)
    summary.append(line)
    log(line)
    return uninstall_ok


def phase_cleanup(pg, keep, *databases):
    """Drop the run's databases (unless ``--keep``) and stop a private cluster."""
    if not keep:
        for db in databases:
            pg.drop_db(db)
    pg.stop()


def cmd_test(args):
    """``scripts/test``: the phases above, in order; 0 when every one passed."""
    started = time.monotonic()
    python = phase_prerequisites()
    ok = phase_lint(python, args)
    pg = Postgres(python).ensure()
    os.makedirs(os.path.join(STATE, "logs"), exist_ok=True)
    token = secrets.token_hex(3)
    db_tests = f"crmext_test_{token}"
    db_live = f"crmext_live_{token}"
    db_base = f"crmext_base_{token}"
    summary = []
    last_line = ""
    try:
        logdir = os.path.join(STATE, "logs")
        # 1. Module tests on a database without demo data: dependencies first,
        #    without tests, then the module with its own tests only.
        phase_dependencies(python, pg, db_tests, db_base, logdir)
        ok = phase_module_tests(python, pg, db_tests, logdir, summary) and ok
        # 1b. Other apps' own test suites, with the whole registry loaded, on
        #     the same database with the module and without it.
        ok = peer_suites(python, pg, db_base, db_tests, logdir, summary) and ok
        # 2. A database with demo data, as users get it, served for the live
        #    tests; 3. upgraded in place first.
        ok = phase_demo_database(python, pg, db_live, logdir, summary) and ok
        pytest_ok, last_line = phase_live_pytest(
            python, pg, db_live, logdir, summary, started, args.pytest_args
        )
        ok = ok and pytest_ok
        # 3b. Production mode under load, with faults.
        ok = phase_load_test(python, pg, db_live, logdir, summary, args.keep) and ok
        # 4. Uninstall: no record of the module stays behind.
        ok = phase_uninstall(python, pg, db_live, logdir, summary) and ok
    finally:
        phase_cleanup(pg, args.keep, db_tests, db_live, db_base)
    for line in summary:
        log(line)
    # pytest's summary line is the last line printed.
    if last_line:
        print(last_line, flush=True)
    return 0 if ok else 1


def cmd_loadtest(args):
    """The load test on its own: a demo database (``--db``, or a new one),
    copied and served in prefork mode, as in ``scripts/test`` but longer."""
    python = odoo_python()
    ensure_system_packages({"initdb", "wkhtmltopdf"})
    pip_install(python, os.path.join(REPO, "requirements.txt"))
    pg = Postgres(python).ensure()
    logdir = os.path.join(STATE, "logs")
    os.makedirs(logdir, exist_ok=True)
    source, made = args.db, False
    summary = []
    try:
        if not source:
            source, made = f"crmext_loadsrc_{secrets.token_hex(3)}", True
            log(f"installing {MODULE} with demo data into {source}")
            rc, text = odoo_batch(
                python,
                pg,
                source,
                "-i",
                MODULE,
                logfile=os.path.join(logdir, "load-install.log"),
            )
            if rc or log_problems(text):
                print("\n".join(log_problems(text) or text.splitlines()[-40:]))
                fail("installing the module with demo data failed")
        faults = [] if args.no_faults else (args.fault or None)
        ok = load_phase(
            python,
            pg,
            source,
            logdir,
            summary,
            duration=args.duration,
            users=args.users,
            faults=faults,
            keep=args.keep,
        )
    finally:
        if made and not args.keep:
            pg.drop_db(source)
        pg.stop()
    return 0 if ok else 1


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="devstack", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="install or update the module and serve Odoo")
    p_run.add_argument("--db", default=os.environ.get("CRM_EXT_DB", "crm_extension"))
    p_run.add_argument(
        "--port", type=int, default=int(os.environ.get("CRM_EXT_PORT", "8069"))
    )
    p_run.add_argument(
        "--no-demo", dest="demo", action="store_false", help="without demo data"
    )
    p_run.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("CRM_EXT_WORKERS", "0")),
        help="prefork mode with N HTTP workers, a cron worker and a gevent "
        "port (default 0: one threaded process)",
    )
    p_run.add_argument(
        "--gevent-port",
        type=int,
        default=None,
        help="websocket/bus port in prefork mode (default: --port + 3)",
    )
    p_run.add_argument(
        "--keep-postgres", action="store_true", help="leave a private cluster running"
    )
    p_test = sub.add_parser(
        "test", help="run the module tests and the live pytest suite"
    )
    p_test.add_argument("--keep", action="store_true", help="keep the test databases")
    p_test.add_argument(
        "--no-lint", action="store_true", help="skip ruff and pylint-odoo"
    )
    p_test.add_argument("pytest_args", nargs="*", help="extra arguments for pytest")
    p_load = sub.add_parser(
        "loadtest",
        help="the load and fault test on a prefork server (default: 5 minutes, "
        "55 users, one fault of each kind)",
    )
    p_load.add_argument(
        "--db", help="a demo database with the module to copy (default: a new one)"
    )
    p_load.add_argument("--duration", type=int, default=300)
    p_load.add_argument("--users", type=int, default=55)
    p_load.add_argument("--fault", action="append", choices=LOAD_FAULTS)
    p_load.add_argument("--no-faults", action="store_true")
    p_load.add_argument("--keep", action="store_true", help="keep the databases")
    args = parser.parse_args(argv)
    commands = {"run": cmd_run, "test": cmd_test, "loadtest": cmd_loadtest}
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
