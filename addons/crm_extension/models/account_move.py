# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    # The customer figures (lifetime value) and the segments cron add up the
    # posted invoices of each customer: without it, a seq scan of all moves.
    commercial_partner_id = fields.Many2one(index=True)
