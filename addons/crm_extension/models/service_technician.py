# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, float_round

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
                technician.resource_id.sudo().write(technician._get_resource_values())
        return res

    def _get_resource_values(self):
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
                .create([tech._get_resource_values() for tech in missing])
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
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_extension.action_service_order"
        )
        action["domain"] = [("technician_id", "=", self.id)]
        action["context"] = {"default_technician_id": self.id}
        return action

    def action_replenish_van(self, horizon_days=7):
        """Bring to each van the parts its coming orders plan and it lacks.

        One standard internal transfer per van, from the stock of the van's
        warehouse, confirmed and reserved; an open replenishment of the van
        is updated instead of a second one made. Service users and managers
        run it; technicians ask them."""
        self._lock(self)  # two runs for one van make one transfer
        if not self.env.user.has_group("crm_extension.group_service_user"):
            raise AccessError(
                self.env._(
                    "Only service users and managers can replenish vans: ask "
                    "your dispatcher."
                )
            )
        no_van = self.filtered(lambda tech: not tech.van_location_id)
        if no_van:
            raise UserError(
                self.env._(
                    "%s has no van: set the van's stock location on the "
                    "technician first.",
                    no_van[0].name,
                )
            )
        shortfalls = self._get_van_shortfalls(horizon_days)
        if not shortfalls:
            raise UserError(
                self.env._(
                    "%s's van already holds the parts of the coming orders.",
                    ", ".join(self.mapped("name")),
                )
            )
        pickings = self._replenish_vans(shortfalls)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock.action_picking_tree_all"
        )
        if len(pickings) == 1:
            action.update(views=[(False, "form")], view_mode="form", res_id=pickings.id)
        else:
            action["domain"] = [("id", "in", pickings.ids)]
        return action

    def action_view_van_stock(self):
        """The quants in the technicians' vans (and their sub-locations)."""
        vans = self.van_location_id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Van Stock"),
            "res_model": "stock.quant",
            "view_mode": "list",
            "views": [(self.env.ref("stock.view_stock_quant_tree_simple").id, "list")],
            "search_view_id": [self.env.ref("stock.quant_search_view").id],
            "domain": [("location_id", "child_of", vans.ids)],
            "context": {
                "create": False,
                "group_by": ["location_id"] if len(vans) > 1 else [],
            },
        }

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _get_van_shortfalls(self, horizon_days=7):
        """What the vans lack for the coming orders: ``{van: {product: qty}}``
        in the product's unit, positive quantities only.

        The need is the part lines of storable products taken from the van,
        on draft or scheduled orders starting within ``horizon_days``, that
        hold no stock yet (draft orders, or lines not reserved). What the van
        holds is its free quantity: reserved stock is already promised."""
        now = fields.Datetime.now()
        vans = self.van_location_id
        # read as superuser once access is checked: the stock moves of the
        # lines are not readable by every service user
        groups = (
            self.env["service.order.line"]
            .sudo()
            ._read_group(
                [
                    ("order_id.technician_id", "in", self.ids),
                    ("location_id", "in", vans.ids),
                    ("line_type", "=", "part"),
                    ("product_id.is_storable", "=", True),
                    ("order_id.state", "in", ("draft", "scheduled")),
                    ("order_id.scheduled_start", ">=", now),
                    (
                        "order_id.scheduled_start",
                        "<=",
                        now + timedelta(days=horizon_days),
                    ),
                    "|",
                    ("order_id.state", "=", "draft"),
                    (
                        "move_ids",
                        "not any",
                        [("state", "not in", ("done", "cancel"))],
                    ),
                ],
                ["location_id", "product_id", "product_uom_id"],
                ["quantity:sum"],
            )
        )
        needs = defaultdict(float)
        for van, product, uom, quantity in groups:
            needs[van, product] += uom._compute_quantity(quantity, product.uom_id)
        Quant = self.env["stock.quant"].sudo()
        shortfalls = defaultdict(dict)
        for (van, product), need in needs.items():
            rounding = product.uom_id.rounding
            missing = float_round(
                need - Quant._get_available_quantity(product, van),
                precision_rounding=rounding,
            )
            if float_compare(missing, 0.0, precision_rounding=rounding) > 0:
                shortfalls[van.with_env(self.env)][product.with_env(self.env)] = missing
        return dict(shortfalls)

    def _get_van_replenishment_origin(self):
        """The origin that marks a van's replenishment transfers, in the
        company's language so that every user finds the same transfer."""
        lang = self[:1].company_id.partner_id.lang or self.env.lang
        return self.with_context(lang=lang).env._(
            "Van replenishment: %s", ", ".join(self.sorted("name").mapped("name"))
        )

    def _replenish_vans(self, shortfalls):
        """One internal transfer per van, from its warehouse's stock, for the
        quantities of ``shortfalls`` (see ``_get_van_shortfalls``)."""
        self._lock(self)  # two runs for one van make one transfer
        homeless = [van for van in shortfalls if not van.sudo().warehouse_id]
        if homeless:
            raise UserError(
                self.env._(
                    "The van %s is in no warehouse: place its location under a "
                    "warehouse to replenish it from there.",
                    homeless[0].display_name,
                )
            )
        Picking = self.env["stock.picking"].sudo()
        pickings = Picking
        for van, products in shortfalls.items():
            warehouse = van.sudo().warehouse_id
            technicians = self.filtered(
                lambda tech, van=van: tech.van_location_id == van
            )
            origin = technicians._get_van_replenishment_origin()
            picking_vals = {
                "picking_type_id": warehouse.int_type_id.id,
                "location_id": warehouse.lot_stock_id.id,
                "location_dest_id": van.id,
            }
            picking = Picking.search(
                [
                    *[(key, "=", value) for key, value in picking_vals.items()],
                    ("origin", "=", origin),
                    ("state", "not in", ("done", "cancel")),
                ],
                order="id",
                limit=1,
            )
            if not picking:
                picking = Picking.create(
                    {
                        **picking_vals,
                        "origin": origin,
                        "company_id": warehouse.company_id.id,
                        "user_id": self.env.uid,
                    }
                )
            moves = {
                move.product_id: move
                for move in picking.move_ids
                if move.state not in ("done", "cancel")
            }
            new_moves = []
            for product, quantity in products.items():
                move = moves.get(product)
                if not move:
                    new_moves.append(
                        Command.create(
                            {
                                "name": product.display_name,
                                "product_id": product.id,
                                "product_uom_qty": quantity,
                                "product_uom": product.uom_id.id,
                                "location_id": picking.location_id.id,
                                "location_dest_id": picking.location_dest_id.id,
                                "company_id": picking.company_id.id,
                            }
                        )
                    )
                    continue
                quantity = product.uom_id._compute_quantity(quantity, move.product_uom)
                if float_compare(
                    quantity,
                    move.product_uom_qty,
                    precision_rounding=move.product_uom.rounding,
                ):
                    move.product_uom_qty = quantity
            if new_moves:
                picking.move_ids = new_moves
            pickings |= picking
        pickings.action_confirm()
        pickings.action_assign()
        return pickings.with_env(self.env)

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

    @api.model
    def _lock(self, technicians):
        """Lock the technicians' rows until the transaction ends, so bookings
        for one technician are checked one after the other.

        The rows are updated (not just selected FOR UPDATE): under Odoo's
        REPEATABLE READ isolation a second transaction that booked at the
        same time then fails with a serialization error instead of checking
        overlaps against a snapshot that misses the first booking; Odoo
        retries the request, and the retry sees the booking and refuses."""
        if technicians:
            self.env.cr.execute(
                "UPDATE service_technician SET write_date = write_date WHERE id IN %s",
                (tuple(technicians.ids),),
                log_exceptions=False,  # a serialization error is retried
            )
