# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    service_line_id = fields.Many2one(
        "service.order.line", index="btree_not_null", copy=False
    )
    service_order_id = fields.Many2one(
        related="service_line_id.order_id", store=True, index="btree_not_null"
    )

    def _update_reserved_quantity(
        self,
        need,
        location_id,
        lot_id=None,
        package_id=None,
        owner_id=None,
        strict=True,
    ):
        """A service part reserves the lot its line names."""
        if not lot_id and self.service_line_id.lot_id:
            lot_id = self.service_line_id.lot_id
        return super()._update_reserved_quantity(
            need,
            location_id,
            lot_id=lot_id,
            package_id=package_id,
            owner_id=owner_id,
            strict=strict,
        )

    def _get_requested_return_quantity(self, lot=None, exclude_returns=None):
        """What open return requests (state *requested*, other than
        ``exclude_returns``) ask back of this move (or of one of its lots)."""
        self.ensure_one()
        domain = [("move_id", "=", self.id), ("return_id.state", "=", "requested")]
        if lot:
            domain.append(("lot_id", "=", lot.id))
        if exclude_returns:
            domain.append(("return_id", "not in", exclude_returns.ids))
        # read as superuser: the requests of the move's customer all count,
        # whoever may read them
        lines = self.env["service.return.line"].sudo().search(domain)
        return sum(lines.mapped("quantity"))

    def _get_returnable_quantity(self, lot=None, exclude_returns=None):
        """What this done delivery move (or one of its lots) delivered minus
        what its returns, not cancelled, take back and what open return
        requests (but ``exclude_returns``) ask back, in the move's unit."""
        self.ensure_one()
        returns = self.returned_move_ids.filtered(lambda m: m.state != "cancel")
        if lot:
            delivered = sum(
                self.move_line_ids.filtered(lambda ml: ml.lot_id == lot).mapped(
                    "quantity"
                )
            )
            returned = sum(
                returns.move_line_ids.filtered(lambda ml: ml.lot_id == lot).mapped(
                    "quantity"
                )
            )
        else:
            delivered = self.quantity
            returned = sum(returns.mapped("product_uom_qty"))
        requested = self._get_requested_return_quantity(lot, exclude_returns)
        return max(delivered - returned - requested, 0.0)

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        self.env["customer.equipment"]._create_from_move_lines(
            moves.filtered(lambda m: m.state == "done").move_line_ids
        )
        return moves
