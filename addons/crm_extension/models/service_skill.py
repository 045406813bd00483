# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ServiceSkill(models.Model):
    _name = "service.skill"
    _description = "Service Skill"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    color = fields.Integer()

    _sql_constraints = [("name_uniq", "unique(name)", "This skill already exists.")]
