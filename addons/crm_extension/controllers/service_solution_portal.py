# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import http
from odoo.http import request

from ..models.customer_feedback_portal import SUBJECT_MAX
from .feedback_portal import FeedbackPortal

SUGGESTION_LIMIT = 5


class ServiceSolutionPortal(FeedbackPortal):
    """The solutions knowledge base on the portal, and the articles the new
    feedback form suggests before it is sent.

    Every article is looked up with the visitor's own rights: portal users
    find only published articles shown on the portal (record rules), and
    only the records that search returned are read with ``sudo()`` (their
    body is a wiki page, which portal users cannot read directly). Votes are
    the visitor's own records, written with their rights."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "solution_count" in counters:
            Solution = request.env["service.solution"]
            values["solution_count"] = (
                Solution.search_count([("state", "=", "published")])
                if Solution.has_access("read")
                else 0
            )
        return values

    def _solution_or_none(self, solution_id):
        """The article, if the visitor may read it on the portal."""
        Solution = request.env["service.solution"]
        if not Solution.has_access("read"):
            return Solution
        return Solution.search(
            [
                ("id", "=", solution_id),
                ("state", "=", "published"),
                ("portal_published", "=", True),
            ]
        )

    @http.route(["/my/solutions"], type="http", auth="user", website=True)
    def portal_my_solutions(self, search=None, **kw):
        Solution = request.env["service.solution"]
        if not Solution.has_access("read"):
            return request.redirect("/my")
        search = (search or "").strip()[:SUBJECT_MAX]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "solutions": Solution._portal_search(search).sudo(),
                "search": search,
                "page_name": "solutions",
                "solution": False,
            }
        )
        return request.render("crm_extension.portal_my_solutions", values)

    @http.route(
        ["/my/solutions/<int:solution_id>"], type="http", auth="user", website=True
    )
    def portal_solution_page(self, solution_id, solved=None, **kw):
        solution = self._solution_or_none(solution_id)
        if not solution:
            return request.redirect("/my/solutions")
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "solution": solution.sudo(),
                "vote": solution._portal_vote(),
                "page_name": "solutions",
                "solved": bool(solved),
                "from_feedback": bool(kw.get("from_feedback")),
            }
        )
        return request.render("crm_extension.portal_solution_page", values)

    @http.route(
        ["/my/solutions/<int:solution_id>/vote"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_solution_vote(self, solution_id, helpful=None, **kw):
        """ "Did this help?": one answer per customer and article."""
        solution = self._solution_or_none(solution_id)
        if not solution:
            return request.redirect("/my/solutions")
        solution._register_vote(helpful == "1")
        return request.redirect(f"/my/solutions/{solution.id}")

    @http.route(
        ["/my/solutions/<int:solution_id>/solved"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_solution_solved(self, solution_id, **kw):
        """The customer solved the problem with the article instead of
        sending feedback: a helpful vote, counted as deflected."""
        solution = self._solution_or_none(solution_id)
        if not solution:
            return request.redirect("/my/solutions")
        solution._register_vote(True, deflected=True)
        return request.redirect(f"/my/solutions/{solution.id}?solved=1")

    @http.route(["/my/solutions/suggest"], type="json", auth="user")
    def portal_solution_suggest(self, subject=None, description=None, **kw):
        """The articles matching what the customer is typing in the new
        feedback form: [{id, name, url, symptoms}]."""
        Solution = request.env["service.solution"]
        if not Solution.has_access("read"):
            return []
        return [
            {
                "id": solution.id,
                "name": solution.name,
                "url": f"/my/solutions/{solution.id}?from_feedback=1",
                "symptoms": solution.symptoms or "",
            }
            for solution in self._feedback_suggestions(subject, description).sudo()
        ]

    def _feedback_suggestions(self, subject, description=None):
        text = " ".join(
            part.strip()[:SUBJECT_MAX] for part in (subject, description) if part
        )
        if not text.strip():
            return request.env["service.solution"]
        return request.env["service.solution"]._portal_search(
            text, limit=SUGGESTION_LIMIT, match_any=True
        )

    # ------------------------------------------------------------------
    # The new feedback form suggests articles first
    # ------------------------------------------------------------------
    def _feedback_form_values(self, error=None, values=None, with_orders=True):
        result = super()._feedback_form_values(error, values, with_orders)
        solutions = request.env["service.solution"]
        if with_orders and values and solutions.has_access("read"):
            solutions = self._feedback_suggestions(
                values.get("name"), values.get("description")
            ).sudo()
        result["solutions"] = solutions
        return result

    @http.route()
    def portal_feedback_new(self, **kw):
        """``?name=...`` (the "Find answers" step) shows the matching
        articles above the form, prefilled."""
        values = {
            key: kw[key]
            for key in ("name", "description", "feedback_type")
            if isinstance(kw.get(key), str)
        }
        return request.render(
            "crm_extension.portal_feedback_new",
            self._feedback_form_values(values=values),
        )
