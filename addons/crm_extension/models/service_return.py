# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.actions import list_action, records_action

REASON_MAX = 2000
# a return can still change, and be confirmed, in these states
EDITABLE_STATES = ("draft", "requested")


class ServiceReturn(models.Model):
    """A return or exchange of delivered goods.

    It takes delivered lines of a sale order (quantity, lot, reason) and, on
    confirmation, makes the standard return picking, then the outcome: a
    credit note reversing the invoice (refund), a new delivery (replacement)
    or a workshop service order (repair). It links back to the complaint or
    ticket it came from. Portal customers create it as a request only."""

    _name = "service.return"
    _description = "Return / Exchange"
    _check_company_auto = True
    _inherit = [
        "portal.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "service.reference.mixin",
    ]
    _reference_sequence_code = "service.return"
    _order = "id desc"

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="New"
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("requested", "Requested"),
            ("confirmed", "Confirmed"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        required=True,
        index=True,
        tracking=True,
        domain="[('state', '=', 'sale'), ('company_id', '=', company_id)]",
        check_company=True,
    )
    partner_id = fields.Many2one(
        related="sale_order_id.partner_id", store=True, index=True
    )
    commercial_partner_id = fields.Many2one(
        related="sale_order_id.partner_id.commercial_partner_id",
        store=True,
        index=True,
    )
    feedback_id = fields.Many2one(
        "customer.feedback",
        index="btree_not_null",
        tracking=True,
        check_company=True,
    )
    ticket_id = fields.Many2one(
        "helpdesk.ticket",
        index="btree_not_null",
        tracking=True,
        check_company=True,
    )
    outcome = fields.Selection(
        [
            ("refund", "Refund"),
            ("replacement", "Replacement"),
            ("repair", "Repair"),
        ],
        required=True,
        default="refund",
        tracking=True,
    )
    reason = fields.Text()
    line_ids = fields.One2many(
        "service.return.line",
        "return_id",
        string="Lines",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
        precompute=True,
        copy=True,
    )
    return_picking_id = fields.Many2one(
        "stock.picking", readonly=True, copy=False, index="btree_not_null"
    )
    refund_ids = fields.Many2many(
        "account.move", string="Credit Notes", readonly=True, copy=False
    )
    replacement_picking_id = fields.Many2one(
        "stock.picking", readonly=True, copy=False, index="btree_not_null"
    )
    repair_order_id = fields.Many2one(
        "service.order",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
    )
    date_confirmed = fields.Datetime(readonly=True, copy=False)

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("sale_order_id")
    def _compute_line_ids(self):
        """Every delivered line that can still come back, at its full
        returnable quantity: lower or remove what does not come back."""
        for ret in self:
            if ret.state not in EDITABLE_STATES:
                continue
            ret.line_ids = [Command.clear()] + [
                Command.create(vals)
                for vals in ret.sale_order_id._prepare_return_lines_vals(
                    exclude_returns=ret._origin
                )
            ]

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for ret in self:
            ret.access_url = f"/my/returns/{ret.id}"
        return res

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    def unlink(self):
        if any(ret.state == "confirmed" for ret in self):
            raise UserError(
                self.env._(
                    "A confirmed return has its picking and outcome: cancel "
                    "those documents instead of deleting the return."
                )
            )
        return super().unlink()

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_confirm(self):
        """Make the return picking and the outcome of each return."""
        self.check_access("write")
        for ret in self:
            # the delivery moves are read as superuser: service users have
            # no inventory rights
            ret.sudo()._check_confirmable()
        for ret in self:
            ret = ret.sudo()
            ret.line_ids.filtered(lambda line: not line.quantity).unlink()
            ret.return_picking_id = ret._create_return_picking()
            if ret.outcome == "refund":
                ret.refund_ids = ret._create_refunds()
            elif ret.outcome == "replacement":
                ret.replacement_picking_id = ret._create_replacement_picking()
            else:
                ret.repair_order_id = ret._create_repair_order()
            ret.write({"state": "confirmed", "date_confirmed": fields.Datetime.now()})
            ret._post_origin_message()
        return True

    def action_cancel(self):
        confirmed = self.filtered(lambda ret: ret.state == "confirmed")
        if confirmed:
            raise UserError(
                self.env._(
                    "%s is confirmed: cancel its return picking and outcome "
                    "documents themselves.",
                    confirmed[0].name,
                )
            )
        self.write({"state": "cancelled"})
        return True

    def action_draft(self):
        self.filtered(lambda ret: ret.state == "cancelled").write({"state": "draft"})
        return True

    def action_view_return_picking(self):
        self.ensure_one()
        return records_action(
            self.env, self.return_picking_id, "stock.action_picking_tree_all"
        )

    def action_view_replacement_picking(self):
        self.ensure_one()
        return records_action(
            self.env, self.replacement_picking_id, "stock.action_picking_tree_all"
        )

    def action_view_refunds(self):
        self.ensure_one()
        return records_action(
            self.env, self.refund_ids, "account.action_move_out_refund_type"
        )

    def action_view_repair_order(self):
        self.ensure_one()
        return records_action(
            self.env, self.repair_order_id, "crm_extension.action_service_order"
        )

    # ------------------------------------------------------------------
    # Helpers for the documents a return comes from
    # ------------------------------------------------------------------
    @api.model
    def _action_list(self, domain, defaults):
        return list_action(
            self.env, "crm_extension.action_service_return", domain, defaults
        )

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    @api.model
    def _prepare_portal_request_vals(self, sale_order, reason, line_commands):
        """A customer's return request: no picking until it is confirmed."""
        return {
            "sale_order_id": sale_order.id,
            "company_id": sale_order.company_id.id,
            "state": "requested",
            "reason": reason,
            "line_ids": line_commands,
        }

    @api.model
    def _create_portal_request(self, sale_order, quantities, reason):
        """A customer's request from the portal: the return record only, no
        picking. ``quantities`` maps (delivery move id, lot id or 0) to the
        quantity the customer sends back."""
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError(self.env._("Tell us why the goods come back."))
        if len(reason) > REASON_MAX:
            raise ValidationError(
                self.env._("Keep the reason under %s characters.", REASON_MAX)
            )
        available = {
            (vals["move_id"], vals["lot_id"] or 0): vals
            for vals in sale_order._prepare_return_lines_vals()
        }
        commands = []
        for key, quantity in quantities.items():
            vals = available.get(key)
            move = sale_order.order_line.move_ids.filtered(
                lambda m, k=key: m.id == k[0]
            )
            lot = self.env["stock.lot"].browse(key[1])
            requested = (
                move._get_requested_return_quantity(lot=lot or None) if move else 0.0
            )
            if not vals and requested and quantity:
                raise ValidationError(
                    self.env._(
                        "%(product)s is already asked back in an open return "
                        "request (%(requested)s): we will answer it before you "
                        "can ask again.",
                        product=move.product_id.display_name,
                        requested=requested,
                    )
                )
            if not vals:
                if not quantity:
                    continue
                raise ValidationError(
                    self.env._("One of the lines can no longer be returned.")
                )
            if quantity < 0 or quantity > vals["quantity"]:
                message = self.env._(
                    "%(product)s: return between 0 and %(max)s.",
                    product=move.product_id.display_name,
                    max=vals["quantity"],
                )
                if requested:
                    message += " " + self.env._(
                        "%s more are already asked back in an open return request.",
                        requested,
                    )
                raise ValidationError(message)
            if quantity:
                commands.append(Command.create({**vals, "quantity": quantity}))
        if not commands:
            raise UserError(
                self.env._("Enter the quantity you send back on at least one line.")
            )
        ret = self.create(
            self._prepare_portal_request_vals(sale_order, reason, commands)
        )
        if sale_order.user_id:
            ret.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=sale_order.user_id.id,
                summary=self.env._("Return requested by the customer"),
            )
        return ret
