# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Benchmark of the cross-selling associations and the RFM figures.

    python3 -m scripts.bench_associations [--customers 20000] [--products 2000]
        [--db NAME] [--template DB]

Makes the database NAME (a copy of the template database TEMPLATE with the
module installed, or a fresh install without demo data), then, in one
`odoo shell` (devstack's), generates CUSTOMERS customers and PRODUCTS products
through the ORM and their posted invoices of the last 24 months in bulk SQL:
one real invoice is made and posted through the ORM, and its account.move and
product account.move.line rows are cloned with INSERT ... SELECT (each
customer has 1 to 8 invoices of 1 to 8 lines, mostly from two product
families of ten, so that real associations exist). Only the rows the
computations read are right (state, type, dates, partners, products,
quantities, untaxed amounts); the receivable and tax lines are left out, so
these invoices are not balanced: use the database for nothing else.

It then times the nightly association computation
(``sale.product.association._compute_associations``) beside its 60-second
target, the RFM refresh (``res.partner._crm_ext_refresh_rfm``) and reading
``cross_sell_product_ids`` of 1,000 customers and of one (its form). The
transaction is rolled back at the end: running it again on the same database
generates the same data again.
"""

import argparse
import os
import re
import sys

try:
    from . import devstack
except ImportError:  # run as a file
    import devstack

TARGET_SECONDS = 60.0
TARGET_RFM_SECONDS = 60.0
TARGET_CROSS_SELL_SECONDS = 2.0
TARGET_ONE_SECONDS = 0.2

# Runs inside `odoo shell`: env is the superuser's environment.
BENCH_CODE = r'''
import time
from odoo import Command, fields

CUSTOMERS, PRODUCTS = %(customers)d, %(products)d
FAMILY = 10
cr = env.cr
company = env.company
started = time.perf_counter()
Partner = env["res.partner"].with_context(tracking_disable=True)
customers = Partner.browse()
for start in range(0, CUSTOMERS, 2000):
    customers |= Partner.create([
        {"name": f"Assoc bench {i}", "is_company": True, "customer_rank": 1}
        for i in range(start, min(start + 2000, CUSTOMERS))
    ])
products = env["product.product"].with_context(tracking_disable=True).create([
    {"name": f"Assoc bench product {i}", "type": "consu", "list_price": 10 + i %% 90}
    for i in range(PRODUCTS)
])
template = env["account.move"].create({
    "move_type": "out_invoice",
    "partner_id": customers[0].id,
    "invoice_date": fields.Date.today(),
    "invoice_line_ids": [Command.create({
        "product_id": products[0].id, "quantity": 1, "price_unit": 10,
        "tax_ids": [Command.clear()],
    })],
})
template.action_post()
template_line = template.invoice_line_ids
env.flush_all()
print(f"BENCH orm data: {time.perf_counter() - started:.1f} s")
started = time.perf_counter()
cr.execute("CREATE TEMP TABLE bench_customer (n int, partner_id int)")
cr.execute(
    "INSERT INTO bench_customer SELECT row_number() OVER (ORDER BY id), id "
    "FROM res_partner WHERE id = ANY(%%s)", [customers.ids])
cr.execute("CREATE TEMP TABLE bench_product (n int, product_id int, price float)")
cr.execute(
    "INSERT INTO bench_product SELECT row_number() OVER (ORDER BY id) - 1, id, "
    "10 + mod(row_number() OVER (ORDER BY id) - 1, 90) "
    "FROM product_product WHERE id = ANY(%%s)", [products.ids])
# deterministic pseudo-random numbers: hashes of the row numbers
cr.execute(
    "CREATE FUNCTION pg_temp.h(text) RETURNS int LANGUAGE sql IMMUTABLE "
    "AS 'SELECT hashtext($1) & 2147483647'")
cr.execute("""
    CREATE TEMP TABLE bench_move AS
    SELECT row_number() OVER () AS n, c.n AS customer, c.partner_id,
           current_date - (pg_temp.h(c.n || '-' || g) %% 720) AS invoice_date
      FROM bench_customer c,
           LATERAL generate_series(1, 1 + pg_temp.h(c.n || 'i') %% 8) g
""")
cr.execute("""
    CREATE TEMP TABLE bench_line AS
    SELECT m.n AS move, m.partner_id, m.invoice_date, p.product_id, p.price
      FROM bench_move m,
           LATERAL generate_series(1, 1 + pg_temp.h(m.n || 'l') %% 8) g,
           LATERAL (SELECT CASE pg_temp.h(m.n || '-' || g || 'f') %% 10
                           WHEN 0 THEN pg_temp.h(m.n || '-' || g || 'r')
                           WHEN 1 THEN pg_temp.h(m.customer || 'b')
                           WHEN 2 THEN pg_temp.h(m.customer || 'b')
                           WHEN 3 THEN pg_temp.h(m.customer || 'b')
                           ELSE pg_temp.h(m.customer || 'a') END
                           %% (%(products)d / %(family)d) AS family,
                           pg_temp.h(m.n || '-' || g || 'm') %% %(family)d AS member
                   ) pick
      JOIN bench_product p ON p.n = pick.family * %(family)d + pick.member
""")
cr.execute("SELECT count(*) FROM bench_move")
move_count = cr.fetchone()[0]
cr.execute("SELECT count(*) FROM bench_line")
line_count = cr.fetchone()[0]

def clone(table, template_id, overrides, source):
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %%s AND column_name <> 'id' ORDER BY ordinal_position",
        [table])
    columns = [row[0] for row in cr.fetchall()]
    values = [overrides.get(column, f"t.{column}") for column in columns]
    cr.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {table} t, ({source}) s WHERE t.id = %%s",
        [template_id])

clone("account_move", template.id, {
    "name": "'ABENCH/' || s.n",
    "partner_id": "s.partner_id",
    "commercial_partner_id": "s.partner_id",
    "invoice_date": "s.invoice_date",
    "date": "s.invoice_date",
    "amount_untaxed": "s.amount", "amount_untaxed_signed": "s.amount",
    "amount_total": "s.amount", "amount_total_signed": "s.amount",
    "amount_residual": "s.amount", "amount_residual_signed": "s.amount",
}, "SELECT m.n, m.partner_id, m.invoice_date, a.amount "
   "FROM bench_move m JOIN (SELECT move, sum(price) AS amount FROM bench_line "
   "GROUP BY move) a ON a.move = m.n")
clone("account_move_line", template_line.id, {
    "move_id": "s.move_id", "move_name": "s.name",
    "partner_id": "s.partner_id", "product_id": "s.product_id",
    "date": "s.invoice_date", "invoice_date": "s.invoice_date",
    "price_unit": "s.price", "price_subtotal": "s.price", "price_total": "s.price",
    "balance": "-s.price", "credit": "s.price", "amount_currency": "-s.price",
}, "SELECT am.id AS move_id, am.name, l.partner_id, l.product_id, l.invoice_date, "
   "l.price FROM bench_line l JOIN account_move am "
   f"ON am.name = 'ABENCH/' || l.move AND am.journal_id = {template.journal_id.id}")
cr.execute("ANALYZE account_move")
cr.execute("ANALYZE account_move_line")
env.invalidate_all()
print(f"BENCH sql data: {move_count} invoices, {line_count} lines in "
      f"{time.perf_counter() - started:.1f} s")
cr.execute("SELECT count(DISTINCT (partner_id, product_id)) FROM bench_line")
print(f"BENCH customer-product pairs: {cr.fetchone()[0]}")
Association = env["sale.product.association"]
started = time.perf_counter()
count = Association._compute_associations(company)
print(f"BENCH associations: {count} in {time.perf_counter() - started:.2f} s")
started = time.perf_counter()
scored = env["res.partner"]._crm_ext_refresh_rfm()
print(f"BENCH rfm: {scored} customers in {time.perf_counter() - started:.2f} s")
sample = Partner.browse(customers[:1000].ids)  # prefetch these 1000 only
env.invalidate_all()
started = time.perf_counter()
suggested = sum(len(p.cross_sell_product_ids) for p in sample)
print(f"BENCH cross-sell: {len(sample)} customers, {suggested} suggestions in "
      f"{time.perf_counter() - started:.2f} s")
one = Partner.browse(customers[-1].id)
env.invalidate_all()
started = time.perf_counter()
suggested = len(one.cross_sell_product_ids)
print(f"BENCH cross-sell one: {suggested} suggestions in "
      f"{time.perf_counter() - started:.3f} s")
'''


def parse(text, label, pattern):
    found = re.search(rf"^BENCH {label}: {pattern}", text, re.MULTILINE)
    return found.groups() if found else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--db", default="crm_ext_bench_associations")
    parser.add_argument(
        "--template",
        help="copy this database (with the module's dependencies) instead of "
        "installing from scratch",
    )
    args = parser.parse_args(argv)
    if args.products < 10 or args.products % 10:
        devstack.fail("--products must be a multiple of 10 (product families)")
    python = devstack.odoo_python()
    pg = devstack.Postgres(python).ensure()
    logdir = os.path.join(devstack.STATE, "logs")
    os.makedirs(logdir, exist_ok=True)
    pg.drop_db(args.db)
    if args.template and not pg.copy_db(args.template, args.db):
        devstack.fail(f"could not copy the database {args.template}")
    devstack.log(f"installing {devstack.MODULE} in {args.db}")
    rc, text = devstack.odoo_batch(
        python,
        pg,
        args.db,
        "-i",
        devstack.MODULE,
        "--without-demo=all",
        logfile=os.path.join(logdir, "bench_associations_install.log"),
    )
    if rc or devstack.log_problems(text):
        devstack.fail("the module did not install: see the install log")
    code = BENCH_CODE % {
        "customers": args.customers,
        "products": args.products,
        "family": 10,
    }
    devstack.log(
        f"{args.customers} customers x {args.products} products: generating and timing"
    )
    text = devstack.odoo_shell(
        python,
        pg,
        args.db,
        f"exec({code!r})\n",
        logfile=os.path.join(logdir, "bench_associations.log"),
    )
    for line in text.splitlines():
        if line.startswith("BENCH "):
            print(line[len("BENCH ") :])
    assoc = parse(text, "associations", r"(\d+) in ([\d.]+) s")
    rfm = parse(text, "rfm", r"(\d+) customers in ([\d.]+) s")
    cross = parse(text, "cross-sell", r"\d+ customers, \d+ suggestions in ([\d.]+) s")
    one = parse(text, "cross-sell one", r"\d+ suggestions in ([\d.]+) s")
    if not (assoc and rfm and cross and one):
        print("\n".join(text.splitlines()[-30:]), file=sys.stderr)
        devstack.fail("the benchmark did not finish: see the log above")
    seconds, rfm_seconds = float(assoc[1]), float(rfm[1])
    cross_seconds, one_seconds = float(cross[0]), float(one[0])
    print(
        f"association computation: {seconds:6.2f} s for {args.customers} customers "
        f"x {args.products} products (target < {TARGET_SECONDS:.0f} s)"
    )
    print(
        f"RFM refresh            : {rfm_seconds:6.2f} s "
        f"(target < {TARGET_RFM_SECONDS:.0f} s)"
    )
    print(
        f"cross-sell of 1000     : {cross_seconds:6.2f} s "
        f"(target < {TARGET_CROSS_SELL_SECONDS:.0f} s)"
    )
    print(
        f"cross-sell of 1       : {one_seconds:6.3f} s "
        f"(target < {TARGET_ONE_SECONDS} s: the customer's form)"
    )
    ok = int(assoc[0]) > 0 and int(rfm[0]) > 0
    fast = (
        seconds < TARGET_SECONDS
        and rfm_seconds < TARGET_RFM_SECONDS
        and cross_seconds < TARGET_CROSS_SELL_SECONDS
        and one_seconds < TARGET_ONE_SECONDS
    )
    return 0 if ok and fast else 1


if __name__ == "__main__":
    sys.exit(main())
