# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Benchmark of the dispatch solver: 1,000 orders x 50 technicians, 14 days.

    python3 -m scripts.bench_dispatch [--orders 1000] [--technicians 50]

Plain Python: it loads the module's solver file (no Odoo, no server) and
prints the time and the quality of the assignment beside the targets.
"""

import argparse
import importlib.util
import pathlib
import random
import sys
import time
from datetime import datetime, timedelta

SOLVER = (
    pathlib.Path(__file__).resolve().parent.parent
    / "addons/crm_extension/tools/dispatch_solver.py"
)
TARGET_SECONDS = 10.0
TARGET_ASSIGNED = 0.95


def load_solver():
    spec = importlib.util.spec_from_file_location("dispatch_solver", SOLVER)
    module = importlib.util.module_from_spec(spec)
    sys.modules["dispatch_solver"] = module
    spec.loader.exec_module(module)
    return module


def working_intervals(start, days, shifts):
    intervals = []
    for day in range(days):
        date = start + timedelta(days=day)
        if date.weekday() >= 5:
            continue
        for begin, end in shifts:
            intervals.append(
                (date + timedelta(hours=begin), date + timedelta(hours=end))
            )
    return intervals


def generate(solver, n_orders, n_techs, seed=7):
    rng = random.Random(seed)
    start = datetime(2026, 1, 5)
    skills, zones = list(range(8)), list(range(10))
    techs = [
        solver.Technician(
            id=i,
            skills=frozenset(rng.sample(skills, 3)),
            zones=frozenset(rng.sample(zones, 3)),
            intervals=working_intervals(start, 14, [(8, 12), (13, 17)]),
            lat=48.8 + rng.random(),
            lon=2.3 + rng.random(),
        )
        for i in range(n_techs)
    ]
    orders = [
        solver.Order(
            id=i,
            duration=timedelta(hours=rng.choice([0.5, 1, 1.5, 2, 3])),
            priority=rng.randint(0, 3),
            deadline=start + timedelta(days=rng.randint(0, 13), hours=17),
            earliest=start,
            skills=frozenset([rng.choice(skills)]),
            zone=rng.choice(zones),
            lat=48.8 + rng.random(),
            lon=2.3 + rng.random(),
        )
        for i in range(n_orders)
    ]
    return techs, orders


def baseline_lateness(solver, techs, orders):
    """What a date-ordered dispatch gives: orders by id, no priority, no
    deadline, each to the eligible technician free first."""
    plain = [
        solver.Order(
            id=o.id,
            duration=o.duration,
            earliest=o.earliest,
            skills=o.skills,
            zone=o.zone,
        )
        for o in orders
    ]
    result = solver.solve(techs, plain)
    deadlines = {o.id: o.deadline for o in orders}
    return sum(
        max((end - deadlines[oid]).total_seconds() / 60, 0)
        for oid, (_tech, _start, end) in result.assigned.items()
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--technicians", type=int, default=50)
    args = parser.parse_args(argv)
    solver = load_solver()
    techs, orders = generate(solver, args.orders, args.technicians)
    started = time.perf_counter()
    result = solver.solve(techs, orders)
    elapsed = time.perf_counter() - started
    assigned = len(result.assigned) / len(orders)
    late = sum(
        1
        for order in orders
        if order.id in result.assigned and result.assigned[order.id][2] > order.deadline
    )
    hours = [0.0] * len(techs)
    for tech_id, start, end in result.assigned.values():
        hours[tech_id] += (end - start).total_seconds() / 3600
    print(f"orders x technicians : {len(orders)} x {len(techs)}")
    print(f"time                 : {elapsed:.2f} s   (target < {TARGET_SECONDS:.0f} s)")
    print(f"assigned             : {assigned:.1%}   (target >= {TARGET_ASSIGNED:.0%})")
    print(f"late orders          : {late}   lateness {result.lateness_minutes:.0f} min")
    print(f"travel proxy         : {result.travel:.0f} (zone changes + km)")
    print(f"workload hours       : min {min(hours):.1f}  max {max(hours):.1f}")
    print(f"unassigned reasons   : {sorted(set(result.unassigned.values()))}")
    baseline = baseline_lateness(solver, techs, orders)
    ratio = result.lateness_minutes / baseline if baseline else 0.0
    print(f"baseline lateness    : {baseline:.0f} min (by date, earliest free slot)")
    print(f"solver / baseline    : {ratio:.2f} of the baseline's lateness")
    ok = elapsed < TARGET_SECONDS and assigned >= TARGET_ASSIGNED
    print("result               : " + ("within targets" if ok else "OUTSIDE targets"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
