# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Benchmark of equipment monitor events against a running server.

    python3 -m scripts.bench_events --events 2000 --units 20 [--clients 1]
    (+ connection flags)

Registers UNITS pieces of equipment, then reports EVENTS events with
customer.equipment.api_report_event, one call each: mostly meter readings,
with an alarm every tenth event (so some units cross the alarm threshold and
open a repair order). With CLIENTS > 1, that many clients report in parallel,
each for its own units, in order. Prints events per second and their ratio
to the rate of the cheapest call through one client (a search_count: the
transport's ceiling) beside the target ratio, then retries a tenth of the
events (they must log nothing and answer as the first time) and counts what
was logged. Use a throwaway database: the records stay.
"""

import argparse
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from scripts import client as client_mod

# A report (validation, log, alarm count, maybe a repair order) costs at most
# twice the cheapest call through the same client: the target is a ratio to
# that baseline, so it holds on any machine. The absolute rate is printed too.
TARGET_RATIO = 0.5
ALARM_EVERY = 10
BASELINE_CALLS = 200


def make_events(tag, units, count):
    """(unit number, serial, event), round-robin over the units."""
    events = []
    for number in range(count):
        unit = number % units
        if number % ALARM_EVERY == ALARM_EVERY - 1:
            event = {"type": "alarm", "code": f"E{number % 7}", "message": "Bench"}
        else:
            event = {"type": "reading", "code": "T1", "value": 20 + number % 5}
        event["external_ref"] = f"BENCH-{tag}-{number}"
        events.append((unit, f"BENCH-{tag}-{unit}", event))
    return events


def report_all(config, clients, events):
    """Report ``events`` with ``clients`` clients, each for its own units, in
    order; returns ({external_ref: answer}, seconds)."""
    shares = [
        [(serial, event) for unit, serial, event in events if unit % clients == k]
        for k in range(clients)
    ]
    sessions = [client_mod.connect(config) for _k in range(clients)]

    def report(session, share):
        return {
            event["external_ref"]: session.execute_kw(
                "customer.equipment", "api_report_event", [serial, event]
            )
            for serial, event in share
        }

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        answers = {}
        for part in pool.map(report, sessions, shares):
            answers.update(part)
    return answers, time.perf_counter() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    client_mod.add_connection_arguments(parser)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--clients", type=int, default=1)
    args = parser.parse_args(argv)
    config = client_mod.ClientConfig.from_sources(args)
    odoo = client_mod.connect(config)
    tag = uuid.uuid4().hex[:8]
    customer = odoo.env["res.partner"].create(
        {"name": f"Bench monitors {tag}", "is_company": True}
    )
    unit_ids = [
        odoo.env["customer.equipment"].create(
            {
                "name": f"Bench unit {unit}",
                "partner_id": customer,
                "serial": f"BENCH-{tag}-{unit}",
            }
        )
        for unit in range(args.units)
    ]
    events = make_events(tag, args.units, args.events)
    # the baseline: the cheapest call through one client
    started = time.perf_counter()
    for _number in range(BASELINE_CALLS):
        odoo.execute_kw("customer.equipment", "search_count", [[("id", "=", 0)]])
    base_rate = BASELINE_CALLS / (time.perf_counter() - started)
    answers, elapsed = report_all(config, args.clients, events)
    retried = events[::ALARM_EVERY]
    retries, retry_elapsed = report_all(config, args.clients, retried)
    same = all(retries[ref] == {**answers[ref], "created": False} for ref in retries)
    logged = odoo.env["customer.equipment.event"].search_count(
        [("equipment_id", "in", unit_ids)]
    )
    orders = odoo.env["service.order"].search_count([("equipment_id", "in", unit_ids)])
    rate = len(events) / elapsed
    print(f"events, units, clients : {len(events)}, {args.units}, {args.clients}")
    ratio = rate / base_rate
    print(f"api_report_event       : {rate:8.0f} events/s")
    print(f"retries                : {len(retried) / retry_elapsed:8.0f} events/s")
    print(f"search_count (baseline): {base_rate:8.0f} calls/s through one client")
    print(f"ratio events / baseline: {ratio:.2f} (target >= {TARGET_RATIO})")
    print(f"events logged          : {logged} (expect {len(events)})")
    print(f"retries answered alike : {same}")
    print(f"repair orders opened   : {orders}")
    ok = logged == len(events) and same and ratio >= TARGET_RATIO
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
