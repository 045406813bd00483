# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import Counter
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date, split_every

# breakdowns and replacement opportunities look back this far
BREAKDOWN_WINDOW = relativedelta(months=12)


class CustomerEquipment(models.Model):
    """A unit the customer owns: sold by us (product and lot) or third-party
    equipment (free-text serial, no product needed).

    Deliveries of products marked *Installed base* create one record per
    serial (or per unit when the product is not tracked), once per delivered
    move line. Breakdowns are the done repair service orders on the unit.
    Units that break down too often, or outlive their product's lifetime,
    get a replacement opportunity for the customer's salesperson."""

    _name = "customer.equipment"
    _description = "Customer Equipment"
    _check_company_auto = True
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "partner_id, name, id"

    name = fields.Char(required=True, tracking=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True
    )
    site_partner_id = fields.Many2one(
        "res.partner",
        string="Site",
        compute="_compute_site_partner_id",
        store=True,
        readonly=False,
        check_company=True,
    )
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
    next_maintenance_date = fields.Date(
        compute="_compute_next_maintenance_date", store=True, readonly=False
    )
    end_of_life_date = fields.Date(
        compute="_compute_end_of_life_date",
        store=True,
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

    @api.depends("partner_id")
    def _compute_site_partner_id(self):
        for equipment in self:
            if not equipment.site_partner_id:
                equipment.site_partner_id = equipment.partner_id

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
        totals = dict(
            self.env["service.order"]._read_group(
                [("equipment_id", "in", self.ids)], ["equipment_id"], ["__count"]
            )
        )
        for equipment in self:
            equipment.service_order_count = totals.get(equipment, 0)

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
        counts = dict(
            self.env["customer.equipment.event"]._read_group(
                [("equipment_id", "in", self.ids)], ["equipment_id"], ["__count"]
            )
        )
        for equipment in self:
            equipment.event_count = counts.get(equipment, 0)

    @api.constrains("serial", "product_id", "company_id")
    def _check_serial_unique(self):
        for equipment in self.filtered("serial"):
            twin = self.search_count(
                [
                    ("id", "!=", equipment.id),
                    ("serial", "=", equipment.serial),
                    ("product_id", "=", equipment.product_id.id),
                    ("company_id", "=", equipment.company_id.id),
                ]
            )
            if twin:
                raise ValidationError(
                    self.env._(
                        "Serial %(serial)s is already registered for %(product)s.",
                        serial=equipment.serial,
                        product=equipment.product_id.display_name
                        or self.env._("third-party equipment"),
                    )
                )

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

    def action_view_service_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_extension.action_service_order"
        )
        action["domain"] = [("equipment_id", "=", self.id)]
        action["context"] = {
            "default_equipment_id": self.id,
            "default_partner_id": self.partner_id.id,
        }
        return action

    def action_view_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_extension.action_customer_equipment_event"
        )
        action["domain"] = [("equipment_id", "=", self.id)]
        action["context"] = {"default_equipment_id": self.id}
        return action

    def action_view_lead(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": self.lead_id.id,
            "views": [(False, "form")],
            "view_mode": "form",
        }

    @api.model
    def _cron_schedule_maintenance(self, horizon_days=30):
        """Maintenance service orders for active equipment due within the
        horizon, in one batch; a unit that already has an open maintenance
        order gets no second one, so running it twice creates nothing more."""
        limit = fields.Date.context_today(self) + timedelta(days=horizon_days)
        due = self.search(
            [
                ("state", "=", "active"),
                ("next_maintenance_date", "!=", False),
                ("next_maintenance_date", "<=", limit),
            ]
        )
        if not due:
            return self.env["service.order"]
        # the units' rows are locked before the open orders are read: a run
        # overlapping this one waits, then fails and is retried, and the
        # retry finds the orders this run made
        due._lock_events()
        planned = {
            equipment.id
            for [equipment] in self.env["service.order"]._read_group(
                [
                    ("equipment_id", "in", due.ids),
                    ("service_type", "=", "maintenance"),
                    ("state", "in", ("draft", "scheduled", "in_progress")),
                ],
                ["equipment_id"],
            )
        }
        return (
            self.env["service.order"]
            .sudo()
            .create(
                [
                    {
                        "partner_id": equipment.partner_id.id,
                        "site_partner_id": equipment.site_partner_id.id,
                        "equipment_id": equipment.id,
                        "service_type": "maintenance",
                        "date_deadline": fields.Datetime.to_datetime(
                            equipment.next_maintenance_date
                        ),
                        "description": self.env._(
                            "Preventive maintenance of %s", equipment.display_name
                        ),
                        "company_id": equipment.company_id.id,
                    }
                    for equipment in due
                    if equipment.id not in planned
                ]
            )
        )

    @api.model
    def _cron_replacement_opportunities(self, batch_size=1000):
        """Replacement opportunities for the units that need one: candidates
        are the active units past their end of life or with a repair done in
        the last 12 months; each batch is checked set-wise."""
        today = fields.Date.context_today(self)
        since = fields.Datetime.now() - BREAKDOWN_WINDOW
        broken = {
            equipment.id
            for [equipment] in self.env["service.order"]._read_group(
                [
                    ("equipment_id", "!=", False),
                    ("service_type", "=", "repair"),
                    ("state", "=", "done"),
                    ("date_done", ">=", since),
                ],
                ["equipment_id"],
            )
        }
        candidates = self.search(
            [
                ("state", "=", "active"),
                "|",
                ("id", "in", list(broken)),
                ("end_of_life_date", "<", today),
            ]
        )
        leads = self.env["crm.lead"]
        for ids in split_every(batch_size, candidates.ids):
            leads |= self.browse(ids)._create_replacement_opportunities()
        return leads

    def _create_replacement_opportunities(self):
        """One opportunity per active unit that broke down at least the
        company's threshold in the last 12 months or is past its end of life,
        unless it already has an open one (not lost, won or archived): running
        it twice creates nothing more. Returns the new opportunities."""
        Lead = self.env["crm.lead"]
        # technicians finish repairs but have no CRM rights: the state of the
        # linked opportunities and every repair of the units (not only the
        # caller's) are read as superuser, and the opportunities created so
        open_leads = self.sudo().lead_id.filtered(
            lambda lead: lead.active and not lead.stage_id.is_won
        )
        units = self.filtered(
            lambda unit: (
                unit.state == "active" and unit.sudo().lead_id not in open_leads
            )
        )
        if not units:
            return Lead
        breakdowns = units.sudo()._get_breakdown_counts(
            since=fields.Datetime.now() - BREAKDOWN_WINDOW
        )
        today = fields.Date.context_today(self)
        to_link, vals_list = self.browse(), []
        for unit in units:
            reasons = []
            count = breakdowns.get(unit, 0)
            threshold = unit.company_id.replacement_breakdown_threshold
            if threshold and count >= threshold:
                reasons.append(
                    self.env._(
                        "%(count)s breakdowns in the last 12 months (the "
                        "threshold is %(threshold)s).",
                        count=count,
                        threshold=threshold,
                    )
                )
            if unit.end_of_life_date and unit.end_of_life_date < today:
                reasons.append(
                    self.env._(
                        "Past its end of life since %s.",
                        format_date(self.env, unit.end_of_life_date),
                    )
                )
            if reasons:
                to_link |= unit
                vals_list.append(unit._prepare_replacement_lead_vals(reasons))
        if not vals_list:
            return Lead
        leads = Lead.sudo().with_context(mail_create_nosubscribe=True).create(vals_list)
        for unit, lead in zip(to_link, leads, strict=True):
            unit.sudo().lead_id = lead.id
        return Lead.browse(leads.ids)

    def _prepare_replacement_lead_vals(self, reasons):
        self.ensure_one()
        customer = self.commercial_partner_id
        if self.serial:
            name = self.env._(
                "Replace %(equipment)s (%(serial)s)",
                equipment=self.name,
                serial=self.serial,
            )
        else:
            name = self.env._("Replace %s", self.name)
        return {
            "name": name,
            "type": "opportunity",
            "partner_id": customer.id,
            "user_id": customer.user_id.id,
            "company_id": self.company_id.id,
            "description": Markup("").join(
                Markup("<p>%s</p>") % reason for reason in reasons
            ),
        }

    def _maintenance_done(self, done_date):
        """A maintenance visit is done: the next one is an interval later."""
        for equipment in self.filtered("maintenance_interval_days"):
            equipment.next_maintenance_date = done_date + timedelta(
                days=equipment.maintenance_interval_days
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
            move = line.move_id
            partner = move.picking_id.partner_id or move.partner_id
            order = move.sale_line_id.order_id
            customer = order.partner_id or partner.commercial_partner_id
            date_done = fields.Date.to_date(move.date) or fields.Date.context_today(
                self
            )
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
                vals_list.append({**base, "lot_id": line.lot_id.id})
            else:
                vals_list += [
                    {**base, "serial": f"{line.reference}/{unit + 1}"}
                    for unit in range(int(line.quantity))
                ]
        return self.browse(Equipment.create(vals_list).ids)

    # ------------------------------------------------------------------
    # Integration API: events from equipment monitors
    # ------------------------------------------------------------------
    @api.model
    def api_report_event(self, serial, event):
        """Log an alarm or a meter reading of the active unit with ``serial``.

        ``event``: ``type`` (``alarm`` or ``reading``, required), ``code``,
        ``value`` (required for a reading), ``message``, ``external_ref`` (the
        monitor's event id) and ``date`` (ISO 8601, UTC without an offset;
        now by default). An ``external_ref`` already logged in the company
        returns that event and logs nothing. An alarm that brings the unit's
        alarms within the company's window (since its last done repair) to
        the threshold opens one repair service order, unless one is open.

        Returns ``{"event_id", "service_order_id", "created"}``:
        ``service_order_id`` is the order the event opened (or False),
        ``created`` is False when the event was already logged (a retry).
        Bad input raises a ValidationError naming the field or the serial;
        the caller needs the right to create events (service users)."""
        Event = self.env["customer.equipment.event"]
        Event.check_access("create")
        vals = Event._api_event_vals(event)
        equipment = self._api_find_by_serial(serial)
        ref = vals["external_ref"]
        if ref:
            logged = Event.search(
                [
                    ("external_ref", "=", ref),
                    ("company_id", "=", equipment.company_id.id),
                ],
                limit=1,
            )
            if logged and logged.equipment_id != equipment:
                raise ValidationError(
                    self.env._(
                        "Field external_ref: '%(ref)s' is already used by an "
                        "event of %(equipment)s.",
                        ref=ref,
                        equipment=logged.equipment_id.display_name,
                    )
                )
            if logged:
                return {
                    "event_id": logged.id,
                    "service_order_id": logged.service_order_id.id or False,
                    "created": False,
                }
        # events of one unit are logged one after the other: a concurrent
        # report of the same unit, or of the same event, fails here and is
        # retried by Odoo, seeing this one (see _lock_events)
        equipment._lock_events()
        order = self.env["service.order"]
        if vals["event_type"] == "alarm":
            order = equipment._open_alarm_service_order(
                vals["event_date"], vals["code"]
            )
        logged = Event.create(
            {**vals, "equipment_id": equipment.id, "service_order_id": order.id}
        )
        return {
            "event_id": logged.id,
            "service_order_id": order.id or False,
            "created": True,
        }

    @api.model
    def _api_find_by_serial(self, serial):
        """The active unit with exactly this serial in the caller's companies."""
        if not isinstance(serial, str) or not serial.strip():
            raise ValidationError(
                self.env._("Give the equipment's serial as text, got %r.", serial)
            )
        units = self.search(
            [
                ("serial", "=", serial),
                ("state", "=", "active"),
                ("company_id", "in", self.env.companies.ids),
            ],
            limit=3,
            order="id",
        )
        if not units:
            raise ValidationError(
                self.env._(
                    "Unknown serial '%s': no active equipment has it in your "
                    "companies.",
                    serial,
                )
            )
        if len(units) > 1:
            raise ValidationError(
                self.env._(
                    "Serial '%(serial)s' is shared by several active units "
                    "(%(units)s): give each unit its own serial.",
                    serial=serial,
                    units=", ".join(units.mapped("display_name")),
                )
            )
        return units

    def _lock_events(self):
        """Lock the units' rows until the transaction ends.

        The rows are updated (not just selected FOR UPDATE): under Odoo's
        REPEATABLE READ isolation a second report for the same unit at the
        same time then fails with a serialization error instead of counting
        alarms on a snapshot that misses the first one; Odoo retries the
        request, and the retry sees the first event and its service order."""
        if self:
            self.env.cr.execute(
                "UPDATE customer_equipment SET write_date = write_date WHERE id IN %s",
                (tuple(self.ids),),
                log_exceptions=False,  # a serialization error is retried
            )

    def _open_alarm_service_order(self, event_date, code):
        """The repair order that an alarm at ``event_date`` opens: when the
        unit's alarms within the company's window, counted since its last
        done repair and with this one, reach the threshold and no repair
        order of the unit is open. Otherwise an empty recordset."""
        self.ensure_one()
        Order = self.env["service.order"]
        threshold = self.company_id.equipment_alarm_threshold
        if not threshold:
            return Order
        repairs = [
            ("equipment_id", "=", self.id),
            ("service_type", "=", "repair"),
        ]
        if Order.search_count(
            [*repairs, ("state", "not in", ("done", "cancelled"))], limit=1
        ):
            return Order
        hours = self.company_id.equipment_alarm_window_hours
        since = event_date - timedelta(hours=hours)
        [[last_repair]] = Order._read_group(
            [*repairs, ("state", "=", "done")], [], ["date_done:max"]
        )
        if last_repair and last_repair > since:
            since = last_repair
        alarms = self.env["customer.equipment.event"].search(
            [
                ("equipment_id", "=", self.id),
                ("event_type", "=", "alarm"),
                ("event_date", ">", since),
                ("event_date", "<=", event_date),
            ],
            order="event_date, id",
        )
        if len(alarms) + 1 < threshold:
            return Order
        codes = [alarm.code for alarm in alarms] + [code]
        return Order.create(self._prepare_alarm_service_order_vals(codes, hours))

    def _prepare_alarm_service_order_vals(self, codes, hours):
        self.ensure_one()
        counts = Counter(code or "?" for code in codes)
        listed = ", ".join(
            f"{code} (x{count})" if count > 1 else code
            for code, count in counts.items()
        )
        return {
            "partner_id": self.partner_id.id,
            "site_partner_id": self.site_partner_id.id,
            "equipment_id": self.id,
            "service_type": "repair",
            "priority": "2",
            "company_id": self.company_id.id,
            "description": self.env._(
                "%(count)s monitor alarms within %(hours)s hours on %(equipment)s "
                "(serial %(serial)s): %(codes)s.",
                count=len(codes),
                hours=hours,
                equipment=self.name,
                serial=self.serial or "-",
                codes=listed,
            ),
        }
