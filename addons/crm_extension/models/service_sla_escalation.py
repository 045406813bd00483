# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ServiceSlaEscalation(models.Model):
    """One escalation level of a policy: when it triggers and what it does.

    Each level fires once per record (``service.sla.escalation.log`` has a
    unique key per record and level, so two cron runs at once cannot both
    fire it)."""

    _name = "service.sla.escalation"
    _description = "Service Level Escalation"
    _order = "policy_id, level, id"

    policy_id = fields.Many2one("service.sla.policy", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    level = fields.Integer(required=True, default=1)
    name = fields.Char(compute="_compute_name", store=True, readonly=False)
    trigger = fields.Selection(
        [
            ("percent", "Share of resolution time used"),
            ("after_breach", "Working hours after breach"),
        ],
        required=True,
        default="percent",
    )
    trigger_value = fields.Float(
        required=True,
        default=75.0,
        help="A percentage of the resolution time, or working hours after the "
        "deadline, depending on the trigger.",
    )
    notify_assignee = fields.Boolean(default=True)
    raise_priority = fields.Boolean()
    reassign_user_id = fields.Many2one("res.users", string="Reassign To")
    reassign_team_id = fields.Many2one("helpdesk.ticket.team", string="Move to Team")
    notify_manager = fields.Boolean(string="Notify Team Manager")
    email_customer = fields.Boolean()
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Customer Email",
        help="The status update sent to the customer.",
    )

    _sql_constraints = [
        (
            "level_uniq",
            "unique(policy_id, level)",
            "Each escalation level appears once per policy.",
        )
    ]

    @api.depends("level", "trigger", "trigger_value")
    def _compute_name(self):
        for escalation in self:
            if escalation.trigger == "percent":
                escalation.name = self.env._(
                    "Level %(level)s: %(value)s%% of the time used",
                    level=escalation.level,
                    value=escalation.trigger_value,
                )
            else:
                escalation.name = self.env._(
                    "Level %(level)s: %(value)s h after breach",
                    level=escalation.level,
                    value=escalation.trigger_value,
                )

    @api.constrains("trigger", "trigger_value", "email_customer", "mail_template_id")
    def _check_trigger(self):
        for escalation in self:
            if (
                escalation.trigger == "percent"
                and not 0 < escalation.trigger_value <= 100
            ):
                raise ValidationError(
                    self.env._(
                        "Escalation '%s': the share of time used must be between 0 "
                        "and 100 %%.",
                        escalation.name,
                    )
                )
            if escalation.trigger == "after_breach" and escalation.trigger_value < 0:
                raise ValidationError(
                    self.env._(
                        "Escalation '%s': hours after breach cannot be negative.",
                        escalation.name,
                    )
                )
            if escalation.email_customer and not escalation.mail_template_id:
                raise ValidationError(
                    self.env._(
                        "Escalation '%s' emails the customer: choose the email "
                        "template.",
                        escalation.name,
                    )
                )
