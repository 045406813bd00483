# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The customer of a record: feedback, a unit of the installed base and a
service order are each about one customer."""

from odoo import fields, models


class ServiceCustomerMixin(models.AbstractModel):
    """The customer contact of a record and its commercial partner, stored
    and indexed: the customer figures, the portal record rules and the 360°
    view read records by commercial partner. The model using it tracks
    changes (``mail.thread``) and has a ``company_id``."""

    _name = "service.customer.mixin"
    _description = "Customer Record"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        ondelete="restrict",
        check_company=True,
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True
    )
