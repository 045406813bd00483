# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import hmac

# hits older than this are deleted by the daily vacuum, whatever the windows
KEEP_HOURS = 24


class CrmExtRateLimit(models.Model):
    """One accepted submission of a rate-limited public route.

    The hits live in the database, not in a worker's memory, so a limit holds
    across workers and restarts. The client address is stored as an HMAC with
    the database secret, never in clear."""

    _name = "crm.ext.rate.limit"
    _description = "Rate Limit Hit"
    _order = "id desc"

    key = fields.Char(required=True, index=True, readonly=True)
    date = fields.Datetime(
        required=True, default=fields.Datetime.now, index=True, readonly=True
    )

    @api.model
    def _key(self, scope, address):
        return f"{scope}:{hmac(self.env(su=True), 'crm_ext_rate_limit', address)}"

    @api.model
    def _is_limited(self, scope, address, limit, minutes):
        """Whether ``limit`` submissions of ``scope`` from ``address`` were
        accepted in the last ``minutes`` already. A limit of 0 never limits."""
        if limit <= 0:
            return False
        since = fields.Datetime.now() - timedelta(minutes=minutes)
        count = self.sudo().search_count(
            [("key", "=", self._key(scope, address)), ("date", ">=", since)]
        )
        return count >= limit

    @api.model
    def _record_hit(self, scope, address):
        """Count one accepted submission of ``scope`` from ``address``."""
        return self.sudo().create({"key": self._key(scope, address)})

    @api.autovacuum
    def _gc_hits(self):
        """Delete the hits older than any window (at least a day old)."""
        companies = self.env["res.company"].sudo().search([])
        hours = max(
            [KEEP_HOURS, *(c.feedback_rate_window_minutes / 60 for c in companies)]
        )
        self.env.cr.execute(
            SQL(
                "DELETE FROM crm_ext_rate_limit WHERE date < %s",
                fields.Datetime.now() - timedelta(hours=hours),
            )
        )
