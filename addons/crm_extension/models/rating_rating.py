# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

LOW_RATING = 2  # Odoo rates 1 (dissatisfied), 3 (okay) or 5 (satisfied)
NPS_DETRACTOR_MAX = 6
NPS_PROMOTER_MIN = 9


class RatingRating(models.Model):
    """The Net Promoter answer beside Odoo's rating, and the detractor loop.

    A consumed rating that is low (2 or less) or whose NPS answer is a
    detractor's (6 or less) calls ``_crm_ext_on_low_rating(rating)`` on the
    rated record when its model defines it; the follow-up it returns is kept
    in ``followup_feedback_id`` so it is opened once."""

    _inherit = "rating.rating"

    # The customer figures (satisfaction, NPS) and the churn inputs read
    # ratings by customer: without it, a seq scan of all ratings.
    partner_id = fields.Many2one(index="btree_not_null")

    nps_answered = fields.Boolean(string="NPS Answered", readonly=True)
    nps_score = fields.Integer(
        string="NPS Answer",
        readonly=True,
        help="How likely the customer is to recommend us, from 0 to 10.",
    )
    nps_category = fields.Selection(
        [
            ("promoter", "Promoter"),
            ("passive", "Passive"),
            ("detractor", "Detractor"),
        ],
        string="NPS Category",
        compute="_compute_nps_category",
        store=True,
    )
    followup_feedback_id = fields.Many2one(
        "customer.feedback", string="Follow-up Complaint", readonly=True, copy=False
    )

    @api.depends("nps_answered", "nps_score")
    def _compute_nps_category(self):
        for rating in self:
            if not rating.nps_answered:
                rating.nps_category = False
            elif rating.nps_score >= NPS_PROMOTER_MIN:
                rating.nps_category = "promoter"
            elif rating.nps_score > NPS_DETRACTOR_MAX:
                rating.nps_category = "passive"
            else:
                rating.nps_category = "detractor"

    @api.constrains("nps_score", "nps_answered")
    def _check_nps_score(self):
        for rating in self:
            if rating.nps_answered and not 0 <= rating.nps_score <= 10:
                raise ValidationError(
                    self.env._(
                        "The NPS answer must be between 0 and 10, not %s.",
                        rating.nps_score,
                    )
                )

    def write(self, vals):
        res = super().write(vals)
        if {"rating", "consumed", "nps_score"} & set(vals):
            self._crm_ext_follow_up_low_ratings()
        return res

    def _crm_ext_is_low(self):
        self.ensure_one()
        return (0 < self.rating <= LOW_RATING) or self.nps_category == "detractor"

    def _crm_ext_follow_up_low_ratings(self):
        for rating in self.filtered(
            lambda r: r.consumed and not r.followup_feedback_id and r._crm_ext_is_low()
        ):
            if not rating.res_model or rating.res_model not in self.env:
                continue
            record = self.env[rating.res_model].sudo().browse(rating.res_id).exists()
            if record and hasattr(record, "_crm_ext_on_low_rating"):
                feedback = record._crm_ext_on_low_rating(rating)
                if feedback:
                    rating.sudo().followup_feedback_id = feedback
