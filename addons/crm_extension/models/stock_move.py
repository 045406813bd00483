# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        self.env["customer.equipment"]._create_from_move_lines(
            moves.filtered(lambda m: m.state == "done").move_line_ids
        )
        return moves
