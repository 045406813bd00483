# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models, tools
from odoo.tools import SQL

# the records the service analyses cover: tickets and feedback
RECORD_KINDS = [("helpdesk.ticket", "Ticket"), ("customer.feedback", "Feedback")]


class ServiceRecordAnalysis(models.AbstractModel):
    """The dimensions shared by the analyses of tickets and feedback (SLA
    compliance, resolution with solutions): one row per record, newest
    first, by kind, team, customer and company."""

    _name = "service.record.analysis"
    _description = "Analysis of Tickets and Feedback"
    _order = "date desc"

    date = fields.Datetime(readonly=True)
    res_model = fields.Selection(RECORD_KINDS, string="Kind", readonly=True)
    team_id = fields.Many2one("helpdesk.ticket.team", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    record_count = fields.Integer(string="Count", aggregator="sum", readonly=True)

    def _create_view(self, tickets, feedback):
        """(Re)create the analysis' SQL view from the SELECT of the tickets
        and the one of the feedback, whose ids are negated (``sign="-"``) so
        that they never collide with ticket ids."""
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s UNION ALL %s)",
                SQL.identifier(self._table),
                tickets,
                feedback,
            )
        )
