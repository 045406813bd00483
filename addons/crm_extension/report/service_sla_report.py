# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models
from odoo.tools import SQL

from ..models.service_sla_mixin import SLA_STATUSES


class ServiceSlaReport(models.Model):
    """SLA compliance of tickets and feedback by team, policy and month.

    ``compliance`` is 100 for a record whose resolution met its deadline and
    0 for a breached one (empty while still running), so its average over a
    group is the compliance rate in %."""

    _name = "service.sla.report"
    _inherit = "service.record.analysis"
    _description = "SLA Analysis"
    _auto = False

    date = fields.Datetime(string="Created", readonly=True)
    sla_policy_id = fields.Many2one("service.sla.policy", readonly=True)
    sla_status = fields.Selection(
        SLA_STATUSES,
        string="SLA Status",
        readonly=True,
    )
    compliance = fields.Float(string="Compliance (%)", aggregator="avg", readonly=True)
    breached_count = fields.Integer(string="Breached", aggregator="sum", readonly=True)
    sla_response_hours = fields.Float(
        string="Response Time (h)", aggregator="avg", readonly=True
    )
    sla_resolution_hours = fields.Float(
        string="Resolution Time (h)", aggregator="avg", readonly=True
    )

    def _select(self, table, model, closed_condition, sign=""):
        return SQL(
            """
            SELECT
                %(sign)s t.id AS id,
                t.create_date AS date,
                %(model)s AS res_model,
                t.team_id AS team_id,
                t.sla_policy_id AS sla_policy_id,
                p.commercial_partner_id AS partner_id,
                t.company_id AS company_id,
                t.sla_status AS sla_status,
                CASE
                    WHEN t.sla_status = 'met' THEN 100.0
                    WHEN t.sla_status = 'breached' AND %(closed)s THEN 0.0
                END AS compliance,
                1 AS record_count,
                CASE WHEN t.sla_status = 'breached' THEN 1 ELSE 0 END AS breached_count,
                NULLIF(t.sla_response_hours, 0) AS sla_response_hours,
                NULLIF(t.sla_resolution_hours, 0) AS sla_resolution_hours
            FROM %(table)s t
            LEFT JOIN res_partner p ON p.id = t.partner_id
            WHERE t.sla_policy_id IS NOT NULL
            """,
            sign=SQL(sign),
            model=model,
            closed=closed_condition,
            table=SQL.identifier(table),
        )

    def init(self):
        tickets = self._select(
            "helpdesk_ticket", "helpdesk.ticket", SQL("t.closed_date IS NOT NULL")
        )
        feedback = self._select(
            "customer_feedback",
            "customer.feedback",
            SQL("t.state IN ('resolved', 'closed', 'cancelled')"),
            sign="-",
        )
        self._create_view(tickets, feedback)
