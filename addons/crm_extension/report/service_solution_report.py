# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models
from odoo.tools import SQL


class ServiceSolutionReport(models.Model):
    """Solved tickets and feedback, with an article or without one, and how
    long they took: does the knowledge base make resolution faster?"""

    _name = "service.solution.report"
    _inherit = "service.record.analysis"
    _description = "Resolution with and without Solutions"
    _auto = False

    date = fields.Datetime(string="Solved On", readonly=True)
    solution_id = fields.Many2one("service.solution", readonly=True)
    with_solution = fields.Selection(
        [("with", "With an Article"), ("without", "Without an Article")],
        string="Solved",
        readonly=True,
    )
    resolution_hours = fields.Float(
        string="Resolution Time (h)", aggregator="avg", readonly=True
    )

    def _select(self, table, model, solved_date, solved_condition, sign=""):
        return SQL(
            """
            SELECT
                %(sign)s t.id AS id,
                %(solved)s AS date,
                %(model)s AS res_model,
                t.solution_id AS solution_id,
                CASE WHEN t.solution_id IS NULL THEN 'without' ELSE 'with' END
                    AS with_solution,
                t.team_id AS team_id,
                p.commercial_partner_id AS partner_id,
                t.company_id AS company_id,
                1 AS record_count,
                GREATEST(
                    EXTRACT(EPOCH FROM (%(solved)s - t.create_date)) / 3600.0, 0
                ) AS resolution_hours
            FROM %(table)s t
            LEFT JOIN res_partner p ON p.id = t.partner_id
            WHERE %(condition)s
            """,
            sign=SQL(sign),
            solved=solved_date,
            model=model,
            table=SQL.identifier(table),
            condition=solved_condition,
        )

    def init(self):
        tickets = self._select(
            "helpdesk_ticket",
            "helpdesk.ticket",
            SQL("t.closed_date"),
            SQL("t.closed_date IS NOT NULL"),
        )
        feedback = self._select(
            "customer_feedback",
            "customer.feedback",
            SQL("t.resolved_date"),
            SQL("t.resolved_date IS NOT NULL AND t.state IN ('resolved', 'closed')"),
            sign="-",
        )
        self._create_view(tickets, feedback)
