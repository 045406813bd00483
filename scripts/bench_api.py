# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Benchmark of the integrator API against a running server.

    python3 -m scripts.bench_api --rows 10000 --batch-size 500  (+ connection flags)

Imports ROWS feedback rows with customer.feedback.api_submit in batches, then
creates the same number of plain res.partner records through the same client
(the baseline), and prints rows per second for both and their ratio. A second
api_submit of the same rows (the retry) is timed too: it must create nothing.
Use a throwaway database: the records stay.
"""

import argparse
import sys
import time
import uuid

from scripts import client as client_mod

TARGET_RATIO = 0.5  # api_submit keeps at least half the speed of plain creates


def timed(label, func):
    started = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - started
    return result, elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    client_mod.add_connection_arguments(parser)
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args(argv)
    odoo = client_mod.connect(client_mod.ClientConfig.from_sources(args))
    tag = uuid.uuid4().hex[:8]
    customer = odoo.env["res.partner"].create(
        {"name": f"Bench {tag}", "is_company": True}
    )
    rows = [
        {
            "external_ref": f"BENCH-{tag}-{i}",
            "name": f"Bench feedback {i}",
            "partner_id": customer,
            "feedback_type": "suggestion",
        }
        for i in range(args.rows)
    ]
    batches = [
        rows[i : i + args.batch_size] for i in range(0, len(rows), args.batch_size)
    ]
    Feedback = odoo.env["customer.feedback"]
    _ids, api_time = timed("api", lambda: [Feedback.api_submit(b) for b in batches])
    _ids, retry_time = timed("retry", lambda: [Feedback.api_submit(b) for b in batches])
    count = Feedback.search_count([("external_ref", "like", f"BENCH-{tag}-")])
    partners = [{"name": f"Bench partner {tag} {i}"} for i in range(args.rows)]
    chunks = [
        partners[i : i + args.batch_size]
        for i in range(0, len(partners), args.batch_size)
    ]
    Partner = odoo.env["res.partner"]
    _ids, base_time = timed("base", lambda: [Partner.create(c) for c in chunks])
    api_rate, retry_rate, base_rate = (
        args.rows / api_time,
        args.rows / retry_time,
        args.rows / base_time,
    )
    ratio = api_rate / base_rate
    print(f"rows, batch size     : {args.rows}, {args.batch_size}")
    print(f"api_submit (create)  : {api_rate:8.0f} rows/s")
    print(f"api_submit (retry)   : {retry_rate:8.0f} rows/s")
    print(f"records after retry  : {count} (expect {args.rows})")
    print(f"res.partner create   : {base_rate:8.0f} rows/s (baseline)")
    print(f"ratio api / baseline : {ratio:.2f} (target >= {TARGET_RATIO})")
    return 0 if count == args.rows and ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
