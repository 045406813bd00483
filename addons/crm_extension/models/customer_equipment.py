# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.actions import list_action, records_action
from ..tools.counts import set_related_counts


class CustomerEquipment(models.Model):
    """A unit the customer owns: sold by us (product and lot) or third-party
    equipment (free-text serial, no product needed).

    Deliveries of products marked *Installed base* create one record per
    serial (or per unit when the product is not tracked), once per delivered
    move line. Breakdowns are the done repair service orders on the unit.
    Units that break down too often, or outlive their product's lifetime,
    get a replacement opportunity for the customer's salesperson (see
    ``customer_equipment_maintenance.py``); monitors report alarms and
    readings (``customer_equipment_monitoring.py``)."""

    _name = "customer.equipment"
    _description = "Customer Equipment"
    _check_company_auto = True
    _inherit = ["mail.thread", "mail.activity.mixin", "service.site.mixin"]
    _order = "partner_id, name, id"

    name = fields.Char(required=True, tracking=True)
    product_id = fields.Many2one(
        "product.product", index="btree_not_null", check_company=True
    )
    lot_id = fields.Many2one(
        "stock.lot", string="Lot/Serial", index="btree_not_null", check_company=True
    )
    serial = fields.Char(
        compute="_compute_serial",
        store=True,
        readonly=False,
        index=True,
        help="The serial number: the lot's name, or free text for equipment "
        "that is not one of our lots.",
    )
    install_date = fields.Date(default=fields.Date.context_today, tracking=True)
    warranty_end_date = fields.Date(tracking=True)
    under_warranty = fields.Boolean(
        compute="_compute_under_warranty", search="_search_under_warranty"
    )
    sale_order_id = fields.Many2one(
        "sale.order", index="btree_not_null", check_company=True
    )
    move_line_id = fields.Many2one(
        "stock.move.line", string="Delivered By", readonly=True, copy=False
    )
    service_order_ids = fields.One2many(
        "service.order", "equipment_id", groups="crm_extension.group_service_technician"
    )
    event_ids = fields.One2many("customer.equipment.event", "equipment_id")
    event_count = fields.Integer(compute="_compute_event_count")
    service_order_count = fields.Integer(
        compute="_compute_service_order_count",
        groups="crm_extension.group_service_technician",
    )
    breakdown_count = fields.Integer(compute="_compute_service_stats")
    mtbf_days = fields.Float(
        string="MTBF (days)",
        compute="_compute_service_stats",
        help="Mean time between failures: days in service divided by the "
        "number of breakdowns (done repair orders).",
    )
    maintenance_interval_days = fields.Integer(string="Maintenance Every (days)")
    # the maintenance and replacement crons read the units due by a date
    # (indexed, like end_of_life_date)
    next_maintenance_date = fields.Date(
        compute="_compute_next_maintenance_date",
        store=True,
        readonly=False,
        index="btree_not_null",
    )
    end_of_life_date = fields.Date(
        compute="_compute_end_of_life_date",
        store=True,
        index="btree_not_null",
        help="The installation date plus the product's lifetime: past it, the "
        "unit gets a replacement opportunity.",
    )
    lead_id = fields.Many2one(
        "crm.lead",
        string="Replacement Opportunity",
        copy=False,
        groups="sales_team.group_sale_salesman",
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
    )
    state = fields.Selection(
        [("active", "Active"), ("retired", "Retired")],
        default="active",
        required=True,
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends("lot_id")
    def _compute_serial(self):
        for equipment in self:
            if equipment.lot_id:
                equipment.serial = equipment.lot_id.name

    @api.depends("warranty_end_date")
    def _compute_under_warranty(self):
        today = fields.Date.context_today(self)
        for equipment in self:
            equipment.under_warranty = bool(
                equipment.warranty_end_date and equipment.warranty_end_date >= today
            )

    def _search_under_warranty(self, operator, value):
        if operator not in ("=", "!="):
            raise ValidationError(self.env._("Search warranty with = or != only."))
        today = fields.Date.context_today(self)
        positive = (operator == "=") == bool(value)
        if positive:
            return [("warranty_end_date", ">=", today)]
        return [
            "|",
            ("warranty_end_date", "=", False),
            ("warranty_end_date", "<", today),
        ]

    @api.depends("install_date", "maintenance_interval_days")
    def _compute_next_maintenance_date(self):
        for equipment in self:
            if equipment.maintenance_interval_days and equipment.install_date:
                equipment.next_maintenance_date = equipment.install_date + timedelta(
                    days=equipment.maintenance_interval_days
                )

    @api.depends("install_date", "product_id.replacement_lifetime_months")
    def _compute_end_of_life_date(self):
        for equipment in self:
            months = equipment.product_id.replacement_lifetime_months
            equipment.end_of_life_date = (
                equipment.install_date + relativedelta(months=months)
                if months and equipment.install_date
                else False
            )

    def _compute_service_order_count(self):
        set_related_counts(self, "service_order_count", "service.order", "equipment_id")

    def _compute_service_stats(self):
        breakdowns = self._get_breakdown_counts()
        today = fields.Date.context_today(self)
        for equipment in self:
            count = breakdowns.get(equipment, 0)
            equipment.breakdown_count = count
            days = (
                (today - equipment.install_date).days if equipment.install_date else 0
            )
            equipment.mtbf_days = days / count if count else 0.0

    def _compute_event_count(self):
        set_related_counts(
            self, "event_count", "customer.equipment.event", "equipment_id"
        )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("serial", "product_id", "company_id")
    def _check_serial_unique(self):
        """A serial is registered once per product (or once for third-party
        equipment) and company. One grouped query for all of ``self``: the
        ids of the units with one of their serials, by serial, product and
        company; a unit has a twin when its key has another id."""
        units = self.filtered("serial")
        if not units:
            return
        ids_by_key = {
            (serial, product.id, company.id): set(ids)
            for serial, product, company, ids in self._read_group(
                [
                    ("serial", "in", list(set(units.mapped("serial")))),
                    ("product_id", "in", [*units.product_id.ids, False]),
                    ("company_id", "in", units.company_id.ids),
                ],
                ["serial", "product_id", "company_id"],
                ["id:array_agg"],
            )
        }
        for equipment in units:
            key = (equipment.serial, equipment.product_id.id, equipment.company_id.id)
            if ids_by_key.get(key, set()) - {equipment.id}:
                raise ValidationError(
                    self.env._(
                        "Serial %(serial)s is already registered for %(product)s.",
                        serial=equipment.serial,
                        product=equipment.product_id.display_name
                        or self.env._("third-party equipment"),
                    )
                )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_view_service_orders(self):
        self.ensure_one()
        return self.env["service.order"]._action_list(
            [("equipment_id", "=", self.id)],
            {"equipment_id": self.id, "partner_id": self.partner_id.id},
        )

    def action_view_events(self):
        self.ensure_one()
        return list_action(
            self.env,
            "crm_extension.action_customer_equipment_event",
            [("equipment_id", "=", self.id)],
            {"equipment_id": self.id},
        )

    def action_view_lead(self):
        self.ensure_one()
        return records_action(self.env, self.lead_id)

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _get_breakdown_counts(self, since=None):
        """Breakdowns per unit, in one grouped read: its done repair orders,
        done since ``since`` (a datetime) when given.

        A figure of the unit, shown to whoever may read the unit (a
        salesperson offering a replacement has no service rights): the
        repairs of these units only are counted as superuser."""
        domain = [
            ("equipment_id", "in", self.ids),
            ("service_type", "=", "repair"),
            ("state", "=", "done"),
        ]
        if since:
            domain.append(("date_done", ">=", since))
        return dict(
            self.env["service.order"]
            .sudo()
            ._read_group(domain, ["equipment_id"], ["__count"])
        )

    @api.model
    def _create_from_move_lines(self, move_lines):
        """Equipment for delivered move lines of installed-base products, once.

        One record per serial; a line without a lot gives one record per unit.

        Stock users validate deliveries without any service right: the caller
        has just done these move lines with their own rights, so their units
        are searched and created as superuser, and returned without it."""
        lines = move_lines.filtered(
            lambda ml: (
                ml.product_id.is_installed_base
                and ml.location_dest_id.usage == "customer"
                and ml.quantity > 0
            )
        )
        if not lines:
            return self.browse()
        Equipment = self.sudo()
        done = set(
            Equipment.search([("move_line_id", "in", lines.ids)]).move_line_id.ids
        )
        vals_list = []
        for line in lines.filtered(lambda ml: ml.id not in done):
            vals_list += self._prepare_delivered_equipment_vals(line)
        return self.browse(Equipment.create(vals_list).ids)

    @api.model
    def _prepare_delivered_equipment_vals(self, line):
        """Values of the units the delivered move ``line`` registers: one
        for its lot, or one per unit of quantity when it has none."""
        move = line.move_id
        partner = move.picking_id.partner_id or move.partner_id
        order = move.sale_line_id.order_id
        customer = order.partner_id or partner.commercial_partner_id
        date_done = fields.Date.to_date(move.date) or fields.Date.context_today(self)
        months = line.product_id.warranty_months
        base = {
            "name": line.product_id.display_name,
            "partner_id": customer.id,
            "site_partner_id": partner.id,
            "product_id": line.product_id.id,
            "sale_order_id": order.id,
            "move_line_id": line.id,
            "install_date": date_done,
            "warranty_end_date": date_done + relativedelta(months=months)
            if months
            else False,
            "maintenance_interval_days": line.product_id.maintenance_interval_days,
            "company_id": move.company_id.id,
        }
        if line.lot_id:
            return [{**base, "lot_id": line.lot_id.id}]
        return [
            {**base, "serial": f"{line.reference}/{unit + 1}"}
            for unit in range(int(line.quantity))
        ]
