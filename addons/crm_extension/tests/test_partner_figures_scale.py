# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from unittest.mock import patch

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL
from odoo.tools.sql import index_exists

# The 17 customer figures of the partner form.
FIGURES = [
    "helpdesk_ticket_count",
    "helpdesk_ticket_active_count",
    "helpdesk_ticket_count_string",
    "open_ticket_count",
    "lifetime_value",
    "service_revenue",
    "service_cost",
    "service_margin",
    "feedback_count",
    "complaint_count",
    "service_order_count",
    "equipment_count",
    "return_count",
    "satisfaction_avg",
    "rating_count",
    "nps",
    "last_interaction_date",
]
# Tables the figures read by customer: each must be reached through an index
# (scripts/bench_scale.py measures them at 50k to 1M tickets).
BY_CUSTOMER = {
    "helpdesk_ticket",
    "account_move",
    "rating_rating",
    "customer_feedback",
    "service_order",
    "customer_equipment",
    "service_return",
    "sale_order",
    "mail_message",
}
INDEX_SCANS = {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}
# Queries to read the figures, for any number of customers (record cache
# cleared, registry caches warm); the target is 20 at most.
FIGURE_QUERIES = 17


@tagged("post_install", "-at_install")
class TestPartnerFiguresScale(TransactionCase):
    """Guards of the figures' cost: the same query count for one partner and
    for many, and every query by customer on an index, so a change cannot
    silently bring back a per-partner query or a sequential scan."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.customers = Partner.create(
            [{"name": f"Scale customer {i}", "is_company": True} for i in range(30)]
        )
        cls.contacts = Partner.create(
            [
                {"name": f"Scale contact {i}", "parent_id": customer.id}
                for i, customer in enumerate(cls.customers)
            ]
        )
        cls.tickets = cls.env["helpdesk.ticket"].create(
            [
                {
                    "name": f"Scale ticket {i}",
                    "description": "Scale",
                    "partner_id": contact.id,
                }
                for i, contact in enumerate(cls.contacts | cls.customers)
            ]
        )
        cls.env["customer.feedback"].create(
            [
                {
                    "name": f"Scale feedback {i}",
                    "partner_id": contact.id,
                    "feedback_type": "complaint",
                }
                for i, contact in enumerate(cls.contacts)
            ]
        )
        cls.env["service.order"].create(
            [{"partner_id": customer.id} for customer in cls.customers]
        )
        cls.env["rating.rating"].create(
            [
                {
                    "res_model_id": cls.env["ir.model"]._get_id("helpdesk.ticket"),
                    "res_id": ticket.id,
                    "partner_id": ticket.partner_id.id,
                    "rating": 4,
                    "consumed": True,
                }
                for ticket in cls.tickets
            ]
        )
        cls.one = cls.customers[0]
        cls.contact = cls.contacts[0]

    def _read_figures(self, partners):
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        partners.read(FIGURES)
        return self.env.cr.sql_log_count - before

    def test_figures_query_count_one_and_many(self):
        self._read_figures(self.customers)  # warm the registry caches
        with self.assertQueryCount(FIGURE_QUERIES):
            one = self._read_figures(self.one)
        with self.assertQueryCount(FIGURE_QUERIES):
            many = self._read_figures(self.customers)
        self.assertEqual(one, many)
        self.assertEqual(self.one.helpdesk_ticket_count, 2)
        self.assertEqual(self.one.open_ticket_count, 2)
        self.assertEqual(self.contact.helpdesk_ticket_count, 1)
        self.assertEqual(self.contact.open_ticket_count, 2)
        self.assertEqual(self.one.rating_count, 2)

    def test_ticket_indexes_exist(self):
        for name in (
            "helpdesk_ticket__partner_id_index",
            "helpdesk_ticket__commercial_partner_id_index",
            "helpdesk_ticket__duplicate_id_index",
            "account_move__commercial_partner_id_index",
            "rating_rating__partner_id_index",
        ):
            self.assertTrue(index_exists(self.env.cr, name), name)

    def test_figure_queries_use_indexes(self):
        """EXPLAIN each query the figures send, with sequential scans priced
        out: a table read by customer must show an index condition (a full
        scan of an index would be a sequential scan in disguise)."""
        cr = self.env.cr
        queries = []
        execute = cr.execute

        def record(query, params=None, log_exceptions=True):
            queries.append((query, params))
            return execute(query, params, log_exceptions)

        self.env.invalidate_all()
        with patch.object(cr, "execute", record):
            self.one.read(FIGURES)
        cr.execute("SET LOCAL enable_seqscan = off")
        scans = []
        try:
            for query, params in queries:
                if isinstance(query, SQL):
                    cr.execute(SQL("EXPLAIN (FORMAT JSON) %s", query))
                else:
                    cr.execute(SQL(f"EXPLAIN (FORMAT JSON) {query}", *(params or ())))
                scans += self._scans(cr.fetchone()[0][0]["Plan"])
        finally:
            cr.execute("SET LOCAL enable_seqscan = on")
        read = {table for table, _node, _indexed in scans}
        self.assertLessEqual({"helpdesk_ticket", "account_move", "rating_rating"}, read)
        unindexed = sorted(
            f"{node} on {table}" for table, node, indexed in scans if not indexed
        )
        self.assertFalse(unindexed, "figures scan tables without an index")

    def _scans(self, plan):
        """(table, node type, reached by an index condition) of each scan of
        a table read by customer, in the plan and its sub-plans."""
        found = []
        table = plan.get("Relation Name")
        if table in BY_CUSTOMER:
            indexed = plan["Node Type"] in INDEX_SCANS and bool(
                plan.get("Index Cond") or plan.get("Recheck Cond")
            )
            found.append((table, plan["Node Type"], indexed))
        for child in plan.get("Plans", ()):
            found += self._scans(child)
        return found
