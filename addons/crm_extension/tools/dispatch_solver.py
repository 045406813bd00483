# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Assign service orders to technicians: plain Python, deterministic.

Orders are served by priority (highest first), then deadline (earliest
first), then id. Each order goes to the eligible technician (required skills
held, zone covered) and the earliest free slot that fits the whole visit in
one working interval, choosing the candidate that minimises, in order:

1. lateness: minutes the visit ends after the order's deadline;
2. travel: 0 in the technician's zone, else 1, plus the distance in km from
   the technician's previous visit when both have coordinates;
3. workload: hours already booked for the technician (balances the team);
4. the start time, then the technician id (determinism).

Technicians' free time is kept as sorted lists and updated after each
booking, so 1,000 orders x 50 technicians take seconds.
"""

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import asin, cos, radians, sin, sqrt

REASON_NO_TECHNICIAN = "no_technician"
REASON_SKILLS = "no_skill"
REASON_ZONE = "no_zone"
REASON_SLOT = "no_slot"


@dataclass
class Technician:
    id: int
    skills: frozenset = frozenset()
    zones: frozenset = frozenset()
    # sorted, disjoint (start, end) working intervals over the horizon
    intervals: list = field(default_factory=list)
    # existing bookings (start, end)
    busy: list = field(default_factory=list)
    lat: float | None = None
    lon: float | None = None


@dataclass
class Order:
    id: int
    duration: timedelta
    priority: int = 0
    deadline: datetime | None = None
    earliest: datetime | None = None
    skills: frozenset = frozenset()
    zone: int | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass
class Result:
    assigned: dict  # order id -> (technician id, start, end)
    unassigned: dict  # order id -> reason
    lateness_minutes: float = 0.0
    travel: float = 0.0


def haversine_km(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = map(radians, (lat1, lon1, lat2, lon2))
    a = (
        sin((lat2 - lat1) / 2) ** 2
        + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    )
    return 12742.0 * asin(sqrt(a))


def _subtract(intervals, busy):
    """Working intervals minus busy periods, both sorted."""
    free = []
    busy = sorted(busy)
    for start, end in intervals:
        cursor = start
        for b_start, b_end in busy:
            if b_end <= cursor or b_start >= end:
                continue
            if b_start > cursor:
                free.append((cursor, b_start))
            cursor = max(cursor, b_end)
        if cursor < end:
            free.append((cursor, end))
    return free


class _State:
    def __init__(self, technician):
        self.tech = technician
        self.free = _subtract(technician.intervals, technician.busy)
        self.ends = [end for _start, end in self.free]
        self.booked_hours = 0.0
        self.last = (technician.lat, technician.lon)

    def earliest_slot(self, earliest, duration):
        index = bisect_left(self.ends, earliest + duration) if earliest else 0
        for pos in range(index, len(self.free)):
            start, end = self.free[pos]
            start = max(start, earliest) if earliest else start
            if end - start >= duration:
                return pos, start
        return None, None

    def book(self, pos, start, duration):
        free_start, free_end = self.free[pos]
        pieces = []
        if start > free_start:
            pieces.append((free_start, start))
        if start + duration < free_end:
            pieces.append((start + duration, free_end))
        self.free[pos : pos + 1] = pieces
        self.ends = [end for _s, end in self.free]
        self.booked_hours += duration.total_seconds() / 3600.0


def solve(technicians, orders):
    """Assign ``orders`` (list of Order) to ``technicians`` (list of Technician)."""
    states = [_State(tech) for tech in sorted(technicians, key=lambda t: t.id)]
    far_future = datetime.max
    ordered = sorted(
        orders, key=lambda o: (-o.priority, o.deadline or far_future, o.id)
    )
    assigned, unassigned = {}, {}
    total_lateness = total_travel = 0.0
    for order in ordered:
        if not states:
            unassigned[order.id] = REASON_NO_TECHNICIAN
            continue
        skilled = [s for s in states if order.skills <= s.tech.skills]
        if not skilled:
            unassigned[order.id] = REASON_SKILLS
            continue
        eligible = [
            s for s in skilled if order.zone is None or order.zone in s.tech.zones
        ]
        if not eligible:
            unassigned[order.id] = REASON_ZONE
            continue
        best = None
        for state in eligible:
            pos, start = state.earliest_slot(order.earliest, order.duration)
            if pos is None:
                continue
            end = start + order.duration
            lateness = (
                max((end - order.deadline).total_seconds() / 60.0, 0.0)
                if order.deadline
                else 0.0
            )
            travel = (
                0.0
                if order.zone is not None and order.zone in state.tech.zones
                else 1.0
            )
            last_lat, last_lon = state.last
            if None not in (order.lat, order.lon, last_lat, last_lon):
                travel += haversine_km(last_lat, last_lon, order.lat, order.lon)
            key = (lateness, round(travel, 3), state.booked_hours, start, state.tech.id)
            if best is None or key < best[0]:
                best = (key, state, pos, start, end)
        if best is None:
            unassigned[order.id] = REASON_SLOT
            continue
        (lateness, travel, *_rest), state, pos, start, end = best
        state.book(pos, start, order.duration)
        if order.lat is not None and order.lon is not None:
            state.last = (order.lat, order.lon)
        assigned[order.id] = (state.tech.id, start, end)
        total_lateness += lateness
        total_travel += travel
    return Result(assigned, unassigned, total_lateness, total_travel)
