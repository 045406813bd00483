# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Closing a ticket requests a rating: the closing stages of existing
    teams get the module's template (new installs do it in data)."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["helpdesk.ticket.team"]._init_rating_requests()
