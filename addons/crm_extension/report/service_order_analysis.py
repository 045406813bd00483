# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.service_order import ORDER_STATES, SERVICE_TYPES

# A done order is fixed the first time when no other order follows it on the
# same equipment (or, without equipment, for the same customer) within:
FOLLOW_UP_DAYS = 30


class ServiceOrderAnalysis(models.Model):
    """Service orders for management: first-time-fix rate, planned against
    worked hours, revenue and margin, by technician, type and month.

    ``first_time_fix`` is 100 for a done order with no follow-up order within
    30 days and 0 for one with a follow-up (empty while not done), so its
    average over a group is the first-time-fix rate in %."""

    _name = "service.order.analysis"
    _description = "Service Order Analysis"
    _auto = False
    _order = "date desc"

    date = fields.Datetime(string="Done On", readonly=True)
    scheduled_start = fields.Datetime(readonly=True)
    order_id = fields.Many2one("service.order", readonly=True)
    technician_id = fields.Many2one("service.technician", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    equipment_id = fields.Many2one("customer.equipment", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    service_type = fields.Selection(SERVICE_TYPES, readonly=True)
    state = fields.Selection(ORDER_STATES, readonly=True)
    first_time_fix = fields.Float(
        string="First-Time Fix (%)", aggregator="avg", readonly=True
    )
    follow_up_count = fields.Integer(
        string="Follow-up Orders", aggregator="sum", readonly=True
    )
    order_count = fields.Integer(string="Orders", aggregator="sum", readonly=True)
    planned_hours = fields.Float(aggregator="sum", readonly=True)
    worked_hours = fields.Float(aggregator="sum", readonly=True)
    revenue = fields.Float(aggregator="sum", readonly=True)
    cost = fields.Float(aggregator="sum", readonly=True)
    margin = fields.Float(aggregator="sum", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(view)s AS (
                    SELECT
                        o.id AS id,
                        o.date_done AS date,
                        o.scheduled_start AS scheduled_start,
                        o.id AS order_id,
                        o.technician_id AS technician_id,
                        o.commercial_partner_id AS partner_id,
                        o.equipment_id AS equipment_id,
                        o.company_id AS company_id,
                        o.service_type AS service_type,
                        o.state AS state,
                        CASE
                            WHEN o.state != 'done' THEN NULL
                            WHEN f.follow_ups > 0 THEN 0.0
                            ELSE 100.0
                        END AS first_time_fix,
                        COALESCE(f.follow_ups, 0) AS follow_up_count,
                        1 AS order_count,
                        o.duration_hours AS planned_hours,
                        CASE WHEN o.date_done IS NOT NULL
                            AND o.date_started IS NOT NULL
                            THEN EXTRACT(EPOCH FROM o.date_done - o.date_started)
                                / 3600.0
                        END AS worked_hours,
                        COALESCE(o.amount_charged, 0) AS revenue,
                        COALESCE(o.amount_cost, 0) AS cost,
                        COALESCE(o.amount_margin, 0) AS margin
                    FROM service_order o
                    LEFT JOIN LATERAL (
                        SELECT COUNT(*) AS follow_ups
                        FROM service_order n
                        WHERE o.state = 'done'
                          AND n.id != o.id
                          AND n.state != 'cancelled'
                          AND n.service_type != 'maintenance'
                          AND n.create_date > o.date_done
                          AND n.create_date <= o.date_done
                              + make_interval(days => %(days)s)
                          AND CASE
                              WHEN o.equipment_id IS NOT NULL
                                  THEN n.equipment_id = o.equipment_id
                              ELSE n.commercial_partner_id = o.commercial_partner_id
                          END
                    ) f ON TRUE
                )
                """,
                view=SQL.identifier(self._table),
                days=FOLLOW_UP_DAYS,
            )
        )
