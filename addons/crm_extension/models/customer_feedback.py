# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

from ..tools.actions import records_action
from ..tools.states import wrong_state
from .service_sla_mixin import PRIORITIES

FEEDBACK_TYPES = [
    ("complaint", "Complaint"),
    ("suggestion", "Suggestion"),
    ("praise", "Praise"),
    ("question", "Question"),
]
CHANNELS = [
    ("email", "Email"),
    ("phone", "Phone"),
    ("portal", "Portal"),
    ("api", "API"),
    ("visit", "Visit"),
    ("survey", "Survey"),
    ("other", "Other"),
]
STATES = [
    ("new", "New"),
    ("in_progress", "In Progress"),
    ("resolved", "Resolved"),
    ("closed", "Closed"),
    ("cancelled", "Cancelled"),
]
OPEN_STATES = ("new", "in_progress")
# Integrators' keys and subjects stay short; descriptions are bounded too.
NAME_MAX = 256
EXTERNAL_REF_MAX = 128
DESCRIPTION_MAX = 20000


class CustomerFeedback(models.Model):
    """One case of customer feedback, whatever the channel: the register, its
    states and its service levels. Feedback arrives by mail
    (``customer_feedback_mail.py``), the portal (``customer_feedback_portal.py``),
    low ratings (``customer_feedback_rating.py``) and the API
    (``customer_feedback_api.py``).

    Integrators send feedback with ``api_submit(vals_list)``: a row whose
    ``external_ref`` already exists in the company updates that record, so a
    retried call never creates a duplicate. ``external_ref`` is unique per
    company (a database constraint), so two concurrent submissions of the
    same key cannot both create a record either.
    """

    _name = "customer.feedback"
    _description = "Customer Feedback"
    _check_company_auto = True
    _inherit = [
        "service.sla.mixin",
        "mail.thread",
        "service.customer.mixin",
        "mail.activity.mixin",
        "portal.mixin",
        "service.return.source",
        "service.solution.mixin",
    ]
    _sla_kind = "feedback"
    _sla_state_fields = ("state",)
    _return_source_field = "feedback_id"
    _order = "priority desc, create_date desc, id desc"
    _mail_post_access = "read"

    name = fields.Char(string="Subject", required=True, tracking=True)
    description = fields.Text()
    feedback_type = fields.Selection(
        FEEDBACK_TYPES, string="Type", required=True, default="complaint", tracking=True
    )
    channel = fields.Selection(CHANNELS, required=True, default="other")
    priority = fields.Selection(PRIORITIES, default="1", tracking=True)
    state = fields.Selection(
        STATES, default="new", required=True, tracking=True, copy=False, index=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        index="btree_not_null",
        domain="[('partner_id', 'child_of', commercial_partner_id)]",
        check_company=True,
    )
    ticket_id = fields.Many2one(
        "helpdesk.ticket", index="btree_not_null", copy=False, check_company=True
    )
    product_id = fields.Many2one("product.product", check_company=True)
    category_id = fields.Many2one("helpdesk.ticket.category", check_company=True)
    team_id = fields.Many2one("helpdesk.ticket.team", check_company=True)
    resolution = fields.Text(tracking=True)
    resolved_date = fields.Datetime(readonly=True, copy=False)
    external_ref = fields.Char(
        string="External Reference",
        copy=False,
        index="btree_not_null",
        help="The integrator's key: unique per company, used to update instead "
        "of duplicating when a submission is retried.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    color = fields.Integer()
    return_ids = fields.One2many("service.return", "feedback_id")
    contact_name = fields.Char(
        help="Name given on the public feedback form (visitor not logged in)."
    )
    email_from = fields.Char(
        string="Email", help="Email given on the public feedback form."
    )

    _sql_constraints = [
        (
            "external_ref_company_uniq",
            "unique(company_id, external_ref)",
            "This external reference is already used in this company.",
        ),
    ]

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("name", "description", "external_ref")
    def _check_sizes(self):
        if any(not (feedback.name or "").strip() for feedback in self):
            raise ValidationError(self.env._("The feedback needs a subject."))
        self._check_text_sizes(
            (
                ("name", self.env._("subject"), NAME_MAX),
                ("description", self.env._("description"), DESCRIPTION_MAX),
                ("external_ref", self.env._("external reference"), EXTERNAL_REF_MAX),
            )
        )

    @api.constrains("state", "resolution")
    def _check_resolution(self):
        for feedback in self:
            if (
                feedback.state in ("resolved", "closed")
                and not (feedback.resolution or "").strip()
            ):
                raise ValidationError(
                    self.env._(
                        "Write the resolution before resolving feedback '%s'.",
                        feedback.name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        self.browse().check_access("create")  # before the values are looked at
        self._validate_values_batch(vals_list)
        for vals in vals_list:
            for field_name in ("name", "partner_id"):
                if not vals.get(field_name) and not self.env.context.get(
                    f"default_{field_name}"
                ):
                    raise ValidationError(
                        self.env._(
                            "The feedback needs a %(field)s (%(name)s).",
                            field=self._fields[field_name]._description_string(
                                self.env
                            ),
                            name=field_name,
                        )
                    )
        self._check_external_refs_free(vals_list)
        records = super().create(vals_list)
        records._auto_create_tickets()
        return records

    def write(self, vals):
        self._validate_values(vals)
        if vals.get("external_ref"):
            for company in self.company_id:
                self.filtered(
                    lambda f, c=company: f.company_id == c
                )._check_external_refs_free([{**vals, "company_id": company.id}])
        return super().write(vals)

    # ------------------------------------------------------------------
    # Solutions (service.solution.mixin)
    # ------------------------------------------------------------------
    def _solution_products(self):
        return self.product_id

    def _solution_resolution_html(self):
        self.ensure_one()
        return tools.plaintext2html(self.resolution) if self.resolution else False

    # ------------------------------------------------------------------
    # Service levels (service.sla.mixin)
    # ------------------------------------------------------------------
    def _sla_is_closed(self):
        self.ensure_one()
        return self.state in ("resolved", "closed", "cancelled")

    def _sla_closed_date(self):
        self.ensure_one()
        return self.resolved_date or self.write_date

    @api.model
    def _sla_state_depends(self):
        return ["state", "resolved_date"]

    @api.model
    def _sla_open_domain(self):
        return [("state", "in", OPEN_STATES)]

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def _check_state(self, allowed, action_label):
        """Refuse ``action_label`` unless every feedback is in ``allowed``."""
        bad, state = wrong_state(self, allowed)
        if bad:
            raise UserError(
                self.env._(
                    "Cannot %(action)s feedback '%(name)s': it is %(state)s.",
                    action=action_label,
                    name=bad.name,
                    state=state,
                )
            )

    def action_start(self):
        self._check_state(("new",), self.env._("start"))
        self.write({"state": "in_progress"})
        return True

    def action_resolve(self):
        self._check_state(OPEN_STATES, self.env._("resolve"))
        missing = self.filtered(lambda f: not (f.resolution or "").strip())
        if missing:
            raise UserError(
                self.env._(
                    "Write the resolution before resolving feedback '%s'.",
                    missing[0].name,
                )
            )
        self.write({"state": "resolved", "resolved_date": fields.Datetime.now()})
        return True

    def action_close(self):
        self._check_state(("resolved",), self.env._("close"))
        self.write({"state": "closed"})
        return True

    def action_cancel(self):
        self._check_state(OPEN_STATES, self.env._("cancel"))
        self.write({"state": "cancelled"})
        return True

    def action_draft(self):
        self._check_state(("cancelled",), self.env._("reopen"))
        self.write({"state": "new"})
        return True

    def action_create_ticket(self):
        """Create the helpdesk ticket of each feedback, or reuse the linked one."""
        todo = self.filtered(lambda f: not f.ticket_id)
        tickets = self.env["helpdesk.ticket"].create(
            [feedback._prepare_ticket_vals() for feedback in todo]
        )
        for feedback, ticket in zip(todo, tickets, strict=True):
            feedback.ticket_id = ticket
            feedback.message_post(
                body=Markup(self.env._("Ticket %s created from this feedback."))
                % ticket._get_html_link()
            )
            if feedback.state == "new":
                feedback.state = "in_progress"
        if len(self) == 1:
            return self.action_view_ticket()
        return True

    def action_view_ticket(self):
        """Open the linked ticket; the Create Ticket button makes it."""
        self.ensure_one()
        return records_action(self.env, self.ticket_id)

    def _prepare_return_defaults(self):
        return {
            **super()._prepare_return_defaults(),
            "ticket_id": self.ticket_id.id,
            "sale_order_id": self.sale_order_id.id,
            "reason": self.name,
        }

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _prepare_ticket_vals(self):
        self.ensure_one()
        description = tools.plaintext2html(self.description or self.name)
        return {
            "name": self.name,
            "description": description,
            "partner_id": self.partner_id.id,
            "partner_name": self.partner_id.name,
            "partner_email": self.partner_id.email,
            "priority": self.priority,
            "category_id": self.category_id.id,
            "team_id": self.team_id.id,
            "company_id": self.company_id.id,
            "feedback_id": self.id,
        }

    def _auto_create_tickets(self):
        """Complaints of priority High or Urgent get their ticket at once,
        unless the company turned it off."""
        to_ticket = self.filtered(
            lambda f: (
                f.feedback_type == "complaint"
                and f.priority in ("2", "3")
                and not f.ticket_id
                and f.company_id.feedback_auto_ticket
            )
        )
        if to_ticket:
            to_ticket.action_create_ticket()

    def _resolve_from_ticket(self, ticket):
        """The linked ticket reached a closed stage: resolve open feedback."""
        feedback = self.filtered(lambda f: f.state in OPEN_STATES)
        for record in feedback:
            vals = {"state": "resolved", "resolved_date": fields.Datetime.now()}
            if not (record.resolution or "").strip():
                vals["resolution"] = self.env._(
                    "Resolved with ticket %(ticket)s (%(stage)s).",
                    ticket=ticket.display_name,
                    stage=ticket.stage_id.name,
                )
            record.write(vals)
