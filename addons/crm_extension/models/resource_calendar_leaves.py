# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class ResourceCalendarLeaves(models.Model):
    _inherit = "resource.calendar.leaves"

    technician_id = fields.Many2one(
        "service.technician",
        index="btree_not_null",
        ondelete="cascade",
        help="The technician who is away: dispatch plans no visit for them then.",
    )
    resource_id = fields.Many2one(
        compute="_compute_resource_id", store=True, readonly=False
    )

    @api.depends("technician_id")
    def _compute_resource_id(self):
        for leave in self.filtered("technician_id"):
            leave.resource_id = leave.technician_id._ensure_resource().resource_id

    # A calendar-wide leave (a public holiday) changes the working intervals
    # cached for service levels (``resource.calendar``); a technician's or
    # an employee's own leave does not.
    @api.model_create_multi
    def create(self, vals_list):
        leaves = super().create(vals_list)
        leaves._crm_ext_clear_work_intervals()
        return leaves

    def write(self, vals):
        was_calendar_wide = self._crm_ext_any_calendar_wide()
        res = super().write(vals)
        if was_calendar_wide or self._crm_ext_any_calendar_wide():
            self.env["resource.calendar"]._crm_ext_clear_work_intervals()
        return res

    def unlink(self):
        self._crm_ext_clear_work_intervals()
        return super().unlink()

    def _crm_ext_any_calendar_wide(self):
        return any(not leave.resource_id for leave in self)

    def _crm_ext_clear_work_intervals(self):
        if self._crm_ext_any_calendar_wide():
            self.env["resource.calendar"]._crm_ext_clear_work_intervals()
