# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The Customer 360 report: its print button and the open items, recent
interactions and ratings it lists."""

from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    def action_print_customer_360(self):
        return self.env.ref("crm_extension.action_report_customer_360").report_action(
            self.commercial_partner_id
        )

    def _crm_ext_customer_360_data(self, limit=10):
        """Open items, recent interactions and ratings for the 360 report."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        partner_domain = [("partner_id", "child_of", commercial.id)]
        open_tickets = self.env["helpdesk.ticket"].search(
            [*partner_domain, ("stage_id.closed", "=", False)],
            limit=limit,
            order="create_date desc",
        )
        orders = self.env["sale.order"].search(
            [*partner_domain, ("state", "!=", "cancel")],
            limit=limit,
            order="date_order desc",
        )
        invoices = self.env["account.move"].search(
            [
                ("commercial_partner_id", "=", commercial.id),
                ("state", "=", "posted"),
                ("move_type", "in", ("out_invoice", "out_refund")),
            ],
            limit=limit,
            order="invoice_date desc",
        )
        recent = [
            {
                "date": order.date_order,
                "kind": self.env._("Sale order"),
                "name": order.name,
                "amount": order.amount_untaxed,
            }
            for order in orders
        ] + [
            {
                "date": fields.Datetime.to_datetime(move.invoice_date),
                "kind": move.type_name,
                "name": move.name,
                "amount": move.amount_untaxed_signed,
            }
            for move in invoices
        ]
        recent.sort(key=lambda row: row["date"], reverse=True)
        ratings = (
            self.env["rating.rating"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", commercial.id),
                    ("consumed", "=", True),
                    ("rating", ">", 0),
                    *self._crm_ext_company_domain("rating.rating"),
                ],
                limit=limit,
                order="create_date desc",
            )
        )
        return {
            "open_tickets": open_tickets,
            "recent": recent[:limit],
            "ratings": ratings,
        }
