# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Route planning of service visits on technician-day shifts: plain Python.

No Odoo import: the benchmark and the property tests load this package alone.

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

Layout
------
- ``interface``: the dataclasses callers build and read, the reasons;
- ``problem``: the integer-second view of a run (segments, items);
- ``construction``: insertion, repair, priority swaps and relocations;
- ``pyvrp_model`` and ``pyvrp_search``: the run as a PyVRP problem, solved;
- ``result``: route evaluation and the checked assembly of the plan;
- ``__init__``: :func:`plan`, the entry point, and the public names.
"""

import time as _time

from .construction import _greedy, _priority_swaps, _relocations, _repair, schedule
from .interface import (
    REASON_NO_CAPACITY,
    REASON_NO_TECHNICIAN,
    FixedVisit,
    Plan,
    Shift,
    Stop,
    Visit,
)
from .problem import _Problem
from .pyvrp_model import (
    ELIGIBILITY_UNIT,
    LATE_COST,
    NEIGHBOURS,
    PRIZE_UNIT,
    TRAVEL_COST,
)
from .pyvrp_search import PENALTY_UPDATES, _pyvrp_search
from .result import _assemble, evaluate_route


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
