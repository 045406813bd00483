# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from collections import defaultdict
from datetime import timedelta
from urllib.parse import quote_plus

import pytz
from psycopg2.errors import UniqueViolation

from odoo import Command, api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.misc import format_date

from ..tools import route_planner, travel
from .customer_feedback import DESCRIPTION_MAX, EXTERNAL_REF_MAX, NAME_MAX
from .service_dispatch_run import ASYNC_THRESHOLD
from .service_sla_mixin import PRIORITIES

_logger = logging.getLogger(__name__)


def _has_coordinates(partner):
    """Odoo stores a missing coordinate as 0.0 (base_geolocalize)."""
    return bool(partner.partner_latitude or partner.partner_longitude)


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


ACTIVE_STATES = ("scheduled", "in_progress")
# A change of one of these moves a visit: its technician-day's travel is
# computed again.
ROUTE_TRIGGER_FIELDS = {
    "technician_id",
    "scheduled_start",
    "scheduled_end",
    "state",
    "site_partner_id",
    "duration_hours",
    "window_start",
    "window_end",
}
ROUTE_FIGURES = {
    "route_sequence": 0,
    "travel_minutes": 0.0,
    "travel_km": 0.0,
    "idle_minutes": 0.0,
    "return_minutes": 0.0,
    "return_km": 0.0,
    "schedule_warning": False,
}
SERVICE_TYPES = [
    ("repair", "Repair"),
    ("installation", "Installation"),
    ("maintenance", "Maintenance"),
    ("inspection", "Inspection"),
]
ORDER_STATES = [
    ("draft", "Draft"),
    ("scheduled", "Scheduled"),
    ("in_progress", "In Progress"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
]
# what only dispatchers change on an order; technicians change the state
# through the actions (which mark their writes with STATE_ACTION: a context
# value no RPC caller can send)
DISPATCH_FIELDS = {
    "name",
    "partner_id",
    "site_partner_id",
    "ticket_id",
    "sale_order_id",
    "sale_line_id",
    "feedback_id",
    "equipment_id",
    "product_id",
    "service_type",
    "location_type",
    "required_skill_ids",
    "zone_id",
    "priority",
    "technician_id",
    "duration_hours",
    "date_deadline",
    "scheduled_start",
    "scheduled_end",
    "company_id",
    "external_ref",
    "window_start",
    "window_end",
    "schedule_locked",
    *ROUTE_FIGURES,
}
STATE_FIELDS = {"state", "date_started", "date_done"}
STATE_ACTION = object()
# api_request: the text fields and their sizes
API_TEXT_LIMITS = {
    "description": DESCRIPTION_MAX,
    "external_ref": EXTERNAL_REF_MAX,
    "partner_ref": NAME_MAX,
    "email": 254,
    "serial": NAME_MAX,
}


class ServiceOrder(models.Model):
    """A visit or workshop job by a technician.

    State machine: draft -> scheduled -> in_progress -> done, and cancelled
    (from anything but done). A technician never has two overlapping
    scheduled or running orders: the check locks the technician's row first,
    so two dispatchers booking the same slot at once are served one after the
    other and the second one is refused.

    Technicians (group Service Technician without Service User) read and
    work on their own orders only; they do not see their colleagues' orders.
    """

    _name = "service.order"
    _description = "Service Order"
    _check_company_auto = True
    _inherit = [
        "portal.mixin",
        "rating.mixin",
        "mail.activity.mixin",
        "service.reference.mixin",
    ]
    _reference_sequence_code = "service.order"
    _order = "priority desc, scheduled_start, id desc"

    name = fields.Char(
        default=lambda self: self.env._("New"), readonly=True, copy=False, index=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        tracking=True,
        index=True,
        check_company=True,
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True
    )
    site_partner_id = fields.Many2one(
        "res.partner",
        string="Service Address",
        compute="_compute_site_partner_id",
        store=True,
        readonly=False,
        check_company=True,
    )
    ticket_id = fields.Many2one(
        "helpdesk.ticket",
        index="btree_not_null",
        tracking=True,
        check_company=True,
    )
    sale_order_id = fields.Many2one(
        "sale.order", index="btree_not_null", check_company=True
    )
    sale_line_id = fields.Many2one(
        "sale.order.line",
        index="btree_not_null",
        copy=False,
        check_company=True,
    )
    feedback_id = fields.Many2one(
        "customer.feedback", index="btree_not_null", check_company=True
    )
    equipment_id = fields.Many2one(
        "customer.equipment",
        index="btree_not_null",
        tracking=True,
        check_company=True,
    )
    product_id = fields.Many2one(
        "product.product",
        compute="_compute_product_id",
        store=True,
        readonly=False,
        index="btree_not_null",
        check_company=True,
        help="The product serviced: the equipment's by default.",
    )
    service_type = fields.Selection(
        SERVICE_TYPES,
        required=True,
        default="repair",
    )
    location_type = fields.Selection(
        [("onsite", "On Site"), ("workshop", "Workshop")],
        required=True,
        default="onsite",
    )
    required_skill_ids = fields.Many2many("service.skill", string="Required Skills")
    zone_id = fields.Many2one(
        "service.zone", compute="_compute_zone_id", store=True, readonly=False
    )
    priority = fields.Selection(PRIORITIES, default="1")
    technician_id = fields.Many2one(
        "service.technician",
        tracking=True,
        index="btree_not_null",
        check_company=True,
    )
    technician_user_id = fields.Many2one(
        related="technician_id.user_id", store=True, string="Technician User"
    )
    duration_hours = fields.Float(string="Planned Duration (h)", default=1.0)
    date_deadline = fields.Datetime(
        string="Deadline",
        compute="_compute_date_deadline",
        store=True,
        readonly=False,
        help="The latest end of the visit: the ticket's SLA deadline by default.",
    )
    scheduled_start = fields.Datetime(tracking=True)
    scheduled_end = fields.Datetime(
        compute="_compute_scheduled_end", store=True, readonly=False, tracking=True
    )
    window_start = fields.Datetime(
        tracking=True,
        help="The customer's time window: the visit must start at or after "
        "this moment.",
    )
    window_end = fields.Datetime(
        tracking=True,
        help="The customer's time window: the visit must start by this moment.",
    )
    schedule_locked = fields.Boolean(
        string="Locked",
        tracking=True,
        copy=False,
        help="Pinned by the dispatcher: re-planning never moves this visit.",
    )
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
    site_latitude = fields.Float(related="site_partner_id.partner_latitude")
    site_longitude = fields.Float(related="site_partner_id.partner_longitude")
    site_address = fields.Char(compute="_compute_site_address")
    date_localization = fields.Date(related="site_partner_id.date_localization")
    route_label = fields.Char(
        compute="_compute_route_label", help="The stop number and the visit."
    )
    date_started = fields.Datetime(readonly=True, copy=False)
    date_done = fields.Datetime(readonly=True, copy=False)
    state = fields.Selection(
        ORDER_STATES,
        default="draft",
        required=True,
        tracking=True,
        copy=False,
        index=True,
    )
    description = fields.Text()
    work_done = fields.Text()
    signature = fields.Binary(copy=False, attachment=True)
    signed_by = fields.Char(copy=False)
    signed_on = fields.Datetime(copy=False)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    external_ref = fields.Char(
        string="External Reference",
        copy=False,
        index="btree_not_null",
        help="The requesting system's key: a repeated request returns this order.",
    )
    map_url = fields.Char(compute="_compute_map_url")
    color = fields.Integer(related="technician_id.color")
    line_ids = fields.One2many("service.order.line", "order_id", string="Parts")
    move_ids = fields.One2many(
        "stock.move",
        "service_order_id",
        readonly=True,
        groups="stock.group_stock_user",
    )
    move_count = fields.Integer(
        compute="_compute_move_count", groups="stock.group_stock_user"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_charged = fields.Monetary(
        compute="_compute_amounts",
        store=True,
        help="What the customer is billed: the chargeable lines.",
    )
    # internal figures: never read by customers or technicians
    amount_cost = fields.Monetary(
        compute="_compute_amounts",
        store=True,
        groups="crm_extension.group_service_user",
        help="The cost of every line used, warranty lines included.",
    )
    amount_margin = fields.Monetary(
        compute="_compute_amounts",
        store=True,
        groups="crm_extension.group_service_user",
    )
    invoice_ids = fields.Many2many(
        "account.move",
        compute="_compute_invoice_ids",
        compute_sudo=True,
        string="Invoices",
        groups="crm_extension.group_service_user",
        help="Customer invoices and vendor warranty claims of the order.",
    )
    invoice_count = fields.Integer(compute="_compute_invoice_ids", compute_sudo=True)

    _sql_constraints = [
        (
            "schedule_order",
            "CHECK(scheduled_end > scheduled_start)",
            "The scheduled end must be after the scheduled start.",
        ),
        (
            "external_ref_company_uniq",
            "unique(company_id, external_ref)",
            "This external reference is already used in this company.",
        ),
        (
            "duration_positive",
            "CHECK(duration_hours > 0)",
            "The planned duration must be positive.",
        ),
    ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("partner_id")
    def _compute_site_partner_id(self):
        for order in self:
            if not order.site_partner_id:
                order.site_partner_id = order.partner_id

    @api.depends("equipment_id")
    def _compute_product_id(self):
        for order in self:
            if order.equipment_id.product_id:
                order.product_id = order.equipment_id.product_id

    @api.depends(
        "site_partner_id.zip", "site_partner_id.state_id", "site_partner_id.country_id"
    )
    def _compute_zone_id(self):
        zones = self.env["service.zone"]._find_for_partners(self.site_partner_id)
        for order in self:
            order.zone_id = zones.get(order.site_partner_id.id, False)

    @api.depends("scheduled_start", "duration_hours")
    def _compute_scheduled_end(self):
        for order in self:
            if order.scheduled_start:
                order.scheduled_end = order.scheduled_start + timedelta(
                    hours=order.duration_hours or 1.0
                )
            else:
                order.scheduled_end = False

    @api.depends("ticket_id.sla_deadline")
    def _compute_date_deadline(self):
        for order in self:
            if order.ticket_id.sla_deadline:
                order.date_deadline = order.ticket_id.sla_deadline

    @api.depends(
        "site_partner_id.street",
        "site_partner_id.zip",
        "site_partner_id.city",
        "site_partner_id.country_id",
    )
    def _compute_site_address(self):
        for order in self:
            partner = order.site_partner_id
            order.site_address = ", ".join(
                filter(
                    None,
                    [
                        partner.street,
                        partner.zip,
                        partner.city,
                        partner.country_id.name,
                    ],
                )
            )

    @api.depends("site_partner_id", "site_address")
    def _compute_map_url(self):
        for order in self:
            partner = order.site_partner_id
            if _has_coordinates(partner):
                query = f"{partner.partner_latitude},{partner.partner_longitude}"
            else:
                query = order.site_address
            order.map_url = (
                f"https://www.openstreetmap.org/search?query={quote_plus(query)}"
                if query
                else False
            )

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

    @api.depends("line_ids.price_subtotal", "line_ids.cost_amount")
    def _compute_amounts(self):
        for order in self:
            order.amount_charged = sum(order.line_ids.mapped("price_subtotal"))
            order.amount_cost = sum(order.line_ids.mapped("cost_amount"))
            order.amount_margin = order.amount_charged - order.amount_cost

    def _compute_move_count(self):
        counts = dict(
            self.env["stock.move"]._read_group(
                [("service_order_id", "in", self.ids)],
                ["service_order_id"],
                ["__count"],
            )
        )
        for order in self:
            order.move_count = counts.get(order, 0)

    @api.depends("line_ids.sale_line_id.invoice_lines", "line_ids.warranty_claim_id")
    def _compute_invoice_ids(self):
        for order in self:
            order.invoice_ids = (
                order.line_ids.sale_line_id.invoice_lines.move_id
                | order.line_ids.warranty_claim_id
            )
            order.invoice_count = len(order.invoice_ids)

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for order in self:
            order.access_url = f"/my/service-orders/{order.id}"
        return res

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("technician_id", "scheduled_start", "scheduled_end", "state")
    def _check_technician_slot(self):
        booked = self.filtered(
            lambda o: o.technician_id and o.state in ACTIVE_STATES and o.scheduled_start
        )
        if not booked:
            return
        missing = booked.filtered(lambda o: not o.scheduled_end)
        if missing:
            raise ValidationError(
                self.env._("Order %s needs a scheduled end.", missing[0].name)
            )
        self.env["service.technician"]._lock(booked.technician_id)
        self.flush_model(["technician_id", "scheduled_start", "scheduled_end", "state"])
        self.env.cr.execute(
            """
            SELECT a.id, b.name
              FROM service_order a
              JOIN service_order b
                ON b.technician_id = a.technician_id
               AND b.id != a.id
               AND b.state IN ('scheduled', 'in_progress')
               AND b.scheduled_start < a.scheduled_end
               AND a.scheduled_start < b.scheduled_end
             WHERE a.id IN %s
             LIMIT 1
            """,
            (tuple(booked.ids),),
        )
        clash = self.env.cr.fetchone()
        if clash:
            order = self.browse(clash[0])
            raise ValidationError(
                self.env._(
                    "%(technician)s is already booked on %(other)s at that time: "
                    "choose another slot or technician for %(order)s.",
                    technician=order.technician_id.name,
                    other=clash[1],
                    order=order.name,
                )
            )
        if not self.env.context.get("crm_ext_slots_checked"):
            booked._check_working_hours()
        for order in booked:
            missing_skills = order.required_skill_ids - order.technician_id.skill_ids
            if missing_skills:
                raise ValidationError(
                    self.env._(
                        "%(technician)s lacks the skills %(skills)s needed for "
                        "%(order)s.",
                        technician=order.technician_id.name,
                        skills=", ".join(missing_skills.mapped("name")),
                        order=order.name,
                    )
                )

    @api.constrains("window_start", "window_end")
    def _check_window(self):
        for order in self:
            if (
                order.window_start
                and order.window_end
                and order.window_end <= order.window_start
            ):
                raise ValidationError(
                    self.env._(
                        "The customer's window of %s must end after it starts.",
                        order.name,
                    )
                )

    def _check_working_hours(self):
        start = min(self.mapped("scheduled_start"))
        stop = max(self.mapped("scheduled_end"))
        intervals = self.technician_id._get_work_intervals(start, stop)
        for order in self:
            inside = any(
                begin <= order.scheduled_start and order.scheduled_end <= end
                for begin, end in intervals[order.technician_id]
            )
            if not inside:
                raise ValidationError(
                    self.env._(
                        "%(order)s is outside %(technician)s's working hours "
                        "(%(calendar)s) or during their time off.",
                        order=order.name,
                        technician=order.technician_id.name,
                        calendar=order.technician_id.resource_calendar_id.name,
                    )
                )

    @api.constrains("sale_order_id", "partner_id", "company_id")
    def _check_sale_order_id(self):
        for order in self.filtered("sale_order_id"):
            sale = order.sale_order_id.sudo()
            if (
                sale.partner_id.commercial_partner_id != order.commercial_partner_id
                or sale.company_id != order.company_id
            ):
                raise ValidationError(
                    self.env._(
                        "%(order)s: the billing sale order must be one of "
                        "%(customer)s's orders in %(company)s.",
                        order=order.name,
                        customer=order.commercial_partner_id.display_name,
                        company=order.company_id.name,
                    )
                )

    @api.model
    def _check_schedule_values(self, vals):
        start, end = vals.get("scheduled_start"), vals.get("scheduled_end")
        if (
            start
            and end
            and fields.Datetime.to_datetime(end) <= (fields.Datetime.to_datetime(start))
        ):
            raise ValidationError(
                self.env._("The scheduled end must be after the scheduled start.")
            )
        if "duration_hours" in vals and (vals["duration_hours"] or 0) <= 0:
            raise ValidationError(self.env._("The planned duration must be positive."))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_schedule_values(vals)
        orders = super().create(vals_list)
        orders._refresh_routes(orders._get_route_days())
        orders._trigger_geolocation()
        return orders

    def write(self, vals):
        self._check_schedule_values(vals)
        state_action = self.env.context.get("crm_ext_state_action") is STATE_ACTION
        if self._crm_ext_is_technician():
            self._check_technician_values(vals, state_action)
        if "signature" in vals and vals["signature"] and "signed_on" not in vals:
            vals["signed_on"] = fields.Datetime.now()
        moves = bool(ROUTE_TRIGGER_FIELDS & set(vals)) and not self.env.context.get(
            "crm_ext_routes_later"
        )
        days_before = self._get_route_days() if moves else set()
        # the marker stops here: nothing the write triggers inherits it
        records = (
            self.with_context(crm_ext_state_action=False) if state_action else self
        )
        res = super(ServiceOrder, records).write(vals)
        if moves:
            self._refresh_routes(days_before | self._get_route_days())
        if "site_partner_id" in vals:
            self._trigger_geolocation()
        if "technician_id" in vals:
            # the parts now come from the new technician's van
            self.filtered(
                lambda o: o.state in ACTIVE_STATES
            ).line_ids._stock_lines()._rereserve()
        return res

    @api.model
    def _get_view_cache_key(self, view_id=None, view_type="form", **options):
        """Technicians get their own form: see ``_get_view``."""
        key = super()._get_view_cache_key(view_id, view_type, **options)
        return (*key, self._crm_ext_is_technician())

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        """The fields only dispatchers change are read-only in a technician's
        form, rather than refused on save."""
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type == "form" and self._crm_ext_is_technician():
            for node in arch.xpath("//field[not(ancestor::field)]"):
                if node.get("name") in DISPATCH_FIELDS:
                    node.set("readonly", "1")
        return arch, view

    @api.model
    def _crm_ext_is_technician(self):
        """A technician only (Service Technician without Service User)."""
        user = self.env.user
        return (
            not self.env.su
            and user.has_group("crm_extension.group_service_technician")
            and not user.has_group("crm_extension.group_service_user")
        )

    def _check_technician_values(self, vals, state_action=False):
        """Technicians write the work done, the signature and notes, and move
        the state through the actions; the customer, the schedule and the
        billing stay with dispatchers (a value left as it is passes)."""
        restricted = set(vals) & (DISPATCH_FIELDS | STATE_FIELDS)
        if state_action:
            restricted -= STATE_FIELDS
        for fname in sorted(restricted):
            field = self._fields[fname]
            for order in self:
                current = field.convert_to_write(order[fname], order)
                given = field.convert_to_write(
                    field.convert_to_record(
                        field.convert_to_cache(vals[fname], order, validate=False),
                        order,
                    ),
                    order,
                )
                if current == given:
                    continue
                if fname in STATE_FIELDS:
                    message = self.env._(
                        "Technicians move %(order)s through its buttons (start, "
                        "done, cancel), not by writing its %(field)s. Ask a "
                        "dispatcher if the order is in the wrong state.",
                        order=order.name,
                        field=field._description_string(self.env),
                    )
                else:
                    message = self.env._(
                        "Technicians record the work, the parts and the signature: "
                        "the %(field)s of %(order)s is set by the dispatchers. Ask a "
                        "dispatcher to change it.",
                        field=field._description_string(self.env),
                        order=order.name,
                    )
                raise AccessError(message)

    def _check_parts_editable(self):
        locked = self.filtered(lambda o: o.state in ("done", "cancelled"))
        if locked:
            raise UserError(
                self.env._(
                    "The parts of %s can no longer change: it is done or cancelled.",
                    locked[0].name,
                )
            )

    # ------------------------------------------------------------------
    # Actions: the state machine
    # ------------------------------------------------------------------
    def _check_state(self, allowed, action):
        bad = self.filtered(lambda o: o.state not in allowed)
        if bad:
            states = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "Cannot %(action)s %(order)s: it is %(state)s.",
                    action=action,
                    order=bad[0].name,
                    state=states[bad[0].state],
                )
            )

    def action_schedule(self):
        self._check_state(("draft",), self.env._("schedule"))
        incomplete = self.filtered(
            lambda o: not (o.technician_id and o.scheduled_start)
        )
        if incomplete:
            raise UserError(
                self.env._(
                    "Choose a technician and a start for %s before scheduling it, "
                    "or use Auto-assign.",
                    incomplete[0].name,
                )
            )
        self.line_ids._reserve()
        self._write_state({"state": "scheduled"})
        return True

    def action_start(self):
        self._check_state(("scheduled",), self.env._("start"))
        self._write_state(
            {"state": "in_progress", "date_started": fields.Datetime.now()}
        )
        return True

    def action_done(self):
        self._check_state(("in_progress",), self.env._("finish"))
        self.line_ids._consume()
        self._write_state({"state": "done", "date_done": fields.Datetime.now()})
        self._bill_lines()
        self._claim_warranty()
        self.filtered(
            lambda o: o.service_type == "maintenance"
        ).equipment_id._maintenance_done(fields.Date.context_today(self))
        self.filtered(
            lambda o: o.service_type == "repair"
        ).equipment_id._create_replacement_opportunities()
        self._send_done_emails()
        return True

    def action_cancel(self):
        self._check_state(("draft", "scheduled", "in_progress"), self.env._("cancel"))
        self.line_ids._cancel_moves()
        self._write_state({"state": "cancelled"})
        return True

    def action_reset_draft(self):
        self._check_state(("cancelled",), self.env._("reset"))
        self._write_state({"state": "draft"})
        return True

    def _write_state(self, vals):
        """The state actions' write: technicians may move the state only so."""
        return self.with_context(crm_ext_state_action=STATE_ACTION).write(vals)

    def action_open_map(self):
        self.ensure_one()
        if not self.map_url:
            raise UserError(self.env._("The service address has no street or city."))
        return {"type": "ir.actions.act_url", "url": self.map_url, "target": "new"}

    def action_open_route(self):
        """OpenStreetMap directions through the stops of this visit's
        technician-day, in route order, from and back to the day's start and
        end."""
        self.ensure_one()
        if not (self.technician_id and self.scheduled_start):
            raise UserError(
                self.env._(
                    "%s is not booked yet: its day has no route. Auto-assign it "
                    "or give it a technician and a start.",
                    self.name,
                )
            )
        technician = self.technician_id
        day = self._get_route_day()
        stops = self.sudo()._get_day_orders({technician: {day}})[technician, day]
        partners = [
            technician.start_partner_id,
            *stops.with_env(self.env).site_partner_id,
            technician.end_partner_id,
        ]
        blind = [p for p in partners if not _has_coordinates(p)]
        if blind:
            raise UserError(
                self.env._(
                    "No coordinates for %s: use its Geolocate button first.",
                    blind[0].display_name,
                )
            )
        locations = "&".join(
            f"loc={p.partner_latitude:.6f},{p.partner_longitude:.6f}" for p in partners
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"https://map.project-osrm.org/?{locations}",
            "target": "new",
        }

    def action_view_day(self):
        """The visits of this order's technician-day, in route order."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_extension.action_service_order_routes"
        )
        day = self._get_route_day()
        if not day:
            raise UserError(
                self.env._("%s is not booked yet: it has no day.", self.name)
            )
        begin, end = self.technician_id._get_day_bounds_utc(day)
        action["domain"] = [
            ("technician_id", "=", self.technician_id.id),
            ("state", "in", ACTIVE_STATES),
            ("scheduled_start", ">=", begin),
            ("scheduled_start", "<", end),
        ]
        action["context"] = {"group_by": []}
        action["display_name"] = self.env._(
            "%(technician)s, %(day)s",
            technician=self.technician_id.name,
            day=format_date(self.env, day),
        )
        return action

    def action_auto_assign(self):
        """Plan ``self`` on the technicians' days; see ``_auto_assign``.

        Draft orders without a technician are planned; scheduled orders that
        are not locked nor started are planned again. Returns a summary:
        ``assigned`` (order id -> technician id, start, end) and
        ``unassigned`` (order id -> reason), plus a notification for the web
        client.

        Above the dispatch threshold (``ASYNC_THRESHOLD`` orders, or the
        system parameter ``crm_extension.dispatch_async_threshold``) the
        orders are queued for a background run instead
        (``service.dispatch.run``), unless the context has
        ``crm_ext_dispatch_sync``: the answer then has ``dispatch_run_id``
        and no ``summary``."""
        orders = self._get_auto_assignable()
        if len(orders) > self._get_dispatch_async_threshold() and not (
            self.env.context.get("crm_ext_dispatch_sync")
        ):
            return orders._queue_auto_assign()
        summary = orders._auto_assign()
        message = self.env._(
            "%(assigned)s order(s) assigned, %(left)s left unassigned.",
            assigned=len(summary["assigned"]),
            left=len(summary["unassigned"]),
        )
        if summary["unassigned"]:
            message += " " + "; ".join(
                f"{self.browse(int(oid)).name}: {reason}"
                for oid, reason in summary["unassigned"].items()
            )
        return {
            **self._auto_assign_notification(
                message,
                "warning" if summary["unassigned"] else "success",
                sticky=bool(summary["unassigned"]),
            ),
            "summary": summary,
        }

    @api.model
    def _auto_assign_notification(self, message, kind, sticky=False):
        """The web client's notification of an Auto-assign."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Auto-assign"),
                "message": message,
                "type": kind,
                "sticky": sticky,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _queue_auto_assign(self):
        """Queue ``self`` for a background Auto-assign; a notification that
        says so, with the run's id under ``dispatch_run_id``."""
        self.check_access("write")
        runs = self.env["service.dispatch.run"]._queue(self)
        message = self.env._(
            "%(count)s orders are planned in the background (%(runs)s). You "
            "will be notified when the plan is ready; follow it under "
            "Service > Dispatch > Background Auto-assign.",
            count=len(self),
            runs=", ".join(runs.mapped("display_name")),
        )
        return {
            **self._auto_assign_notification(message, "info"),
            "dispatch_run_id": runs[:1].id,
            "dispatch_run_ids": runs.ids,
        }

    # ------------------------------------------------------------------
    # Business: route planning
    # ------------------------------------------------------------------
    def _get_auto_assignable(self):
        """The orders of ``self`` that Auto-assign plans: drafts without a
        technician, and scheduled orders that are not locked."""
        return self.filtered(
            lambda o: (
                (o.state == "draft" and not o.technician_id)
                or (o.state == "scheduled" and not o.schedule_locked)
            )
        )

    @api.model
    def _get_dispatch_async_threshold(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("crm_extension.dispatch_async_threshold")
        )
        try:
            return int(value) if value else ASYNC_THRESHOLD
        except ValueError:
            return ASYNC_THRESHOLD

    def _auto_assign(self, horizon_days=14):
        """Plan the orders of ``self`` company by company with the route
        optimiser (``tools/route_planner.py``) over ``horizon_days``.

        Orders of ``self`` that are scheduled are planned again; the other
        scheduled and started orders of the technicians, and the locked ones,
        stay where they are and the new visits are routed around them. A
        scheduled order that finds no place in the new plan keeps its
        booking."""
        now = fields.Datetime.now().replace(second=0, microsecond=0)
        summary = {"assigned": {}, "unassigned": {}, "lateness_minutes": 0.0}
        for company, orders in self.grouped("company_id").items():
            part = orders._plan_company_routes(company, now, horizon_days)
            for key in ("assigned", "unassigned"):
                summary[key].update(part[key])
            summary["lateness_minutes"] += part["lateness_minutes"]
        return summary

    def _plan_company_routes(self, company, now, horizon_days):
        horizon = now + timedelta(days=horizon_days)
        technicians = self.env["service.technician"].search(
            [("company_id", "=", company.id)]
        )
        unassigned = {}
        candidates = self._get_eligible_technicians(technicians, unassigned)
        replan = self.filtered(lambda o: o.state == "scheduled")
        kept = self.browse()
        matrices = {}  # the re-plan pass has the same points: one matrix
        while True:
            problem = self._build_route_problem(
                technicians, candidates, now, horizon, fixed_extra=kept
            )
            points = tuple(problem["points"])
            if points not in matrices:
                # bookings on the minute: travel rounded up to whole minutes
                matrices[points] = travel.whole_minutes(
                    company._get_travel_matrix(problem["points"])
                )
            plan = route_planner.plan(
                problem["shifts"],
                problem["visits"],
                matrices[points],
                time_limit=company.dispatch_time_limit or None,
            )
            # a re-planned booking that found no place keeps its slot: plan
            # again with it fixed, so that nothing is put on top of it
            lost = replan.filtered(lambda o, plan=plan: o.id in plan.unassigned)
            if not lost:
                break
            kept |= lost
            replan -= lost
        planned = self - kept
        reasons = self._get_route_reasons(horizon)
        unassigned.update(
            {
                order_id: reasons[reason]
                for order_id, reason in plan.unassigned.items()
                if order_id in planned.ids
            }
        )
        for order_id, reason in problem["blind"].items():
            unassigned.setdefault(order_id, reason)
        self._apply_plan(plan, planned)
        return {
            "assigned": {
                str(oid): [
                    stop.technician_id,
                    fields.Datetime.to_string(stop.start),
                    fields.Datetime.to_string(stop.end),
                ]
                for oid, stop in plan.stops.items()
                if oid in planned.ids
            },
            "unassigned": {str(oid): reason for oid, reason in unassigned.items()},
            "lateness_minutes": plan.lateness_minutes,
        }

    def _get_eligible_technicians(self, technicians, unassigned):
        """``{order: technicians}`` of the orders some technician may serve:
        same company, every required skill, and the order's zone when it has
        one. The others get their reason in ``unassigned``."""
        skills = {tech: set(tech.skill_ids.ids) for tech in technicians}
        zones = {tech: set(tech.zone_ids.ids) for tech in technicians}
        eligible = {}
        for order in self:
            company_techs = [t for t in technicians if t.company_id == order.company_id]
            needed = set(order.required_skill_ids.ids)
            skilled = [t for t in company_techs if needed <= skills[t]]
            covering = [
                t for t in skilled if not order.zone_id or order.zone_id.id in zones[t]
            ]
            if not company_techs:
                unassigned[order.id] = self.env._("no active technician in the company")
            elif not skilled:
                unassigned[order.id] = self.env._("no technician has the skills")
            elif not covering:
                unassigned[order.id] = self.env._(
                    "no skilled technician covers the zone"
                )
            else:
                eligible[order] = covering
        return eligible

    def _build_route_problem(self, technicians, candidates, now, horizon, fixed_extra):
        """The planner's input: points, technician-day shifts with their
        fixed visits, and the visits to plan. Nothing is planned blind: an
        order without coordinates, or whose technicians' days start or end
        at an address without coordinates, is left out with its reason in
        ``blind``."""
        points, index = [], {}
        blind = {}

        def point(partner):
            if not _has_coordinates(partner):
                return None
            key = (partner.partner_latitude, partner.partner_longitude)
            if key not in index:
                index[key] = len(points)
                points.append(key)
            return index[key]

        movable = self - fixed_extra
        fixed = self.search(
            [
                ("technician_id", "in", technicians.ids),
                ("state", "in", ACTIVE_STATES),
                ("scheduled_end", ">", now - timedelta(days=1)),
                ("scheduled_start", "<", horizon),
                ("id", "not in", movable.ids),
            ]
        )
        fixed_by_day = defaultdict(list)
        for order in fixed:
            fixed_by_day[order.technician_id, order._get_route_day()].append(order)
        shifts, blocked = [], {}
        day_intervals = technicians._get_day_intervals(now, horizon)
        for tech in technicians:
            start, end = point(tech.start_partner_id), point(tech.end_partner_id)
            if start is None or end is None:
                blocked[tech] = (
                    tech.start_partner_id if start is None else tech.end_partner_id
                )
                continue
            for day, intervals in day_intervals[tech].items():
                visits = fixed_by_day.get((tech, day), [])
                if any(point(o.site_partner_id) is None for o in visits):
                    continue  # a booking of unknown place: the day stays as it is
                shifts.append(
                    route_planner.Shift(
                        technician_id=tech.id,
                        day=day,
                        intervals=tuple(intervals),
                        start_point=start,
                        end_point=end,
                        fixed=tuple(
                            route_planner.FixedVisit(
                                order_id=o.id,
                                point=point(o.site_partner_id),
                                start=o.scheduled_start,
                                end=o.scheduled_end,
                            )
                            for o in sorted(visits, key=lambda o: o.scheduled_start)
                        ),
                    )
                )
        visits = []
        for order in movable:
            if order not in candidates:
                continue
            site = point(order.site_partner_id)
            if site is None:
                blind[order.id] = self.env._(
                    "no coordinates for %s", order.site_partner_id.display_name
                )
                continue
            techs = [t for t in candidates[order] if t not in blocked]
            if not techs:
                blind[order.id] = self.env._(
                    "no coordinates for %s",
                    blocked[candidates[order][0]].display_name,
                )
                continue
            visits.append(
                route_planner.Visit(
                    order_id=order.id,
                    point=site,
                    duration=timedelta(hours=order.duration_hours),
                    technician_ids=frozenset(t.id for t in techs),
                    priority=int(order.priority or 0),
                    window_start=order.window_start or None,
                    window_end=order.window_end or None,
                    deadline=order.date_deadline or None,
                    earliest=now,
                )
            )
        return {"points": points, "shifts": shifts, "visits": visits, "blind": blind}

    def _get_route_reasons(self, horizon):
        horizon_date = format_date(self.env, horizon.date())
        return {
            route_planner.REASON_NO_CAPACITY: self.env._(
                "no capacity before %s", horizon_date
            ),
            route_planner.REASON_NO_TECHNICIAN: self.env._(
                "no eligible technician works before %s", horizon_date
            ),
        }

    def _apply_plan(self, plan, orders):
        """Book ``orders`` as ``plan`` places them, then compute the travel of
        every technician-day they touch, once."""
        placed = orders.filtered(lambda o: o.id in plan.stops)
        days = placed._get_route_days()
        later = placed.with_context(
            crm_ext_slots_checked=True, crm_ext_routes_later=True
        )
        for order in later:
            stop = plan.stops[order.id]
            order.write(
                {
                    "technician_id": stop.technician_id,
                    "scheduled_start": stop.start,
                    "scheduled_end": stop.end,
                    "state": "scheduled",
                }
            )
        self._refresh_routes(days | placed._get_route_days())

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
            located = partners.filtered(_has_coordinates)
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

    def _trigger_geolocation(self):
        """Ask the geolocation job to find the service addresses that have no
        coordinates yet (OpenStreetMap, by Odoo's base_geolocalize)."""
        if self.site_partner_id.filtered(lambda p: not _has_coordinates(p)):
            cron = self.env.ref(
                "crm_extension.ir_cron_geolocate_service_addresses",
                raise_if_not_found=False,
            )
            if cron:
                cron.sudo()._trigger()

    @api.model
    def _cron_geolocate_service_addresses(self, limit=50):
        """Geolocate the service addresses of open orders that have no
        coordinates, once a day at most per address."""
        today = fields.Date.context_today(self)
        partners = self.search(
            [
                ("state", "in", ("draft", "scheduled")),
                ("site_partner_id.partner_latitude", "=", 0.0),
                ("site_partner_id.partner_longitude", "=", 0.0),
                "|",
                ("site_partner_id.date_localization", "=", False),
                ("site_partner_id.date_localization", "<", today),
            ],
            limit=limit,
        ).site_partner_id
        for partner in partners:
            try:
                with self.env.cr.savepoint():
                    result = partner._geo_localize(
                        partner.street,
                        partner.zip,
                        partner.city,
                        partner.state_id.name,
                        partner.country_id.name,
                    )
            except UserError as error:
                _logger.warning("Geolocation of %s failed: %s", partner.id, error)
                result = None
            values = {"date_localization": today}
            if result:
                values.update(partner_latitude=result[0], partner_longitude=result[1])
            partner.write(values)

    @api.model
    def api_request(self, vals):
        """A service request from an external system (call centre, monitor).

        ``vals``: ``description`` (required), and the customer as
        ``partner_id``, ``partner_ref`` (the partner's reference) or ``email``,
        or the unit as ``serial`` (its exact serial number) or
        ``equipment_id``: the unit's customer, site and product fill the
        order; optional ``service_type``, ``priority`` and ``external_ref``.
        With an ``external_ref`` already used in the company, the existing
        order is returned (a retry never duplicates). Returns ``{"id",
        "name", "created"}``; bad input raises a ValidationError naming the
        field."""
        if not isinstance(vals, dict):
            raise ValidationError(self.env._("api_request takes one dictionary."))
        allowed = {
            "description",
            "partner_id",
            "partner_ref",
            "email",
            "service_type",
            "priority",
            "external_ref",
            "serial",
            "equipment_id",
        }
        unknown = sorted(set(vals) - allowed)
        if unknown:
            raise ValidationError(
                self.env._("Unknown field(s) %s.", ", ".join(unknown))
            )
        for field_name, limit in API_TEXT_LIMITS.items():
            self._api_check_text(vals, field_name, limit)
        if not (vals.get("description") or "").strip():
            raise ValidationError(
                self.env._("Field description: describe the problem.")
            )
        for field_name in ("service_type", "priority"):
            valid = dict(self._fields[field_name]._description_selection(self.env))
            if field_name in vals and (
                not isinstance(vals[field_name], str) or vals[field_name] not in valid
            ):
                raise ValidationError(
                    self.env._(
                        "Field %(field)s: '%(value)s' is not one of %(valid)s.",
                        field=field_name,
                        value=vals[field_name],
                        valid=", ".join(valid),
                    )
                )
        ref = vals.get("external_ref")
        if ref:
            existing = self.search(
                [("external_ref", "=", ref), ("company_id", "=", self.env.company.id)],
                limit=1,
            )
            if existing:
                return {"id": existing.id, "name": existing.name, "created": False}
        equipment = self._api_find_equipment(vals)
        if equipment and not {"partner_id", "partner_ref", "email"} & set(vals):
            partner = equipment.partner_id
        else:
            partner = self._api_find_partner(vals)
        if equipment and (
            equipment.commercial_partner_id != partner.commercial_partner_id
        ):
            raise ValidationError(
                self.env._(
                    "Field %(field)s: the unit %(unit)s belongs to %(owner)s, "
                    "not to %(customer)s.",
                    field="equipment_id" if vals.get("equipment_id") else "serial",
                    unit=equipment.display_name,
                    owner=equipment.commercial_partner_id.display_name,
                    customer=partner.display_name,
                )
            )
        values = {
            "partner_id": partner.id,
            "description": vals["description"].strip(),
            "service_type": vals.get("service_type", "repair"),
            "priority": vals.get("priority", "1"),
            "external_ref": ref or False,
        }
        if equipment:
            values.update(
                equipment_id=equipment.id,
                site_partner_id=equipment.site_partner_id.id or partner.id,
                product_id=equipment.product_id.id,
                company_id=equipment.company_id.id,
            )
        try:
            with self.env.cr.savepoint():
                order = self.create(values)
        except UniqueViolation:
            # a concurrent request created the order with this reference
            # and committed it after this transaction began
            existing = self._api_committed_order(ref)
            if existing:
                return {**existing, "created": False}
            raise ValidationError(
                self.env._(
                    "Field external_ref: '%s' is already used in this company.", ref
                )
            ) from None
        return {"id": order.id, "name": order.name, "created": True}

    @api.model
    def _api_check_text(self, vals, field_name, limit):
        value = vals.get(field_name)
        if value in (None, False):
            return
        if not isinstance(value, str):
            raise ValidationError(
                self.env._(
                    "Field %(field)s: expected text, got %(type)s.",
                    field=field_name,
                    type=type(value).__name__,
                )
            )
        if len(value) > limit:
            raise ValidationError(
                self.env._(
                    "Field %(field)s: %(size)s characters, at most %(limit)s.",
                    field=field_name,
                    size=len(value),
                    limit=limit,
                )
            )

    @api.model
    def _api_committed_order(self, ref):
        """``{"id", "name"}`` of the order with ``ref`` in the company as
        committed now, if the caller may read it.

        Under REPEATABLE READ this transaction does not see a row committed
        after it began, so the order is read on a cursor of its own."""
        with self.env.registry.cursor() as cr:
            order = self.env(cr=cr)["service.order"].search(
                [("external_ref", "=", ref), ("company_id", "=", self.env.company.id)],
                limit=1,
            )
            return {"id": order.id, "name": order.name} if order else None

    @api.model
    def _api_readable_by_id(self, model, value, domain=()):
        """The record of ``model`` with the id ``value`` (an integer, not a
        boolean) within ``domain``, searched with the caller's rights: a
        record they may not read is as unknown as one that does not exist.
        Empty when there is none."""
        if not isinstance(value, int) or isinstance(value, bool):
            return model.browse()
        return model.search([("id", "=", value), *domain])

    @api.model
    def _api_find_equipment(self, vals):
        """The unit named by ``equipment_id`` or ``serial`` (exact, active,
        in the caller's companies), searched with the caller's rights."""
        Equipment = self.env["customer.equipment"]
        if vals.get("equipment_id"):
            value = vals["equipment_id"]
            equipment = self._api_readable_by_id(
                Equipment, value, [("company_id", "in", self.env.companies.ids)]
            )
            if not equipment:
                raise ValidationError(
                    self.env._("Field equipment_id: no equipment with id %s.", value)
                )
            return equipment
        serial = (vals.get("serial") or "").strip()
        if not serial:
            return Equipment
        equipment = Equipment.search(
            [
                ("serial", "=", serial),
                ("state", "=", "active"),
                ("company_id", "in", self.env.companies.ids),
            ],
            limit=2,
        )
        if not equipment:
            raise ValidationError(
                self.env._(
                    "Field serial: no active equipment with the serial '%s'.", serial
                )
            )
        if len(equipment) > 1:
            raise ValidationError(
                self.env._(
                    "Field serial: several units have the serial '%s' (of "
                    "different products); send equipment_id instead.",
                    serial,
                )
            )
        return equipment

    @api.model
    def _api_find_partner(self, vals):
        Partner = self.env["res.partner"]
        if vals.get("partner_id"):
            partner = self._api_readable_by_id(Partner, vals["partner_id"])
            if not partner:
                raise ValidationError(
                    self.env._(
                        "Field partner_id: no customer with id %s.", vals["partner_id"]
                    )
                )
            return partner
        if vals.get("partner_ref"):
            partner = Partner.search([("ref", "=", vals["partner_ref"])], limit=2)
            if len(partner) != 1:
                raise ValidationError(
                    self.env._(
                        "Field partner_ref: %(count)s customers have the reference "
                        "'%(ref)s'; exactly one must.",
                        count=len(partner),
                        ref=vals["partner_ref"],
                    )
                )
            return partner
        if vals.get("email"):
            email = tools.email_normalize(vals["email"])
            partner = Partner.search(
                [("email_normalized", "=", email)], limit=1, order="id"
            )
            if not email or not partner:
                raise ValidationError(
                    self.env._(
                        "Field email: no customer with the email %s.", vals["email"]
                    )
                )
            return partner.commercial_partner_id if partner.parent_id else partner
        raise ValidationError(
            self.env._(
                "Name the customer with partner_id, partner_ref or email, or the "
                "unit with serial or equipment_id."
            )
        )

    def _get_billing_sale_order(self):
        """The sale order that bills the visit: the originating one while it
        is confirmed and open, otherwise a new confirmed one for the customer,
        which becomes the visit's sale order when it had none."""
        self.ensure_one()
        sale = self.sale_order_id
        if sale.state == "sale" and not sale.locked:
            return sale
        sale = (
            self.env["sale.order"]
            .sudo()
            .with_company(self.company_id)
            .with_context(skip_procurement=True)
            .create(
                {
                    "partner_id": self.partner_id.id,
                    "origin": self.name,
                    "company_id": self.company_id.id,
                }
            )
        )
        sale.action_confirm()
        if not self.sale_order_id:
            # the visit leads to the order that bills it, and on to the invoice
            self.sudo().sale_order_id = sale
        return sale

    def _bill_lines(self):
        """Chargeable lines go onto a sale order (no second delivery: the
        service moves are the sale lines' deliveries) and are invoiced through
        the standard sale flow, as a draft invoice per order.

        Technicians mark orders done without any right on sales or invoices,
        and ``sale.order._create_invoices`` then silently creates nothing: the
        caller's access to the orders was checked by the action, so the sale
        orders and their invoices are made as superuser."""
        sales = self.env["sale.order"].sudo()
        billed = self.env["sale.order.line"]
        for order in self:
            lines = order.line_ids.filtered(
                lambda line: (
                    line.chargeable and line.quantity_used > 0 and not line.sale_line_id
                )
            )
            if not lines:
                continue
            sale = order._get_billing_sale_order()
            sale_lines = (
                self.env["sale.order.line"]
                .sudo()
                .with_context(skip_procurement=True)
                .create([line._prepare_sale_line_vals(sale) for line in lines])
            )
            for line, sale_line in zip(lines, sale_lines, strict=True):
                line.sudo().sale_line_id = sale_line
                if line.line_type == "part":
                    line._moves().filtered(
                        lambda m: m.state == "done"
                    ).sale_line_id = sale_line
                else:
                    sale_line.qty_delivered = line.quantity_used
            sales |= sale
            billed |= sale_lines
        if sales:
            sales.with_context(
                skip_procurement=True, service_billing_line_ids=billed.ids
            )._create_invoices()
        return sales

    def _claim_warranty(self):
        """Parts covered by a supplier's warranty: one draft vendor credit
        note per order and vendor, at cost, to claim them back."""
        vals_list, claimed = [], []
        # the vendors and claims are internal: read as superuser, the
        # caller's access to the order was checked by the action
        for order in self.sudo():
            lines = order.line_ids.filtered(
                lambda line: (
                    line.warranty_vendor_id
                    and not line.chargeable
                    and line.quantity_used > 0
                    and not line.warranty_claim_id
                )
            )
            for vendor in lines.warranty_vendor_id:
                vendor_lines = lines.filtered(
                    lambda line, vendor=vendor: line.warranty_vendor_id == vendor
                )
                claimed.append(vendor_lines)
                vals_list.append(
                    {
                        "move_type": "in_refund",
                        "partner_id": vendor.id,
                        "company_id": order.company_id.id,
                        "ref": self.env._("Warranty claim %s", order.name),
                        "invoice_origin": order.name,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "product_id": line.product_id.id,
                                    "name": line._billing_label(),
                                    "quantity": line.quantity_used,
                                    "product_uom_id": line.product_uom_id.id,
                                    "price_unit": line.product_id.standard_price,
                                }
                            )
                            for line in vendor_lines
                        ],
                    }
                )
        if not vals_list:
            return self.env["account.move"]
        claims = self.env["account.move"].sudo().create(vals_list)
        for lines, claim in zip(claimed, claims, strict=True):
            lines.sudo().warranty_claim_id = claim
        return claims

    def action_view_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock.stock_move_action"
        )
        action["domain"] = [("service_order_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_view_sale_order(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": self.sale_order_id.id,
            "views": [(False, "form")],
            "name": self.sale_order_id.name,
        }

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", self.invoice_ids.ids)]
        action["context"] = {"create": False}
        return action

    def _send_done_emails(self):
        """The service report and a rating request (token links), in one
        batch: the same rating, NPS and detractor loop as tickets."""
        template = self.env.ref(
            "crm_extension.mail_template_service_order_done", raise_if_not_found=False
        )
        orders = self.filtered("partner_id.email")
        if not template or not orders:
            return
        for order in orders:
            order._rating_get_access_token()  # the pending rating of the visit
        template.send_mail_batch(orders.ids)

    def _crm_ext_on_low_rating(self, rating):
        """A low rating of a visit opens a follow-up complaint (see rating.rating)."""
        self.ensure_one()
        team = self.ticket_id.team_id
        return self.env["customer.feedback"]._create_rating_follow_up(
            rating,
            partner=rating.partner_id or self.partner_id,
            user=team.user_id or self.technician_id.user_id or self.env.user,
            origin=self,
            values={"ticket_id": self.ticket_id.id, "team_id": team.id},
        )

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Service Report %s", self.name)
