# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The service order: its fields, the state machine and its buttons.

The other concerns of ``service.order`` extend it in files of their own:
``service_order_access.py`` (what technicians may change),
``service_order_booking.py`` (the booking rules),
``service_order_scheduling.py`` (Auto-assign), ``service_order_routes.py``
(the technician-days and their route figures), ``service_order_map.py``
(the service address, map links and geolocation),
``service_order_billing.py`` (billing, warranty claims, done emails) and
``service_order_api.py`` (requests from external systems)."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.actions import list_action
from ..tools.states import wrong_state
from .service_sla_mixin import PRIORITIES

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
# the state actions mark their writes with this context value, which no RPC
# caller can send: technicians change the state through the actions only
STATE_ACTION = object()


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
        "service.site.mixin",
    ]
    _reference_sequence_code = "service.order"
    _order = "priority desc, scheduled_start, id desc"

    name = fields.Char(
        default=lambda self: self.env._("New"), readonly=True, copy=False, index=True
    )
    site_partner_id = fields.Many2one(string="Service Address")
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
    date_started = fields.Datetime(readonly=True, copy=False)
    # the replacement cron reads the repairs done since a date
    date_done = fields.Datetime(readonly=True, copy=False, index="btree_not_null")
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
    color = fields.Integer(related="technician_id.color")
    line_ids = fields.One2many("service.order.line", "order_id", string="Parts")
    currency_id = fields.Many2one(related="company_id.currency_id")

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

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for order in self:
            order.access_url = f"/my/service-orders/{order.id}"
        return res

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
    def _check_state(self, allowed, action_label):
        """Refuse ``action_label`` unless every order is in ``allowed``."""
        bad, state = wrong_state(self, allowed)
        if bad:
            raise UserError(
                self.env._(
                    "Cannot %(action)s %(order)s: it is %(state)s.",
                    action=action_label,
                    order=bad.name,
                    state=state,
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

    def action_draft(self):
        self._check_state(("cancelled",), self.env._("reset"))
        self._write_state({"state": "draft"})
        return True

    @api.model
    def _action_list(self, domain, defaults):
        """The service orders of a smart button elsewhere (a ticket, a sale
        order, a unit...): ``domain``, created with ``defaults``."""
        return list_action(
            self.env, "crm_extension.action_service_order", domain, defaults
        )

    def _write_state(self, vals):
        """The state actions' write: technicians may move the state only so."""
        return self.with_context(crm_ext_state_action=STATE_ACTION).write(vals)

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
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
