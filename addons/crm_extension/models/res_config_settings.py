# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    customer_segment_a_share = fields.Float(
        related="company_id.customer_segment_a_share", readonly=False
    )
    customer_segment_b_share = fields.Float(
        related="company_id.customer_segment_b_share", readonly=False
    )
