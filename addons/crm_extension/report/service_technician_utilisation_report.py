# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models, tools
from odoo.tools import SQL


class ServiceTechnicianUtilisationReport(models.Model):
    """Booked hours against working hours, per technician and working day.

    Capacity is the technician's working calendar for that weekday (public
    holidays and leaves are not deducted); booked hours are the planned
    durations of the orders scheduled, in progress or done that day. The
    window runs from a year back to a month ahead."""

    _name = "service.technician.utilisation.report"
    _description = "Technician Utilisation"
    _auto = False
    _order = "date desc, technician_id"

    date = fields.Date(readonly=True)
    technician_id = fields.Many2one("service.technician", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    capacity_hours = fields.Float(aggregator="sum", readonly=True)
    booked_hours = fields.Float(aggregator="sum", readonly=True)
    order_count = fields.Integer(string="Orders", aggregator="sum", readonly=True)
    utilisation = fields.Float(
        string="Utilisation (%)",
        aggregator="avg",
        readonly=True,
        help="Booked hours over working hours of the day; its average over a "
        "group is the mean daily utilisation.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(view)s AS (
                    WITH days AS (
                        SELECT t.id AS technician_id, t.company_id,
                               t.resource_calendar_id AS calendar_id,
                               d::date AS day
                        FROM service_technician t
                        CROSS JOIN generate_series(
                            CURRENT_DATE - 365, CURRENT_DATE + 30, '1 day'
                        ) d
                        WHERE t.active
                    ),
                    capacity AS (
                        SELECT days.technician_id, days.company_id, days.day,
                               SUM(a.hour_to - a.hour_from) AS hours
                        FROM days
                        JOIN resource_calendar_attendance a
                          ON a.calendar_id = days.calendar_id
                         AND a.dayofweek::int = EXTRACT(ISODOW FROM days.day) - 1
                         AND a.display_type IS NULL
                         AND COALESCE(a.day_period, '') != 'lunch'
                         AND (a.date_from IS NULL OR a.date_from <= days.day)
                         AND (a.date_to IS NULL OR a.date_to >= days.day)
                        GROUP BY days.technician_id, days.company_id, days.day
                    ),
                    booked AS (
                        SELECT o.technician_id,
                               (o.scheduled_start AT TIME ZONE 'UTC'
                                AT TIME ZONE COALESCE(c.tz, 'UTC'))::date AS day,
                               SUM(o.duration_hours) AS hours,
                               COUNT(*) AS orders
                        FROM service_order o
                        JOIN service_technician t ON t.id = o.technician_id
                        LEFT JOIN resource_calendar c
                          ON c.id = t.resource_calendar_id
                        WHERE o.state IN ('scheduled', 'in_progress', 'done')
                          AND o.scheduled_start IS NOT NULL
                        GROUP BY 1, 2
                    )
                    SELECT
                        (cap.technician_id * 100000
                            + (cap.day - DATE '2000-01-01'))::int AS id,
                        cap.day AS date,
                        cap.technician_id,
                        cap.company_id,
                        cap.hours AS capacity_hours,
                        COALESCE(b.hours, 0) AS booked_hours,
                        COALESCE(b.orders, 0) AS order_count,
                        100.0 * COALESCE(b.hours, 0) / cap.hours AS utilisation
                    FROM capacity cap
                    LEFT JOIN booked b
                      ON b.technician_id = cap.technician_id AND b.day = cap.day
                    WHERE cap.hours > 0
                )
                """,
                view=SQL.identifier(self._table),
            )
        )
