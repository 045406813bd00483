# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import math
from datetime import datetime, timezone

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
    that crossed the threshold links to."""

    _name = "customer.equipment.event"
    _description = "Equipment Event"
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
        for event in self:
            for field_name, label, limit in limits:
                if len(event[field_name] or "") > limit:
                    raise ValidationError(
                        self.env._(
                            "The %(field)s is too long: %(size)s characters, "
                            "at most %(limit)s.",
                            field=label,
                            size=len(event[field_name]),
                            limit=limit,
                        )
                    )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        Equipment = self.env["customer.equipment"].sudo()
        self._check_external_refs_free(
            [
                (
                    Equipment.browse(vals["equipment_id"]).company_id,
                    vals["external_ref"],
                )
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
                    (
                        Equipment.browse(vals["equipment_id"]).company_id
                        if vals.get("equipment_id")
                        else event.company_id,
                        vals.get("external_ref", event.external_ref),
                    )
                    for event in self
                    if vals.get("external_ref", event.external_ref)
                ]
            )
        return super().write(vals)

    def _check_external_refs_free(self, wanted):
        """Refuse an external reference that another event of the company
        has, or that two of ``wanted`` (company, reference) pairs share, with
        a message, before the database constraint would."""
        keys = set()
        for company, ref in wanted:
            if (company.id, ref) in keys:
                raise ValidationError(
                    self.env._("External reference '%s' is given to two events.", ref)
                )
            keys.add((company.id, ref))
        if not keys:
            return
        taken = self.sudo().search(
            [
                ("external_ref", "in", [ref for _company, ref in keys]),
                ("company_id", "in", [company for company, _ref in keys]),
                ("id", "not in", self.ids),
            ]
        )
        for event in taken:
            if (event.company_id.id, event.external_ref) in keys:
                raise ValidationError(
                    self.env._(
                        "External reference '%(ref)s' is already used by an "
                        "event of %(equipment)s in %(company)s.",
                        ref=event.external_ref,
                        equipment=event.equipment_id.display_name,
                        company=event.company_id.name,
                    )
                )

    # ------------------------------------------------------------------
    # Integration API (see customer.equipment.api_report_event)
    # ------------------------------------------------------------------
    @api.model
    def _api_event_vals(self, event):
        """The values of an event reported over the API, checked: bad input
        raises a ValidationError that names the field."""
        if not isinstance(event, dict):
            raise ValidationError(
                self.env._(
                    "The event must be a dictionary with the keys %s.",
                    ", ".join(API_KEYS),
                )
            )
        unknown = sorted(str(key) for key in set(event) - set(API_KEYS))
        if unknown:
            raise ValidationError(
                self.env._(
                    "Unknown field(s) %(fields)s: an event has %(keys)s.",
                    fields=", ".join(unknown),
                    keys=", ".join(API_KEYS),
                )
            )
        types = dict(self._fields["event_type"]._description_selection(self.env))
        event_type = event.get("type")
        if event_type in (None, False, ""):
            raise ValidationError(
                self.env._("Field type is required: one of %s.", ", ".join(types))
            )
        if event_type not in types:
            raise ValidationError(
                self.env._(
                    "Field type: %(value)r is not one of %(valid)s.",
                    value=event_type,
                    valid=", ".join(types),
                )
            )
        vals = {"event_type": event_type}
        for key, limit in (
            ("code", CODE_MAX),
            ("message", MESSAGE_MAX),
            ("external_ref", EXTERNAL_REF_MAX),
        ):
            text = event.get(key)
            if text in (None, False, ""):
                vals[key] = False
                continue
            if not isinstance(text, str):
                raise ValidationError(
                    self.env._(
                        "Field %(field)s: expected text, got %(value)r.",
                        field=key,
                        value=text,
                    )
                )
            if len(text) > limit:
                raise ValidationError(
                    self.env._(
                        "Field %(field)s: %(size)s characters, at most %(limit)s.",
                        field=key,
                        size=len(text),
                        limit=limit,
                    )
                )
            vals[key] = text
        vals["value"] = self._api_parse_value(event.get("value"), event_type)
        vals["event_date"] = self._api_parse_date(event.get("date"))
        return vals

    @api.model
    def _api_parse_value(self, value, event_type):
        if value is None or value is False:
            if event_type == "reading":
                raise ValidationError(
                    self.env._("Field value: a reading needs a number.")
                )
            return 0.0
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ValidationError(
                self.env._("Field value: expected a number, got %r.", value)
            )
        return float(value)

    @api.model
    def _api_parse_date(self, date):
        """A naive UTC datetime from an ISO 8601 string (UTC when it has no
        offset); now when the date is not given."""
        if date is None or date is False or date == "":
            return fields.Datetime.now()
        parsed = None
        if isinstance(date, datetime):
            parsed = date
        elif isinstance(date, str):
            text = date.strip()
            if text[-1:] in ("Z", "z"):
                text = text[:-1] + "+00:00"
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                parsed = None
        if parsed is None:
            raise ValidationError(
                self.env._(
                    "Field date: %r is not an ISO 8601 date and time, "
                    "e.g. 2026-01-05T09:30:00Z.",
                    date,
                )
            )
        if parsed.tzinfo:
            parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
        return parsed.replace(microsecond=0)
