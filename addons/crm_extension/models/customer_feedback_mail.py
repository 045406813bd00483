# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Mail intake of customer feedback: an email to the feedback alias becomes
a feedback of the sender, whose partner is found by address or created."""

from odoo import api, models, tools
from odoo.exceptions import ValidationError

from .customer_feedback import DESCRIPTION_MAX, NAME_MAX


class CustomerFeedback(models.Model):
    _inherit = "customer.feedback"

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """Feedback from an email to the alias, linked to the sender's partner.

        The partner is found by normalised email and created when unknown;
        ``_mail_find_partner_from_emails`` never creates a second partner for
        an address it already knows."""
        email = tools.email_normalize(msg_dict.get("email_from") or "")
        partner = self.env["res.partner"].browse(msg_dict.get("author_id"))
        if not partner and email:
            partner = self._find_or_create_partner(msg_dict.get("email_from"))
        if not partner:
            raise ValidationError(
                self.env._("Feedback by email needs a sender address.")
            )
        defaults = self._prepare_mail_feedback_vals(msg_dict, partner)
        defaults.update(custom_values or {})
        return super().message_new(msg_dict, custom_values=defaults)

    @api.model
    def _prepare_mail_feedback_vals(self, msg_dict, partner):
        """Values of the feedback made from the email ``msg_dict`` of
        ``partner``."""
        body = tools.html2plaintext(msg_dict.get("body") or "")
        return {
            "name": (msg_dict.get("subject") or self.env._("No subject"))[:NAME_MAX],
            "description": body[:DESCRIPTION_MAX],
            "partner_id": partner.id,
            "channel": "email",
            "user_id": False,
        }

    @api.model
    def _find_or_create_partner(self, email_from):
        email = tools.email_normalize(email_from)
        partner = self.env["res.partner"].search(
            [("email_normalized", "=", email)], limit=1, order="id"
        )
        if partner:
            return partner
        return (
            self.env["res.partner"]
            .sudo()
            .create(self._prepare_sender_partner_vals(email_from))
        )

    @api.model
    def _prepare_sender_partner_vals(self, email_from):
        """Values of the partner of an unknown sender ``email_from``."""
        email = tools.email_normalize(email_from)
        name, _email = tools.parse_contact_from_email(email_from)
        return {"name": name or email, "email": email}
