# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The construction pass and the local moves around it, on the segments.

Visits are inserted most urgent first at their cheapest feasible place
(:func:`_greedy`); a solver's routes are rescheduled with the real
intervals (:func:`_repair`); a visit left out may take the place of a less
urgent one (:func:`_priority_swaps`) or of one that fits elsewhere
(:func:`_relocations`)."""

from bisect import bisect_left

from .problem import _INF


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
