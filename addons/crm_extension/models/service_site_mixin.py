# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The site of a customer's record: where the unit stands or the visit
takes place. Customer equipment and service orders share it."""

from odoo import api, fields, models


class ServiceSiteMixin(models.AbstractModel):
    """A site partner that follows the customer (``partner_id``) until it
    is set: a stored computed field the user may change. The model using
    it has a ``company_id``."""

    _name = "service.site.mixin"
    _inherit = ["service.customer.mixin"]
    _description = "Service Address"

    site_partner_id = fields.Many2one(
        "res.partner",
        string="Site",
        compute="_compute_site_partner_id",
        store=True,
        readonly=False,
        check_company=True,
    )

    @api.depends("partner_id")
    def _compute_site_partner_id(self):
        for record in self:
            if not record.site_partner_id:
                record.site_partner_id = record.partner_id
