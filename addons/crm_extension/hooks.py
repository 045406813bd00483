# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tools import SQL

from .models.helpdesk_ticket import TICKET_INDEXES


def uninstall_hook(env):
    """The indexes the module added to helpdesk_mgmt's ticket table go with it."""
    for name, _expressions, _where in TICKET_INDEXES:
        env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))
