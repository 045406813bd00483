# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The technician-day of a service order and its route figures.

Every booked visit carries its stop number, the travel from the previous
stop, the idle time, the way back after the day's last visit and the
warnings of a route that does not hold; they are computed again for every
technician-day a booking moves in or out of (``_refresh_routes``). The
day's list of visits opens from here."""

from collections import defaultdict

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

from ..tools import route_planner
from ..tools.actions import list_action
from ..tools.geo import has_coordinates
from .service_order import ACTIVE_STATES

ROUTE_FIGURES = {
    "route_sequence": 0,
    "travel_minutes": 0.0,
    "travel_km": 0.0,
    "idle_minutes": 0.0,
    "return_minutes": 0.0,
    "return_km": 0.0,
    "schedule_warning": False,
}


class _RouteDays(defaultdict):
    """``{technician: {date}}``; ``|`` merges two of them."""

    def __init__(self, days=None):
        super().__init__(set)
        for technician, dates in (days or {}).items():
            self[technician] |= set(dates)

    def __or__(self, other):
        merged = _RouteDays(self)
        for technician, dates in other.items():
            merged[technician] |= set(dates)
        return merged


class ServiceOrder(models.Model):
    _inherit = "service.order"

    route_sequence = fields.Integer(
        string="Stop",
        readonly=True,
        copy=False,
        aggregator=None,
        help="Position in the day's route.",
    )
    travel_minutes = fields.Float(
        string="Travel (min)",
        readonly=True,
        copy=False,
        help="Travel from the previous stop, or from the start of the day.",
    )
    travel_km = fields.Float(string="Travel (km)", readonly=True, copy=False)
    idle_minutes = fields.Float(
        string="Idle (min)",
        readonly=True,
        copy=False,
        help="Waiting time before the visit, once the travel is done.",
    )
    return_minutes = fields.Float(
        string="Return (min)",
        readonly=True,
        copy=False,
        help="On the day's last visit: the travel back to where the day ends.",
    )
    return_km = fields.Float(string="Return (km)", readonly=True, copy=False)
    route_km = fields.Float(
        string="Day km",
        compute="_compute_route_km",
        store=True,
        help="Travel to this stop, plus the way back after the last one: the "
        "sum over a technician-day is the day's distance.",
    )
    schedule_warning = fields.Char(
        readonly=True,
        copy=False,
        help="Why this visit cannot happen as booked, as the travel times say.",
    )
    route_label = fields.Char(
        compute="_compute_route_label", help="The stop number and the visit."
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("route_sequence", "name", "partner_id")
    def _compute_route_label(self):
        for order in self:
            parts = [order.name, order.partner_id.display_name]
            if order.route_sequence and order.state in ACTIVE_STATES:
                parts.insert(0, str(order.route_sequence))
            order.route_label = " · ".join(filter(None, parts))

    @api.depends("travel_km", "return_km")
    def _compute_route_km(self):
        for order in self:
            order.route_km = order.travel_km + order.return_km

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_view_day(self):
        """The visits of this order's technician-day, in route order."""
        self.ensure_one()
        day = self._get_route_day()
        if not day:
            raise UserError(
                self.env._("%s is not booked yet: it has no day.", self.name)
            )
        begin, end = self.technician_id._get_day_bounds_utc(day)
        action = list_action(
            self.env,
            "crm_extension.action_service_order_routes",
            [
                ("technician_id", "=", self.technician_id.id),
                ("state", "in", ACTIVE_STATES),
                ("scheduled_start", ">=", begin),
                ("scheduled_start", "<", end),
            ],
            group_by=[],
        )
        action["display_name"] = self.env._(
            "%(technician)s, %(day)s",
            technician=self.technician_id.name,
            day=format_date(self.env, day),
        )
        return action

    # ------------------------------------------------------------------
    # Business: the technician-days
    # ------------------------------------------------------------------
    def _get_route_day(self):
        """The local date of the visit in its technician's time zone."""
        self.ensure_one()
        if not (self.technician_id and self.scheduled_start):
            return False
        tz = pytz.timezone(self.technician_id.resource_calendar_id.tz or "UTC")
        return pytz.utc.localize(self.scheduled_start).astimezone(tz).date()

    def _get_route_days(self):
        """``{technician: {date}}`` of the booked visits of ``self``."""
        days = defaultdict(set)
        for order in self:
            if (
                order.state in ACTIVE_STATES
                and order.technician_id
                and (order.scheduled_start)
            ):
                days[order.technician_id].add(order._get_route_day())
        return _RouteDays(days)

    @api.model
    def _get_day_orders(self, days):
        """``{(technician, date): orders in route order}`` for ``days``."""
        result = defaultdict(lambda: self.browse())
        for technician, dates in days.items():
            bounds = [technician._get_day_bounds_utc(day) for day in dates]
            orders = self.search(
                [
                    ("technician_id", "=", technician.id),
                    ("state", "in", ACTIVE_STATES),
                    ("scheduled_start", ">=", min(b for b, _e in bounds)),
                    ("scheduled_start", "<", max(e for _b, e in bounds)),
                ],
                order="scheduled_start, id",
            )
            for order in orders:
                day = order._get_route_day()
                if day in dates:
                    result[technician, day] |= order
        return result

    @api.model
    def _refresh_routes(self, days):
        """Compute the travel, idle time, stop number and warnings of every
        booked visit of ``days`` (``{technician: {date}}``), with one travel
        matrix per company. Run as superuser: these are figures of the
        bookings, kept the same whatever the user who moved one."""
        if not days:
            return
        Order = self.sudo()
        by_day = Order._get_day_orders(days)
        by_company = defaultdict(dict)
        for (technician, day), orders in by_day.items():
            by_company[technician.company_id][technician, day] = orders
        for company, company_days in by_company.items():
            partners = self.env["res.partner"].browse()
            for (technician, _day), orders in company_days.items():
                partners |= (
                    technician.start_partner_id
                    | technician.end_partner_id
                    | orders.site_partner_id
                )
            located = partners.filtered(has_coordinates)
            points = {p: i for i, p in enumerate(located)}
            matrix = company.sudo()._get_travel_matrix(
                [(p.partner_latitude, p.partner_longitude) for p in located],
                fallback=True,
            )
            intervals = self._get_days_intervals(company_days)
            for (technician, day), orders in company_days.items():
                orders._write_route_figures(
                    technician,
                    day,
                    points,
                    matrix,
                    intervals.get(technician, {}).get(day, []),
                )

    @api.model
    def _get_days_intervals(self, technician_days):
        """``{technician: {day: [(begin, end), ...]}}`` for the technician-days
        (keys of ``technician_days``): one calendar read over their span."""
        technicians = self.env["service.technician"].browse(
            {technician.id for technician, _day in technician_days}
        )
        bounds = [
            technician._get_day_bounds_utc(day) for technician, day in technician_days
        ]
        return technicians._get_day_intervals(
            min(begin for begin, _end in bounds), max(end for _begin, end in bounds)
        )

    def _write_route_figures(self, technician, day, points, matrix, intervals):
        """``self``: one technician-day's booked visits, in route order;
        ``intervals``: the technician's working intervals that day."""
        stops = [technician.start_partner_id, *self.site_partner_id]
        stops += [technician.end_partner_id]
        blind = [p for p in stops if p not in points]
        if blind:
            self.write(
                dict(
                    ROUTE_FIGURES,
                    schedule_warning=self.env._(
                        "No coordinates for %s: travel not computed.",
                        blind[0].display_name,
                    ),
                )
            )
            for sequence, order in enumerate(self, 1):
                order.route_sequence = sequence
            return
        shift = route_planner.Shift(
            technician_id=technician.id,
            day=day,
            intervals=tuple(intervals),
            start_point=points[technician.start_partner_id],
            end_point=points[technician.end_partner_id],
        )
        figures = route_planner.evaluate_route(
            shift,
            [
                (o.id, points[o.site_partner_id], o.scheduled_start, o.scheduled_end)
                for o in self
            ],
            matrix,
        )
        previous = technician.start_partner_id
        for order, figure in zip(self, figures, strict=True):
            warnings = []
            if not figure["reachable"]:
                warnings.append(
                    self.env._(
                        "Cannot arrive in time: %(minutes)s min of travel from "
                        "%(place)s.",
                        minutes=round(figure["travel_minutes"]),
                        place=previous.display_name,
                    )
                )
            if (order.window_start and order.scheduled_start < order.window_start) or (
                order.window_end and order.scheduled_start > order.window_end
            ):
                warnings.append(
                    self.env._("Starts outside the customer's time window.")
                )
            if "home_in_time" in figure and not figure["home_in_time"]:
                warnings.append(
                    self.env._(
                        "Back at %s after the end of the working day.",
                        technician.end_partner_id.display_name,
                    )
                )
            order.write(
                {
                    "route_sequence": figure["sequence"],
                    "travel_minutes": figure["travel_minutes"],
                    "travel_km": figure["travel_km"],
                    "idle_minutes": figure["idle_minutes"],
                    "return_minutes": figure.get("return_minutes", 0.0),
                    "return_km": figure.get("return_km", 0.0),
                    "schedule_warning": " ".join(warnings) or False,
                }
            )
            previous = order.site_partner_id
