# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare


class ServiceReturnLine(models.Model):
    """A delivered line coming back: which delivery move, lot and quantity."""

    _name = "service.return.line"
    _description = "Return / Exchange Line"
    _check_company_auto = True
    _order = "return_id, id"

    return_id = fields.Many2one(
        "service.return",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(related="return_id.company_id", store=True)
    sale_line_id = fields.Many2one(
        "sale.order.line", required=True, index=True, check_company=True
    )
    move_id = fields.Many2one(
        "stock.move",
        string="Delivery Move",
        required=True,
        domain="[('sale_line_id', '=', sale_line_id), ('state', '=', 'done')]",
        check_company=True,
    )
    product_id = fields.Many2one(related="move_id.product_id", store=True)
    product_tracking = fields.Selection(related="product_id.tracking")
    lot_id = fields.Many2one(
        "stock.lot",
        string="Lot/Serial",
        domain="[('product_id', '=', product_id)]",
        check_company=True,
    )
    quantity = fields.Float(digits="Product Unit of Measure")
    product_uom_id = fields.Many2one(related="move_id.product_uom")
    reason = fields.Char()

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("quantity", "lot_id", "move_id", "sale_line_id")
    def _check_line(self):
        for line in self:
            if line.quantity < 0:
                raise ValidationError(
                    self.env._(
                        "%s: the returned quantity cannot be negative.",
                        line.product_id.display_name,
                    )
                )
            if line.move_id.sale_line_id != line.sale_line_id:
                raise ValidationError(
                    self.env._(
                        "%s: the delivery move is not one of the sale line.",
                        line.product_id.display_name,
                    )
                )
            if line.lot_id and line.lot_id not in line.move_id.move_line_ids.lot_id:
                raise ValidationError(
                    self.env._(
                        "%(product)s: lot %(lot)s was not delivered by this "
                        "move; choose one of %(lots)s.",
                        product=line.product_id.display_name,
                        lot=line.lot_id.name,
                        lots=", ".join(line.move_id.move_line_ids.lot_id.mapped("name"))
                        or "-",
                    )
                )

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    def _check_returnable(self):
        """The quantities asked back do not exceed what each delivery move
        (and each lot) delivered minus what already came back."""
        asked = defaultdict(float)  # (move, lot or None) -> quantity
        for line in self:
            if line.product_id.tracking != "none" and not line.lot_id:
                raise UserError(
                    self.env._(
                        "%s is tracked: choose the lot/serial that comes back.",
                        line.product_id.display_name,
                    )
                )
            asked[(line.move_id, None)] += line.quantity
            if line.lot_id:
                asked[(line.move_id, line.lot_id)] += line.quantity
        for (move, lot), quantity in asked.items():
            returnable = move._get_returnable_quantity(
                lot=lot, exclude_returns=self.return_id
            )
            if (
                float_compare(
                    quantity, returnable, precision_rounding=move.product_uom.rounding
                )
                <= 0
            ):
                continue
            what = (
                self.env._("%(qty)s of lot %(lot)s", qty=quantity, lot=lot.name)
                if lot
                else quantity
            )
            message = self.env._(
                "%(product)s: %(what)s asked back but only %(left)s of "
                "%(delivery)s can still be returned.",
                product=move.product_id.display_name,
                what=what,
                left=returnable,
                delivery=move.picking_id.name or move.reference,
            )
            requested = move._get_requested_return_quantity(
                lot=lot, exclude_returns=self.return_id
            )
            if requested:
                message += " " + self.env._(
                    "%s are already asked back in open return requests: confirm "
                    "or cancel those first.",
                    requested,
                )
            raise UserError(message)

    def _posted_invoices(self):
        """The posted customer invoices of the lines' sale lines."""
        return self.sale_line_id.invoice_lines.move_id.filtered(
            lambda move: move.move_type == "out_invoice" and move.state == "posted"
        )

    def _set_return_lots(self, picking):
        """Put the returned lots on the return picking's move lines."""
        for move in picking.move_ids:
            lines = self.filtered(
                lambda line, move=move: (
                    line.move_id == move.origin_returned_move_id and line.lot_id
                )
            )
            if not lines:
                continue
            move.move_line_ids.unlink()
            move.write(
                {
                    "move_line_ids": [
                        Command.create(
                            {
                                **move._prepare_move_line_vals(quantity=line.quantity),
                                "lot_id": line.lot_id.id,
                            }
                        )
                        for line in lines
                    ]
                }
            )
