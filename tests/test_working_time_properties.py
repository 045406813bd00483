# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Property tests of the SLA working-time arithmetic (plain Python, hypothesis).

Random calendars (working intervals with holidays taken out), random starts and
targets: planning then measuring gives the target back, more hours never end
earlier, and a deadline never falls outside working time."""

import importlib.util
import pathlib
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

PATH = (
    pathlib.Path(__file__).resolve().parent.parent
    / "addons/crm_extension/tools/working_time.py"
)
spec = importlib.util.spec_from_file_location("working_time", PATH)
working_time = importlib.util.module_from_spec(spec)
spec.loader.exec_module(working_time)

BASE = datetime(2026, 1, 5)


@st.composite
def calendars(draw):
    """Sorted disjoint intervals over 60 days: per weekday 1-3 shifts, some
    days off (holidays), and pauses carved out."""
    shifts = draw(
        st.lists(
            st.tuples(st.integers(0, 22), st.integers(1, 8)), min_size=1, max_size=3
        )
    )
    workdays = draw(st.sets(st.integers(0, 6), min_size=1))
    holidays = draw(st.sets(st.integers(0, 59), max_size=10))
    intervals = []
    for day in range(60):
        date = BASE + timedelta(days=day)
        if date.weekday() not in workdays or day in holidays:
            continue
        for start, length in sorted(shifts):
            begin = date + timedelta(hours=start)
            end = min(begin + timedelta(hours=length), date + timedelta(hours=24))
            if intervals and begin < intervals[-1][1]:
                begin = intervals[-1][1]
            if begin < end:
                intervals.append((begin, end))
    return intervals


@settings(max_examples=200, deadline=None)
@given(
    calendars(),
    st.integers(0, 20 * 24 * 60),
    st.floats(0.25, 40.0),
    st.floats(0.0, 10.0),
)
def test_plan_then_measure(intervals, start_minutes, hours, more):
    start = BASE + timedelta(minutes=start_minutes)
    deadline = working_time.add_working_hours(intervals, start, hours)
    if deadline is None:
        total = working_time.working_hours_between(intervals, start, intervals[-1][1])
        assert total < hours + 1e-6
        return
    measured = working_time.working_hours_between(intervals, start, deadline)
    assert abs(measured - hours) < 1e-6
    assert any(begin <= deadline <= end for begin, end in intervals)
    later = working_time.add_working_hours(intervals, start, hours + more)
    assert later is None or later >= deadline


@given(calendars(), st.integers(0, 30 * 24 * 60), st.integers(0, 30 * 24 * 60))
def test_measure_is_additive(intervals, a, b):
    start, stop = sorted((BASE + timedelta(minutes=a), BASE + timedelta(minutes=b)))
    middle = start + (stop - start) / 2
    whole = working_time.working_hours_between(intervals, start, stop)
    parts = working_time.working_hours_between(
        intervals, start, middle
    ) + working_time.working_hours_between(intervals, middle, stop)
    assert abs(whole - parts) < 1e-6
    assert working_time.working_hours_between(intervals, stop, start) == 0.0
