# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    feedback_auto_ticket = fields.Boolean(
        related="company_id.feedback_auto_ticket", readonly=False
    )
    feedback_alias_email = fields.Char(
        string="Feedback alias", compute="_compute_feedback_alias_email"
    )
    customer_segment_a_share = fields.Float(
        related="company_id.customer_segment_a_share", readonly=False
    )
    customer_segment_b_share = fields.Float(
        related="company_id.customer_segment_b_share", readonly=False
    )
    cross_sell_min_customers = fields.Integer(
        related="company_id.cross_sell_min_customers", readonly=False
    )
    cross_sell_min_lift = fields.Float(
        related="company_id.cross_sell_min_lift", readonly=False
    )
    replacement_breakdown_threshold = fields.Integer(
        related="company_id.replacement_breakdown_threshold", readonly=False
    )
    equipment_alarm_threshold = fields.Integer(
        related="company_id.equipment_alarm_threshold", readonly=False
    )
    equipment_alarm_window_hours = fields.Integer(
        related="company_id.equipment_alarm_window_hours", readonly=False
    )

    feedback_rate_limit = fields.Integer(
        related="company_id.feedback_rate_limit", readonly=False
    )
    feedback_rate_window_minutes = fields.Integer(
        related="company_id.feedback_rate_window_minutes", readonly=False
    )
    dispatch_speed_kmh = fields.Float(
        related="company_id.dispatch_speed_kmh", readonly=False
    )
    dispatch_detour_factor = fields.Float(
        related="company_id.dispatch_detour_factor", readonly=False
    )
    dispatch_routing_url = fields.Char(
        related="company_id.dispatch_routing_url", readonly=False
    )
    dispatch_time_limit = fields.Integer(
        related="company_id.dispatch_time_limit", readonly=False
    )

    def _compute_feedback_alias_email(self):
        alias = self.env.ref(
            "crm_extension.mail_alias_feedback", raise_if_not_found=False
        )
        for settings in self:
            settings.feedback_alias_email = (
                alias.display_name if alias else self.env._("not configured")
            )
