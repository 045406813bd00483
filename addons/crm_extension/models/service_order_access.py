# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What a technician may change on a service order.

Technicians (Service Technician without Service User) record the work,
the parts and the signature, and move the state through the buttons only;
the customer, the schedule and the billing stay with the dispatchers.
Their form shows the dispatchers' fields read-only, and a write of one of
them is refused."""

from odoo import api, models
from odoo.exceptions import AccessError

from .service_order_routes import ROUTE_FIGURES

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


class ServiceOrder(models.Model):
    _inherit = "service.order"

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
