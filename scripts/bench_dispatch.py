# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Benchmark of the route planner: published VRPTW instances and field days.

    python3 -m scripts.bench_dispatch --vrptw FILE [--seconds S] [--reference]
        [--json]
    python3 -m scripts.bench_dispatch [--technicians 50] [--orders 1000]
        [--days 14] [--seconds S] [--json]

Plain Python: it loads the module's planner and travel files by path (no
Odoo, no server) and prints its figures beside their targets.

``--vrptw`` reads an instance in Solomon's text layout (VEHICLE NUMBER and
CAPACITY, then the CUSTOMER rows: number, x, y, demand, ready time, due date,
service time) as one day of field service: the depot (customer 0) is every
technician's start and end point and its due date ends the day; travel time
in minutes equals the Euclidean distance; the capacity is ignored; at most
VEHICLE NUMBER technicians; a visit starts inside [ready, due]. The printed
routes are checked here, independently of the planner: a visit that starts
before the travel from the previous stop allows, or outside its window, or a
route back after the depot's due date, counts as infeasible. ``--reference``
also runs plain PyVRP for 60 s on the same instance with the same rules
(travel rounded up to whole seconds, as the planner does) and reports the gap.

Without ``--vrptw`` it generates technician-days deterministically (skills,
zones, a lunch break, leaves, fixed visits, customer windows, deadlines,
priorities) and reports time, share assigned, lateness and peak memory.
"""

import argparse
import importlib.util
import json
import math
import pathlib
import random
import resource
import sys
import time
from datetime import datetime, timedelta

TOOLS = pathlib.Path(__file__).resolve().parent.parent / "addons/crm_extension/tools"
VRPTW_TARGET_GAP = 0.03
VRPTW_TARGET_SECONDS = 10.0
REFERENCE_SECONDS = 60.0
FIELD_TARGETS = {1000: 10.0, 4000: 120.0}  # orders: seconds
FIELD_TARGET_ASSIGNED = 0.98
FIELD_TARGET_MB = 2048
DAY0 = datetime(2026, 1, 5)  # a Monday
_EPS = 1e-6


def load_tools():
    """The module's travel file and route planner package, loaded alone (no
    Odoo), once per process: the benchmark and the pure-Python tests use them."""
    modules = {}
    for name in ("travel", "route_planner"):
        key = f"crm_ext_tools_{name}"
        if key not in sys.modules:
            package = TOOLS / name
            if package.is_dir():
                spec = importlib.util.spec_from_file_location(
                    key,
                    package / "__init__.py",
                    submodule_search_locations=[str(package)],
                )
            else:
                spec = importlib.util.spec_from_file_location(key, TOOLS / f"{name}.py")
            module = importlib.util.module_from_spec(spec)
            sys.modules[key] = module
            spec.loader.exec_module(module)
        modules[name] = sys.modules[key]
    return modules["travel"], modules["route_planner"]


def peak_mb():
    # ru_maxrss is in kilobytes on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# ---------------------------------------------------------------- VRPTW


def read_solomon(path):
    """(vehicle number, rows): rows of (number, x, y, demand, ready, due,
    service) in file order, the depot first."""
    lines = pathlib.Path(path).read_text().splitlines()
    vehicles, rows = None, []
    for index, line in enumerate(lines):
        words = line.split()
        if words[:1] == ["NUMBER"] and index + 1 < len(lines):
            vehicles = int(lines[index + 1].split()[0])
            continue
        if len(words) == 7:
            try:
                values = [float(word) for word in words]
            except ValueError:
                continue
            rows.append((int(values[0]), *values[1:]))
    if vehicles is None or not rows or rows[0][0] != 0:
        raise SystemExit(f"{path}: not a Solomon instance (no VEHICLE or depot row)")
    return vehicles, rows


def vrptw_instance(travel, planner, path):
    vehicles, rows = read_solomon(path)
    matrix = travel.euclidean_matrix([(row[1], row[2]) for row in rows])
    depot_due = DAY0 + timedelta(minutes=rows[0][5])
    day = DAY0 + timedelta(minutes=rows[0][4])
    shifts = [
        planner.Shift(
            technician_id=tech,
            day=DAY0.date(),
            intervals=((day, depot_due),),
            start_point=0,
            end_point=0,
        )
        for tech in range(1, vehicles + 1)
    ]
    everyone = frozenset(range(1, vehicles + 1))
    visits = [
        planner.Visit(
            order_id=row[0],
            point=index,
            duration=timedelta(minutes=row[6]),
            technician_ids=everyone,
            window_start=DAY0 + timedelta(minutes=row[4]),
            window_end=DAY0 + timedelta(minutes=row[5]),
        )
        for index, row in enumerate(rows)
        if index
    ]
    return vehicles, rows, matrix, shifts, visits


def check_routes(rows, routes):
    """Distance and infeasible visits of ``routes`` (lists of (customer,
    start minute)), from the instance alone."""
    by_number = {row[0]: row for row in rows}
    depot = rows[0]
    infeasible, distance, seen = 0, 0.0, set()
    for route in routes:
        prev, ready_at = depot, depot[4]
        for customer, start in route:
            row = by_number[customer]
            leg = math.dist(prev[1:3], row[1:3])
            distance += leg
            if (
                customer in seen
                or start + _EPS < ready_at + leg
                or start + _EPS < row[4]
                or start - _EPS > row[5]
            ):
                infeasible += 1
            seen.add(customer)
            prev, ready_at = row, start + row[6]
        if route:
            leg = math.dist(prev[1:3], depot[1:3])
            distance += leg
            if ready_at + leg - _EPS > depot[5]:
                infeasible += 1
    return distance, infeasible


def reference_routes(rows, vehicles, seconds):
    """Plain PyVRP on the instance, same rules: travel in whole seconds
    rounded up, service and windows in seconds, every customer required."""
    import numpy
    import pyvrp
    from pyvrp.stop import MaxRuntime

    xy = numpy.array([(row[1], row[2]) for row in rows], dtype=float)
    dist = numpy.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    travel = numpy.ceil(dist * 60.0 - 1e-7).astype(numpy.int64)
    data = pyvrp.ProblemData(
        locations=[pyvrp.Location(0.0, 0.0) for _ in rows],
        clients=[
            pyvrp.Client(
                location=index,
                service_duration=round(row[6] * 60),
                tw_early=round(row[4] * 60),
                tw_late=round(row[5] * 60),
            )
            for index, row in enumerate(rows)
            if index
        ],
        depots=[pyvrp.Depot(location=0)],
        vehicle_types=[
            pyvrp.VehicleType(
                num_available=vehicles,
                tw_early=round(rows[0][4] * 60),
                tw_late=round(rows[0][5] * 60),
            )
        ],
        distance_matrices=[travel],
        duration_matrices=[travel],
    )
    result = pyvrp.solve(
        data, MaxRuntime(seconds), seed=1, collect_stats=False, display=False
    )
    routes = [
        [
            (rows[activity.idx + 1][0], activity.start_time / 60.0)
            for activity in route.schedule()
            if activity.is_client()
        ]
        for route in result.best.routes()
    ]
    return routes, result.best.is_feasible()


def run_vrptw(args):
    travel, planner = load_tools()
    vehicles, rows, matrix, shifts, visits = vrptw_instance(travel, planner, args.vrptw)
    started = time.perf_counter()
    result = planner.plan(
        shifts,
        visits,
        matrix,
        max_iterations=args.iterations,
        time_limit=args.seconds,
    )
    seconds = time.perf_counter() - started
    routes = []
    for tech in sorted({stop.technician_id for stop in result.stops.values()}):
        stops = sorted(
            (s for s in result.stops.values() if s.technician_id == tech),
            key=lambda s: s.sequence,
        )
        routes.append(
            [
                {
                    "customer": stop.order_id,
                    "start": (stop.start - DAY0).total_seconds() / 60.0,
                }
                for stop in stops
            ]
        )
    distance, infeasible = check_routes(
        rows, [[(s["customer"], s["start"]) for s in route] for route in routes]
    )
    out = {
        "instance": pathlib.Path(args.vrptw).stem,
        "customers": len(rows) - 1,
        "vehicles": vehicles,
        "routes": routes,
        "unassigned": sorted(result.unassigned),
        "distance": round(distance, 2),
        "seconds": round(seconds, 2),
        "infeasible": infeasible,
        "stats": result.stats,
    }
    ok = infeasible == 0 and seconds <= VRPTW_TARGET_SECONDS and not out["unassigned"]
    targets = {
        "seconds": f"<= {VRPTW_TARGET_SECONDS:g}",
        "infeasible": "0",
        "unassigned": "0",
    }
    if args.reference:
        ref_routes, ref_feasible = reference_routes(
            rows, vehicles, args.reference_seconds
        )
        ref_distance, ref_infeasible = check_routes(rows, ref_routes)
        gap = distance / ref_distance - 1.0
        out.update(
            reference_distance=round(ref_distance, 2),
            reference_routes=len(ref_routes),
            reference_infeasible=ref_infeasible + (0 if ref_feasible else 1),
            gap=round(gap, 4),
        )
        targets["gap"] = f"<= {VRPTW_TARGET_GAP:.0%}"
        ok = ok and gap <= VRPTW_TARGET_GAP
    out["targets"] = targets
    out["within_targets"] = ok
    if args.json:
        print(json.dumps(out))
    else:
        print(
            f"instance             : {out['instance']} ({out['customers']} customers,"
        )
        print(f"                       at most {vehicles} technicians)")
        print(f"routes               : {len(routes)}")
        print(f"unassigned           : {len(out['unassigned'])}   (target 0)")
        print(f"infeasible visits    : {infeasible}   (target 0)")
        print(f"distance             : {distance:.2f}")
        if args.reference:
            print(
                f"reference distance   : {out['reference_distance']:.2f}"
                f"   (plain PyVRP, {args.reference_seconds:g} s)"
            )
            print(f"gap                  : {gap:+.2%}   (target <= +3%)")
        print(f"time                 : {seconds:.2f} s   (target <= 10 s)")
        print(
            "result               : " + ("within targets" if ok else "OUTSIDE targets")
        )
    return 0 if ok else 1


# ---------------------------------------------------------------- field days

ZONES = 10  # a 5 x 2 grid of zones
SKILLS = 8


def zone_box(zone):
    col, row = zone % 5, zone // 5
    lat, lon = 48.70 + row * 0.15, 2.10 + col * 0.12
    return lat, lon, 0.15, 0.12


def zone_point(rng, zone):
    lat, lon, dlat, dlon = zone_box(zone)
    return lat + rng.random() * dlat, lon + rng.random() * dlon


def field_instance(travel, planner, n_techs, n_orders, n_days, seed=7):
    """Technician-days (8-12, 13-17 on weekdays, some days or afternoons of
    leave, a few fixed visits) and orders that need one skill in one zone,
    drawn so that every technician's skills and zones see about the same
    demand; an order is released in the first half of the period, is due
    1 to days/2 days later, and one in seven has an appointment (a morning
    or an afternoon before its deadline)."""
    rng = random.Random(seed)
    points, techs = [], []
    for tech in range(1, n_techs + 1):
        home = rng.randrange(ZONES)
        others = sorted(
            (z for z in range(ZONES) if z != home),
            key=lambda z: (abs(z % 5 - home % 5) + abs(z // 5 - home // 5), z),
        )
        zones = frozenset([home, *others[:2]])
        skills = frozenset(rng.sample(range(SKILLS), 3))
        points.append(zone_point(rng, home))
        techs.append((tech, len(points) - 1, zones, skills))
    shifts = []
    fixed_count = 0
    for tech, home, _zones, _skills in techs:
        for offset in range(n_days):
            day = DAY0 + timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            draw = rng.random()
            if draw < 0.04:
                continue  # a day of leave
            if draw < 0.08:
                intervals = ((day.replace(hour=8), day.replace(hour=12)),)
            else:
                intervals = (
                    (day.replace(hour=8), day.replace(hour=12)),
                    (day.replace(hour=13), day.replace(hour=17)),
                )
            fixed = ()
            if rng.random() < 0.1:
                fixed_count += 1
                points.append(zone_point(rng, rng.choice(sorted(_zones))))
                begin = day.replace(hour=rng.choice((9, 10, 14, 15)))
                if begin >= intervals[-1][1]:
                    begin = day.replace(hour=9)
                fixed = (
                    planner.FixedVisit(
                        order_id=-fixed_count,
                        point=len(points) - 1,
                        start=begin,
                        end=begin + timedelta(hours=1),
                    ),
                )
            shifts.append(
                planner.Shift(
                    technician_id=tech,
                    day=day.date(),
                    intervals=intervals,
                    start_point=home,
                    end_point=home,
                    fixed=fixed,
                )
            )
    workdays = sorted({shift.day for shift in shifts})
    visits = []
    for order_id in range(1, n_orders + 1):
        _tech, _home, zones, skills = techs[rng.randrange(n_techs)]
        zone = rng.choice(sorted(zones))
        skill = rng.choice(sorted(skills))
        eligible = frozenset(t for t, _h, z, s in techs if zone in z and skill in s)
        points.append(zone_point(rng, zone))
        first = rng.randrange(max(len(workdays) // 2, 1))
        release = datetime.combine(workdays[first], datetime.min.time())
        due = release + timedelta(days=rng.randint(1, max(n_days // 2, 1)), hours=17)
        duration = timedelta(minutes=rng.choice((15, 30, 30, 45, 60)))
        window = {}
        if rng.random() < 0.15:
            # an appointment: the morning or the afternoon of one day
            days = [d for d in workdays[first:] if d <= due.date()] or workdays[first:]
            day = datetime.combine(rng.choice(days), datetime.min.time())
            begin, end = rng.choice(((8, 12), (13, 17)))
            window = {
                "window_start": day.replace(hour=begin),
                "window_end": day.replace(hour=end) - duration,
            }
        visits.append(
            planner.Visit(
                order_id=order_id,
                point=len(points) - 1,
                duration=duration,
                technician_ids=eligible,
                priority=rng.choice((0, 0, 1, 1, 2, 3)),
                deadline=due,
                earliest=release,
                **window,
            )
        )
    matrix = travel.great_circle_matrix(points, speed_kmh=40.0, detour=1.3)
    return shifts, visits, matrix


def check_plan(planner, shifts, visits, matrix, result):
    """Hard-rule breaks in ``result``, counted from the input alone."""
    by_id = {visit.order_id: visit for visit in visits}
    bad = 0
    for shift in shifts:
        fixed = {f.order_id: f for f in shift.fixed}
        stops = sorted(
            (
                s
                for s in result.stops.values()
                if s.technician_id == shift.technician_id and s.day == shift.day
            ),
            key=lambda s: (s.start, s.end),
        )
        entries = []
        for stop in stops:
            visit = by_id.get(stop.order_id)
            if visit is None:
                f = fixed[stop.order_id]
                bad += (stop.start, stop.end) != (f.start, f.end)
                entries.append((stop.order_id, f.point, stop.start, stop.end))
                continue
            bad += shift.technician_id not in visit.technician_ids
            bad += stop.end - stop.start != visit.duration
            bad += bool(visit.earliest and stop.start < visit.earliest)
            bad += bool(visit.window_start and stop.start < visit.window_start)
            bad += bool(visit.window_end and stop.start > visit.window_end)
            entries.append((stop.order_id, visit.point, stop.start, stop.end))
        rows = planner.evaluate_route(shift, entries, matrix)
        bad += sum(not (r["reachable"] and r["in_interval"]) for r in rows)
        bad += bool(rows and not rows[-1]["home_in_time"])
    return bad


def run_field(args):
    travel, planner = load_tools()
    shifts, visits, matrix = field_instance(
        travel, planner, args.technicians, args.orders, args.days
    )
    started = time.perf_counter()
    result = planner.plan(
        shifts,
        visits,
        matrix,
        max_iterations=args.iterations,
        time_limit=args.seconds,
    )
    seconds = time.perf_counter() - started
    fixed = sum(len(s.fixed) for s in shifts)
    assigned = sum(1 for v in visits if v.order_id in result.stops)
    share = assigned / len(visits) if visits else 1.0
    work_hours = sum(v.duration.total_seconds() for v in visits) / 3600.0
    open_hours = (
        sum((e - s).total_seconds() for sh in shifts for s, e in sh.intervals) / 3600.0
        - fixed
    )
    late = sum(
        1
        for v in visits
        if v.order_id in result.stops
        and v.deadline
        and result.stops[v.order_id].end > v.deadline
    )
    busy = {}
    for stop in result.stops.values():
        busy.setdefault(stop.technician_id, 0.0)
        busy[stop.technician_id] += (stop.end - stop.start).total_seconds() / 3600.0
    infeasible = check_plan(planner, shifts, visits, matrix, result)
    memory = peak_mb()
    target_s = FIELD_TARGETS.get(args.orders, max(FIELD_TARGETS.values()))
    ok = (
        seconds < target_s
        and share >= FIELD_TARGET_ASSIGNED
        and memory < FIELD_TARGET_MB
        and infeasible == 0
    )
    out = {
        "technicians": args.technicians,
        "orders": len(visits),
        "days": args.days,
        "shifts": len(shifts),
        "fixed_visits": fixed,
        "seconds": round(seconds, 2),
        "assigned": assigned,
        "assigned_share": round(share, 4),
        "work_hours": round(work_hours, 1),
        "open_hours": round(open_hours, 1),
        "late_orders": late,
        "lateness_minutes": round(result.lateness_minutes, 1),
        "travel_minutes": round(result.travel_minutes, 1),
        "travel_km": round(result.travel_km, 1),
        "busy_hours_min_max": [
            round(min(busy.values(), default=0.0), 1),
            round(max(busy.values(), default=0.0), 1),
        ],
        "unassigned_reasons": sorted(set(result.unassigned.values())),
        "infeasible": infeasible,
        "peak_mb": round(memory, 1),
        "stats": result.stats,
        "targets": {
            "seconds": f"< {target_s:g}",
            "assigned_share": f">= {FIELD_TARGET_ASSIGNED:.0%}",
            "peak_mb": f"< {FIELD_TARGET_MB}",
            "infeasible": "0",
        },
        "within_targets": ok,
    }
    if args.json:
        print(json.dumps(out))
        return 0 if ok else 1
    print(
        f"orders x technicians : {len(visits)} x {args.technicians}, "
        f"{args.days} days ({len(shifts)} technician-days, {fixed} fixed visits)"
    )
    print(f"time                 : {seconds:.2f} s   (target < {target_s:g} s)")
    print(
        f"assigned             : {share:.1%}   (target >= "
        f"{FIELD_TARGET_ASSIGNED:.0%}; work {work_hours:.0f} h "
        f"of {open_hours:.0f} h open)"
    )
    print(f"infeasible stops     : {infeasible}   (target 0)")
    print(f"late orders          : {late}   lateness {result.lateness_minutes:.0f} min")
    print(
        f"travel               : {result.travel_minutes:.0f} min, "
        f"{result.travel_km:.0f} km"
    )
    print(
        "busy hours per tech  : min {:.1f}  max {:.1f}".format(
            *out["busy_hours_min_max"]
        )
    )
    print(f"unassigned reasons   : {out['unassigned_reasons']}")
    print(f"peak memory          : {memory:.0f} MB   (target < {FIELD_TARGET_MB} MB)")
    print("result               : " + ("within targets" if ok else "OUTSIDE targets"))
    return 0 if ok else 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vrptw", help="a Solomon instance file")
    parser.add_argument("--reference", action="store_true")
    parser.add_argument("--reference-seconds", type=float, default=REFERENCE_SECONDS)
    parser.add_argument(
        "--seconds",
        type=float,
        help="the planner's time limit (default: its iteration budget)",
    )
    parser.add_argument("--iterations", type=int, help="the planner's iteration budget")
    parser.add_argument("--technicians", type=int, default=50)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.vrptw:
        return run_vrptw(args)
    return run_field(args)


if __name__ == "__main__":
    sys.exit(main())
