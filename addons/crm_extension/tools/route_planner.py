# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Route planning of service visits on technician-day shifts: plain Python.

No Odoo import: the benchmark and the property tests load this file alone.

Model
-----
- A :class:`Shift` is one technician-day: sorted working intervals (leaves
  removed), a start and an end point. The technician leaves the start point
  at the first interval's start at the earliest and is back at the end point
  by the last interval's end. A visit lies entirely inside ONE interval;
  driving may happen in the gaps (breaks).
- :class:`FixedVisit` (scheduled, started or locked orders) never move. They
  cut their shift into segments: start point -> fixed visit -> ... -> end
  point, and new visits are routed inside the segments, around them.
- A :class:`Visit` starts inside its window (``window_start``,
  ``window_end``), not before ``earliest``, and only on a shift of one of its
  ``technician_ids``.
- Time is handled in whole seconds; a travel time is rounded up to the next
  second, so a plan is never tighter than the matrix says.

Search
------
A construction pass (most urgent first, and within a priority the visits
bound to one day first; a visit left out may take the place of one that fits
elsewhere) gives a starting solution. The whole run is then handed to PyVRP
as one problem (see :class:`_Model`): a vehicle per segment, a break as a
client pinned to its hours, eligibility as load dimensions. The search is
deterministic: a fixed seed and an iteration budget, or ``time_limit``
seconds when given. Its routes are rescheduled with the real intervals; a
visit that no longer fits goes back to the construction pass.

Objective (lexicographic in spirit)
-----------------------------------
1. priority: each visit is optional with a prize that grows 4-fold per
   priority level and outweighs ten hours of travel, so work is left out
   only when the capacity is short, and then the lowest priorities first;
2. SLA lateness: the deadline is soft; a visit that ends after it earns
   half a prize less (an on-time and a late alternative, one at most);
3. travel time;
4. balanced workload: a small cost per second a route runs beyond the
   average share of the work.

Every plan is checked stop by stop before it is returned (see
:func:`evaluate_route`): a visit that would break a hard rule is left out.
"""

import itertools
import time as _time
import warnings
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy

REASON_NO_CAPACITY = "no_capacity"
REASON_NO_TECHNICIAN = "no_technician"  # no eligible technician has a shift

_EPS_MINUTES = 1e-6
# PyVRP costs: TRAVEL_COST per second of travel, 1 per second of imbalance;
# a visit's prize outweighs ten hours of travel and grows 4-fold per level;
# a late visit earns LATE_COST less than an on-time one
TRAVEL_COST = 50
PRIZE_UNIT = TRAVEL_COST * 36000
LATE_COST = PRIZE_UNIT // 2
ELIGIBILITY_UNIT = 16  # load units of a visit in an eligibility dimension
PENALTY_UPDATES = 50  # candidates between two penalty updates
NEIGHBOURS = 40  # granular neighbourhood of the local search
_INF = 1 << 60


# ---------------------------------------------------------------- interface


@dataclass(frozen=True)
class FixedVisit:
    order_id: int
    point: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Shift:
    technician_id: int
    day: date
    intervals: tuple
    start_point: int
    end_point: int
    fixed: tuple = ()


@dataclass(frozen=True)
class Visit:
    order_id: int
    point: int
    duration: timedelta
    technician_ids: frozenset
    priority: int = 0
    window_start: datetime | None = None
    window_end: datetime | None = None
    deadline: datetime | None = None
    earliest: datetime | None = None


@dataclass
class Stop:
    order_id: int
    technician_id: int
    day: date
    start: datetime
    end: datetime
    sequence: int
    travel_minutes: float
    travel_km: float
    idle_minutes: float


@dataclass
class Plan:
    stops: dict
    unassigned: dict
    days: dict
    travel_minutes: float
    travel_km: float
    lateness_minutes: float
    seconds: float
    stats: dict = field(default_factory=dict)  # engine figures (optional)


# ---------------------------------------------------------------- evaluation


def evaluate_route(shift, stops, matrix):
    """Travel, idle time and reachability of a technician-day's visits.

    ``stops``: the visits in order as (order_id, point, start, end). Returns
    one dict per stop with ``order_id``, ``sequence``, ``travel_minutes``,
    ``travel_km``, ``idle_minutes``, ``reachable`` (False when the start is
    before the previous end plus the travel, or before the shift start plus
    the travel for the first) and ``in_interval`` (the visit lies inside one
    working interval). The last dict also carries ``return_minutes``,
    ``return_km`` and ``home_in_time`` (back at the end point by the shift
    end)."""
    result = []
    minutes, km = matrix.minutes, matrix.km
    if shift.intervals:
        prev_end = shift.intervals[0][0]
        shift_end = shift.intervals[-1][1]
    else:
        prev_end = shift_end = None
    prev_point = shift.start_point
    for sequence, (order_id, point, start, end) in enumerate(stops, 1):
        travel = float(minutes[prev_point][point])
        gap = (start - prev_end).total_seconds() / 60.0 if prev_end else travel
        result.append(
            {
                "order_id": order_id,
                "sequence": sequence,
                "travel_minutes": travel,
                "travel_km": float(km[prev_point][point]),
                "idle_minutes": max(gap - travel, 0.0),
                "reachable": gap + _EPS_MINUTES >= travel,
                "in_interval": any(
                    begin <= start and end <= stop for begin, stop in shift.intervals
                ),
            }
        )
        prev_point, prev_end = point, max(end, prev_end) if prev_end else end
    if result:
        back = float(minutes[prev_point][shift.end_point])
        result[-1]["return_minutes"] = back
        result[-1]["return_km"] = float(km[prev_point][shift.end_point])
        result[-1]["home_in_time"] = shift_end is None or (
            prev_end + timedelta(minutes=back - _EPS_MINUTES) <= shift_end
        )
    return result


# ---------------------------------------------------------------- internals


def _ceil_seconds(value):
    whole = int(value)
    return whole if whole >= value else whole + 1


class _Problem:
    """Integer-second view of a planning run."""

    def __init__(self, shifts, visits, matrix):
        self.matrix = matrix
        moments = [iv[0] for s in shifts for iv in s.intervals]
        moments += [f.start for s in shifts for f in s.fixed]
        moments += [v.earliest for v in visits if v.earliest]
        moments += [v.window_start for v in visits if v.window_start]
        base = min(moments) if moments else datetime(2000, 1, 1)
        self.base = base.replace(microsecond=0)
        self.shifts = sorted(shifts, key=lambda s: (s.day, s.technician_id))
        self.visits = sorted(visits, key=lambda v: v.order_id)
        points = {v.point for v in self.visits}
        for shift in self.shifts:
            points.update((shift.start_point, shift.end_point))
            points.update(f.point for f in shift.fixed)
        self.points = sorted(points)
        self.loc = {p: i for i, p in enumerate(self.points)}
        # travel in whole seconds, rounded up, over the points in use only,
        # block by block (thousands of points: no full-size temporaries)
        index = numpy.array(self.points, dtype=numpy.int64)
        minutes = numpy.asarray(matrix.minutes)
        size = len(index)
        self.travel = numpy.empty((size, size), dtype=numpy.int32)
        for first in range(0, size, 512):
            rows = index[first : first + 512]
            block = minutes[rows[:, None], index[None, :]] * 60.0 - 1e-7
            numpy.ceil(block, out=block)
            numpy.maximum(block, 0, out=block)
            self.travel[first : first + 512] = block
        # rows as memoryviews: fast scalar reads, no copy
        self.travel_list = [memoryview(row) for row in self.travel]
        self._build_segments()
        self._build_visits()

    def sec(self, moment, up=False):
        delta = (moment - self.base).total_seconds()
        whole = int(delta // 1)
        return whole + 1 if up and whole < delta else whole

    def dt(self, second):
        return self.base + timedelta(seconds=second)

    def _build_segments(self):
        self.segments = []
        for shift_index, shift in enumerate(self.shifts):
            if not shift.intervals:
                continue
            intervals = [
                (self.sec(s, up=True), self.sec(e)) for s, e in sorted(shift.intervals)
            ]
            anchors = [(self.loc[shift.start_point], None, intervals[0][0])]
            for fixed in sorted(shift.fixed, key=lambda f: (f.start, f.order_id)):
                anchors.append(
                    (
                        self.loc[fixed.point],
                        self.sec(fixed.start),
                        max(self.sec(fixed.end, True), intervals[0][0]),
                    )
                )
            anchors.append((self.loc[shift.end_point], intervals[-1][1], None))
            for (from_loc, _a, depart), (to_loc, arrive_by, _b) in itertools.pairwise(
                anchors
            ):
                clipped = [
                    (max(s, depart), min(e, arrive_by))
                    for s, e in intervals
                    if min(e, arrive_by) > max(s, depart)
                ]
                self.segments.append(
                    _Segment(
                        len(self.segments),
                        shift_index,
                        shift.technician_id,
                        from_loc,
                        to_loc,
                        depart,
                        arrive_by,
                        clipped,
                    )
                )
        self.segments_by_tech = {}
        for segment in self.segments:
            self.segments_by_tech.setdefault(segment.tech, []).append(segment)

    def _build_visits(self):
        self.items = []
        for visit in self.visits:
            early = 0
            for bound in (visit.earliest, visit.window_start):
                if bound is not None:
                    early = max(early, self.sec(bound, up=True))
            late = _INF if visit.window_end is None else self.sec(visit.window_end)
            duration = _ceil_seconds(visit.duration.total_seconds())
            deadline = None if visit.deadline is None else self.sec(visit.deadline)
            candidates = [
                segment
                for tech in sorted(visit.technician_ids)
                for segment in self.segments_by_tech.get(tech, ())
                if segment.intervals
                and segment.intervals[-1][1] - duration >= early
                and segment.intervals[0][0] <= late
                and segment.longest >= duration
            ]
            self.items.append(
                _Item(
                    len(self.items),
                    visit,
                    self.loc[visit.point],
                    duration,
                    early,
                    late,
                    deadline,
                    candidates,
                )
            )


class _Segment:
    __slots__ = (
        "arrive_by",
        "depart",
        "ends",
        "from_loc",
        "index",
        "intervals",
        "longest",
        "route",
        "shift_index",
        "starts",
        "tech",
        "to_loc",
        "work",
    )

    def __init__(
        self, index, shift_index, tech, from_loc, to_loc, depart, arrive_by, intervals
    ):
        self.index = index
        self.shift_index = shift_index
        self.tech = tech
        self.from_loc = from_loc
        self.to_loc = to_loc
        self.depart = depart
        self.arrive_by = arrive_by
        self.intervals = intervals
        self.ends = [e for _s, e in intervals]
        self.longest = max((e - s for s, e in intervals), default=0)
        self.route = []  # _Item, in order
        self.starts = []  # start second of each item
        self.work = 0  # service seconds booked


class _Item:
    __slots__ = (
        "candidates",
        "deadline",
        "duration",
        "early",
        "index",
        "late",
        "loc",
        "prize_level",
        "visit",
    )

    def __init__(self, index, visit, loc, duration, early, late, deadline, candidates):
        self.index = index
        self.visit = visit
        self.loc = loc
        self.duration = duration
        self.early = early
        self.late = late
        self.deadline = deadline
        self.candidates = candidates
        self.prize_level = max(0, min(int(visit.priority or 0), 9))


def _fit(segment, arrival, item):
    """Earliest start >= arrival inside the item's window and one interval."""
    t = max(item.early, arrival)
    intervals = segment.intervals
    i = bisect_left(segment.ends, t + item.duration)
    duration, late = item.duration, item.late
    while i < len(intervals):
        begin, end = intervals[i]
        start = max(begin, t)
        if start > late:
            return None
        if start + duration <= end:
            return start
        i += 1
    return None


def schedule(problem, segment, items):
    """Earliest-start schedule of ``items`` on ``segment``; None if infeasible."""
    travel = problem.travel_list
    t, loc = segment.depart, segment.from_loc
    starts = []
    for item in items:
        start = _fit(segment, t + travel[loc][item.loc], item)
        if start is None:
            return None
        starts.append(start)
        t, loc = start + item.duration, item.loc
    if t + travel[loc][segment.to_loc] > segment.arrive_by:
        return None
    return starts


def _try_insert(problem, segment, item, pos):
    """New starts from ``pos`` on if ``item`` goes at ``pos``; None if it
    does not fit. Propagates only until the old schedule is met again."""
    travel = problem.travel_list
    route, starts = segment.route, segment.starts
    if pos:
        prev = route[pos - 1]
        t, loc = starts[pos - 1] + prev.duration, prev.loc
    else:
        t, loc = segment.depart, segment.from_loc
    start = _fit(segment, t + travel[loc][item.loc], item)
    if start is None:
        return None
    new = [start]
    t, loc = start + item.duration, item.loc
    for j in range(pos, len(route)):
        other = route[j]
        start = _fit(segment, t + travel[loc][other.loc], other)
        if start is None:
            return None
        if start == starts[j]:
            return new
        new.append(start)
        t, loc = start + other.duration, other.loc
    if t + travel[loc][segment.to_loc] > segment.arrive_by:
        return None
    return new


def _insert(segment, item, pos, new_starts):
    segment.route.insert(pos, item)
    segment.starts.insert(pos, new_starts[0])
    for offset, start in enumerate(new_starts[1:], 1):
        segment.starts[pos + offset] = start
    segment.work += item.duration


def _best_insertion(problem, item, segments=None):
    travel = problem.travel_list
    best = None
    for segment in item.candidates if segments is None else segments:
        if (
            segment.intervals[-1][1] - segment.intervals[0][0] - segment.work
            < item.duration
        ):
            continue
        route = segment.route
        prev_loc = segment.from_loc
        for pos in range(len(route) + 1):
            next_loc = route[pos].loc if pos < len(route) else segment.to_loc
            if pos and route[pos - 1].early > item.late:
                break
            new = _try_insert(problem, segment, item, pos)
            if new is not None:
                added = (
                    travel[prev_loc][item.loc]
                    + travel[item.loc][next_loc]
                    - travel[prev_loc][next_loc]
                )
                late = 0
                if item.deadline is not None:
                    late = max(new[0] + item.duration - item.deadline, 0)
                key = (late, added, segment.work, segment.index, pos)
                if best is None or key < best[0]:
                    best = (key, segment, pos, new)
            if pos < len(route):
                prev_loc = route[pos].loc
    return best


def _greedy(problem, items):
    """Insert ``items`` (most urgent first, and within a priority the ones
    bound to one day, which have no other choice) at their cheapest feasible
    place."""
    order = sorted(
        items,
        key=lambda it: (
            -it.prize_level,
            it.late - it.early > 86400,
            it.deadline if it.deadline is not None else _INF,
            it.late,
            it.visit.order_id,
        ),
    )
    left = []
    for item in order:
        best = _best_insertion(problem, item)
        if best is None:
            left.append(item)
            continue
        _key, segment, pos, new = best
        _insert(segment, item, pos, new)
    return left


def _assemble(problem, unassigned_items, started):
    """Turn the segments' routes into a Plan, verified stop by stop."""
    minutes, km = problem.matrix.minutes, problem.matrix.km
    stops, days = {}, {}
    unassigned = {}
    total_minutes = total_km = lateness = 0.0
    for item in unassigned_items:
        unassigned[item.visit.order_id] = (
            REASON_NO_CAPACITY if item.candidates else REASON_NO_TECHNICIAN
        )
    by_shift = {}
    for segment in problem.segments:
        by_shift.setdefault(segment.shift_index, []).append(segment)
    for shift_index, shift in enumerate(problem.shifts):
        entries = []  # (start, end, order_id, point, item or None)
        for fixed in shift.fixed:
            entries.append((fixed.start, fixed.end, fixed.order_id, fixed.point, None))
        for segment in by_shift.get(shift_index, ()):
            for item, start in zip(segment.route, segment.starts, strict=True):
                entries.append(
                    (
                        problem.dt(start),
                        problem.dt(start + item.duration),
                        item.visit.order_id,
                        item.visit.point,
                        item,
                    )
                )
        if not any(entry[4] is not None for entry in entries):
            continue
        entries.sort(key=lambda e: (e[0], e[1], e[2]))
        checked = evaluate_route(
            shift, [e[2:4] + e[:2] for e in entries], problem.matrix
        )
        # safety net: a new visit that breaks a hard rule never leaves here
        bad = [
            entry[4]
            for entry, info in zip(entries, checked, strict=True)
            if entry[4] is not None and not (info["reachable"] and info["in_interval"])
        ]
        if not checked[-1]["home_in_time"] and entries[-1][4] is not None:
            bad.append(entries[-1][4])
        if bad:
            for item in bad:
                unassigned[item.visit.order_id] = REASON_NO_CAPACITY
            entries = [e for e in entries if e[4] is None or e[4] not in bad]
            checked = evaluate_route(
                shift, [e[2:4] + e[:2] for e in entries], problem.matrix
            )
        day_minutes = day_km = 0.0
        for entry, info in zip(entries, checked, strict=True):
            start, end, order_id, _point, item = entry
            stops[order_id] = Stop(
                order_id=order_id,
                technician_id=shift.technician_id,
                day=shift.day,
                start=start,
                end=end,
                sequence=info["sequence"],
                travel_minutes=info["travel_minutes"],
                travel_km=info["travel_km"],
                idle_minutes=info["idle_minutes"],
            )
            day_minutes += info["travel_minutes"]
            day_km += info["travel_km"]
            if item is not None and item.visit.deadline is not None:
                lateness += max((end - item.visit.deadline).total_seconds() / 60.0, 0.0)
        last = entries[-1][3] if entries else shift.start_point
        back_minutes = float(minutes[last][shift.end_point])
        back_km = float(km[last][shift.end_point])
        days[(shift.technician_id, shift.day)] = {
            "travel_minutes": day_minutes,
            "travel_km": day_km,
            "return_minutes": back_minutes,
            "return_km": back_km,
        }
        total_minutes += day_minutes + back_minutes
        total_km += day_km + back_km
    return Plan(
        stops=stops,
        unassigned=unassigned,
        days=days,
        travel_minutes=total_minutes,
        travel_km=total_km,
        lateness_minutes=lateness,
        seconds=_time.perf_counter() - started,
    )


# ---------------------------------------------------------------- repair


def _repair(problem, segment, items):
    """Schedule ``items`` in order with the real intervals (breaks, windows,
    return by the shift end); what no longer fits is dropped. Returns the
    dropped items; the segment keeps the rest."""
    travel = problem.travel_list
    kept, starts, dropped = [], [], []
    t, loc = segment.depart, segment.from_loc
    for item in items:
        start = _fit(segment, t + travel[loc][item.loc], item)
        if start is None:
            dropped.append(item)
            continue
        kept.append(item)
        starts.append(start)
        t, loc = start + item.duration, item.loc
    while kept and t + travel[loc][segment.to_loc] > segment.arrive_by:
        dropped.append(kept.pop())
        starts.pop()
        if kept:
            t, loc = starts[-1] + kept[-1].duration, kept[-1].loc
        else:
            t, loc = segment.depart, segment.from_loc
    segment.route, segment.starts = kept, starts
    segment.work = sum(item.duration for item in kept)
    return dropped


def _where(problem):
    return {
        item.index: segment for segment in problem.segments for item in segment.route
    }


def _priority_swaps(problem, left, budget=20000):
    """An unassigned visit takes the place of a less urgent one when it fits
    there; the displaced visit is then offered to every shift again."""
    order = sorted(left, key=lambda it: (-it.prize_level, it.visit.order_id))
    left_set = {item.index for item in left}
    lowest = min(
        (it.prize_level for seg in problem.segments for it in seg.route),
        default=None,
    )
    for item in order:
        if lowest is None or item.prize_level <= lowest or budget <= 0:
            continue
        if item.index not in left_set:
            continue
        best = None
        for segment in item.candidates:
            for pos, other in enumerate(segment.route):
                if other.prize_level >= item.prize_level:
                    continue
                budget -= 1
                trial = segment.route[:pos] + [item] + segment.route[pos + 1 :]
                if schedule(problem, segment, trial) is None:
                    continue
                key = (other.prize_level, other.duration - item.duration, segment.index)
                if best is None or key < best[0]:
                    best = (key, segment, pos, other)
        if best is None:
            continue
        _key, segment, pos, other = best
        segment.route[pos] = item
        segment.starts = schedule(problem, segment, segment.route)
        segment.work += item.duration - other.duration
        left_set.discard(item.index)
        left_set.add(other.index)
        if not _greedy(problem, [other]):
            left_set.discard(other.index)
    return [problem.items[i] for i in sorted(left_set)]


def _relocations(problem, left, budget=2_000_000):
    """An unassigned visit takes the place of a visit that is not more urgent
    and fits somewhere else, which moves there (most urgent and most bound
    visits first, within a budget of insertion trials)."""
    order = sorted(
        left, key=lambda it: (-it.prize_level, it.late - it.early, it.visit.order_id)
    )
    still = []
    for item in order:
        placed = False
        for segment in item.candidates:
            if placed or budget <= 0:
                break
            for pos, other in enumerate(segment.route):
                if other.prize_level > item.prize_level or len(other.candidates) < 2:
                    continue
                budget -= len(segment.route) + 1
                rest = segment.route[:pos] + segment.route[pos + 1 :]
                starts = schedule(problem, segment, rest)
                if starts is None:
                    continue
                saved = segment.route, segment.starts, segment.work
                segment.route, segment.starts = rest, starts
                segment.work -= other.duration
                best = _best_insertion(problem, item, [segment])
                if best is not None:
                    _insert(segment, item, best[2], best[3])
                    budget -= sum(len(s.route) + 1 for s in other.candidates)
                    moved = _best_insertion(problem, other)
                    if moved is not None:
                        _key, there, at, new = moved
                        _insert(there, other, at, new)
                        placed = True
                        break
                segment.route, segment.starts, segment.work = saved
        if not placed:
            still.append(item)
    return still


# ---------------------------------------------------------------- PyVRP


def _eligibility_dimensions(problem, items, vehicles):
    """Load dimensions that keep each visit on its eligible technicians:
    one dimension per distinct eligible set, or one per technician group
    that some visits exclude, whichever is fewer."""
    techs = sorted({segment.tech for segment in vehicles})
    sets = {}
    for item in items:
        allowed = frozenset(segment.tech for segment in item.candidates)
        sets.setdefault(allowed, []).append(item)
    full = frozenset(techs)
    needed = [s for s in sets if s != full]
    if not needed:
        return 0, {}, {}
    # technicians that every set treats alike form one group
    signature = {}
    for tech in techs:
        key = tuple(tech in s for s in needed)
        signature.setdefault(key, []).append(tech)
    groups = list(signature.values())
    big = len(items) + 1
    if len(needed) <= len(groups):
        dims = len(needed)
        demand = {
            item.index: [1 if s == allowed else 0 for s in needed]
            for allowed, members in sets.items()
            for item in members
        }
        capacity = {tech: [big if tech in s else 0 for s in needed] for tech in techs}
    else:
        dims = len(groups)
        group_of = {tech: g for g, members in enumerate(groups) for tech in members}
        demand = {}
        for allowed, members in sets.items():
            row = [0] * dims
            for tech in techs:
                if tech not in allowed:
                    row[group_of[tech]] = 1
            for item in members:
                demand[item.index] = row
        capacity = {
            tech: [0 if g == group_of[tech] else big for g in range(dims)]
            for tech in techs
        }
    return dims, demand, capacity


class _Model:
    """The planning run as one PyVRP problem.

    - every segment with working time is a vehicle (identical segments share
      a vehicle type), from its start to its end anchor, inside
      [depart, arrive_by];
    - a break between two working intervals is a required client at a
      location with no travel to or from it, pinned to the break's start and
      lasting the break: a visit lies before or after it, never across (the
      drive across the break is not counted there; the rescheduling with the
      real intervals checks it);
    - a visit is an optional client whose prize grows 4-fold per priority
      level; a visit whose deadline can be missed is two mutually exclusive
      clients: on time, and late for LATE_COST less;
    - eligibility is a set of load dimensions (see _eligibility_dimensions);
    - cost: TRAVEL_COST per second of travel, 1 per second a route runs
      beyond its share of the work (balance)."""

    def __init__(self, problem, items, vehicles):
        import pyvrp

        self.problem = problem
        self.items = items
        dims, demand, capacity = _eligibility_dimensions(problem, items, vehicles)
        self.dims = dims
        size = len(problem.points)
        anywhere = size  # the breaks' location
        depot_locs = sorted(
            {s.from_loc for s in vehicles} | {s.to_loc for s in vehicles}
        )
        depot_index = {loc: i for i, loc in enumerate(depot_locs)}
        horizon = max(s.arrive_by for s in vehicles)
        clients, self.client_item, groups = [], [], []
        self.client_of = {}  # (item index, late) -> client index
        zero = [0] * dims
        for item in items:
            load = [ELIGIBILITY_UNIT * q for q in demand.get(item.index, zero)]
            prize = PRIZE_UNIT * 4**item.prize_level
            late = min(item.late, horizon)
            copies = []  # (late flag, tw_early, tw_late, prize)
            if item.deadline is None or item.deadline - item.duration >= late:
                copies.append((False, item.early, late, prize))
            else:
                on_time = item.deadline - item.duration
                if on_time >= item.early:
                    copies.append((False, item.early, on_time, prize))
                copies.append(
                    (True, max(item.early, on_time + 1), late, prize - LATE_COST)
                )
            if len(copies) > 1:
                groups.append(
                    pyvrp.ClientGroup([len(clients), len(clients) + 1], required=False)
                )
            for is_late, early, tw_late, gain in copies:
                self.client_of[(item.index, is_late)] = len(clients)
                self.client_item.append(item)
                clients.append(
                    pyvrp.Client(
                        location=item.loc,
                        delivery=load,
                        service_duration=item.duration,
                        tw_early=early,
                        tw_late=max(tw_late, early),
                        prize=gain,
                        required=False,
                        group=len(groups) - 1 if len(copies) > 1 else None,
                    )
                )
        # balance: a route may run its share of the work, then pays per second
        span = sum(s.arrive_by - s.depart for s in vehicles)
        booked = sum(
            (s.starts[-1] + s.route[-1].duration - s.depart) if s.route else 0
            for s in vehicles
        )
        share = min(booked / span, 1.0) if span else 1.0
        self.num_visits = len(clients)
        types, self.type_segments, self.breaks = {}, [], {}
        for segment in vehicles:
            caps = capacity.get(segment.tech, zero) if dims else []
            key = (
                segment.from_loc,
                segment.to_loc,
                segment.depart,
                segment.arrive_by,
                tuple(segment.intervals),
                tuple(caps),
            )
            if key not in types:
                types[key] = len(self.type_segments)
                self.type_segments.append([])
            self.type_segments[types[key]].append(segment)
            gaps = []
            for (_b, end), (begin, _e) in itertools.pairwise(segment.intervals):
                gaps.append(len(clients))
                self.client_item.append(None)
                clients.append(
                    pyvrp.Client(
                        location=anywhere,
                        delivery=zero,
                        service_duration=begin - end,
                        tw_early=end,
                        tw_late=end,
                    )
                )
            self.breaks[segment.index] = gaps
        vehicle_types = []
        for key, members in zip(types, self.type_segments, strict=True):
            from_loc, to_loc, depart, arrive_by, _intervals, caps = key
            length = arrive_by - depart
            nominal = int(length * share)
            vehicle_types.append(
                pyvrp.VehicleType(
                    num_available=len(members),
                    capacity=[ELIGIBILITY_UNIT * c for c in caps],
                    start_depot=depot_index[from_loc],
                    end_depot=depot_index[to_loc],
                    tw_early=depart,
                    tw_late=arrive_by,
                    shift_duration=nominal,
                    max_overtime=length - nominal,
                    unit_distance_cost=TRAVEL_COST,
                    unit_overtime_cost=1,
                )
            )
        self.type_of = {
            segment.index: t
            for t, members in enumerate(self.type_segments)
            for segment in members
        }
        travel = numpy.zeros((size + 1, size + 1), dtype=numpy.int64)
        travel[:size, :size] = problem.travel
        self.data = pyvrp.ProblemData(
            locations=[pyvrp.Location(0.0, 0.0) for _ in range(size + 1)],
            clients=clients,
            depots=[pyvrp.Depot(location=loc) for loc in depot_locs],
            vehicle_types=vehicle_types,
            distance_matrices=[travel],
            duration_matrices=[travel],
            groups=groups,
        )
        self.vehicles = vehicles

    def neighbours(self):
        """Granular neighbourhood: for each visit client, the NEIGHBOURS
        nearest clients that an eligible technician could visit next or just
        before (travel plus the wait or the lateness between their windows,
        as PyVRP measures it); a break has none and is no one's."""
        from pyvrp import Activity, ActivityType

        count = self.num_visits
        items = self.client_item[:count]
        clients = self.data.clients()[:count]
        locs = numpy.array([c.location for c in clients], dtype=numpy.int64)
        early = numpy.array([c.tw_early for c in clients], dtype=float)
        late = numpy.array([c.tw_late for c in clients], dtype=float)
        service = numpy.array([c.service_duration for c in clients], dtype=float)
        techs = sorted({s.tech for s in self.vehicles})
        column = {tech: i for i, tech in enumerate(techs)}
        eligible = numpy.zeros((count, len(techs)), dtype=numpy.float32)
        for row, item in enumerate(items):
            for segment in item.candidates:
                eligible[row, column[segment.tech]] = 1.0
        travel = self.problem.travel
        keep = min(NEIGHBOURS, count - 1)
        activity = [
            Activity(ActivityType.CLIENT, i) for i in range(len(self.client_item))
        ]
        answer = {activity[i]: [] for i in range(count, len(activity))}
        for first in range(0, count, 256):
            rows = slice(first, min(first + 256, count))
            there = travel[locs[rows, None], locs[None, :]].astype(float)
            back = travel[locs[None, :], locs[rows, None]].astype(float)
            forward = (
                there
                + 0.2
                * numpy.maximum(
                    early[None, :] - service[rows, None] - there - late[rows, None], 0
                )
                + numpy.maximum(
                    early[rows, None] + service[rows, None] + there - late[None, :], 0
                )
            )
            backward = (
                back
                + 0.2
                * numpy.maximum(
                    early[rows, None] - service[None, :] - back - late[None, :], 0
                )
                + numpy.maximum(
                    early[None, :] + service[None, :] + back - late[rows, None], 0
                )
            )
            proximity = numpy.minimum(forward, backward)
            proximity[(eligible[rows] @ eligible.T) == 0] = numpy.inf
            proximity[
                numpy.arange(proximity.shape[0]), numpy.arange(first, rows.stop)
            ] = numpy.inf
            if keep <= 0:
                nearest = numpy.zeros((proximity.shape[0], 0), dtype=numpy.int64)
            else:
                nearest = numpy.argpartition(proximity, keep - 1, axis=1)[:, :keep]
            for offset, candidates in enumerate(nearest):
                row = proximity[offset]
                ranked = sorted(
                    (c for c in candidates.tolist() if row[c] < numpy.inf),
                    key=lambda c: (row[c], c),
                )
                answer[activity[first + offset]] = [activity[c] for c in ranked]
        return answer

    def solution(self):
        """The segments' current routes as a PyVRP solution."""
        import pyvrp

        routes = []
        for segment in self.vehicles:
            gaps = self.breaks[segment.index]
            if not segment.route and not gaps:
                continue
            visits, pending = (
                [],
                list(
                    zip(
                        [
                            end
                            for (_b, end), _n in itertools.pairwise(segment.intervals)
                        ],
                        gaps,
                        strict=True,
                    )
                ),
            )
            for item, start in zip(segment.route, segment.starts, strict=True):
                while pending and pending[0][0] <= start:
                    visits.append(pending.pop(0)[1])
                late = item.deadline is not None and (
                    start + item.duration > item.deadline
                )
                visits.append(self.client_of[(item.index, late)])
            visits += [client for _at, client in pending]
            routes.append(pyvrp.Route(self.data, visits, self.type_of[segment.index]))
        return pyvrp.Solution(self.data, routes)

    def routes(self, solution):
        """Segment index -> items in route order."""
        used = [0] * len(self.type_segments)
        answer = {}
        for route in solution.routes():
            vt = route.vehicle_type()
            segment = self.type_segments[vt][used[vt]]
            used[vt] += 1
            answer[segment.index] = [
                self.client_item[a.idx]
                for a in route
                if a.is_client() and self.client_item[a.idx] is not None
            ]
        return answer


def _solve(data, neighbours, stop, seed, initial):
    """pyvrp.solve with the model's neighbourhood, penalty bounds that fit
    its prizes, and an exhaustive local search of the starting solution."""
    from pyvrp import (
        IteratedLocalSearch,
        PenaltyManager,
        PenaltyParams,
    )
    from pyvrp._pyvrp import RandomNumberGenerator
    from pyvrp.exceptions import PenaltyBoundWarning
    from pyvrp.search import (
        OPERATORS,
        LocalSearch,
        PerturbationManager,
        PerturbationParams,
    )

    rng = RandomNumberGenerator(seed=seed)
    search = LocalSearch(
        data, rng, neighbours, PerturbationManager(PerturbationParams())
    )
    for op in OPERATORS:
        if op.supports(data):
            search.add_operator(op(data))
    # a second of time warp, or one visit on an ineligible technician, costs
    # the largest prize at first: the search starts on the feasible side
    top = float(max((c.prize for c in data.clients()), default=PRIZE_UNIT))
    params = PenaltyParams(
        solutions_between_updates=PENALTY_UPDATES,
        min_penalty=1.0,
        max_penalty=4 * top,
    )
    manager = PenaltyManager(
        ([top / ELIGIBILITY_UNIT] * data.num_load_dimensions, top, top), params
    )
    improved = search(initial, manager.cost_evaluator(), exhaustive=True)
    if improved.is_feasible():
        initial = improved
    algorithm = IteratedLocalSearch(data, manager, search, initial)
    with warnings.catch_warnings():
        # penalties are bounded on purpose (above), and the caller checks
        # the best solution's feasibility: a penalty at its bound is the
        # expected sign of a visit out of reach, not a fault to log
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        return algorithm.run(stop, collect_stats=False, display=False)


def _pyvrp_search(problem, items, seed, max_iterations, time_limit):
    """Solve the whole run with PyVRP from the construction pass's routes;
    returns (routes per segment, iterations, load dimensions), or None when
    PyVRP finds nothing feasible."""
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, NoImprovement

    vehicles = [s for s in problem.segments if s.intervals]
    if not vehicles or not items:
        return None
    model = _Model(problem, items, vehicles)
    if time_limit:
        stop = MaxRuntime(float(time_limit))
    elif max_iterations:
        stop = MaxIterations(int(max_iterations))
    else:
        budget = _default_iterations(len(items))
        stop = MultipleCriteria(
            [MaxIterations(budget), NoImprovement(_patience(len(items), budget))]
        )
    result = _solve(model.data, model.neighbours(), stop, seed, model.solution())
    if not result.best.is_feasible():
        return None
    return model.routes(result.best), result.num_iterations, model.dims


def _default_iterations(count):
    """An iteration budget, not a clock: the same input gives the same plan.
    An iteration costs about linear time in the size of the run; the
    exhaustive search of the start does most of the work on large runs."""
    return int(min(3000, max(100, 3_000_000 // count**1.5)))


def _patience(count, budget):
    """Iterations without a better plan after which the search stops: a run
    of a few visits settles within a few dozen iterations, and three thousand
    more of them only keep a web worker busy. Counted in iterations too, so
    the same input still gives the same plan; a large run keeps its whole
    budget."""
    return int(min(budget, max(100, 50 * count)))


# ---------------------------------------------------------------- entry point


def plan(
    shifts,
    visits,
    matrix,
    *,
    seed=1,
    max_iterations=None,
    time_limit=None,
    engine="pyvrp",
):
    """Plan ``visits`` on ``shifts`` with the travel ``matrix``.

    Deterministic: the same input gives the same plan (fixed ``seed``, an
    iteration-bounded search unless ``time_limit`` seconds are given).
    ``engine``: "pyvrp" (default) improves the construction pass with
    PyVRP's local search; "greedy" returns the construction pass alone."""
    started = _time.perf_counter()
    problem = _Problem(shifts, visits, matrix)
    planned = [item for item in problem.items if item.candidates]
    left = _relocations(problem, _greedy(problem, planned))
    stats = {"engine": engine, "greedy_assigned": len(planned) - len(left)}
    if engine == "pyvrp" and planned:
        found = _pyvrp_search(problem, planned, seed, max_iterations, time_limit)
        if found is not None:
            routes, iterations, dims = found
            stats.update(iterations=iterations, load_dimensions=dims)
            dropped = []
            for segment in problem.segments:
                dropped += _repair(problem, segment, routes.get(segment.index, []))
            placed = {it.index for seg in problem.segments for it in seg.route}
            missing = [it for it in planned if it.index not in placed]
            stats["repair_dropped"] = len(dropped)
            left = _relocations(problem, _greedy(problem, missing))
    # moves may have made room: what still fits goes in, as it is
    left = _greedy(problem, _priority_swaps(problem, left))
    left += [item for item in problem.items if not item.candidates]
    result = _assemble(problem, left, started)
    result.stats.update(stats)
    return result
