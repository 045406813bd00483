# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date, datetime, time, timedelta

from odoo import api, models, tools

from ..tools.working_time import calendar_intervals_utc


def _next_month(month):
    """The first day of the month after ``month`` (a first day)."""
    return (month + timedelta(days=32)).replace(day=1)


class ResourceCalendar(models.Model):
    """Working intervals for service levels, computed once per calendar
    month: every ticket created in a day plans its deadlines on the same
    months, and the SLA cron measures the same past months night after
    night. The months are cleared whenever working hours or a calendar-wide
    leave (a public holiday) change."""

    _inherit = "resource.calendar"

    def _crm_ext_work_intervals(self, company, start, stop):
        """Working intervals between two naive UTC datetimes, the leaves and
        public holidays of ``company`` removed, as naive UTC pairs."""
        self.ensure_one()
        result = []
        month = date(start.year, start.month, 1)
        while datetime.combine(month, time.min) < stop:
            for begin, end in self._crm_ext_month_intervals(company.id, month):
                if end > start and begin < stop:
                    result.append((max(begin, start), min(end, stop)))
            month = _next_month(month)
        return result

    @tools.ormcache("self.id", "company_id", "month")
    def _crm_ext_month_intervals(self, company_id, month):
        """The working intervals of one calendar month (UTC), as a tuple.

        Computed as superuser on the company's leaves only, so that the
        cached months are the same whoever asks."""
        following = _next_month(month)
        return tuple(
            calendar_intervals_utc(
                self.sudo(),
                datetime.combine(month, time.min),
                datetime.combine(following, time.min),
                domain=[
                    ("time_type", "=", "leave"),
                    ("company_id", "in", [False, company_id]),
                ],
            )
        )

    @api.model
    def _crm_ext_clear_work_intervals(self):
        self.env.registry.clear_cache()

    def write(self, vals):
        res = super().write(vals)
        self._crm_ext_clear_work_intervals()
        return res

    def unlink(self):
        res = super().unlink()
        self._crm_ext_clear_work_intervals()
        return res
