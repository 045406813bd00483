# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Property tests of the auto-assign solver (plain Python, hypothesis).

Random technicians (skills, zones, working intervals with busy periods) and
random orders: every assignment respects skills, zone, working time, existing
bookings and other assignments, and the same input gives the same output."""

import importlib.util
import itertools
import pathlib
import sys
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

PATH = (
    pathlib.Path(__file__).resolve().parent.parent
    / "addons/crm_extension/tools/dispatch_solver.py"
)
spec = importlib.util.spec_from_file_location("dispatch_solver_props", PATH)
solver = importlib.util.module_from_spec(spec)
sys.modules["dispatch_solver_props"] = solver
spec.loader.exec_module(solver)

BASE = datetime(2026, 1, 5)


@st.composite
def technicians(draw):
    count = draw(st.integers(1, 6))
    result = []
    for tech_id in range(1, count + 1):
        days = draw(st.sets(st.integers(0, 6), min_size=1, max_size=5))
        start_hour = draw(st.integers(6, 10))
        length = draw(st.integers(2, 9))
        intervals = [
            (
                BASE + timedelta(days=d, hours=start_hour),
                BASE + timedelta(days=d, hours=start_hour + length),
            )
            for d in sorted(days)
        ]
        busy_day = draw(st.sampled_from(sorted(days)))
        busy = [
            (
                BASE + timedelta(days=busy_day, hours=start_hour + 1),
                BASE + timedelta(days=busy_day, hours=start_hour + 2),
            )
        ]
        result.append(
            solver.Technician(
                id=tech_id,
                skills=frozenset(draw(st.sets(st.integers(1, 4), max_size=4))),
                zones=frozenset(draw(st.sets(st.integers(1, 3), max_size=3))),
                intervals=intervals,
                busy=busy,
            )
        )
    return result


@st.composite
def orders(draw):
    count = draw(st.integers(1, 25))
    return [
        solver.Order(
            id=order_id,
            duration=timedelta(minutes=draw(st.sampled_from([30, 60, 90, 120, 240]))),
            priority=draw(st.integers(0, 3)),
            deadline=BASE + timedelta(hours=draw(st.integers(0, 7 * 24))),
            earliest=BASE + timedelta(hours=draw(st.integers(0, 48))),
            skills=frozenset(draw(st.sets(st.integers(1, 4), max_size=2))),
            zone=draw(st.one_of(st.none(), st.integers(1, 3))),
        )
        for order_id in range(1, count + 1)
    ]


@settings(max_examples=150, deadline=None)
@given(technicians(), orders())
def test_assignments_respect_every_constraint(techs, jobs):
    result = solver.solve(techs, jobs)
    by_id = {tech.id: tech for tech in techs}
    jobs_by_id = {job.id: job for job in jobs}
    assert set(result.assigned) | set(result.unassigned) == set(jobs_by_id)
    assert not set(result.assigned) & set(result.unassigned)
    booked = {tech.id: list(tech.busy) for tech in techs}
    for job_id, (tech_id, start, end) in result.assigned.items():
        job, tech = jobs_by_id[job_id], by_id[tech_id]
        assert job.skills <= tech.skills
        assert job.zone is None or job.zone in tech.zones
        assert end - start == job.duration
        assert start >= job.earliest
        assert any(begin <= start and end <= stop for begin, stop in tech.intervals)
        booked[tech_id].append((start, end))
    for periods in booked.values():
        periods.sort()
        for (_s1, e1), (s2, _e2) in itertools.pairwise(periods):
            assert e1 <= s2, "two bookings of one technician overlap"


@settings(max_examples=50, deadline=None)
@given(technicians(), orders())
def test_same_input_same_output(techs, jobs):
    first = solver.solve(techs, jobs)
    second = solver.solve(list(reversed(techs)), list(reversed(jobs)))
    assert first.assigned == second.assigned
    assert first.unassigned == second.unassigned
