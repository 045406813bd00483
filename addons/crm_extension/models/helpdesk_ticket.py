# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models, tools
from odoo.exceptions import UserError

from ..tools.actions import list_action, records_action
from ..tools.counts import set_related_counts

# Indexes of the ticket list and kanban (dropped when the module is
# uninstalled, see hooks.py):
# - helpdesk_mgmt's order: the first page of a list or a kanban column is
#   read by walking the index, not by sorting every ticket of the domain;
# - active tickets by stage and company: the kanban counts its columns in an
#   index-only scan.
TICKET_INDEXES = [
    (
        "helpdesk_ticket_crm_ext_order_index",
        ["priority DESC", "sequence", "number DESC", "id DESC"],
        "",
    ),
    (
        "helpdesk_ticket_crm_ext_stage_company_index",
        ["stage_id", "company_id"],
        "active",
    ),
]


class HelpdeskTicket(models.Model):
    _name = "helpdesk.ticket"
    _inherit = [
        "helpdesk.ticket",
        "service.sla.mixin",
        "service.return.source",
        "service.solution.mixin",
    ]
    _return_source_field = "ticket_id"
    _sla_kind = "ticket"
    _sla_state_fields = ("stage_id",)

    # The customer figures and the partner's ticket lists read tickets by
    # customer (res.partner): without these, each one scans the whole table.
    partner_id = fields.Many2one(index=True)
    commercial_partner_id = fields.Many2one(index=True)
    # The form reads a ticket's duplicates (helpdesk_mgmt): without it, every
    # form opened scans the whole table.
    duplicate_id = fields.Many2one(index="btree_not_null")

    feedback_id = fields.Many2one(
        "customer.feedback",
        index="btree_not_null",
        copy=False,
        help="The customer feedback this ticket was created from.",
    )
    feedback_ids = fields.One2many("customer.feedback", "ticket_id", string="Feedbacks")
    feedback_count = fields.Integer(compute="_compute_feedback_count")
    service_order_ids = fields.One2many(
        "service.order", "ticket_id", groups="crm_extension.group_service_technician"
    )
    service_order_count = fields.Integer(
        compute="_compute_service_order_count",
        groups="crm_extension.group_service_technician",
    )
    return_ids = fields.One2many(
        "service.return", "ticket_id", groups="crm_extension.group_service_technician"
    )

    def init(self):
        res = super().init()
        for name, expressions, where in TICKET_INDEXES:
            tools.create_index(self.env.cr, name, self._table, expressions, where=where)
        return res

    @api.depends("feedback_ids")
    def _compute_feedback_count(self):
        set_related_counts(self, "feedback_count", "customer.feedback", "ticket_id")

    def _compute_service_order_count(self):
        set_related_counts(self, "service_order_count", "service.order", "ticket_id")

    def _prepare_return_defaults(self):
        return {
            **super()._prepare_return_defaults(),
            "feedback_id": self.feedback_id.id,
            "sale_order_id": self.feedback_id.sale_order_id.id,
            "reason": self.name,
        }

    def action_create_service_order(self):
        """A service order prefilled from the ticket, opened in a form."""
        self.ensure_one()
        order = self.env["service.order"].create(self._prepare_service_order_vals())
        return records_action(self.env, order)

    def _prepare_service_order_vals(self):
        """Values of the service order made from the ticket."""
        self.ensure_one()
        return {
            "partner_id": (self.partner_id or self.commercial_partner_id).id,
            "ticket_id": self.id,
            "feedback_id": self.feedback_id.id,
            "priority": self.priority,
            "description": tools.html2plaintext(self.description or ""),
            "company_id": self.company_id.id,
        }

    def action_view_service_orders(self):
        self.ensure_one()
        return self.env["service.order"]._action_list(
            [("ticket_id", "=", self.id)], {"ticket_id": self.id}
        )

    def write(self, vals):
        res = super().write(vals)
        if vals.get("stage_id"):
            closed = self.filtered("stage_id.closed")
            if closed:
                closed._resolve_feedback()
        return res

    # ------------------------------------------------------------------
    # Service levels (service.sla.mixin)
    # ------------------------------------------------------------------
    def _sla_is_closed(self):
        self.ensure_one()
        return bool(self.stage_id.closed)

    def _sla_closed_date(self):
        self.ensure_one()
        return self.closed_date or self.write_date

    def _sla_is_paused(self):
        self.ensure_one()
        return self.stage_id in self.sla_policy_id.pause_stage_ids

    @api.model
    def _sla_state_depends(self):
        return ["stage_id", "closed_date", "sla_policy_id.pause_stage_ids"]

    @api.model
    def _sla_open_domain(self):
        return [("stage_id.closed", "=", False)]

    def _close_from_portal(self, stage_id):
        """The customer closes the ticket from the portal, in the stage
        ``stage_id``: a closing stage of the ticket's team that allows it
        (``close_from_portal``), else a UserError. A closed ticket stays as
        it is."""
        self.ensure_one()
        stage = self.team_id._get_applicable_stages().filtered(
            lambda s: s.id == stage_id and s.close_from_portal
        )
        if not stage:
            raise UserError(self.env._("This stage cannot close the ticket."))
        if not self.closed:
            self.stage_id = stage

    def _resolve_feedback(self):
        """A ticket reached a closed stage: resolve the feedback behind it.

        Helpdesk users close tickets without any right on feedback: the
        caller has just written these tickets, so their own feedback is
        resolved as superuser (the chatter still names the caller)."""
        feedback = (
            self.env["customer.feedback"]
            .sudo()
            .search(
                [
                    ("ticket_id", "in", self.ids),
                    ("state", "in", ("new", "in_progress")),
                ]
            )
        )
        for ticket in self:
            feedback.filtered(
                lambda f, t=ticket: f.ticket_id == t
            )._resolve_from_ticket(ticket)

    # ------------------------------------------------------------------
    # Solutions (service.solution.mixin)
    # ------------------------------------------------------------------
    def _solution_products(self):
        return self.feedback_id.product_id

    def _solution_resolution_html(self):
        self.ensure_one()
        if not tools.is_html_empty(self.notes):
            return self.notes
        if self.feedback_id.resolution:
            return tools.plaintext2html(self.feedback_id.resolution)
        return False

    def _send_ticket_rating_mail(self, force_send=False):
        """No request for a team that turned them off; the team's rating
        template, when it has one, wins over the stage's."""
        tickets = self.filtered(lambda t: not t.team_id or t.team_id.rating_request)
        with_team_template = tickets.filtered(
            lambda t: (
                t.team_id.rating_mail_template_id
                and t.rating_status == "stage_change"
                and t.stage_id.rating_mail_template_id
            )
        )
        for ticket in with_team_template:
            ticket.rating_send_request(
                ticket.team_id.rating_mail_template_id,
                lang=ticket.partner_id.lang,
                force_send=force_send,
            )
        return super(
            HelpdeskTicket, tickets - with_team_template
        )._send_ticket_rating_mail(force_send=force_send)

    def _crm_ext_on_low_rating(self, rating):
        """A low rating or an NPS detractor opens a follow-up complaint for the
        team leader (the assignee when the team has no leader)."""
        self.ensure_one()
        return self.env["customer.feedback"]._create_rating_follow_up(
            rating,
            partner=rating.partner_id or self.partner_id,
            user=self.team_id.user_id or self.user_id,
            origin=self,
            values={"ticket_id": self.id, "team_id": self.team_id.id},
        )

    def action_view_feedback(self):
        self.ensure_one()
        return list_action(
            self.env,
            "crm_extension.action_customer_feedback",
            [("ticket_id", "=", self.id)],
            {"ticket_id": self.id, "partner_id": self.partner_id.id},
        )
