# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What a service order bills and claims.

Its parts' stock moves and amounts; when the order is done, the chargeable
lines go onto a sale order and a draft invoice, the parts under a
supplier's warranty onto a draft vendor credit note, and the customer gets
the service report and a rating request. The smart buttons of its moves,
sale order and invoices."""

from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError

from ..tools.actions import list_action, records_action
from ..tools.counts import set_related_counts


class ServiceOrder(models.Model):
    _inherit = "service.order"

    move_ids = fields.One2many(
        "stock.move",
        "service_order_id",
        readonly=True,
        groups="stock.group_stock_user",
    )
    move_count = fields.Integer(
        compute="_compute_move_count", groups="stock.group_stock_user"
    )
    amount_charged = fields.Monetary(
        compute="_compute_amounts",
        store=True,
        help="What the customer is billed: the chargeable lines.",
    )
    # internal figures: never read by customers or technicians
    amount_cost = fields.Monetary(
        compute="_compute_amounts",
        store=True,
        groups="crm_extension.group_service_user",
        help="The cost of every line used, warranty lines included.",
    )
    amount_margin = fields.Monetary(
        compute="_compute_amounts",
        store=True,
        groups="crm_extension.group_service_user",
    )
    invoice_ids = fields.Many2many(
        "account.move",
        compute="_compute_invoice_ids",
        compute_sudo=True,
        string="Invoices",
        groups="crm_extension.group_service_user",
        help="Customer invoices and vendor warranty claims of the order.",
    )
    invoice_count = fields.Integer(compute="_compute_invoice_ids", compute_sudo=True)

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("line_ids.price_subtotal", "line_ids.cost_amount")
    def _compute_amounts(self):
        for order in self:
            order.amount_charged = sum(order.line_ids.mapped("price_subtotal"))
            order.amount_cost = sum(order.line_ids.mapped("cost_amount"))
            order.amount_margin = order.amount_charged - order.amount_cost

    def _compute_move_count(self):
        set_related_counts(self, "move_count", "stock.move", "service_order_id")

    @api.depends("line_ids.sale_line_id.invoice_lines", "line_ids.warranty_claim_id")
    def _compute_invoice_ids(self):
        for order in self:
            order.invoice_ids = (
                order.line_ids.sale_line_id.invoice_lines.move_id
                | order.line_ids.warranty_claim_id
            )
            order.invoice_count = len(order.invoice_ids)

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("sale_order_id", "partner_id", "company_id")
    def _check_sale_order_id(self):
        for order in self.filtered("sale_order_id"):
            sale = order.sale_order_id.sudo()
            if (
                sale.partner_id.commercial_partner_id != order.commercial_partner_id
                or sale.company_id != order.company_id
            ):
                raise ValidationError(
                    self.env._(
                        "%(order)s: the billing sale order must be one of "
                        "%(customer)s's orders in %(company)s.",
                        order=order.name,
                        customer=order.commercial_partner_id.display_name,
                        company=order.company_id.name,
                    )
                )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_view_moves(self):
        self.ensure_one()
        return list_action(
            self.env,
            "stock.stock_move_action",
            [("service_order_id", "=", self.id)],
            create=False,
        )

    def action_view_sale_order(self):
        self.ensure_one()
        return {
            **records_action(self.env, self.sale_order_id),
            "name": self.sale_order_id.name,
        }

    def action_view_invoices(self):
        self.ensure_one()
        return list_action(
            self.env,
            "account.action_move_out_invoice_type",
            [("id", "in", self.invoice_ids.ids)],
            create=False,
        )

    # ------------------------------------------------------------------
    # Business: billing
    # ------------------------------------------------------------------
    def _get_billing_sale_order(self):
        """The sale order that bills the visit: the originating one while it
        is confirmed and open, otherwise a new confirmed one for the customer,
        which becomes the visit's sale order when it had none."""
        self.ensure_one()
        sale = self.sale_order_id
        if sale.state == "sale" and not sale.locked:
            return sale
        sale = (
            self.env["sale.order"]
            .sudo()
            .with_company(self.company_id)
            .with_context(skip_procurement=True)
            .create(self._prepare_billing_sale_order_vals())
        )
        sale.action_confirm()
        if not self.sale_order_id:
            # the visit leads to the order that bills it, and on to the invoice
            self.sudo().sale_order_id = sale
        return sale

    def _prepare_billing_sale_order_vals(self):
        """The sale order made to bill the visit when it has no open one."""
        self.ensure_one()
        return {
            "partner_id": self.partner_id.id,
            "origin": self.name,
            "company_id": self.company_id.id,
        }

    def _bill_lines(self):
        """Chargeable lines go onto a sale order (no second delivery: the
        service moves are the sale lines' deliveries) and are invoiced through
        the standard sale flow, as a draft invoice per order.

        Technicians mark orders done without any right on sales or invoices,
        and ``sale.order._create_invoices`` then silently creates nothing: the
        caller's access to the orders was checked by the action, so the sale
        orders and their invoices are made as superuser."""
        sales = self.env["sale.order"].sudo()
        billed = self.env["sale.order.line"]
        for order in self:
            lines = order.line_ids.filtered(
                lambda line: (
                    line.chargeable and line.quantity_used > 0 and not line.sale_line_id
                )
            )
            if not lines:
                continue
            sale = order._get_billing_sale_order()
            sale_lines = (
                self.env["sale.order.line"]
                .sudo()
                .with_context(skip_procurement=True)
                .create([line._prepare_sale_line_vals(sale) for line in lines])
            )
            for line, sale_line in zip(lines, sale_lines, strict=True):
                line.sudo().sale_line_id = sale_line
                if line.line_type == "part":
                    line._moves().filtered(
                        lambda m: m.state == "done"
                    ).sale_line_id = sale_line
                else:
                    sale_line.qty_delivered = line.quantity_used
            sales |= sale
            billed |= sale_lines
        if sales:
            sales.with_context(
                skip_procurement=True, service_billing_line_ids=billed.ids
            )._create_invoices()
        return sales

    def _claim_warranty(self):
        """Parts covered by a supplier's warranty: one draft vendor credit
        note per order and vendor, at cost, to claim them back."""
        vals_list, claimed = [], []
        # the vendors and claims are internal: read as superuser, the
        # caller's access to the order was checked by the action
        for order in self.sudo():
            lines = order.line_ids.filtered(
                lambda line: (
                    line.warranty_vendor_id
                    and not line.chargeable
                    and line.quantity_used > 0
                    and not line.warranty_claim_id
                )
            )
            for vendor in lines.warranty_vendor_id:
                vendor_lines = lines.filtered(
                    lambda line, vendor=vendor: line.warranty_vendor_id == vendor
                )
                claimed.append(vendor_lines)
                vals_list.append(
                    order._prepare_warranty_claim_vals(vendor, vendor_lines)
                )
        if not vals_list:
            return self.env["account.move"]
        claims = self.env["account.move"].sudo().create(vals_list)
        for lines, claim in zip(claimed, claims, strict=True):
            lines.sudo().warranty_claim_id = claim
        return claims

    def _prepare_warranty_claim_vals(self, vendor, lines):
        """The draft vendor credit note that claims ``lines`` of the order,
        covered by ``vendor``'s warranty, back at cost."""
        self.ensure_one()
        return {
            "move_type": "in_refund",
            "partner_id": vendor.id,
            "company_id": self.company_id.id,
            "ref": self.env._("Warranty claim %s", self.name),
            "invoice_origin": self.name,
            "invoice_line_ids": [
                Command.create(line._prepare_warranty_claim_line_vals())
                for line in lines
            ],
        }

    def _send_done_emails(self):
        """The service report and a rating request (token links), in one
        batch: the same rating, NPS and detractor loop as tickets."""
        template = self.env.ref(
            "crm_extension.mail_template_service_order_done", raise_if_not_found=False
        )
        orders = self.filtered("partner_id.email")
        if not template or not orders:
            return
        for order in orders:
            order._rating_get_access_token()  # the pending rating of the visit
        template.send_mail_batch(orders.ids)
