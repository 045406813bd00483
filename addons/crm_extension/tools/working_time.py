# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Working-time arithmetic on sorted, disjoint working intervals.

Plain Python (no Odoo import; pytz only): the SLA code loads a calendar's working
intervals once for many records (``resource.calendar._work_intervals_batch``,
leaves and public holidays removed) and then plans every deadline here.
Intervals are ``(start, stop)`` pairs of comparable datetimes.
"""

from bisect import bisect_right
from datetime import timedelta

import pytz


def add_working_hours(intervals, start, hours):
    """The moment when ``hours`` of work have passed after ``start``.

    Returns None when the intervals end before that (the caller then loads a
    longer horizon). ``hours`` <= 0 returns the first working moment at or
    after ``start`` when that falls inside the intervals, else ``start``."""
    remaining = hours * 3600.0
    index = max(bisect_right([s for s, _e in intervals], start) - 1, 0)
    for begin, end in intervals[index:]:
        if end <= start:
            continue
        begin = max(begin, start)
        available = (end - begin).total_seconds()
        if remaining <= available:
            return begin + timedelta(seconds=remaining)
        remaining -= available
    return None


def working_hours_between(intervals, start, stop):
    """Hours of work between ``start`` and ``stop`` (0 when stop <= start)."""
    if stop <= start:
        return 0.0
    total = 0.0
    for begin, end in intervals:
        if end <= start:
            continue
        if begin >= stop:
            break
        total += (min(end, stop) - max(begin, start)).total_seconds()
    return total / 3600.0


def _naive_utc(intervals):
    return [
        (
            begin.astimezone(pytz.utc).replace(tzinfo=None),
            end.astimezone(pytz.utc).replace(tzinfo=None),
        )
        for begin, end, _meta in intervals
    ]


def calendar_intervals_utc(calendar, start, stop, domain=None):
    """Working intervals of an Odoo ``resource.calendar`` (leaves and public
    holidays removed, those of ``domain`` when given) between two naive UTC
    datetimes, as naive UTC pairs."""
    intervals = calendar._work_intervals_batch(
        pytz.utc.localize(start), pytz.utc.localize(stop), domain=domain
    )[False]
    return _naive_utc(intervals)


def resource_intervals_utc(calendar, start, stop, resources):
    """``{resource id: intervals}``: as :func:`calendar_intervals_utc`, with
    each ``resources`` record's own leaves removed too."""
    batch = calendar._work_intervals_batch(
        pytz.utc.localize(start), pytz.utc.localize(stop), resources=resources
    )
    return {resource.id: _naive_utc(batch[resource.id]) for resource in resources}
