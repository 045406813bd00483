# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL
from odoo.tools.sql import index_exists

from ..models.helpdesk_ticket import TICKET_INDEXES


@tagged("post_install", "-at_install")
class TestTicketScale(TransactionCase):
    """Guards of the ticket list and kanban at scale (scripts/bench_scale.py):
    their first page is read along an index in helpdesk_mgmt's order, so
    that neither sorts every ticket of its domain."""

    def _plan(self, query):
        cr = self.env.cr
        cr.execute("SET LOCAL enable_seqscan = off")
        cr.execute("SET LOCAL enable_sort = off")
        try:
            cr.execute(SQL("EXPLAIN (FORMAT JSON) %s", query))
            return json.dumps(cr.fetchone()[0])
        finally:
            cr.execute("SET LOCAL enable_seqscan = on")
            cr.execute("SET LOCAL enable_sort = on")

    def test_ticket_indexes_exist(self):
        for name, _expressions, _where in TICKET_INDEXES:
            self.assertTrue(index_exists(self.env.cr, name), name)

    def test_first_page_walks_the_order_index(self):
        """With sorting priced out, the first page of open tickets and of a
        kanban column is read along the order index: it matches _order."""
        Ticket = self.env["helpdesk.ticket"]
        self.assertEqual(Ticket._order, "priority desc, sequence, number desc, id desc")
        stage = self.env["helpdesk.ticket.stage"].search([], limit=1)
        for domain, limit in (
            ([("stage_id.closed", "=", False)], 80),
            ([("stage_id", "=", stage.id)], 40),
        ):
            query = Ticket._search(domain, limit=limit, order=Ticket._order)
            plan = self._plan(query.select())
            self.assertIn("helpdesk_ticket_crm_ext_order_index", plan)
            self.assertNotIn('"Node Type": "Sort"', plan)
