# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    feedback_auto_ticket = fields.Boolean(
        string="Tickets for urgent complaints",
        default=True,
        help="Complaints of priority High or Urgent create their helpdesk "
        "ticket automatically.",
    )
    customer_segment_a_share = fields.Float(
        string="Segment A share (%)",
        default=80.0,
        help="Customers bringing the first share of the last 12 months' "
        "revenue are segment A.",
    )
    customer_segment_b_share = fields.Float(
        string="Segment B share (%)",
        default=95.0,
        help="Customers bringing the revenue after segment A, up to this "
        "cumulated share, are segment B; the rest are C.",
    )
    replacement_breakdown_threshold = fields.Integer(
        string="Breakdowns before replacement",
        default=3,
        help="Equipment with this many breakdowns (done repair orders) in the "
        "last 12 months gets a replacement opportunity. 0 turns it off.",
    )
    equipment_alarm_threshold = fields.Integer(
        string="Alarms before a repair",
        default=3,
        help="A monitored unit that reports this many alarms within the alarm "
        "window (since its last done repair) gets a repair service order, "
        "unless one is open. 0 turns it off.",
    )
    equipment_alarm_window_hours = fields.Integer(
        string="Alarm window (hours)",
        default=24,
        help="An alarm counts towards the threshold for this many hours.",
    )

    @api.constrains("customer_segment_a_share", "customer_segment_b_share")
    def _check_customer_segment_shares(self):
        for company in self:
            a_share = company.customer_segment_a_share
            b_share = company.customer_segment_b_share
            if not 0 < a_share < b_share <= 100:
                raise ValidationError(
                    self.env._(
                        "Segment shares must satisfy 0 < A < B <= 100 "
                        "(got A = %(a)s%%, B = %(b)s%%).",
                        a=a_share,
                        b=b_share,
                    )
                )

    @api.constrains("replacement_breakdown_threshold")
    def _check_replacement_breakdown_threshold(self):
        for company in self:
            if company.replacement_breakdown_threshold < 0:
                raise ValidationError(
                    self.env._(
                        "The breakdowns before replacement cannot be negative: "
                        "set 0 to turn replacement opportunities for breakdowns "
                        "off."
                    )
                )

    @api.constrains("equipment_alarm_threshold", "equipment_alarm_window_hours")
    def _check_equipment_alarms(self):
        for company in self:
            if company.equipment_alarm_threshold < 0:
                raise ValidationError(
                    self.env._(
                        "The alarms before a repair cannot be negative: set 0 to "
                        "open no repair orders from alarms."
                    )
                )
            if company.equipment_alarm_window_hours < 1:
                raise ValidationError(
                    self.env._("The alarm window must be at least one hour.")
                )

    # ------------------------------------------------------------------
    # Public feedback form: rate limit per client address
    # ------------------------------------------------------------------
    feedback_rate_limit = fields.Integer(
        string="Public feedback per address",
        default=5,
        help="Submissions of the public feedback form accepted from one client "
        "address within the window. 0 turns the limit off.",
    )
    feedback_rate_window_minutes = fields.Integer(
        string="Public feedback window (minutes)",
        default=10,
        help="The window of the public feedback form's rate limit.",
    )

    @api.constrains("feedback_rate_limit", "feedback_rate_window_minutes")
    def _check_feedback_rate_limit(self):
        for company in self:
            if company.feedback_rate_limit < 0:
                raise ValidationError(
                    self.env._(
                        "The public feedback limit cannot be negative: set 0 to "
                        "turn it off."
                    )
                )
            if company.feedback_rate_window_minutes < 1:
                raise ValidationError(
                    self.env._("The public feedback window must be at least a minute.")
                )
