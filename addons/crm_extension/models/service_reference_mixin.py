# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models


class ServiceReferenceMixin(models.AbstractModel):
    """Documents numbered by a sequence of their company (SRV/..., RET/...):
    a record created without a name, or named "New", takes the next number
    of the sequence coded ``_reference_sequence_code``."""

    _name = "service.reference.mixin"
    _description = "Service Document Reference"
    _reference_sequence_code = None

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("name") or vals["name"] in ("New", self.env._("New")):
                company = self.env["res.company"].browse(vals.get("company_id"))
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(company or self.env.company)
                    .next_by_code(self._reference_sequence_code)
                    or "/"
                )
        return super().create(vals_list)
