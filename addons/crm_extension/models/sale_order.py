# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.actions import list_action
from ..tools.counts import set_related_counts


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "service.return.source"]
    _return_source_field = "sale_order_id"

    feedback_ids = fields.One2many("customer.feedback", "sale_order_id")
    feedback_count = fields.Integer(compute="_compute_feedback_count")
    service_order_ids = fields.One2many(
        "service.order",
        "sale_order_id",
        groups="crm_extension.group_service_technician",
    )
    service_order_count = fields.Integer(
        compute="_compute_service_order_count",
        groups="crm_extension.group_service_technician",
    )
    return_ids = fields.One2many(
        "service.return",
        "sale_order_id",
        groups="crm_extension.group_service_technician",
    )

    @api.depends("feedback_ids")
    def _compute_feedback_count(self):
        set_related_counts(self, "feedback_count", "customer.feedback", "sale_order_id")

    def _compute_service_order_count(self):
        set_related_counts(
            self, "service_order_count", "service.order", "sale_order_id"
        )

    def _prepare_return_lines_vals(self, exclude_returns=None):
        """Values of the return lines for what was delivered and can still
        come back (open requests but ``exclude_returns`` deducted): one line
        per delivery move, or per lot for tracked goods."""
        vals_list = []
        moves = self.order_line.move_ids.filtered(
            lambda m: (
                m.state == "done"
                and m.location_dest_id.usage == "customer"
                and not m.origin_returned_move_id
            )
        )
        for move in moves:
            lots = move.move_line_ids.lot_id
            for lot in lots or [None]:
                quantity = move._get_returnable_quantity(
                    lot=lot, exclude_returns=exclude_returns
                )
                if quantity > 0:
                    vals_list.append(
                        {
                            "sale_line_id": move.sale_line_id.id,
                            "move_id": move.id,
                            "lot_id": lot.id if lot else False,
                            "quantity": quantity,
                        }
                    )
        return vals_list

    def _get_invoiceable_lines(self, final=False):
        """Billing a service order invoices its own lines only, not the rest
        of the originating sale order."""
        lines = super()._get_invoiceable_lines(final=final)
        only_ids = self.env.context.get("service_billing_line_ids")
        if only_ids is not None:
            lines = lines.filtered(lambda line: line.id in only_ids)
        return lines

    def _action_confirm(self):
        res = super()._action_confirm()
        self._create_service_orders()
        return res

    def _create_service_orders(self):
        """One service order per confirmed line of a product marked
        'Creates a Service Order' (once: a line already linked is skipped).

        Salespeople confirm orders without any service right: the caller has
        just confirmed these orders with their own rights, so the service
        orders of their lines are searched and created as superuser, and
        returned without it (the caller may not read them)."""
        lines = self.order_line.filtered(
            lambda line: line.product_id.service_order_on_sale
        )
        ServiceOrder = self.env["service.order"]
        if not lines:
            return ServiceOrder
        done = set(
            ServiceOrder.sudo()
            .search([("sale_line_id", "in", lines.ids)])
            .sale_line_id.ids
        )
        vals_list = [
            line.order_id._prepare_service_order_vals(line)
            for line in lines
            if line.id not in done
        ]
        return ServiceOrder.browse(ServiceOrder.sudo().create(vals_list).ids)

    def _prepare_service_order_vals(self, line):
        """Values of the service order of ``line``, a confirmed line of this
        order for a product marked 'Creates a Service Order'."""
        self.ensure_one()
        return {
            "partner_id": self.partner_id.id,
            "site_partner_id": self.partner_shipping_id.id,
            "sale_order_id": self.id,
            "sale_line_id": line.id,
            "service_type": line.product_id.service_order_type or "installation",
            "required_skill_ids": [(6, 0, line.product_id.service_skill_ids.ids)],
            "description": line.name,
            "company_id": self.company_id.id,
        }

    def action_view_service_orders(self):
        self.ensure_one()
        return self.env["service.order"]._action_list(
            [("sale_order_id", "=", self.id)],
            {"sale_order_id": self.id, "partner_id": self.partner_id.id},
        )

    def action_view_feedback(self):
        self.ensure_one()
        return list_action(
            self.env,
            "crm_extension.action_customer_feedback",
            [("sale_order_id", "=", self.id)],
            **self._prepare_feedback_context(),
        )

    def action_report_problem(self):
        """'Report a problem' on a confirmed order: a complaint prefilled with it."""
        self.ensure_one()
        if self.state != "sale":
            raise UserError(
                self.env._("Only confirmed orders can have a problem reported.")
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Report a Problem"),
            "res_model": "customer.feedback",
            "view_mode": "form",
            "target": "current",
            "context": self._prepare_feedback_context(),
        }

    def _prepare_feedback_context(self):
        self.ensure_one()
        product = self.order_line.filtered(lambda line: not line.display_type)[:1]
        return {
            "default_sale_order_id": self.id,
            "default_partner_id": self.partner_id.id,
            "default_feedback_type": "complaint",
            "default_channel": "phone",
            "default_product_id": product.product_id.id,
            "default_name": self.env._("Problem with order %s", self.name),
        }
