# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Customer feedback on the portal: its portal URL, the rules of the
feedback forms (what a customer or a visitor may send, and its limits), the
feedback a logged-in customer sends and the one a visitor who is not logged
in sends with the public form. The controllers only parse, check access and
render."""

from odoo import api, models, tools

# what the portal forms offer, and their limits: stricter than the API's
# (customer_feedback.NAME_MAX, DESCRIPTION_MAX), for people typing
PORTAL_TYPES = ("complaint", "suggestion", "praise", "question")
SUBJECT_MAX = 200
DESCRIPTION_MAX = 5000
CONTACT_NAME_MAX = 128


class CustomerFeedback(models.Model):
    _inherit = "customer.feedback"

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for feedback in self:
            feedback.access_url = f"/my/feedback/{feedback.id}"
        return res

    @api.model
    def _portal_feedback_types(self):
        """(key, label) of the kinds of feedback the portal forms offer."""
        return [
            (key, label)
            for key, label in self._fields["feedback_type"]._description_selection(
                self.env
            )
            if key in PORTAL_TYPES
        ]

    @api.model
    def _portal_form_errors(self, post, public=False):
        """What is wrong with a portal form's values, by field: empty when
        the feedback can be created. ``public``: the form of a visitor who
        is not logged in, who also gives a name and an email."""
        error = {}
        name = (post.get("name") or "").strip()
        if not name:
            error["name"] = self.env._("Give your feedback a subject.")
        elif len(name) > SUBJECT_MAX:
            error["name"] = self.env._(
                "The subject is limited to %s characters.", SUBJECT_MAX
            )
        if len(post.get("description") or "") > DESCRIPTION_MAX:
            error["description"] = self.env._(
                "The description is limited to %s characters.", DESCRIPTION_MAX
            )
        if post.get("feedback_type") not in PORTAL_TYPES:
            error["feedback_type"] = self.env._("Choose the kind of feedback.")
        if post.get("sale_order_id") and not str(post["sale_order_id"]).isdigit():
            error["sale_order_id"] = self.env._("Choose one of your orders.")
        if public:
            if not tools.email_normalize(post.get("email") or ""):
                error["email"] = self.env._("Enter a valid email address.")
            contact = (post.get("contact_name") or "").strip()
            if not contact:
                error["contact_name"] = self.env._("Enter your name.")
            elif len(contact) > CONTACT_NAME_MAX:
                error["contact_name"] = self.env._(
                    "The name is limited to %s characters.", CONTACT_NAME_MAX
                )
        return error

    @api.model
    def _prepare_portal_vals(self, partner, sale_order, post):
        """Values of the feedback a logged-in customer sends from the portal
        form (``post`` passed ``_portal_form_errors``), about one of their
        orders or none."""
        return {
            "name": post["name"].strip(),
            "description": (post.get("description") or "").strip(),
            "feedback_type": post["feedback_type"],
            "partner_id": partner.id,
            "sale_order_id": sale_order.id,
            "product_id": sale_order.order_line[:1].product_id.id,
            "channel": "portal",
            "user_id": False,
        }

    @api.model
    def _create_from_public_form(
        self, contact_name, email, name, description, feedback_type
    ):
        """Feedback from the public form, for an unverified visitor.

        It is filed under the *Website visitors (unverified)* partner, never
        under an existing customer that merely has the same email: anyone can
        type any address. A note tells the agent which customer it may be."""
        feedback = self.create(
            self._prepare_public_form_vals(
                contact_name, email, name, description, feedback_type
            )
        )
        known = self.env["res.partner"].search(
            [("email_normalized", "=", tools.email_normalize(email))], limit=1
        )
        if known:
            feedback.message_post(
                body=self.env._(
                    "Submitted without logging in. The email matches %s: check "
                    "with the customer before linking the feedback to them.",
                    known.display_name,
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        return feedback

    @api.model
    def _prepare_public_form_vals(
        self, contact_name, email, name, description, feedback_type
    ):
        """Values of the feedback a visitor sends with the public form."""
        visitor = self.env.ref("crm_extension.partner_web_visitor")
        return {
            "name": name,
            "description": description,
            "feedback_type": feedback_type,
            "partner_id": visitor.id,
            "contact_name": contact_name,
            "email_from": tools.email_normalize(email),
            "channel": "portal",
            "user_id": False,
        }
