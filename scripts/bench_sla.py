# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Benchmark of the SLA cron against a running server.

    python3 -m scripts.bench_sla --tickets 10000 --batch-size 500  (+ connection flags)

Creates TICKETS open helpdesk tickets under one service-level policy (made for
the run, with one escalation level that is already due), then runs the SLA
cron (`Service: SLA statuses and escalations`) twice through `ir.cron`'s
manual trigger. The first run fires the due escalation on every ticket and
prints escalations per second; the second fires nothing more and prints the
open tickets evaluated per second; each beside its target. Use a throwaway
database: the records stay.
"""

import argparse
import sys
import time
import uuid

from scripts import client as client_mod

# The cron runs every 5 minutes: 100,000 open tickets must fit in well under
# one interval, hence at least 1,000 tickets evaluated per second when nothing
# is due; a burst where every ticket escalates at once may take longer, at
# least 100 escalations (chatter note, activity) per second.
TARGET_RATE = 1000
TARGET_ESCALATIONS = 100


def timed(func):
    started = time.perf_counter()
    result = func()
    return result, time.perf_counter() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    client_mod.add_connection_arguments(parser)
    parser.add_argument("--tickets", type=int, default=10000)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args(argv)
    odoo = client_mod.connect(client_mod.ClientConfig.from_sources(args))
    tag = uuid.uuid4().hex[:8]
    customer = odoo.env["res.partner"].create(
        {"name": f"SLA bench {tag}", "is_company": True}
    )
    team = odoo.env["helpdesk.ticket.team"].create({"name": f"SLA bench {tag}"})
    # Round the clock, so the run does not depend on the time of day; targets
    # of seconds, so the escalation is due by the time the cron runs.
    calendar = odoo.env["resource.calendar"].create(
        {
            "name": f"SLA bench {tag} (24/7)",
            "tz": "UTC",
            "attendance_ids": [
                (
                    0,
                    0,
                    {
                        "name": f"Day {day}",
                        "dayofweek": str(day),
                        "hour_from": 0,
                        "hour_to": 24,
                        "day_period": "morning",
                    },
                )
                for day in range(7)
            ],
        }
    )
    policy = odoo.env["service.sla.policy"].create(
        {
            "name": f"SLA bench {tag}",
            "applies_to": "ticket",
            "team_ids": [(6, 0, [team])],
            "calendar_id": calendar,
            "response_hours": 0.001,
            "resolution_hours": 0.001,
            "escalation_ids": [(0, 0, {"trigger": "percent", "trigger_value": 1})],
        }
    )
    Ticket = odoo.env["helpdesk.ticket"]
    _ids, create_time = timed(
        lambda: [
            Ticket.create(
                [
                    {
                        "name": f"SLA bench {tag} {i}",
                        "description": "Benchmark",
                        "partner_id": customer,
                        "team_id": team,
                    }
                    for i in range(start, min(start + args.batch_size, args.tickets))
                ]
            )
            for start in range(0, args.tickets, args.batch_size)
        ]
    )
    under_policy = Ticket.search_count([("sla_policy_id", "=", policy)])
    cron = odoo.env.ref("crm_extension.ir_cron_sla_evaluate")
    _res, first = timed(cron.method_direct_trigger)
    _res, second = timed(cron.method_direct_trigger)
    Log = odoo.env["service.sla.escalation.log"]
    fired = Log.search_count([("escalation_id.policy_id", "=", policy)])
    open_tickets = Ticket.search_count([("sla_policy_id", "!=", False)])
    rate = open_tickets / second
    escalation_rate = fired / first
    print(f"tickets created      : {args.tickets} in {create_time:.1f} s")
    print(f"under the policy     : {under_policy} (expect {args.tickets})")
    print(f"open tickets in cron : {open_tickets}")
    print(f"escalations fired    : {fired} (expect {args.tickets}, once each)")
    print(
        f"first run (all due)  : {first:6.1f} s, {escalation_rate:8.0f} "
        f"escalations/s (target >= {TARGET_ESCALATIONS})"
    )
    print(
        f"second run (none due): {second:6.1f} s, {rate:8.0f} tickets/s "
        f"(target >= {TARGET_RATE})"
    )
    ok = under_policy == args.tickets and fired == args.tickets
    fast = rate >= TARGET_RATE and escalation_rate >= TARGET_ESCALATIONS
    return 0 if ok and fast else 1


if __name__ == "__main__":
    sys.exit(main())
