# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The planning run as one PyVRP problem (see :class:`_Model`).

Segments become vehicles, breaks pinned clients, visits optional clients
with a prize per priority and an on-time and a late alternative, and
eligibility load dimensions (:func:`_eligibility_dimensions`). PyVRP is
imported when a model is built, not with this module."""

import itertools

import numpy

# PyVRP costs: TRAVEL_COST per second of travel, 1 per second of imbalance;
# a visit's prize outweighs ten hours of travel and grows 4-fold per level;
# a late visit earns LATE_COST less than an on-time one
TRAVEL_COST = 50
PRIZE_UNIT = TRAVEL_COST * 36000
LATE_COST = PRIZE_UNIT // 2
ELIGIBILITY_UNIT = 16  # load units of a visit in an eligibility dimension
NEIGHBOURS = 40  # granular neighbourhood of the local search


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
