# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What a service order line charges and costs.

The customer's pricelist price of chargeable lines, the cost of every
line used, the supplier warranty that covers a part, and the values of
the sale lines and warranty claims that bill them."""

from odoo import api, models
from odoo.exceptions import ValidationError


class ServiceOrderLine(models.Model):
    _inherit = "service.order.line"

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("product_id", "quantity", "product_uom_id", "order_id.partner_id")
    def _compute_price_unit(self):
        for line in self:
            if not line.product_id:
                line.price_unit = 0.0
                continue
            pricelist = line.order_id.partner_id.property_product_pricelist
            if pricelist:
                line.price_unit = pricelist._get_product_price(
                    line.product_id, line.quantity or 1.0, uom=line.product_uom_id
                )
            else:
                line.price_unit = line.product_id.lst_price

    @api.depends("order_id.equipment_id.warranty_end_date")
    def _compute_chargeable(self):
        for line in self:
            line.chargeable = not line.order_id.equipment_id.under_warranty

    @api.depends(
        "chargeable", "quantity_used", "price_unit", "product_id.standard_price"
    )
    def _compute_amounts(self):
        for line in self:
            line.price_subtotal = (
                line.quantity_used * line.price_unit if line.chargeable else 0.0
            )
            line.cost_amount = line.quantity_used * line.product_id.standard_price

    @api.depends("chargeable", "product_id")
    def _compute_warranty_vendor_id(self):
        for line in self:
            product = line.product_id
            if line.chargeable or not product.supplier_warranty:
                line.warranty_vendor_id = False
            else:
                line.warranty_vendor_id = product.seller_ids[:1].partner_id

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("price_unit")
    def _check_price_unit(self):
        negative = self.filtered(
            lambda line: line.currency_id.compare_amounts(line.price_unit, 0) < 0
        )
        if negative:
            raise ValidationError(
                self.env._(
                    "%(product)s: the unit price cannot be negative (%(price)s). "
                    "Bill a discount or a credit note instead.",
                    product=negative[0].product_id.display_name,
                    price=negative[0].price_unit,
                )
            )

    # ------------------------------------------------------------------
    # Business: billing
    # ------------------------------------------------------------------
    def _billing_label(self):
        """The line as invoices and claims name it: order, product, lot."""
        self.ensure_one()
        label = f"{self.order_id.name}: {self.product_id.display_name}"
        return f"{label} ({self.lot_id.name})" if self.lot_id else label

    def _prepare_sale_line_vals(self, sale):
        self.ensure_one()
        return {
            "order_id": sale.id,
            "product_id": self.product_id.id,
            "name": self._billing_label(),
            "product_uom_qty": self.quantity_used,
            "product_uom": self.product_uom_id.id,
            "price_unit": self.price_unit,
        }

    def _prepare_warranty_claim_line_vals(self):
        """The line's part on its vendor's warranty claim, at cost."""
        self.ensure_one()
        return {
            "product_id": self.product_id.id,
            "name": self._billing_label(),
            "quantity": self.quantity_used,
            "product_uom_id": self.product_uom_id.id,
            "price_unit": self.product_id.standard_price,
        }
