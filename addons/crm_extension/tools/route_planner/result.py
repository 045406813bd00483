# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Plans checked stop by stop: the route evaluation and the final assembly.

:func:`evaluate_route` gives the travel, idle time and reachability of a
technician-day's visits (Auto-assign also uses it on hand-made days);
:func:`_assemble` turns the segments' routes into a :class:`Plan` and leaves
out any new visit that would break a hard rule."""

import time as _time
from datetime import timedelta

from .interface import REASON_NO_CAPACITY, REASON_NO_TECHNICIAN, Plan, Stop

_EPS_MINUTES = 1e-6


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
