# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The booking rules of a service order.

A booked visit has an end after its start and a positive duration, starts
within the customer's window, falls inside its technician's working hours
and never overlaps another of their scheduled or running visits (checked
under a lock of the technician's row), and the technician has the skills
it needs.

The technicians' bookings are read by technician and start (the overlap
check, a day's route, the visits Auto-assign keeps fixed): a partial index
on (technician_id, scheduled_start) of the booked orders only serves them,
small however many orders are done."""

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from ..tools.locks import lock_rows
from .service_order import ACTIVE_STATES


class ServiceOrder(models.Model):
    _inherit = "service.order"

    def init(self):
        res = super().init()
        states = ", ".join(f"'{state}'" for state in ACTIVE_STATES)
        tools.create_index(
            self.env.cr,
            "service_order_booked_technician_start_index",
            self._table,
            ["technician_id", "scheduled_start"],
            where=f"state IN ({states})",
        )
        return res

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("technician_id", "scheduled_start", "scheduled_end", "state")
    def _check_technician_slot(self):
        booked = self.filtered(
            lambda o: o.technician_id and o.state in ACTIVE_STATES and o.scheduled_start
        )
        if not booked:
            return
        missing = booked.filtered(lambda o: not o.scheduled_end)
        if missing:
            raise ValidationError(
                self.env._("Order %s needs a scheduled end.", missing[0].name)
            )
        # bookings of one technician are checked one after the other: a
        # concurrent booking fails here and is retried, seeing this one
        lock_rows(booked.technician_id)
        self.flush_model(["technician_id", "scheduled_start", "scheduled_end", "state"])
        self.env.cr.execute(
            """
            SELECT a.id, b.name
              FROM service_order a
              JOIN service_order b
                ON b.technician_id = a.technician_id
               AND b.id != a.id
               AND b.state IN ('scheduled', 'in_progress')
               AND b.scheduled_start < a.scheduled_end
               AND a.scheduled_start < b.scheduled_end
             WHERE a.id IN %s
             LIMIT 1
            """,
            (tuple(booked.ids),),
        )
        clash = self.env.cr.fetchone()
        if clash:
            order = self.browse(clash[0])
            raise ValidationError(
                self.env._(
                    "%(technician)s is already booked on %(other)s at that time: "
                    "choose another slot or technician for %(order)s.",
                    technician=order.technician_id.name,
                    other=clash[1],
                    order=order.name,
                )
            )
        if not self.env.context.get("crm_ext_slots_checked"):
            booked._check_working_hours()
        for order in booked:
            missing_skills = order.required_skill_ids - order.technician_id.skill_ids
            if missing_skills:
                raise ValidationError(
                    self.env._(
                        "%(technician)s lacks the skills %(skills)s needed for "
                        "%(order)s.",
                        technician=order.technician_id.name,
                        skills=", ".join(missing_skills.mapped("name")),
                        order=order.name,
                    )
                )

    @api.constrains("window_start", "window_end")
    def _check_window(self):
        for order in self:
            if (
                order.window_start
                and order.window_end
                and order.window_end <= order.window_start
            ):
                raise ValidationError(
                    self.env._(
                        "The customer's window of %s must end after it starts.",
                        order.name,
                    )
                )

    def _check_working_hours(self):
        start = min(self.mapped("scheduled_start"))
        stop = max(self.mapped("scheduled_end"))
        intervals = self.technician_id._get_work_intervals(start, stop)
        for order in self:
            inside = any(
                begin <= order.scheduled_start and order.scheduled_end <= end
                for begin, end in intervals[order.technician_id]
            )
            if not inside:
                raise ValidationError(
                    self.env._(
                        "%(order)s is outside %(technician)s's working hours "
                        "(%(calendar)s) or during their time off.",
                        order=order.name,
                        technician=order.technician_id.name,
                        calendar=order.technician_id.resource_calendar_id.name,
                    )
                )

    @api.model
    def _check_schedule_values(self, vals):
        start, end = vals.get("scheduled_start"), vals.get("scheduled_end")
        if (
            start
            and end
            and fields.Datetime.to_datetime(end) <= (fields.Datetime.to_datetime(start))
        ):
            raise ValidationError(
                self.env._("The scheduled end must be after the scheduled start.")
            )
        if "duration_hours" in vals and (vals["duration_hours"] or 0) <= 0:
            raise ValidationError(self.env._("The planned duration must be positive."))
