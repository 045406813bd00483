# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Benchmark of crm_extension at scale, against twin databases.

    python3 -m scripts.bench_scale --tickets 200000 [--rounds 3] [--keep]
        [--template base18] [--api-rows 10000] [--no-write]

Builds two databases on the same PostgreSQL server from TEMPLATE (the
dependencies installed, no demo): ``scale_base_<N>`` keeps the dependencies
only, ``scale_ext_<N>`` gets crm_extension installed. Both get the same data:
2,000 customer companies with 2 contacts each, 18,000 more customer
companies (so the segments cron sees 20,000 customers), and N tickets, 60 %
in a closed stage. The crm_extension twin also gets customer feedback (5 per
company), service orders (3), equipment (2, half due for maintenance within
30 days), posted customer invoices over 24 months (24 per company, 1 per
further customer), ratings on a fifth of the closed tickets, and a
service-level policy on the company's working calendar that covers every
ticket.

How the rows are made: partners, the team and the policy through the ORM
(batched ``create`` with ``tracking_disable`` and ``mail_create_nolog``);
the bulk rows (tickets, feedback, orders, equipment, invoices, ratings)
with one ``INSERT ... SELECT`` each, because the ORM adds nothing these
figures read: tickets get the stored values the ORM would compute (commercial
partner, SLA deadlines and status); invoices are posted headers with their
untaxed amounts and no lines (the figures and the segments cron read
``account_move`` only).

Timing runs in-process, in ``odoo shell`` (registry and cursor, warm caches
of a running server, the record cache cleared before each measure), through
the methods the web client calls: ``web_save``, ``web_search_read`` and
``web_read`` with the specification built from ``get_views`` (the default
list, kanban and form views), ``web_read_group`` then one ``web_search_read``
per unfolded stage for the kanban. Reads run as the admin user (record rules
apply), crons as the superuser, as ``ir.cron`` does. Each round opens one
shell per twin, the order alternating between rounds; a figure is the median
of its repetitions in a round, then the median over rounds. Every measure
that writes is rolled back, and each round starts with a ``VACUUM ANALYZE``
of its database, so each round sees the same data and the same tables (the
rolled-back cron passes would otherwise leave each round more dead rows).

Prints one table with the ratios and the targets and writes it, with the
machine, into docs/benchmarks.md (one section per ticket count). Run it with
the PostgreSQL server that libpq reaches (``PGHOST``, ``PGUSER``) or the
private cluster of ``devstack``; ``CRM_EXT_STATE`` names the filestore's
folder. The databases are dropped at the end unless ``--keep``.
"""

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time

if __package__:
    from . import devstack
else:
    import devstack

DOC = os.path.join(devstack.REPO, "docs", "benchmarks.md")
HTTP_PORT = 8192
# (measure key, label, target kind, target value). Kinds: "ratio" compares
# the crm_extension twin with the base twin (ext / base <= value), "ms" and
# "s" are absolute ceilings on the crm_extension twin, "queries" a ceiling
# on its query count, "min_ratio" a floor on a ratio of two rates.
ROWS = [
    ("ticket_create", "ticket create (web_save), ms", "ratio", 1.3),
    ("feedback_create", "feedback create (web_save), ms", "ratio", 1.3),
    ("ticket_list", "ticket list, first 80 open, ms", "ratio", 1.2),
    ("ticket_kanban", "ticket kanban by stage, ms", "ratio", 1.2),
    ("ticket_form", "ticket form read, ms", "ratio", 1.2),
    ("partner_form", "partner form read, ms", "ratio", 1.5),
    ("figures_1", "figures, 1 partner, ms", "ms", 30),
    ("figures_1_queries", "figures, 1 partner, queries", "queries", 20),
    ("figures_40", "figures, 40 partners, ms", None, None),
    ("figures_40_queries", "figures, 40 partners, queries", "queries", 20),
    ("figures_200", "figures, 200 partners, ms", None, None),
    ("figures_200_queries", "figures, 200 partners, queries", "queries", 20),
    ("bare_pass", "bare search+write pass over open tickets, s", None, None),
    ("sla_cron", "SLA cron over open tickets, s", "vs_bare", 1.5),
    ("sla_per_100k", "SLA cron per 100k open tickets, s", "s", 30),
    ("segments_cron", "segments cron, 20,000 customers, s", "s", 60),
    ("maintenance_cron", "maintenance cron, s", None, None),
    ("api_rate", "api_submit vs res.partner create, rows/s", "min_ratio", 0.5),
]

FILL_SNIPPET = """
import json, time
ARGS = {args!r}
N, EXT = ARGS["tickets"], ARGS["ext"]
started = time.time()
env = env(context=dict(
    env.context, tracking_disable=True, mail_create_nolog=True,
    mail_create_nosubscribe=True, mail_notrack=True,
))
cr = env.cr
company = env.company
team = env["helpdesk.ticket.team"].create({{"name": "Scale"}})
stages = {{s.name: s.id for s in env["helpdesk.ticket.stage"].search([])}}
policy_id = None
if EXT:
    policy_id = env["service.sla.policy"].create({{
        "name": "Scale",
        "applies_to": "ticket",
        "team_ids": [(6, 0, team.ids)],
        "calendar_id": company.resource_calendar_id.id,
        "response_hours": 4,
        "resolution_hours": 16,
    }}).id
Partner = env["res.partner"]
companies = Partner.create([
    {{"name": f"Customer {{i:05d}}", "is_company": True, "customer_rank": 1,
     "email": f"customer{{i}}@example.com", "city": "Lyon"}}
    for i in range(2000)
])
contacts = Partner.create([
    {{"name": f"Contact {{i:05d}}-{{j}}", "parent_id": c.id,
     "email": f"contact{{i}}-{{j}}@example.com"}}
    for i, c in enumerate(companies) for j in range(2)
])
env.flush_all()
# The further customers of the segments cron: plain company rows.
cr.execute(
    "INSERT INTO res_partner (name, complete_name, is_company, customer_rank,"
    " active, type, autopost_bills, company_id, create_date, write_date,"
    " create_uid, write_uid)"
    " SELECT 'Small customer ' || g, 'Small customer ' || g, true, 1, true,"
    " 'contact', 'ask', NULL, now(), now(), 1, 1"
    " FROM generate_series(1, 18000) g"
)
cr.execute(
    "UPDATE res_partner SET commercial_partner_id = id"
    " WHERE commercial_partner_id IS NULL"
)
columns = [
    "number", "name", "description", "partner_id", "commercial_partner_id",
    "partner_name", "partner_email", "stage_id", "unattended", "team_id",
    "company_id", "priority", "active", "rating_status", "sequence",
    "kanban_state", "color", "create_date", "write_date", "create_uid",
    "write_uid", "last_stage_update", "closed_date",
]
values = [
    "'HT' || lpad(g::text, 7, '0')", "'Ticket ' || g", "'<p>Scale benchmark</p>'",
    "c.id", "c.commercial_partner_id", "c.name", "c.email", "s.id",
    "s.unattended", "%(team)s", "%(company)s", "(g %% 4)::text", "true",
    "'stage_change'", "10", "'normal'", "0", "d.created", "d.created", "1", "1",
    "d.created", "CASE WHEN s.closed THEN d.created + interval '1 day' END",
]
if EXT:
    columns += [
        "sla_policy_id", "sla_start_date", "sla_response_deadline",
        "sla_deadline", "sla_status", "sla_paused_hours", "escalation_level",
    ]
    values += [
        "%(policy)s", "d.created", "d.created + interval '4 hours'",
        "d.created + interval '2 days'",
        "CASE WHEN s.closed THEN 'met' WHEN d.created < now() - interval '2 days'"
        " THEN 'breached' ELSE 'ok' END", "0", "0",
    ]
cr.execute(
    "INSERT INTO helpdesk_ticket (" + ", ".join(columns) + ") SELECT "
    + ", ".join(values) +
    " FROM generate_series(1, %(n)s) g"
    " CROSS JOIN LATERAL (SELECT abs(hashint4(g)) AS h) r"
    " JOIN (SELECT id, commercial_partner_id, name, email,"
    "       (row_number() OVER (ORDER BY id)) - 1 AS k"
    "       FROM res_partner WHERE id = ANY(%(contacts)s)) c ON c.k = g %% 4000"
    " JOIN helpdesk_ticket_stage s ON s.id = CASE"
    "   WHEN r.h %% 10 < 6 THEN CASE WHEN r.h %% 20 = 0 THEN %(cancel)s"
    "        ELSE %(done)s END"
    "   ELSE (ARRAY[%(new)s, %(progress)s, %(awaiting)s])[1 + r.h %% 3] END"
    " CROSS JOIN LATERAL (SELECT CASE WHEN r.h %% 10 < 6"
    "   THEN now() - ((r.h %% 730) * interval '1 day')"
    "   ELSE now() - ((r.h %% 720) * interval '1 hour') END AS created) d",
    dict(
        n=N, team=team.id, company=company.id, policy=policy_id,
        contacts=contacts.ids, cancel=stages["Cancelled"], done=stages["Done"],
        new=stages["New"], progress=stages["In Progress"],
        awaiting=stages["Awaiting"],
    ),
)
tables = ["res_partner", "helpdesk_ticket"]
if EXT:
    common = dict(companies=companies.ids, company=company.id, team=team.id)
    # company k (0-based) and its contacts, for the rows of each document
    base = (
        " FROM (SELECT id, commercial_partner_id,"
        " (row_number() OVER (ORDER BY id)) - 1 AS k FROM res_partner"
        " WHERE id = ANY(%(companies)s)) p CROSS JOIN generate_series(0, {{m}}) j"
    )
    cr.execute(
        "INSERT INTO customer_feedback (name, partner_id, commercial_partner_id,"
        " feedback_type, channel, state, priority, company_id, team_id, color,"
        " create_date, write_date, create_uid, write_uid, access_token,"
        " sla_paused_hours, escalation_level)"
        " SELECT 'Feedback ' || p.k || '-' || j, p.id, p.id,"
        " (ARRAY['complaint', 'suggestion', 'praise', 'question'])[1 + (p.k + j) %% 4],"
        " 'email', CASE WHEN (p.k + j) %% 3 = 0 THEN 'new' ELSE 'resolved' END,"
        " '1', %(company)s, %(team)s, 0,"
        " now() - ((p.k * 5 + j) %% 730) * interval '1 day', now(), 1, 1,"
        " md5(p.k || '-' || j || '-fb'), 0, 0" + base.format(m=4),
        common,
    )
    cr.execute(
        "INSERT INTO service_order (name, partner_id, commercial_partner_id,"
        " state, service_type, location_type, priority, company_id,"
        " amount_charged, amount_cost, amount_margin, date_done, create_date,"
        " write_date, create_uid, write_uid, access_token)"
        " SELECT 'SO-SCALE-' || p.k || '-' || j, p.id, p.id,"
        " CASE WHEN j < 2 THEN 'done' ELSE 'draft' END, 'repair', 'onsite', '1',"
        " %(company)s, 100 + p.k %% 400, 60 + p.k %% 200,"
        " 40 + p.k %% 400 - p.k %% 200,"
        " CASE WHEN j < 2 THEN now() - ((p.k + j * 97) %% 700) * interval '1 day'"
        " END, now() - ((p.k + j * 97) %% 700) * interval '1 day', now(), 1, 1,"
        " md5(p.k || '-' || j || '-so')" + base.format(m=2),
        common,
    )
    cr.execute(
        "INSERT INTO customer_equipment (name, serial, partner_id,"
        " commercial_partner_id, state, company_id, install_date,"
        " next_maintenance_date, maintenance_interval_days, create_date,"
        " write_date, create_uid, write_uid)"
        " SELECT 'Unit ' || p.k || '-' || j, 'SN-' || p.k || '-' || j, p.id, p.id,"
        " 'active', %(company)s, current_date - 400,"
        " current_date + ((p.k + j) %% 60)::int, 180, now(), now(), 1, 1"
        + base.format(m=1),
        common,
    )
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    invoice = dict(
        journal=journal.id, company=company.id, currency=company.currency_id.id,
        companies=companies.ids,
    )
    cr.execute(
        "INSERT INTO account_move (name, sequence_prefix, sequence_number,"
        " move_type, state, auto_post, journal_id, company_id, currency_id,"
        " partner_id, commercial_partner_id, date, invoice_date,"
        " invoice_date_due, amount_untaxed, amount_untaxed_signed, amount_tax,"
        " amount_tax_signed, amount_total, amount_total_signed,"
        " amount_total_in_currency_signed, amount_residual,"
        " amount_residual_signed, payment_state, create_date, write_date,"
        " create_uid, write_uid)"
        " SELECT 'INV/SCALE/' || lpad(row_number() OVER ()::text, 7, '0'),"
        " 'INV/SCALE/', row_number() OVER (), 'out_invoice', 'posted', 'no',"
        " %(journal)s, %(company)s, %(currency)s, p.id, p.id, x.day, x.day,"
        " x.day + 30, x.amount, x.amount, 0, 0, x.amount, x.amount, x.amount,"
        " x.amount, x.amount, 'not_paid', now(), now(), 1, 1"
        " FROM (SELECT id, (row_number() OVER (ORDER BY id)) - 1 AS k,"
        "       id = ANY(%(companies)s) AS main FROM res_partner"
        "       WHERE is_company AND customer_rank > 0) p"
        " CROSS JOIN generate_series(0, 23) m"
        " CROSS JOIN LATERAL (SELECT"
        "   (current_date - m * interval '1 month')::date - (p.k %% 28)::int AS day,"
        "   (50 + (p.k * 37 + m * 11) %% 5000)::numeric AS amount) x"
        " WHERE p.main OR m = p.k %% 12",
        invoice,
    )
    model_id = env["ir.model"]._get_id("helpdesk.ticket")
    team_model = env["ir.model"]._get_id("helpdesk.ticket.team")
    cr.execute(
        "INSERT INTO rating_rating (res_model, res_model_id, res_id,"
        " parent_res_model, parent_res_model_id, parent_res_id, partner_id,"
        " rating, consumed, access_token, nps_answered, nps_score,"
        " nps_category, create_date, write_date, create_uid, write_uid)"
        " SELECT 'helpdesk.ticket', %(model)s, t.id, 'helpdesk.ticket.team',"
        " %(team_model)s, t.team_id, t.partner_id, 1 + t.id %% 5, true,"
        " md5(t.id || '-rating'), t.id %% 2 = 0, t.id %% 11,"
        " CASE WHEN t.id %% 2 = 1 THEN NULL WHEN t.id %% 11 >= 9 THEN 'promoter'"
        " WHEN t.id %% 11 >= 7 THEN 'passive' ELSE 'detractor' END,"
        " t.closed_date, t.closed_date, 1, 1"
        " FROM helpdesk_ticket t WHERE t.closed_date IS NOT NULL AND t.id %% 5 = 0",
        dict(model=model_id, team_model=team_model),
    )
    tables += [
        "customer_feedback", "service_order", "customer_equipment",
        "account_move", "rating_rating",
    ]
for table in tables:
    cr.execute("ANALYZE " + table)
counts = {{}}
for table in tables:
    cr.execute("SELECT count(*) FROM " + table)
    counts[table] = cr.fetchone()[0]
cr.execute("SELECT count(*) FROM helpdesk_ticket t JOIN helpdesk_ticket_stage s"
           " ON s.id = t.stage_id WHERE NOT s.closed")
counts["open tickets"] = cr.fetchone()[0]
cr.execute("SHOW server_version")
counts["postgresql"] = cr.fetchone()[0]
env.cr.commit()
print("SCALE-FILL " + json.dumps(dict(counts, seconds=time.time() - started)))
"""

MEASURE_SNIPPET = """
import json, statistics, time
from lxml import etree
ARGS = {args!r}
EXT, REPEAT = ARGS["ext"], ARGS["repeat"]
FIGURES = [
    "helpdesk_ticket_count", "helpdesk_ticket_active_count",
    "helpdesk_ticket_count_string",
]
if EXT:
    FIGURES += [
        "lifetime_value", "service_revenue", "service_cost", "service_margin",
        "open_ticket_count", "feedback_count", "complaint_count",
        "service_order_count", "equipment_count", "return_count",
        "satisfaction_avg", "rating_count", "nps", "last_interaction_date",
    ]
root = env
admin = env.ref("base.user_admin")
uenv = env(user=admin.id, context=dict(
    env.context, allowed_company_ids=env.company.ids, lang="en_US", tz="UTC"))
cr = env.cr
out = {{}}


def clock(func):
    uenv.invalidate_all()
    started = time.perf_counter()
    queries = cr.sql_log_count
    func()
    uenv.flush_all()
    return time.perf_counter() - started, cr.sql_log_count - queries


def median_ms(func, repeat=REPEAT):
    runs = [clock(func) for _ in range(repeat)]
    return (
        1000 * statistics.median(r[0] for r in runs),
        statistics.median(r[1] for r in runs),
    )


def rolled_back(func):
    cr.execute("SAVEPOINT scale_measure")
    try:
        return clock(func)
    finally:
        cr.execute("ROLLBACK TO SAVEPOINT scale_measure")
        uenv.invalidate_all()


def spec(model, view_type):
    # the fields of the default view, as the web client asks for them
    views = uenv[model].get_views([(False, view_type)])
    arch = etree.fromstring(views["views"][view_type]["arch"])
    info = views["models"][model]
    info = info.get("fields", info)
    names = {{
        node.get("name") for node in arch.iter("field")
        if node.getparent() is not None and node.get("name") in info
    }}
    result = {{}}
    for name in names:
        if info[name]["type"] in ("many2one", "one2many", "many2many"):
            result[name] = {{"fields": {{"display_name": {{}}}}}}
        else:
            result[name] = {{}}
    return result


Ticket = uenv["helpdesk.ticket"]
team = Ticket.env["helpdesk.ticket.team"].search([("name", "=", "Scale")], limit=1)
companies = uenv["res.partner"].search(
    [("name", "=like", "Customer %"), ("is_company", "=", True)], order="id"
)
contact = uenv["res.partner"].search([("name", "=like", "Contact %")], limit=1)
open_domain = [("stage_id.closed", "=", False)]
list_spec = spec("helpdesk.ticket", "list")
kanban_spec = spec("helpdesk.ticket", "kanban")
form_spec = spec("helpdesk.ticket", "form")
partner_spec = spec("res.partner", "form")


def create_tickets(model, count, vals, form):
    def run():
        for i in range(count):
            uenv[model].web_save(dict(vals, name=f"Scale create {{i}}"), form)
    return run


def create_ms(model, vals):
    form = spec(model, "form")
    seconds, _queries = rolled_back(create_tickets(model, 20, vals, form))
    return 1000 * seconds / 20


ticket_vals = dict(
    description="<p>Created by the benchmark</p>", partner_id=contact.id,
    team_id=team.id,
)
out["ticket_create"] = create_ms("helpdesk.ticket", ticket_vals)
if EXT:
    out["feedback_create"] = create_ms("customer.feedback", dict(
        partner_id=contact.id, feedback_type="complaint", channel="email",
        description="Created by the benchmark",
    ))
else:
    out["feedback_create"] = out["ticket_create"]
out["ticket_list"] = median_ms(lambda: Ticket.web_search_read(
    open_domain, list_spec, limit=80, count_limit=10001))[0]


def kanban():
    groups = Ticket.web_read_group([], ["stage_id"], ["stage_id"], lazy=True)
    for group in groups["groups"]:
        if group.get("__fold"):
            continue
        Ticket.web_search_read(group["__domain"], kanban_spec, limit=40)


out["ticket_kanban"] = median_ms(kanban)[0]
sample = Ticket.search(open_domain, order="id", limit=1, offset=1000)
out["ticket_form"] = median_ms(lambda: sample.web_read(form_spec))[0]
partner = companies[len(companies) // 2]
out["partner_form"] = median_ms(lambda: partner.web_read(partner_spec))[0]
for size in (1, 40, 200):
    some = companies[1000:1000 + size]
    out[f"figures_{{size}}"], out[f"figures_{{size}}_queries"] = median_ms(
        lambda some=some: some.read(FIGURES))
Root = root["helpdesk.ticket"]


def bare_pass():
    last = 0
    while True:
        records = Root.search([*open_domain, ("id", ">", last)], order="id", limit=500)
        if not records:
            return
        records.read(["stage_id", "create_date", "priority", "team_id"])
        records.write({{"color": 3}})
        root.flush_all()
        last = records[-1].id


out["open_tickets"] = Root.search_count(open_domain)
cr.execute("SHOW server_version")
out["postgresql"] = cr.fetchone()[0]
out["bare_pass"] = rolled_back(bare_pass)[0]
if EXT:
    out["sla_cron"] = rolled_back(root["service.sla.policy"]._cron_evaluate)[0]
    out["sla_per_100k"] = out["sla_cron"] * 100000 / max(out["open_tickets"], 1)
    out["segments_cron"] = rolled_back(
        root["res.partner"]._cron_compute_customer_segments)[0]
    out["maintenance_cron"] = rolled_back(
        root["customer.equipment"]._cron_schedule_maintenance)[0]
    rows = ARGS["api_rows"]
    batches = [
        [dict(external_ref=f"SCALE-{{i}}", name=f"Scale feedback {{i}}",
              partner_id=contact.id, feedback_type="suggestion")
         for i in range(start, min(start + 500, rows))]
        for start in range(0, rows, 500)
    ]
    Feedback = uenv["customer.feedback"]
    api = rolled_back(lambda: [Feedback.api_submit(b) for b in batches])[0]
    plain = rolled_back(lambda: [
        uenv["res.partner"].create([{{"name": row["name"]}} for row in b])
        for b in batches])[0]
    out["api_rate"] = rows / api
    out["api_base_rate"] = rows / plain
cr.rollback()
print("SCALE-MEASURE " + json.dumps(out))
"""


def machine():
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as fh:
        found = re.search(r"^model name\s*:\s*(.+)$", fh.read(), re.MULTILINE)
        cpu = found.group(1).strip() if found else cpu
    with open("/proc/meminfo") as fh:
        kib = int(re.search(r"MemTotal:\s+(\d+)", fh.read()).group(1))
    return f"{os.cpu_count()} cores ({cpu}), {kib / 1024 / 1024:.0f} GiB memory"


def shell(python, pg, db, snippet, args, marker, logfile):
    text = devstack.odoo_shell(
        python, pg, db, snippet.format(args=args), logfile=logfile
    )
    found = re.search(rf"^{marker} (.*)$", text, re.MULTILINE)
    if not found:
        print("\n".join(text.splitlines()[-40:]), file=sys.stderr)
        devstack.fail(f"{marker} did not finish on {db} (see {logfile})")
    return json.loads(found.group(1))


def build(python, pg, template, db, ext, tickets, logdir):
    pg.drop_db(db)
    if not pg.copy_db(template, db):
        devstack.fail(f"could not copy {template} to {db}")
    if ext:
        rc, text = devstack.odoo_batch(
            python,
            pg,
            db,
            "-i",
            devstack.MODULE,
            logfile=os.path.join(logdir, f"{db}-install.log"),
            http_port=HTTP_PORT,
        )
        if rc or devstack.log_problems(text):
            devstack.fail(f"installing {devstack.MODULE} on {db} failed")
    args = {"tickets": tickets, "ext": ext}
    return shell(
        python,
        pg,
        db,
        FILL_SNIPPET,
        args,
        "SCALE-FILL",
        os.path.join(logdir, f"{db}-fill.log"),
    )


def verdict(key, kind, target, base, ext, results):
    """(ratio text, target text, met) of one row."""
    if kind == "ratio":
        ratio = ext / base if base else float("inf")
        return f"{ratio:.2f}", f"<= {target}x", ratio <= target
    if kind == "vs_bare":
        ratio = ext / results["ext"]["bare_pass"]
        return f"{ratio:.2f} (vs bare)", f"<= {target}x bare", ratio <= target
    if kind == "min_ratio":
        ratio = ext / results["ext"]["api_base_rate"]
        return f"{ratio:.2f} (vs create)", f">= {target}x create", ratio >= target
    if kind in ("ms", "s"):
        return "", f"< {target} {kind}", ext < target
    if kind == "queries":
        return "", f"<= {target}", ext <= target
    return "", "", None


def table(results, tickets, counts):
    head = f"| measure ({tickets:,} tickets) | base | crm_extension | ratio | target"
    lines = [
        head + " | met |",
        "|---|---:|---:|---:|---|---|",
    ]
    for key, label, kind, target in ROWS:
        ext = results["ext"].get(key)
        base = results["base"].get(key)
        if key == "api_rate":
            base = results["ext"]["api_base_rate"]
        if key == "feedback_create":
            base = results["base"]["ticket_create"]
            label += " (base: ticket create)"
        if ext is None:
            continue
        ratio, target_text, met = verdict(key, kind, target, base, ext, results)
        mark = {True: "yes", False: "**no**", None: ""}[met]
        fmt = "{:,.0f}" if "queries" in key else "{:,.1f}"
        base_text = fmt.format(base) if base is not None else ""
        lines.append(
            f"| {label} | {base_text} | {fmt.format(ext)} | {ratio} "
            f"| {target_text} | {mark} |"
        )
    return "\n".join(lines)


def write_doc(section_title, body):
    header = (
        "# Benchmarks\n\n"
        "Figures of `python3 -m scripts.bench_scale` (see its docstring for the "
        "data and the method). Each section is replaced by the next run with "
        "the same ticket count.\n"
    )
    text = header
    if os.path.exists(DOC):
        with open(DOC) as fh:
            text = fh.read()
    # the run's text, up to the next section or hand-written subsection
    pattern = re.compile(
        rf"^## {re.escape(section_title)}\n.*?(?=^##+ |\Z)", re.MULTILINE | re.DOTALL
    )
    section = f"## {section_title}\n\n{body}\n\n"
    text = (
        pattern.sub(lambda _m: section, text)
        if pattern.search(text)
        else (text.rstrip("\n") + "\n\n" + section)
    )
    with open(DOC, "w") as fh:
        fh.write(text.rstrip("\n") + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=50000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--api-rows", type=int, default=10000)
    parser.add_argument("--template", default="base18")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the kept databases again"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print only, leave docs/ alone"
    )
    args = parser.parse_args(argv)
    python = devstack.odoo_python()
    pg = devstack.Postgres(python).ensure()
    logdir = os.path.join(devstack.STATE, "bench_scale")
    os.makedirs(logdir, exist_ok=True)
    dbs = {"base": f"scale_base_{args.tickets}", "ext": f"scale_ext_{args.tickets}"}
    counts = {}
    started = time.time()
    if not args.reuse:
        for twin, db in dbs.items():
            devstack.log(f"building {db}")
            counts[twin] = build(
                python, pg, args.template, db, twin == "ext", args.tickets, logdir
            )
            devstack.log(f"{db}: {counts[twin]}")
    built = time.time() - started
    runs = {"base": [], "ext": []}
    for round_no in range(args.rounds):
        order = ["base", "ext"] if round_no % 2 == 0 else ["ext", "base"]
        for twin in order:
            # each round starts from the same tables: the crons and creates
            # measured are rolled back, and leave dead rows behind
            if not pg.vacuum(dbs[twin]):
                devstack.fail(f"could not vacuum {dbs[twin]}")
            devstack.log(f"round {round_no + 1}: measuring {dbs[twin]}")
            measure_args = {
                "ext": twin == "ext",
                "repeat": args.repeat,
                "api_rows": args.api_rows,
            }
            runs[twin].append(
                shell(
                    python,
                    pg,
                    dbs[twin],
                    MEASURE_SNIPPET,
                    measure_args,
                    "SCALE-MEASURE",
                    os.path.join(logdir, f"{dbs[twin]}-measure-{round_no}.log"),
                )
            )
    results = {
        twin: {
            key: statistics.median(r[key] for r in rounds)
            for key, value in rounds[0].items()
            if not isinstance(value, str)
        }
        for twin, rounds in runs.items()
    }
    ext_counts = counts.get("ext", {})
    body = [
        (
            f"Machine: {machine()}, PostgreSQL {runs['ext'][0]['postgresql']}, "
            f"Python {platform.python_version()}, Odoo 18.0; run "
            f"{time.strftime('%Y-%m-%d')}, {args.rounds} alternating rounds of "
            f"{args.repeat} repetitions, build {built / 60:.0f} min, total "
            f"{(time.time() - started) / 60:.0f} min."
        ),
        "",
        "Rows: "
        + ", ".join(
            f"{table_name} {value:,}"
            for table_name, value in ext_counts.items()
            if isinstance(value, int)
        )
        + f"; open tickets in the cron: {results['ext']['open_tickets']:,}.",
        "",
        table(results, args.tickets, counts),
    ]
    text = "\n".join(body)
    print(text)
    if not args.no_write:
        write_doc(f"{args.tickets:,} tickets", text)
    if not args.keep:
        for db in dbs.values():
            pg.drop_db(db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
