# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models

from ..tools.counts import set_related_counts


class ServiceReturnSource(models.AbstractModel):
    """A document a Return / Exchange starts from (sale order, complaint,
    ticket): its returns counter, their list, and the new return's form.

    Inheriting models name the field of ``service.return`` that points to
    them in ``_return_source_field`` and may add defaults in
    ``_prepare_return_defaults``."""

    _name = "service.return.source"
    _description = "Return / Exchange Source"
    _return_source_field = None

    return_count = fields.Integer(
        compute="_compute_return_count", groups="crm_extension.group_service_technician"
    )

    def _compute_return_count(self):
        field = self._return_source_field
        set_related_counts(self, "return_count", "service.return", field)

    def action_view_returns(self):
        self.ensure_one()
        field = self._return_source_field
        return self.env["service.return"]._action_list(
            [(field, "=", self.id)], {field: self.id}
        )

    def action_return_exchange(self):
        """The Return / Exchange form, filled from this document."""
        self.ensure_one()
        defaults = self._prepare_return_defaults()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Return / Exchange"),
            "res_model": "service.return",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "context": {
                f"default_{key}": value for key, value in defaults.items() if value
            },
        }

    def _prepare_return_defaults(self):
        return {self._return_source_field: self.id, "company_id": self.company_id.id}
