# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The service technician: its fields, its time-off resource and its
working time (days and intervals).

Its van's stock and replenishment are in ``service_technician_van.py``."""

from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models

from ..tools.working_time import resource_intervals_utc


class ServiceTechnician(models.Model):
    """A field technician, with or without an Odoo login (contractors)."""

    _name = "service.technician"
    _description = "Service Technician"
    _inherit = ["mail.thread"]
    _order = "name"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    user_id = fields.Many2one("res.users", tracking=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Home Base",
        help="Where the technician starts: its coordinates feed the travel estimate.",
    )
    start_partner_id = fields.Many2one(
        "res.partner",
        string="Day Starts At",
        compute="_compute_route_partners",
        store=True,
        readonly=False,
        help="Where the working day starts (home or depot): the first visit's "
        "travel is counted from here. Default: the home base, else the "
        "company's address.",
    )
    end_partner_id = fields.Many2one(
        "res.partner",
        string="Day Ends At",
        compute="_compute_route_partners",
        store=True,
        readonly=False,
        help="Where the working day ends: the technician must be back here by "
        "the end of the shift. Default: the home base, else the company's "
        "address.",
    )
    skill_ids = fields.Many2many("service.skill")
    zone_ids = fields.Many2many("service.zone", string="Zones")
    resource_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        default=lambda self: self.env.company.resource_calendar_id,
        required=True,
    )
    resource_id = fields.Many2one(
        "resource.resource",
        readonly=True,
        copy=False,
        ondelete="restrict",
        help="Carries the technician's time off for the working calendar.",
    )
    leave_ids = fields.One2many(
        "resource.calendar.leaves", "technician_id", string="Time Off"
    )
    van_location_id = fields.Many2one(
        "stock.location",
        domain="[('usage', '=', 'internal')]",
        help="The stock location of the technician's van, for spare parts.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    color = fields.Integer()
    order_ids = fields.One2many("service.order", "technician_id")
    open_order_count = fields.Integer(compute="_compute_open_order_count")

    _sql_constraints = [
        (
            "user_company_uniq",
            "unique(user_id, company_id)",
            "This user is already a technician of the company.",
        )
    ]

    @api.depends("partner_id", "company_id")
    def _compute_route_partners(self):
        for technician in self:
            default = technician.partner_id or technician.company_id.partner_id
            if not technician.start_partner_id:
                technician.start_partner_id = default
            if not technician.end_partner_id:
                technician.end_partner_id = default

    @api.model_create_multi
    def create(self, vals_list):
        return super().create(vals_list)._ensure_resource()

    def write(self, vals):
        res = super().write(vals)
        if {"name", "resource_calendar_id", "company_id"} & set(vals):
            for technician in self.filtered("resource_id"):
                technician.resource_id.sudo().write(technician._prepare_resource_vals())
        return res

    def _prepare_resource_vals(self):
        self.ensure_one()
        return {
            "name": self.name,
            "calendar_id": self.resource_calendar_id.id,
            "tz": self.resource_calendar_id.tz or "UTC",
            "company_id": self.company_id.id,
        }

    def _ensure_resource(self):
        """Give each technician of ``self`` the ``resource.resource`` that
        holds its time off (technicians made before it existed get one on
        first use). Returns ``self``."""
        missing = self.filtered(lambda technician: not technician.resource_id)
        if missing:
            resources = (
                self.env["resource.resource"]
                .sudo()
                .create([tech._prepare_resource_vals() for tech in missing])
            )
            for technician, resource in zip(missing, resources, strict=True):
                technician.sudo().resource_id = resource
        return self

    def _compute_open_order_count(self):
        counts = dict(
            self.env["service.order"]._read_group(
                [
                    ("technician_id", "in", self.ids),
                    ("state", "in", ("scheduled", "in_progress")),
                ],
                ["technician_id"],
                ["__count"],
            )
        )
        for technician in self:
            technician.open_order_count = counts.get(technician, 0)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_view_orders(self):
        self.ensure_one()
        return self.env["service.order"]._action_list(
            [("technician_id", "=", self.id)], {"technician_id": self.id}
        )

    # ------------------------------------------------------------------
    # Business: working time
    # ------------------------------------------------------------------
    def _get_day_bounds_utc(self, day):
        """The technician's local ``day`` (its calendar's time zone) as naive
        UTC (begin, end)."""
        self.ensure_one()
        tz = pytz.timezone(self.resource_calendar_id.tz or "UTC")
        begin = tz.localize(datetime.combine(day, time.min))
        end = tz.localize(datetime.combine(day + timedelta(days=1), time.min))
        return (
            begin.astimezone(pytz.utc).replace(tzinfo=None),
            end.astimezone(pytz.utc).replace(tzinfo=None),
        )

    def _get_work_intervals(self, start, stop):
        """``{technician: [(begin, end), ...]}``: the working intervals
        between two naive UTC datetimes, as naive UTC pairs, with the
        calendar's leaves, public holidays and the technician's own time off
        removed. One calendar read per calendar."""
        self._ensure_resource()
        result = {}
        for calendar, technicians in self.grouped("resource_calendar_id").items():
            by_resource = resource_intervals_utc(
                calendar, start, stop, technicians.resource_id
            )
            for technician in technicians:
                result[technician] = by_resource[technician.resource_id.id]
        return result

    def _get_day_intervals(self, start, stop):
        """``{technician: {local date: [(begin, end), ...]}}``: the working
        intervals (see ``_get_work_intervals``) of each technician-day from
        ``start``'s day, in the calendar's time zone, to ``stop``."""
        result = {}
        for calendar, technicians in self.grouped("resource_calendar_id").items():
            tz = pytz.timezone(calendar.tz or "UTC")
            local_start = pytz.utc.localize(start).astimezone(tz)
            day_start = tz.localize(datetime.combine(local_start.date(), time.min))
            begin = day_start.astimezone(pytz.utc).replace(tzinfo=None)
            for technician, intervals in technicians._get_work_intervals(
                begin, stop
            ).items():
                days = defaultdict(list)
                for interval in intervals:
                    local = pytz.utc.localize(interval[0]).astimezone(tz)
                    days[local.date()].append(interval)
                result[technician] = dict(days)
        return result
