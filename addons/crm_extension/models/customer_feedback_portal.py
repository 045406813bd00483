# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Customer feedback on the portal: its portal URL, and the feedback that a
visitor who is not logged in sends with the public form."""

from odoo import api, models, tools


class CustomerFeedback(models.Model):
    _inherit = "customer.feedback"

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for feedback in self:
            feedback.access_url = f"/my/feedback/{feedback.id}"
        return res

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
