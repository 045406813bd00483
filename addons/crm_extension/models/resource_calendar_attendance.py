# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models


class ResourceCalendarAttendance(models.Model):
    """Working hours changed: the cached working intervals of service levels
    (``resource.calendar._crm_ext_month_intervals``) are out of date."""

    _inherit = "resource.calendar.attendance"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env["resource.calendar"]._crm_ext_clear_work_intervals()
        return records

    def write(self, vals):
        res = super().write(vals)
        self.env["resource.calendar"]._crm_ext_clear_work_intervals()
        return res

    def unlink(self):
        res = super().unlink()
        self.env["resource.calendar"]._crm_ext_clear_work_intervals()
        return res
