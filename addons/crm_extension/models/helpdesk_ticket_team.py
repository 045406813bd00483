# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class HelpdeskTicketTeam(models.Model):
    _inherit = "helpdesk.ticket.team"

    rating_request = fields.Boolean(
        string="Request a Rating",
        default=True,
        help="When a ticket of this team reaches a stage that asks for a "
        "rating, the customer gets the rating request. Off: no request for "
        "this team's tickets.",
    )
    rating_mail_template_id = fields.Many2one(
        "mail.template",
        string="Rating Email",
        domain="[('model', '=', 'helpdesk.ticket')]",
        help="The rating request sent when a ticket of this team reaches a "
        "stage that asks for a rating. Empty: the stage's template.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        teams = super().create(vals_list)
        teams._set_closing_stage_rating_template()
        return teams

    def _set_closing_stage_rating_template(self):
        """The closing stage of each team (its first closed stage by
        sequence) sends the module's rating request when it sends none. On
        no team: the default closing stage, which every new team gets."""
        template = self.env.ref(
            "crm_extension.mail_template_ticket_rating_request",
            raise_if_not_found=False,
        )
        if not template:
            return
        stages = self.env["helpdesk.ticket.stage"]
        for team in self.filtered("rating_request") if self else [self]:
            stages |= team._get_applicable_stages().filtered("closed")[:1]
        # stages are shared configuration: set as superuser, for the teams
        # the caller was allowed to create
        stages.filtered(lambda s: not s.rating_mail_template_id).sudo().write(
            {"rating_mail_template_id": template.id}
        )

    @api.model
    def _init_rating_requests(self):
        """At install (and upgrade to 18.0.1.6.0): the closing stages of the
        teams request a rating."""
        self.sudo().with_context(active_test=False).search(
            []
        )._set_closing_stage_rating_template()
