# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models

from .service_order import SERVICE_TYPES


class ProductTemplate(models.Model):
    _inherit = "product.template"

    service_order_on_sale = fields.Boolean(
        string="Creates a Service Order",
        help="Confirming a sale of this service creates one service order per "
        "order line (an installation or a maintenance visit, say).",
    )
    service_order_type = fields.Selection(SERVICE_TYPES, default="installation")
    service_skill_ids = fields.Many2many("service.skill", string="Required Skills")
    is_installed_base = fields.Boolean(
        string="Installed Base",
        help="Delivering this product registers the customer's equipment, one "
        "record per serial.",
    )
    warranty_months = fields.Integer(help="Warranty from the delivery, in months.")
    maintenance_interval_days = fields.Integer(
        string="Maintenance Every (days)",
        help="Preventive maintenance interval of the delivered equipment.",
    )
    replacement_lifetime_months = fields.Integer(
        string="Lifetime (months)",
        help="The expected service life of the delivered equipment, from its "
        "installation: past it, the unit gets a replacement opportunity. 0 "
        "means no end of life.",
    )
    supplier_warranty = fields.Boolean(
        help="The vendor's warranty covers this part: parts used under "
        "warranty are claimed back from the main vendor.",
    )
    allow_negative_stock = fields.Boolean(
        help="Service orders may take this product from a van or warehouse "
        "that does not hold it (the stock goes negative).",
    )
