# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What a confirmed return makes: the checks before confirmation, the
standard return picking, then its outcome (credit notes, a replacement
delivery or a workshop repair order) and the note on its origin."""

from collections import defaultdict

from odoo import Command, fields, models
from odoo.exceptions import UserError

from .service_return import EDITABLE_STATES


class ServiceReturn(models.Model):
    _inherit = "service.return"

    def _check_confirmable(self):
        self.ensure_one()
        if self.state not in EDITABLE_STATES:
            raise UserError(
                self.env._("%s is already confirmed or cancelled.", self.name)
            )
        lines = self.line_ids.filtered("quantity")
        if not lines:
            raise UserError(
                self.env._(
                    "%s: enter the quantity that comes back on at least one line.",
                    self.name,
                )
            )
        lines._check_returnable()
        if self.outcome == "refund":
            missing = lines.filtered(lambda line: not line._posted_invoices())
            if missing:
                raise UserError(
                    self.env._(
                        "%(ret)s: %(product)s has no posted invoice to refund. "
                        "Invoice the sale order first, or choose Replacement.",
                        ret=self.name,
                        product=missing[0].product_id.display_name,
                    )
                )

    def _create_return_picking(self):
        """One standard return (stock.return.picking) of the delivery; the
        returned quantities update the sale order only for refunds."""
        self.ensure_one()
        lines = self.line_ids
        pickings = lines.move_id.picking_id
        if len(pickings) > 1:
            raise UserError(
                self.env._(
                    "%s takes lines of several deliveries: make one return "
                    "per delivery.",
                    self.name,
                )
            )
        qty_by_move = defaultdict(float)
        for line in lines:
            qty_by_move[line.move_id] += line.product_uom_id._compute_quantity(
                line.quantity, line.product_id.uom_id
            )
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=pickings.id, active_model="stock.picking")
            .create({"picking_id": pickings.id})
        )
        for wizard_line in wizard.product_return_moves:
            wizard_line.write(
                {
                    "quantity": qty_by_move.get(wizard_line.move_id, 0.0),
                    "to_refund": self.outcome == "refund",
                }
            )
        picking = wizard._create_return()
        picking.write({"origin": f"{self.name} ({pickings.name})"})
        lines._set_return_lots(picking)
        return picking

    def _create_refunds(self):
        """Reverse the invoices of the returned lines, keeping only the
        returned products and quantities: draft credit notes linked to the
        sale lines (the sale order's invoiced quantities follow)."""
        self.ensure_one()
        remaining = defaultdict(float)
        for line in self.line_ids:
            remaining[line.sale_line_id] += line.quantity
        invoices = self.line_ids._posted_invoices()
        refunds = self.env["account.move"]
        for invoice in invoices.sorted("id", reverse=True):
            if not any(qty > 0 for qty in remaining.values()):
                break
            refund = invoice._reverse_moves(
                [
                    {
                        "ref": self.env._(
                            "Return %(ret)s of %(invoice)s",
                            ret=self.name,
                            invoice=invoice.name,
                        ),
                        "invoice_date": fields.Date.context_today(self),
                    }
                ]
            )
            commands = []
            for refund_line in refund.invoice_line_ids:
                sale_line = refund_line.sale_line_ids[:1]
                qty = min(remaining.get(sale_line, 0.0), refund_line.quantity)
                if refund_line.display_type == "product" and qty > 0:
                    remaining[sale_line] -= qty
                    commands.append(Command.update(refund_line.id, {"quantity": qty}))
                else:
                    commands.append(Command.delete(refund_line.id))
            refund.write({"invoice_line_ids": commands})
            if refund.invoice_line_ids:
                refunds |= refund
            else:
                refund.unlink()
        return refunds

    def _prepare_replacement_picking_vals(self):
        """The values of the new delivery of the returned products."""
        self.ensure_one()
        delivery = self.line_ids.move_id.picking_id[:1]
        partner = delivery.partner_id or self.partner_id
        return {
            "picking_type_id": delivery.picking_type_id.id,
            "partner_id": partner.id,
            "origin": self.env._("Replacement %s", self.name),
            "location_id": delivery.location_id.id,
            "location_dest_id": delivery.location_dest_id.id,
            "company_id": self.company_id.id,
            "move_ids": [
                Command.create(
                    {
                        "name": line.product_id.display_name,
                        "product_id": line.product_id.id,
                        "product_uom_qty": line.quantity,
                        "product_uom": line.product_uom_id.id,
                        "location_id": delivery.location_id.id,
                        "location_dest_id": delivery.location_dest_id.id,
                        "partner_id": partner.id,
                    }
                )
                for line in self.line_ids
            ],
        }

    def _create_replacement_picking(self):
        """A new delivery of the same products to the customer."""
        self.ensure_one()
        picking = self.env["stock.picking"].create(
            self._prepare_replacement_picking_vals()
        )
        picking.action_confirm()
        picking.action_assign()
        return picking

    def _prepare_repair_order_vals(self):
        """The values of the workshop repair of the returned goods, on the
        equipment when the returned serial is registered in the installed
        base."""
        self.ensure_one()
        lots = self.line_ids.lot_id
        equipment = self.env["customer.equipment"]
        if lots:
            equipment = equipment.search(
                [("lot_id", "in", lots.ids), ("company_id", "=", self.company_id.id)],
                limit=1,
            )
        description = "\n".join(
            f"{line.quantity:g} × {line.product_id.display_name}"
            + (f" ({line.lot_id.name})" if line.lot_id else "")
            + (f": {line.reason}" if line.reason else "")
            for line in self.line_ids
        )
        return {
            "partner_id": self.partner_id.id,
            "service_type": "repair",
            "location_type": "workshop",
            "equipment_id": equipment.id,
            "sale_order_id": self.sale_order_id.id,
            "ticket_id": self.ticket_id.id,
            "feedback_id": self.feedback_id.id,
            "company_id": self.company_id.id,
            "description": self.env._(
                "Workshop repair of return %(ret)s.\n%(lines)s\n%(reason)s",
                ret=self.name,
                lines=description,
                reason=self.reason or "",
            ),
        }

    def _create_repair_order(self):
        """A workshop repair order of the returned goods."""
        self.ensure_one()
        return self.env["service.order"].create(self._prepare_repair_order_vals())

    def _post_origin_message(self):
        """Tell the complaint and the ticket what came of the return."""
        self.ensure_one()
        outcome = dict(self._fields["outcome"]._description_selection(self.env))[
            self.outcome
        ]
        body = self.env._(
            "Return %(ret)s confirmed: %(outcome)s.", ret=self.name, outcome=outcome
        )
        for record in (self.feedback_id, self.ticket_id):
            if record:
                record.message_post(body=body, subtype_xmlid="mail.mt_note")
