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
