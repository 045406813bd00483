# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Property tests of the route planner (plain Python, hypothesis).

Random technician-days (one or two working intervals, days off, distinct
start and end points, fixed visits) and random visits (eligibility, windows,
earliest starts, deadlines, priorities) on a plane where a distance unit
takes a minute: every plan is drivable, keeps the fixed visits, uses only
eligible technicians, and the same input gives the same plan."""

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.bench_dispatch import check_plan, load_tools

travel, planner = load_tools()
MONDAY = datetime(2026, 1, 5)
ITERATIONS = 40  # small budgets: the properties hold for any budget


@st.composite
def instances(draw):
    n_techs = draw(st.integers(1, 3))
    n_days = draw(st.integers(1, 2))
    coords = st.tuples(st.integers(0, 40), st.integers(0, 40))
    points = []

    def point():
        points.append(draw(coords))
        return len(points) - 1

    shifts, fixed_id = [], 10_000
    for tech in range(1, n_techs + 1):
        home = point()
        for offset in range(n_days):
            if draw(st.integers(0, 5)) == 0:
                continue  # a day off
            day = MONDAY + timedelta(days=offset)
            begin = draw(st.integers(7, 9))
            if draw(st.booleans()):
                lunch = draw(st.integers(11, 12))
                intervals = (
                    (day + timedelta(hours=begin), day + timedelta(hours=lunch)),
                    (
                        day
                        + timedelta(
                            hours=lunch, minutes=draw(st.sampled_from((30, 60)))
                        ),
                        day + timedelta(hours=draw(st.integers(15, 17))),
                    ),
                )
            else:
                intervals = (
                    (
                        day + timedelta(hours=begin),
                        day + timedelta(hours=draw(st.integers(12, 17))),
                    ),
                )
            fixed = ()
            if draw(st.integers(0, 3)) == 0:
                first_start, first_end = intervals[0]
                latest = first_end - timedelta(minutes=30)
                start = min(
                    first_start + timedelta(minutes=draw(st.integers(60, 150))), latest
                )
                end = min(
                    start + timedelta(minutes=draw(st.sampled_from((30, 60)))),
                    first_end,
                )
                fixed_id += 1
                fixed = (
                    planner.FixedVisit(
                        order_id=fixed_id, point=point(), start=start, end=end
                    ),
                )
            end_point = home if draw(st.booleans()) else point()
            shifts.append(
                planner.Shift(
                    technician_id=tech,
                    day=day.date(),
                    intervals=intervals,
                    start_point=home,
                    end_point=end_point,
                    fixed=fixed,
                )
            )
    visits = []
    for order_id in range(1, draw(st.integers(0, 14)) + 1):
        duration = timedelta(minutes=draw(st.sampled_from((15, 30, 45, 60, 90, 120))))
        extra = {}
        if draw(st.integers(0, 3)) == 0:
            start = MONDAY + timedelta(
                days=draw(st.integers(0, n_days - 1)), hours=draw(st.integers(7, 15))
            )
            extra["window_start"] = start
            extra["window_end"] = start + timedelta(
                minutes=draw(st.sampled_from((0, 30, 120)))
            )
        if draw(st.booleans()):
            extra["earliest"] = MONDAY + timedelta(hours=draw(st.integers(0, 30)))
        if draw(st.booleans()):
            extra["deadline"] = MONDAY + timedelta(hours=draw(st.integers(8, 40)))
        visits.append(
            planner.Visit(
                order_id=order_id,
                point=point(),
                duration=duration,
                # now and then a technician without shifts, or nobody
                technician_ids=frozenset(
                    draw(st.sets(st.integers(1, n_techs + 1), max_size=n_techs))
                    if draw(st.integers(0, 5)) == 0
                    else draw(st.sets(st.integers(1, n_techs), min_size=1))
                ),
                priority=draw(st.integers(0, 3)),
                **extra,
            )
        )
    matrix = travel.euclidean_matrix(points)
    return shifts, visits, matrix


def assert_feasible(shifts, visits, matrix, plan):
    by_id = {visit.order_id: visit for visit in visits}
    fixed_ids = {f.order_id for s in shifts for f in s.fixed}
    # every visit is planned or left out with a reason, never both; a fixed
    # visit is never left out (it is listed on the days that get new visits)
    assert set(plan.stops) - fixed_ids | set(plan.unassigned) == set(by_id)
    assert not set(plan.stops) & set(plan.unassigned)
    assert set(plan.unassigned.values()) <= {
        planner.REASON_NO_CAPACITY,
        planner.REASON_NO_TECHNICIAN,
    }
    # the hard rules stop by stop (eligibility, duration, windows, working
    # intervals, travel between stops, home in time): the benchmark's check
    assert check_plan(planner, shifts, visits, matrix, plan) == 0
    seen = set()
    for shift in shifts:
        stops = sorted(
            (
                s
                for s in plan.stops.values()
                if s.technician_id == shift.technician_id and s.day == shift.day
            ),
            key=lambda s: (s.start, s.end),
        )
        seen.update(stop.order_id for stop in stops)
        # fixed visits untouched, on their own shift
        for f in shift.fixed:
            stop = plan.stops.get(f.order_id)
            if stop is None:
                assert not stops, "a day with new visits lists its fixed ones"
                continue
            assert (stop.technician_id, stop.day) == (shift.technician_id, shift.day)
            assert (stop.start, stop.end) == (f.start, f.end)
        # sequences follow the time order
        assert [s.sequence for s in stops] == list(range(1, len(stops) + 1))
    assert seen == set(plan.stops)
    # a visit without any eligible technician's shift is left out for that
    shift_techs = {s.technician_id for s in shifts if s.intervals}
    for visit in visits:
        if not visit.technician_ids & shift_techs:
            assert plan.unassigned[visit.order_id] == planner.REASON_NO_TECHNICIAN


def assert_nothing_left_fits(shifts, visits, matrix, plan):
    """A visit left out for capacity has no free slot in the plan: no gap
    between two stops (or the start and end points) takes it with a minute
    to spare, on any eligible shift, without moving another stop."""
    by_id = {visit.order_id: visit for visit in visits}
    point = {v.order_id: v.point for v in visits}
    point.update({f.order_id: f.point for s in shifts for f in s.fixed})
    margin = timedelta(minutes=1)
    for order_id, reason in plan.unassigned.items():
        if reason != planner.REASON_NO_CAPACITY:
            continue
        visit = by_id[order_id]
        for shift in shifts:
            if shift.technician_id not in visit.technician_ids:
                continue
            stops = sorted(
                (
                    s
                    for s in plan.stops.values()
                    if s.technician_id == shift.technician_id and s.day == shift.day
                ),
                key=lambda s: s.start,
            )
            if not stops:
                stops = sorted(
                    (
                        planner.Stop(
                            f.order_id, 0, shift.day, f.start, f.end, 0, 0, 0, 0
                        )
                        for f in shift.fixed
                    ),
                    key=lambda s: s.start,
                )
            before = [(shift.start_point, shift.intervals[0][0])]
            before += [(point[s.order_id], s.end) for s in stops]
            after = [(point[s.order_id], s.start) for s in stops]
            after += [(shift.end_point, shift.intervals[-1][1])]
            for (from_point, free), (to_point, busy) in zip(before, after, strict=True):
                arrive = free + timedelta(
                    minutes=matrix.minutes[from_point][visit.point]
                )
                for begin, end in shift.intervals:
                    start = max(
                        arrive,
                        begin,
                        visit.earliest or begin,
                        visit.window_start or begin,
                    )
                    start += margin
                    finish = start + visit.duration
                    home = finish + timedelta(
                        minutes=matrix.minutes[visit.point][to_point]
                    )
                    fits = (
                        finish <= end
                        and home + margin <= busy
                        and (visit.window_end is None or start <= visit.window_end)
                    )
                    assert not fits, (order_id, shift.technician_id, shift.day, start)


def signature(plan):
    return (
        {
            k: (s.technician_id, s.day, s.start, s.end, s.sequence)
            for k, s in plan.stops.items()
        },
        dict(plan.unassigned),
    )


@settings(max_examples=40, deadline=None)
@given(instances())
def test_every_plan_is_drivable(instance):
    shifts, visits, matrix = instance
    plan = planner.plan(shifts, visits, matrix, max_iterations=ITERATIONS)
    assert_feasible(shifts, visits, matrix, plan)
    assert_nothing_left_fits(shifts, visits, matrix, plan)


@settings(max_examples=25, deadline=None)
@given(instances())
def test_the_construction_pass_alone_is_drivable(instance):
    shifts, visits, matrix = instance
    plan = planner.plan(shifts, visits, matrix, engine="greedy")
    assert_feasible(shifts, visits, matrix, plan)
    assert_nothing_left_fits(shifts, visits, matrix, plan)


@settings(max_examples=15, deadline=None)
@given(instances())
def test_same_input_same_plan(instance):
    shifts, visits, matrix = instance
    first = planner.plan(shifts, visits, matrix, max_iterations=ITERATIONS)
    second = planner.plan(
        list(reversed(shifts)),
        list(reversed(visits)),
        matrix,
        max_iterations=ITERATIONS,
    )
    assert signature(first) == signature(second)
