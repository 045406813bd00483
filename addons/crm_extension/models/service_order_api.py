# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""``service.order.api_request``: service requests from external systems.

A call centre or a monitoring system opens an order for a customer or a
unit; the input is checked field by field, and a repeated request with
the same external reference returns the order it made. The input checks
and their messages are ``service.api.mixin``'s, worded here."""

from psycopg2.errors import UniqueViolation

from odoo import api, models, tools
from odoo.exceptions import ValidationError

from .customer_feedback import DESCRIPTION_MAX, EXTERNAL_REF_MAX, NAME_MAX

# api_request: the text fields and their sizes
API_TEXT_LIMITS = {
    "description": DESCRIPTION_MAX,
    "external_ref": EXTERNAL_REF_MAX,
    "partner_ref": NAME_MAX,
    "email": 254,
    "serial": NAME_MAX,
}


class ServiceOrder(models.Model):
    _name = "service.order"
    _inherit = ["service.order", "service.api.mixin"]

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
        self._api_check_dict(vals, self.env._("api_request takes one dictionary."))
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
        self._api_check_keys(
            vals, allowed, lambda fields: self.env._("Unknown field(s) %s.", fields)
        )
        for field_name, limit in API_TEXT_LIMITS.items():
            self._api_text(
                vals,
                field_name,
                limit,
                lambda field, value: self.env._(
                    "Field %(field)s: expected text, got %(type)s.",
                    field=field,
                    type=type(value).__name__,
                ),
            )
        if not (vals.get("description") or "").strip():
            raise ValidationError(
                self.env._("Field description: describe the problem.")
            )
        for field_name in ("service_type", "priority"):
            if field_name in vals:
                self._api_check_selection(
                    field_name,
                    vals[field_name],
                    lambda **facts: self.env._(
                        "Field %(field)s: '%(value)s' is not one of %(valid)s.",
                        **facts,
                    ),
                )
        ref = vals.get("external_ref")
        if ref:
            existing = self._api_records_by_ref([ref]).get(ref)
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
        try:
            with self.env.cr.savepoint():
                order = self.create(
                    self._prepare_api_request_vals(vals, partner, equipment)
                )
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
    def _prepare_api_request_vals(self, vals, partner, equipment):
        """The order that ``api_request`` opens for the checked ``vals``:
        for ``partner``, on ``equipment`` when the request names a unit."""
        values = {
            "partner_id": partner.id,
            "description": vals["description"].strip(),
            "service_type": vals.get("service_type", "repair"),
            "priority": vals.get("priority", "1"),
            "external_ref": vals.get("external_ref") or False,
        }
        if equipment:
            values.update(
                equipment_id=equipment.id,
                site_partner_id=equipment.site_partner_id.id or partner.id,
                product_id=equipment.product_id.id,
                company_id=equipment.company_id.id,
            )
        return values

    @api.model
    def _api_committed_order(self, ref):
        """``{"id", "name"}`` of the order with ``ref`` in the company as
        committed now, if the caller may read it.

        Under REPEATABLE READ this transaction does not see a row committed
        after it began, so the order is read on a cursor of its own."""
        company = self.env.company  # as this transaction sees the user
        with self.env.registry.cursor() as cr:
            orders = self.env(cr=cr)["service.order"]._api_records_by_ref(
                [ref], company
            )
            order = orders.get(ref)
            return {"id": order.id, "name": order.name} if order else None

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
