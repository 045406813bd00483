# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import http
from odoo.exceptions import AccessError, MissingError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

RATE_LIMIT_SCOPE = "public_feedback"


class FeedbackPortal(CustomerPortal):
    """Customers' feedback on the portal, and the public feedback form.

    Every page reads with the visitor's own rights (portal record rules: the
    commercial partner's feedback) or checks the access token; ``sudo()`` is
    used only on a record that check returned, or to create a record whose
    values were all validated here."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "feedback_count" in counters:
            Feedback = request.env["customer.feedback"]
            values["feedback_count"] = (
                Feedback.search_count([]) if Feedback.has_access("read") else 0
            )
        return values

    @http.route(
        ["/my/feedback", "/my/feedback/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_feedback(self, page=1, sortby="date", **kw):
        Feedback = request.env["customer.feedback"]
        if not Feedback.has_access("read"):
            return request.redirect("/my")
        sortings = {
            "date": {"label": request.env._("Newest"), "order": "create_date desc"},
            "state": {"label": request.env._("Status"), "order": "state, id desc"},
        }
        order = sortings.get(sortby, sortings["date"])["order"]
        total = Feedback.search_count([])
        pager = portal_pager(
            url="/my/feedback",
            url_args={"sortby": sortby},
            total=total,
            page=page,
            step=self._items_per_page,
        )
        feedback = Feedback.search(
            [], order=order, limit=self._items_per_page, offset=pager["offset"]
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "feedbacks": feedback,
                "page_name": "feedback",
                "pager": pager,
                "default_url": "/my/feedback",
                "searchbar_sortings": sortings,
                "sortby": sortby,
            }
        )
        return request.render("crm_extension.portal_my_feedback", values)

    @http.route(
        ["/my/feedback/<int:feedback_id>"], type="http", auth="public", website=True
    )
    def portal_feedback_page(self, feedback_id, access_token=None, **kw):
        try:
            feedback_sudo = self._document_check_access(
                "customer.feedback", feedback_id, access_token
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._get_page_view_values(
            feedback_sudo,
            access_token,
            {"feedback": feedback_sudo, "page_name": "feedback"},
            "my_feedback_history",
            False,
        )
        return request.render("crm_extension.portal_feedback_page", values)

    def _feedback_form_values(self, error=None, values=None, with_orders=True):
        orders = request.env["sale.order"]
        if with_orders:
            partner = request.env.user.partner_id.commercial_partner_id
            orders = orders.search(
                [("partner_id", "child_of", partner.id), ("state", "=", "sale")],
                order="date_order desc",
                limit=50,
            )
        return {
            **self._prepare_portal_layout_values(),
            "page_name": "feedback",
            "orders": orders,
            "types": request.env["customer.feedback"]._portal_feedback_types(),
            "error": error or {},
            "values": values or {},
        }

    @http.route(["/my/feedback/new"], type="http", auth="user", website=True)
    def portal_feedback_new(self, **kw):
        return request.render(
            "crm_extension.portal_feedback_new", self._feedback_form_values()
        )

    @http.route(
        ["/my/feedback/submit"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_feedback_submit(self, **post):
        error = request.env["customer.feedback"]._portal_form_errors(post)
        order = request.env["sale.order"]
        if post.get("sale_order_id") and not error:
            # The visitor's own rights decide: another customer's order is
            # not found, so it cannot be attached.
            order = order.search(
                [
                    ("id", "=", int(post["sale_order_id"])),
                    (
                        "partner_id",
                        "child_of",
                        request.env.user.partner_id.commercial_partner_id.id,
                    ),
                ]
            )
            if not order:
                error["sale_order_id"] = request.env._("Choose one of your orders.")
        if error:
            return request.render(
                "crm_extension.portal_feedback_new",
                self._feedback_form_values(error, post),
            )
        # every value was checked above, the order with the visitor's rights
        Feedback = request.env["customer.feedback"].sudo()
        feedback = Feedback.create(
            Feedback._prepare_portal_vals(request.env.user.partner_id, order, post)
        )
        return request.redirect(feedback.get_portal_url())

    # ------------------------------------------------------------------
    # Public form: anonymous visitors
    # ------------------------------------------------------------------
    def _public_form_values(self, error=None, values=None):
        return self._feedback_form_values(error, values, with_orders=False)

    @http.route(["/feedback"], type="http", auth="public", website=True)
    def public_feedback_form(self, **kw):
        return request.render(
            "crm_extension.public_feedback_form", self._public_form_values()
        )

    @http.route(
        ["/feedback/submit"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def public_feedback_submit(self, **post):
        company = request.env.company.sudo()
        limits = request.env["crm.ext.rate.limit"].sudo()
        address = request.httprequest.remote_addr or ""
        if limits._is_limited(
            RATE_LIMIT_SCOPE,
            address,
            company.feedback_rate_limit,
            company.feedback_rate_window_minutes,
        ):
            return request.render(
                "crm_extension.public_feedback_form",
                self._public_form_values(
                    {
                        "rate_limit": request.env._(
                            "You sent a lot of feedback in a short time: please "
                            "try again later."
                        )
                    },
                    post,
                ),
            )
        error = request.env["customer.feedback"]._portal_form_errors(post, public=True)
        if error:
            return request.render(
                "crm_extension.public_feedback_form",
                self._public_form_values(error, post),
            )
        try:
            request.env["customer.feedback"].sudo()._create_from_public_form(
                contact_name=post["contact_name"].strip(),
                email=post["email"],
                name=post["name"].strip(),
                description=(post.get("description") or "").strip(),
                feedback_type=post["feedback_type"],
            )
        except ValidationError as exc:
            return request.render(
                "crm_extension.public_feedback_form",
                self._public_form_values({"name": exc.args[0]}, post),
            )
        limits._record_hit(RATE_LIMIT_SCOPE, address)
        return request.render("crm_extension.public_feedback_thanks", {})
