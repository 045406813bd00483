# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ServiceSlaEscalationLog(models.Model):
    """The escalation levels fired, one row per record and level: the cron
    inserts a row before it acts (see ``service.sla.mixin._sla_claim``), so a
    level never fires twice for the same record."""

    _name = "service.sla.escalation.log"
    _description = "Fired Escalation"
    _order = "id desc"

    res_model = fields.Char(required=True, index=True)
    res_id = fields.Many2oneReference(
        model_field="res_model", required=True, index=True
    )
    escalation_id = fields.Many2one(
        "service.sla.escalation", required=True, ondelete="cascade"
    )
    level = fields.Integer(related="escalation_id.level", store=True)
    # not stored: the rows are inserted in SQL by service.sla.mixin._sla_claim
    company_id = fields.Many2one(related="escalation_id.company_id")

    _sql_constraints = [
        (
            "record_level_uniq",
            "unique(res_model, res_id, escalation_id)",
            "An escalation level fires once per record.",
        )
    ]
