# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Rating follow-up: the complaint that closes the loop on a low rating or
an NPS detractor of a ticket, a service order or another rated document."""

from odoo import api, models

from .customer_feedback import NAME_MAX


class CustomerFeedback(models.Model):
    _inherit = "customer.feedback"

    @api.model
    def _create_rating_follow_up(self, rating, partner, user, origin, values=None):
        """The complaint that closes the loop on a low rating of ``origin``."""
        feedback = self.sudo().create(
            {
                **self._prepare_rating_follow_up_vals(rating, partner, user, origin),
                **(values or {}),
            }
        )
        if user:
            feedback.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=user.id,
                summary=self.env._("Call back the customer about a low rating"),
            )
        return feedback

    @api.model
    def _prepare_rating_follow_up_vals(self, rating, partner, user, origin):
        """Values of the follow-up complaint of ``rating`` on ``origin``."""
        nps = (
            self.env._("NPS answer: %s/10.", rating.nps_score)
            if rating.nps_answered
            else ""
        )
        description = self.env._(
            "The customer rated %(origin)s %(rating)s/5. %(nps)s\nComment: %(comment)s",
            origin=origin.display_name,
            rating=int(rating.rating),
            nps=nps,
            comment=rating.feedback or "-",
        )
        return {
            "name": self.env._("Low rating: %s", origin.display_name)[:NAME_MAX],
            "description": description,
            "partner_id": partner.id,
            "feedback_type": "complaint",
            "channel": "survey",
            "priority": "2",
            "user_id": user.id,
            "company_id": origin.company_id.id or self.env.company.id,
        }
