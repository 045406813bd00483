# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The demo's sales year: orders, deliveries, invoices, refunds and payments.

Orders per customer follow its tier; each document is dated on its day
(order, delivery the next day, invoice two days later). A maintenance plan
is refunded in full, descaling kits come back through a return, and most
invoices are paid by month."""

from collections import defaultdict
from datetime import timedelta

from odoo import Command


class _SalesSteps:
    """The demo generator's sales, return and payment steps (see
    ``crm_ext_demo._Generator``)."""

    def sale_lines(self, tier):
        rng, p = self.rng, self.products
        if tier == "big":
            lines = [
                (p["heat_pump"], rng.randint(1, 3)),
                (p["plan"], rng.randint(1, 2)),
            ]
        elif tier == "mid":
            lines = [
                (rng.choice([p["boiler"], p["water_heater"]]), 1),
                (p["filter"], rng.randint(2, 6)),
            ]
        else:
            lines = [
                (rng.choice([p["filter"], p["descaler"], p["plan"]]), rng.randint(1, 4))
            ]
        if rng.random() < 0.4:
            lines.append((p["descaler"], rng.randint(1, 3)))
        return lines

    def make_sales(self):
        plan = []  # (partner, date)
        orders_by_tier = {
            "big": (4, 6),
            "mid": (2, 4),
            "small": (1, 3),
            "dormant": (1, 2),
        }
        for partner in self.customers:
            tier = self.tier[partner]
            low, high = orders_by_tier[tier]
            for _n in range(self.rng.randint(low, high)):
                if tier == "dormant":
                    day = self.past_day(220, 350)
                else:
                    day = self.past_day(10, 350)
                plan.append((partner, day))
        plan.sort(key=lambda row: row[1])
        user = self.ref("base.user_admin")
        vals_list = [
            {
                "partner_id": partner.id,
                "user_id": user.id,
                "date_order": self.at(day, 16),
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": qty})
                    for product, qty in self.sale_lines(self.tier[partner])
                ],
            }
            for partner, day in plan
        ]
        orders = self.env["sale.order"].create(vals_list)
        orders.action_confirm()
        dates = {
            order: self.at(day, 16)
            for order, (_p, day) in zip(orders, plan, strict=True)
        }
        for order in orders:
            order.picking_ids.scheduled_date = dates[order]
        pickings = orders.picking_ids
        for move in pickings.move_ids:
            move.quantity = move.product_uom_qty
        pickings.move_ids.picked = True
        pickings.with_context(skip_sms=True, skip_backorder=True).button_validate()
        # the history: each document on its day
        for order in orders:
            when = dates[order]
            order.write({"date_order": when})
            order.picking_ids.write({"date_done": when + timedelta(days=1)})
            order.picking_ids.move_ids.write({"date": when + timedelta(days=1)})
            order.picking_ids.move_line_ids.write({"date": when + timedelta(days=1)})
        invoices = orders._create_invoices(grouped=True)
        for invoice in invoices:
            order = invoice.line_ids.sale_line_ids.order_id[:1]
            invoice.invoice_date = (dates[order] + timedelta(days=2)).date()
        invoices.action_post()
        self.sales = orders
        self.sale_dates = dates
        self.invoices = invoices
        # a full refund: the maintenance plan of a customer who moved out
        refunded = invoices.filtered(
            lambda inv: (
                inv.invoice_line_ids.product_id == self.products["plan"]
                and inv.invoice_date < self.today - timedelta(days=60)
            )
        )[:1]
        if refunded:
            reversal = (
                self.env["account.move.reversal"]
                .with_context(active_model="account.move", active_ids=refunded.ids)
                .create(
                    {
                        "reason": "Maintenance plan cancelled: the site closed",
                        "journal_id": refunded.journal_id.id,
                        "date": refunded.invoice_date + timedelta(days=20),
                    }
                )
            )
            action = reversal.refund_moves()
            refund = self.env["account.move"].browse(action.get("res_id"))
            refund.action_post()
            (refunded | refund).line_ids.filtered(
                lambda line: (
                    line.account_id.account_type == "asset_receivable"
                    and not line.reconciled
                )
            ).reconcile()
            self.refund_reversed = refunded

    def make_return(self):
        """A customer sends back descaling kits: refunded by a credit note."""
        sale = self.sales.filtered(
            lambda so: (
                so.order_line.filtered(
                    lambda line: (
                        line.product_id == self.products["descaler"]
                        and line.qty_invoiced
                    )
                )
                and so.date_order < self.now - timedelta(days=30)
            )
        )[-1:]
        if not sale:
            return
        Return = self.env["service.return"]
        vals = sale._prepare_return_lines_vals()
        lines = [
            Command.create({**row, "quantity": 1})
            for row in vals
            if self.env["stock.move"].browse(row["move_id"]).product_id
            == self.products["descaler"]
        ]
        ret = Return.create(
            {
                "sale_order_id": sale.id,
                "outcome": "refund",
                "reason": "Wrong kit for the water heater model.",
                "line_ids": lines,
            }
        )
        ret.action_confirm()
        picking = ret.return_picking_id
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking.button_validate()
        ret.refund_ids.action_post()
        self.service_return = ret

    def pay_invoices(self):
        """Most invoices are paid, by month; the last weeks' and a few late
        ones stay open."""
        moves = self.env["account.move"].search(
            [
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("state", "=", "posted"),
                ("payment_state", "=", "not_paid"),
                ("company_id", "=", self.company.id),
                ("partner_id", "in", self.customers.ids + self.customers.child_ids.ids),
            ],
            order="invoice_date, id",
        )
        late = set(moves.filtered(lambda m: m.move_type == "out_invoice").ids[5::9])
        by_month = defaultdict(lambda: self.env["account.move"])
        for move in moves:
            if move.invoice_date > self.today - timedelta(days=25) or move.id in late:
                continue
            if getattr(self, "refund_reversed", False) and move == self.refund_reversed:
                continue
            pay_day = min(move.invoice_date + timedelta(days=20), self.today)
            by_month[(pay_day.year, pay_day.month, move.move_type)] |= move
        for (_y, _m, _t), group in sorted(by_month.items()):
            day = min(
                max(group.mapped("invoice_date")) + timedelta(days=20), self.today
            )
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=group.ids
            ).create({"payment_date": day, "group_payment": False})._create_payments()
