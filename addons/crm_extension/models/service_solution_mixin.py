# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.fields import Command

SOLUTION_GROUP = "crm_extension.group_service_technician"


class ServiceSolutionMixin(models.AbstractModel):
    """Solutions for a record that describes a customer's problem: the
    published articles that match its text, ranked best first, the article
    that solved it, and the draft of a new article from it.

    A model using it says what its text is (``_solution_text``), its
    language (``_solution_lang``), its products (``_solution_products``) and
    its resolution (``_solution_resolution_html``)."""

    _name = "service.solution.mixin"
    _description = "Solutions Suggested for a Problem"
    _solution_suggestion_limit = 5

    solution_id = fields.Many2one(
        "service.solution",
        index="btree_not_null",
        tracking=True,
        copy=False,
        groups=SOLUTION_GROUP,
        help="The knowledge base article that solved it.",
    )
    suggested_solution_ids = fields.Many2many(
        "service.solution",
        string="Suggested Solutions",
        compute="_compute_suggested_solution_ids",
        groups=SOLUTION_GROUP,
        help="Published articles whose text matches the subject and description, "
        "best match first.",
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends(lambda self: self._solution_text_depends())
    def _compute_suggested_solution_ids(self):
        """One ranked full-text query per record: the field is for the form,
        never shown in a list."""
        Solution = self.env["service.solution"]
        can_read = Solution.has_access("read")
        for record in self:
            ranked = []
            if can_read:
                ranked = Solution._search_ranked(
                    "\n".join(record._solution_text()),
                    lang=record._solution_lang(),
                    domain=[("state", "=", "published")],
                    limit=self._solution_suggestion_limit,
                    match_any=True,
                    products=record._solution_products(),
                )
            record.suggested_solution_ids = [
                Command.set([solution.id for solution, _rank in ranked])
            ]

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_create_solution(self):
        """Draft an article from this record's text and resolution, link it
        as the record's solution when it has none, and open it."""
        self.ensure_one()
        solution = self.env["service.solution"].create(self._prepare_solution_vals())
        if not self.solution_id:
            self.solution_id = solution
        solution.message_post(body=self.env._("Drafted from %s.", self.display_name))
        return {
            "type": "ir.actions.act_window",
            "res_model": "service.solution",
            "res_id": solution.id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    def _apply_solution(self, solution):
        """Solved by this: link the article; its use is counted."""
        self.check_access("write")
        solution.check_access("read")
        self.write({"solution_id": solution.id})
        if hasattr(self, "message_post"):
            for record in self:
                record.message_post(
                    body=self.env._("Solved by the article %s.", solution.name),
                    subtype_xmlid="mail.mt_note",
                )

    def _prepare_solution_vals(self):
        self.ensure_one()
        subject, description = self._solution_text()
        lang = self._solution_lang()
        installed = dict(self.env["res.lang"].get_installed())
        return {
            "name": subject,
            "problem": description,
            "resolution": self._solution_resolution_html()
            or Markup("<p>%s</p>") % self.env._("How was it solved?"),
            "lang": lang if lang in installed else self.env.lang or "en_US",
            "product_ids": [Command.set(self._solution_products().ids)],
            "state": "draft",
            "author_id": self.env.user.id,
        }

    # Hooks for the models using the mixin
    @api.model
    def _solution_text_depends(self):
        return ["name", "description"]

    def _solution_text(self):
        """(subject, description as plain text) of the problem."""
        self.ensure_one()
        return (
            self.name or "",
            tools.html2plaintext(self.description or "")
            if self._fields["description"].type == "html"
            else self.description or "",
        )

    def _solution_lang(self):
        """The language the customer writes in."""
        self.ensure_one()
        return self.partner_id.lang or self.env.lang

    def _solution_products(self):
        return self.env["product.product"]

    def _solution_resolution_html(self):
        return False
