# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The route planner's plans are drivable: plain Python, no server.

Random small instances (fixed seeds) of technician-days with a lunch break,
windows, eligibility and fixed visits; every plan is checked stop by stop."""

import itertools
import random
from datetime import datetime, timedelta

import pytest

from scripts.bench_dispatch import check_plan, load_tools

travel, planner = load_tools()
MONDAY = datetime(2026, 1, 5)


def instance(seed, n_visits=25, n_techs=3, days=2):
    rng = random.Random(seed)
    points = [
        (48.80 + rng.random() * 0.2, 2.25 + rng.random() * 0.25)
        for _ in range(n_techs + n_visits)
    ]
    matrix = travel.great_circle_matrix(points, speed_kmh=40.0, detour=1.3)
    shifts, fixed_ids = [], []
    for tech in range(n_techs):
        for day in range(days):
            date = MONDAY + timedelta(days=day)
            intervals = (
                (date.replace(hour=8), date.replace(hour=12)),
                (date.replace(hour=13), date.replace(hour=17)),
            )
            fixed = ()
            if tech == 0 and day == 0:
                order_id = 1000
                fixed = (
                    planner.FixedVisit(
                        order_id=order_id,
                        point=n_techs,
                        start=date.replace(hour=10),
                        end=date.replace(hour=11),
                    ),
                )
                fixed_ids.append(order_id)
            shifts.append(
                planner.Shift(
                    technician_id=tech,
                    day=date.date(),
                    intervals=intervals,
                    start_point=tech,
                    end_point=tech,
                    fixed=fixed,
                )
            )
    visits = []
    for index in range(n_visits):
        eligible = frozenset(
            t for t in range(n_techs) if rng.random() < 0.7
        ) or frozenset({0})
        window = {}
        if rng.random() < 0.3:
            day = MONDAY + timedelta(days=rng.randrange(days))
            begin = day.replace(hour=rng.choice((8, 9, 13, 14)))
            window = {"window_start": begin, "window_end": begin + timedelta(hours=2)}
        visits.append(
            planner.Visit(
                order_id=index + 1,
                point=n_techs + index,
                duration=timedelta(minutes=rng.choice((30, 45, 60, 90))),
                technician_ids=eligible,
                priority=rng.randrange(4),
                earliest=MONDAY,
                **window,
            )
        )
    return shifts, visits, matrix, fixed_ids


def check_feasible(shifts, visits, matrix, plan):
    assert check_plan(planner, shifts, visits, matrix, plan) == 0


@pytest.mark.parametrize("seed", range(4))
def test_plans_are_drivable_and_fixed_visits_stay(seed):
    shifts, visits, matrix, fixed_ids = instance(seed)
    plan = planner.plan(shifts, visits, matrix, max_iterations=300)
    check_feasible(shifts, visits, matrix, plan)
    assert set(plan.stops) | set(plan.unassigned) >= {v.order_id for v in visits}
    assert set(plan.stops) & set(plan.unassigned) == set()
    for order_id in fixed_ids:
        assert order_id in plan.stops


def test_same_input_same_plan():
    shifts, visits, matrix, _fixed = instance(11)
    first = planner.plan(shifts, visits, matrix, max_iterations=300)
    second = planner.plan(shifts, visits, matrix, max_iterations=300)
    assert {k: (s.technician_id, s.start) for k, s in first.stops.items()} == {
        k: (s.technician_id, s.start) for k, s in second.stops.items()
    }
    assert first.unassigned == second.unassigned


def test_short_capacity_leaves_the_lowest_priorities_out():
    shifts, visits, matrix, _fixed = instance(5, n_visits=40, n_techs=1, days=1)
    plan = planner.plan(shifts, visits, matrix, max_iterations=300)
    check_feasible(shifts, visits, matrix, plan)
    assert plan.unassigned, "one technician-day cannot hold 40 visits"
    assert set(plan.unassigned.values()) <= {planner.REASON_NO_CAPACITY}
    served = [v.priority for v in visits if v.order_id in plan.stops]
    left = [v.priority for v in visits if v.order_id in plan.unassigned]
    assert sum(served) / len(served) > sum(left) / len(left)


def test_travel_separates_consecutive_visits():
    shifts, visits, matrix, _fixed = instance(3, n_visits=12, n_techs=1, days=1)
    plan = planner.plan(shifts, visits, matrix, max_iterations=300)
    stops = sorted(plan.stops.values(), key=lambda stop: stop.start)
    assert len(stops) >= 2
    point = {v.order_id: v.point for v in visits}
    point.update({f.order_id: f.point for s in shifts for f in s.fixed})
    for before, after in itertools.pairwise(stops):
        expected = matrix.minutes[point[before.order_id]][point[after.order_id]]
        assert after.travel_minutes == pytest.approx(expected)
        if point[before.order_id] != point[after.order_id]:
            assert after.travel_minutes > 0
        gap = (after.start - before.end).total_seconds() / 60.0
        assert gap + 1e-6 >= after.travel_minutes
