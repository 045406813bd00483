# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

EVENT_TYPES = [("alarm", "Alarm"), ("reading", "Reading")]
# Monitors' codes, keys and messages stay short.
CODE_MAX = 64
EXTERNAL_REF_MAX = 128
MESSAGE_MAX = 1000
# The keys of an event sent to customer.equipment.api_report_event
API_KEYS = ("type", "code", "value", "message", "external_ref", "date")


class CustomerEquipmentEvent(models.Model):
    """The event log of monitored equipment: alarms and meter readings.

    Monitors send events with ``customer.equipment.api_report_event``; an
    event's ``external_ref`` (the monitor's event id) is unique per company,
    so a retried report never logs an event twice. Enough alarms of one unit
    within the company's window open a repair service order, which the alarm
    that crossed the threshold links to. The reported values are checked
    with ``service.api.mixin``."""

    _name = "customer.equipment.event"
    _description = "Equipment Event"
    _inherit = ["service.api.mixin"]
    _order = "event_date desc, id desc"

    equipment_id = fields.Many2one(
        "customer.equipment", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="equipment_id.company_id", store=True, index=True
    )
    event_type = fields.Selection(EVENT_TYPES, required=True, default="alarm")
    code = fields.Char(help="The monitor's alarm or meter code.")
    value = fields.Float(aggregator="avg", help="The meter reading.")
    message = fields.Char()
    external_ref = fields.Char(
        string="External Reference",
        copy=False,
        index="btree_not_null",
        help="The monitor's event id: unique per company, so a retried report "
        "is not logged twice.",
    )
    event_date = fields.Datetime(required=True, default=fields.Datetime.now)
    service_order_id = fields.Many2one(
        "service.order",
        string="Opened Service Order",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The repair order this alarm opened.",
    )

    _sql_constraints = [
        (
            "external_ref_company_uniq",
            "unique(company_id, external_ref)",
            "This external reference is already used by an event of this company.",
        ),
    ]

    def init(self):
        # the alarm window: a unit's alarms since a date, on every report
        tools.create_index(
            self.env.cr,
            "customer_equipment_event_window_idx",
            self._table,
            ["equipment_id", "event_type", "event_date"],
        )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends("equipment_id", "event_type", "code")
    def _compute_display_name(self):
        types = dict(self._fields["event_type"]._description_selection(self.env))
        for event in self:
            label = event.code or types.get(event.event_type, "")
            event.display_name = (
                f"{event.equipment_id.display_name}: {label}"
                if event.equipment_id
                else label
            )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("code", "message", "external_ref")
    def _check_sizes(self):
        limits = (
            ("code", self.env._("code"), CODE_MAX),
            ("message", self.env._("message"), MESSAGE_MAX),
            ("external_ref", self.env._("external reference"), EXTERNAL_REF_MAX),
        )
        self._check_text_sizes(limits)

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        Equipment = self.env["customer.equipment"].sudo()
        self._check_external_refs_free(
            [
                {
                    "company_id": Equipment.browse(vals["equipment_id"]).company_id.id,
                    "external_ref": vals["external_ref"],
                }
                for vals in vals_list
                if vals.get("external_ref") and vals.get("equipment_id")
            ]
        )
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("external_ref") or vals.get("equipment_id"):
            Equipment = self.env["customer.equipment"].sudo()
            self._check_external_refs_free(
                [
                    {
                        "company_id": (
                            Equipment.browse(vals["equipment_id"]).company_id
                            if vals.get("equipment_id")
                            else event.company_id
                        ).id,
                        "external_ref": vals.get("external_ref", event.external_ref),
                    }
                    for event in self
                    if vals.get("external_ref", event.external_ref)
                ]
            )
        return super().write(vals)

    def _external_ref_taken_message(self, record):
        return self.env._(
            "External reference '%(ref)s' is already used by an "
            "event of %(equipment)s in %(company)s.",
            ref=record.external_ref,
            equipment=record.equipment_id.display_name,
            company=record.company_id.name,
        )

    @api.model
    def _external_ref_repeated_message(self, ref):
        return self.env._("External reference '%s' is given to two events.", ref)

    # ------------------------------------------------------------------
    # Integration API (see customer.equipment.api_report_event)
    # ------------------------------------------------------------------
    @api.model
    def _api_event_vals(self, event):
        """The values of an event reported over the API, checked: bad input
        raises a ValidationError that names the field."""
        self._api_check_dict(
            event,
            self.env._(
                "The event must be a dictionary with the keys %s.",
                ", ".join(API_KEYS),
            ),
        )
        self._api_check_keys(
            event,
            API_KEYS,
            lambda fields: self.env._(
                "Unknown field(s) %(fields)s: an event has %(keys)s.",
                fields=fields,
                keys=", ".join(API_KEYS),
            ),
        )
        event_type = event.get("type")
        if event_type in (None, False, ""):
            raise ValidationError(
                self.env._(
                    "Field type is required: one of %s.",
                    ", ".join(self._api_selection("event_type")),
                )
            )
        self._api_check_selection(
            "event_type",
            event_type,
            lambda value, valid, **_facts: self.env._(
                "Field type: %(value)r is not one of %(valid)s.",
                value=value,
                valid=valid,
            ),
        )
        vals = {"event_type": event_type}
        for key, limit in (
            ("code", CODE_MAX),
            ("message", MESSAGE_MAX),
            ("external_ref", EXTERNAL_REF_MAX),
        ):
            vals[key] = self._api_text(event, key, limit)
        vals["value"] = self._api_parse_value(event.get("value"), event_type)
        vals["event_date"] = self._api_datetime(
            event.get("date"),
            lambda value: self.env._(
                "Field date: %r is not an ISO 8601 date and time, "
                "e.g. 2026-01-05T09:30:00Z.",
                value,
            ),
        )
        return vals

    @api.model
    def _api_parse_value(self, value, event_type):
        if value is None or value is False:
            if event_type == "reading":
                raise ValidationError(
                    self.env._("Field value: a reading needs a number.")
                )
            return 0.0
        return self._api_number(
            value,
            lambda value: self.env._("Field value: expected a number, got %r.", value),
        )
