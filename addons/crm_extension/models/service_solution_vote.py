# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ServiceSolutionVote(models.Model):
    """One user's answer to "Did this help?" on one article."""

    _name = "service.solution.vote"
    _description = "Solution Vote"
    _order = "id desc"

    solution_id = fields.Many2one(
        "service.solution", required=True, index=True, ondelete="cascade"
    )
    user_id = fields.Many2one(
        "res.users",
        required=True,
        index=True,
        ondelete="cascade",
        default=lambda self: self.env.user,
    )
    helpful = fields.Boolean(default=True)
    deflected = fields.Boolean(
        string="Solved Instead of Feedback",
        help="The customer solved their problem with the article instead of "
        "sending feedback.",
    )

    _sql_constraints = [
        (
            "solution_user_uniq",
            "unique(solution_id, user_id)",
            "A user votes once on an article.",
        ),
    ]
