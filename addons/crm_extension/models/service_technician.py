# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class ServiceTechnician(models.Model):
    """A field technician, with or without an Odoo login (contractors)."""

    _name = "service.technician"
    _description = "Service Technician"
    _inherit = ["mail.thread"]
    _order = "name"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    user_id = fields.Many2one("res.users", tracking=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Home Base",
        help="Where the technician starts: its coordinates feed the travel estimate.",
    )
    skill_ids = fields.Many2many("service.skill")
    zone_ids = fields.Many2many("service.zone", string="Zones")
    resource_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        default=lambda self: self.env.company.resource_calendar_id,
        required=True,
    )
    van_location_id = fields.Many2one(
        "stock.location",
        domain="[('usage', '=', 'internal')]",
        help="The stock location of the technician's van, for spare parts.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    color = fields.Integer()
    order_ids = fields.One2many("service.order", "technician_id")
    open_order_count = fields.Integer(compute="_compute_open_order_count")

    _sql_constraints = [
        (
            "user_company_uniq",
            "unique(user_id, company_id)",
            "This user is already a technician of the company.",
        )
    ]

    def _compute_open_order_count(self):
        counts = dict(
            self.env["service.order"]._read_group(
                [
                    ("technician_id", "in", self.ids),
                    ("state", "in", ("scheduled", "in_progress")),
                ],
                ["technician_id"],
                ["__count"],
            )
        )
        for technician in self:
            technician.open_order_count = counts.get(technician, 0)

    def action_view_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_extension.action_service_order"
        )
        action["domain"] = [("technician_id", "=", self.id)]
        action["context"] = {"default_technician_id": self.id}
        return action

    @api.model
    def _lock(self, technicians):
        """Lock the technicians' rows until the transaction ends, so bookings
        for one technician are checked one after the other.

        The rows are updated (not just selected FOR UPDATE): under Odoo's
        REPEATABLE READ isolation a second transaction that booked at the
        same time then fails with a serialization error instead of checking
        overlaps against a snapshot that misses the first booking; Odoo
        retries the request, and the retry sees the booking and refuses."""
        if technicians:
            self.env.cr.execute(
                "UPDATE service_technician SET write_date = write_date WHERE id IN %s",
                (tuple(technicians.ids),),
            )
