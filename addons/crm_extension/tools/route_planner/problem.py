# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The integer-second view of a planning run that every stage works on.

:class:`_Problem` turns shifts into segments between their fixed visits
(:class:`_Segment`, with the route built on it) and visits into items with
their window, duration, deadline and candidate segments (:class:`_Item`),
and holds the travel matrix in whole seconds over the points in use."""

import itertools
from datetime import datetime, timedelta

import numpy

_INF = 1 << 60


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
