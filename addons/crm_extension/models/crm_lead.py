# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

OUTCOMES = [("open", "Open"), ("won", "Won"), ("lost", "Lost")]


class CrmLead(models.Model):
    _inherit = "crm.lead"

    cross_sell_product_id = fields.Many2one(
        "product.product",
        string="Cross-sell Product",
        index="btree_not_null",
        ondelete="set null",
        help="The product this opportunity offers to a customer who buys "
        "products associated with it (Service & Loyalty tab of the customer).",
    )
    cross_sell_outcome = fields.Selection(
        OUTCOMES,
        compute="_compute_cross_sell_outcome",
        store=True,
        help="Won (a won stage), lost (archived or lost) or still open.",
    )

    @api.depends("cross_sell_product_id", "active", "stage_id.is_won")
    def _compute_cross_sell_outcome(self):
        for lead in self:
            if not lead.cross_sell_product_id:
                lead.cross_sell_outcome = False
            elif lead.stage_id.is_won:
                lead.cross_sell_outcome = "won"
            elif not lead.active:
                lead.cross_sell_outcome = "lost"
            else:
                lead.cross_sell_outcome = "open"
