# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, MissingError

from odoo.addons.base.models.res_partner import _lang_get

from ..tools.actions import list_action

STATES = [("draft", "Draft"), ("published", "Published")]
PORTAL_DOMAIN = [("state", "=", "published"), ("portal_published", "=", True)]


class ServiceSolution(models.Model):
    """A solution article of the service knowledge base.

    The article is a ``document.page`` (OCA document_page) by delegation: its
    title (``name``), category (``parent_id``), body and history live on the
    page, so the article is also a wiki page with its revisions. The service
    fields (problem, symptoms, products, state, portal visibility, counters)
    live here.

    Articles are found by PostgreSQL full-text search: ``search_document``
    (title first, then symptoms, problem, resolution, tags and products) is
    turned into the ``search_vector`` column by a trigger, in the article's
    language (``search_config``), and a GIN index serves the queries
    (``_search_ranked``)."""

    _name = "service.solution"
    _description = "Service Solution"
    _inherits = {"document.page": "document_page_id"}
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "use_count desc, id desc"

    document_page_id = fields.Many2one(
        "document.page",
        string="Wiki Page",
        required=True,
        ondelete="cascade",
        index=True,
    )
    problem = fields.Text(
        tracking=True, help="What goes wrong, in the customer's words."
    )
    symptoms = fields.Text(
        help="What the customer or technician sees: messages, codes."
    )
    resolution = fields.Html(
        string="Resolution",
        related="document_page_id.content",
        readonly=False,
        help="How to solve it. Every change is kept in the page's history.",
    )
    product_ids = fields.Many2many(
        "product.product",
        "service_solution_product_rel",
        "solution_id",
        "product_id",
        string="Products / Equipment Models",
        help="The products and equipment models the article applies to: their "
        "tickets and feedback rank it higher.",
    )
    tag_ids = fields.Many2many(
        "service.solution.tag",
        "service_solution_tag_rel",
        "solution_id",
        "tag_id",
        string="Tags",
    )
    state = fields.Selection(
        STATES, default="draft", required=True, tracking=True, index=True, copy=False
    )
    portal_published = fields.Boolean(
        string="Visible on Portal",
        tracking=True,
        copy=False,
        help="Customers find the published article on the portal.",
    )
    published_date = fields.Datetime(readonly=True, copy=False)
    author_id = fields.Many2one(
        "res.users",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    lang = fields.Selection(
        _lang_get,
        string="Language",
        required=True,
        default=lambda self: self.env.lang or "en_US",
        help="The language the article is written in: it decides how its words "
        "are stemmed for the search.",
    )
    ticket_ids = fields.One2many(
        "helpdesk.ticket",
        "solution_id",
        string="Solved Tickets",
        groups="crm_extension.group_service_technician",
    )
    feedback_ids = fields.One2many(
        "customer.feedback",
        "solution_id",
        string="Solved Feedback",
        groups="crm_extension.group_service_technician",
    )
    vote_ids = fields.One2many(
        "service.solution.vote",
        "solution_id",
        string="Votes",
        groups="crm_extension.group_service_user",
    )
    use_count = fields.Integer(
        string="Times Used",
        compute="_compute_use_count",
        store=True,
        help="Tickets and feedback this article solved.",
    )
    helpful_count = fields.Integer(
        string="Found Helpful", compute="_compute_vote_counts", store=True
    )
    not_helpful_count = fields.Integer(
        string="Not Helpful", compute="_compute_vote_counts", store=True
    )
    deflection_count = fields.Integer(
        string="Solved on the Portal",
        compute="_compute_vote_counts",
        store=True,
        help="Customers who solved their problem with this article instead of "
        "sending feedback.",
    )
    helpful_rate = fields.Float(
        string="Helpful (%)",
        compute="_compute_vote_counts",
        store=True,
        aggregator="avg",
    )
    search_config = fields.Char(
        string="Search Language", compute="_compute_search_config", store=True
    )
    search_document = fields.Text(compute="_compute_search_document", store=True)

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends("ticket_ids", "feedback_ids")
    def _compute_use_count(self):
        counts = defaultdict(int)
        for model in ("helpdesk.ticket", "customer.feedback"):
            groups = (
                self.env[model]
                .sudo()
                .with_context(active_test=False)
                ._read_group(
                    [("solution_id", "in", self.ids)], ["solution_id"], ["__count"]
                )
            )
            for solution, count in groups:
                counts[solution.id] += count
        for solution in self:
            solution.use_count = counts[solution.id]

    @api.depends("vote_ids.helpful", "vote_ids.deflected")
    def _compute_vote_counts(self):
        counts = defaultdict(lambda: defaultdict(int))
        groups = (
            self.env["service.solution.vote"]
            .sudo()
            ._read_group(
                [("solution_id", "in", self.ids)],
                ["solution_id", "helpful", "deflected"],
                ["__count"],
            )
        )
        for solution, helpful, deflected, count in groups:
            counts[solution.id]["helpful" if helpful else "not_helpful"] += count
            if deflected:
                counts[solution.id]["deflected"] += count
        for solution in self:
            helpful = counts[solution.id]["helpful"]
            votes = helpful + counts[solution.id]["not_helpful"]
            solution.helpful_count = helpful
            solution.not_helpful_count = counts[solution.id]["not_helpful"]
            solution.deflection_count = counts[solution.id]["deflected"]
            solution.helpful_rate = 100.0 * helpful / votes if votes else 0.0

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("state") == "published" or vals.get("portal_published"):
                self._check_can_publish()
            if vals.get("state") == "published":
                vals.setdefault("published_date", fields.Datetime.now())
        return super().create(vals_list)

    def write(self, vals):
        if "state" in vals or "portal_published" in vals:
            self._check_can_publish()
        if vals.get("state") == "published":
            vals = {**vals, "published_date": fields.Datetime.now()}
        return super().write(vals)

    def _check_can_publish(self):
        """Service users draft articles; only managers publish them."""
        if not self.env.su and not self.env.user.has_group(
            "crm_extension.group_service_manager"
        ):
            raise AccessError(
                self.env._(
                    "Only Service Managers publish solutions or show them on the "
                    "portal: save the article as a draft and ask a manager."
                )
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_publish(self):
        self.write({"state": "published"})

    def action_unpublish(self):
        self.write({"state": "draft"})

    def action_solved_this(self):
        """The "Solved by this" button of a suggestion: links this article to
        the ticket or feedback named by the context and counts a use."""
        self.ensure_one()
        model = self.env.context.get("solution_res_model")
        res_id = self.env.context.get("solution_res_id")
        mixin = self.pool["service.solution.mixin"]
        if model not in self.env or not isinstance(self.env[model], mixin):
            raise AccessError(self.env._("Open a ticket or a feedback to use this."))
        record = self.env[model].browse(res_id).exists()
        if len(record) != 1:
            raise MissingError(
                self.env._("The record to solve no longer exists: reload the page.")
            )
        record._apply_solution(self)
        return True

    def action_view_tickets(self):
        self.ensure_one()
        return list_action(
            self.env,
            "helpdesk_mgmt.helpdesk_ticket_action",
            [("solution_id", "=", self.id)],
        )

    def _register_vote(self, helpful, deflected=False):
        """The current user's "Did this help?" answer: one vote per user and
        article, the last answer wins. ``deflected`` records that it solved
        the customer's problem instead of their sending feedback."""
        self.ensure_one()
        self.check_access("read")
        Vote = self.env["service.solution.vote"]
        vote = Vote.search(
            [("solution_id", "=", self.id), ("user_id", "=", self.env.uid)]
        )
        vals = {"helpful": bool(helpful)}
        if deflected:
            vals["deflected"] = True
        if vote:
            vote.write(vals)
        else:
            vote = Vote.create(self._prepare_vote_vals(vals))
        return vote

    def _prepare_vote_vals(self, vals):
        """The current user's first vote on this article: ``vals`` holds
        what they answered (helpful, deflected)."""
        self.ensure_one()
        return {**vals, "solution_id": self.id, "user_id": self.env.uid}

    def _portal_vote(self):
        """The current user's vote on this article, if any."""
        self.ensure_one()
        return self.env["service.solution.vote"].search(
            [("solution_id", "=", self.id), ("user_id", "=", self.env.uid)]
        )

    def _portal_resolution(self):
        """The resolution, sanitized for the portal (the wiki body is not)."""
        self.ensure_one()
        return tools.html_sanitize(self.resolution or "")
