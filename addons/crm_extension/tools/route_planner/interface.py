# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What the planner takes and gives back: shifts, visits, stops and plans.

Plain data, no logic: the callers (service.order's Auto-assign, the
benchmark, the tests) build these and read the :class:`Plan`."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

REASON_NO_CAPACITY = "no_capacity"
REASON_NO_TECHNICIAN = "no_technician"  # no eligible technician has a shift


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
