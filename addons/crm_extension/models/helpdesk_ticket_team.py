# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class HelpdeskTicketTeam(models.Model):
    _inherit = "helpdesk.ticket.team"

    rating_mail_template_id = fields.Many2one(
        "mail.template",
        string="Rating Email",
        domain="[('model', '=', 'helpdesk.ticket')]",
        help="The rating request sent when a ticket of this team reaches a "
        "stage that asks for a rating. Empty: the stage's template.",
    )
