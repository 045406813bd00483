# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models, tools


class CustomerSatisfactionReport(models.Model):
    """Ratings and NPS answers, by team, customer and month.

    ``nps_value`` is +100 for a promoter, 0 for a passive and -100 for a
    detractor (empty without an answer), so its average over any group is
    the Net Promoter Score: % promoters - % detractors."""

    _name = "customer.satisfaction.report"
    _description = "Satisfaction Analysis"
    _auto = False
    _order = "date desc"

    date = fields.Datetime(readonly=True)
    res_model = fields.Char(string="Document Model", readonly=True)
    res_name = fields.Char(string="Document", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    rated_partner_id = fields.Many2one(
        "res.partner", string="Rated Operator", readonly=True
    )
    team_id = fields.Many2one("helpdesk.ticket.team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    rating = fields.Float(string="Average Rating", aggregator="avg", readonly=True)
    rating_count = fields.Integer(string="Ratings", aggregator="sum", readonly=True)
    nps_value = fields.Float(string="NPS", aggregator="avg", readonly=True)
    nps_answer_count = fields.Integer(
        string="NPS Answers", aggregator="sum", readonly=True
    )
    promoter_count = fields.Integer(string="Promoters", aggregator="sum", readonly=True)
    detractor_count = fields.Integer(
        string="Detractors", aggregator="sum", readonly=True
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT
                    r.id AS id,
                    r.create_date AS date,
                    r.res_model AS res_model,
                    r.res_name AS res_name,
                    p.commercial_partner_id AS partner_id,
                    r.rated_partner_id AS rated_partner_id,
                    t.team_id AS team_id,
                    COALESCE(t.company_id, fb.company_id, so.company_id)
                        AS company_id,
                    r.rating AS rating,
                    1 AS rating_count,
                    CASE r.nps_category
                        WHEN 'promoter' THEN 100.0
                        WHEN 'passive' THEN 0.0
                        WHEN 'detractor' THEN -100.0
                    END AS nps_value,
                    CASE WHEN r.nps_answered THEN 1 ELSE 0 END AS nps_answer_count,
                    CASE WHEN r.nps_category = 'promoter' THEN 1 ELSE 0 END
                        AS promoter_count,
                    CASE WHEN r.nps_category = 'detractor' THEN 1 ELSE 0 END
                        AS detractor_count
                FROM rating_rating r
                LEFT JOIN res_partner p ON p.id = r.partner_id
                LEFT JOIN helpdesk_ticket t
                    ON r.res_model = 'helpdesk.ticket' AND t.id = r.res_id
                LEFT JOIN customer_feedback fb
                    ON r.res_model = 'customer.feedback' AND fb.id = r.res_id
                LEFT JOIN service_order so
                    ON r.res_model = 'service.order' AND so.id = r.res_id
                WHERE r.consumed AND r.rating > 0
            )
            """
        )
