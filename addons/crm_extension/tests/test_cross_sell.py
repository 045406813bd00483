# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged


class InvoiceMixin:
    @classmethod
    def _invoice(cls, partner, lines, move_type="out_invoice", days_ago=0):
        """A posted customer invoice (or refund) of ``lines``: [(product,
        quantity, unit price)], dated ``days_ago`` days ago, without taxes."""
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": cls.today - timedelta(days=days_ago),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "quantity": quantity,
                            "price_unit": price,
                            "tax_ids": [Command.clear()],
                        }
                    )
                    for product, quantity, price in lines
                ],
            }
        )
        move.action_post()
        return move


@tagged("post_install", "-at_install")
class TestProductAssociations(InvoiceMixin, TransactionCase):
    """Five customers, four products, hand-computed support, confidence and
    lift; cross-sell suggestions and opportunities from them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        cls.company = cls.env.company
        Product = cls.env["product.product"]
        cls.a, cls.b, cls.c, cls.d = Product.create(
            [
                {"name": f"Product {name}", "type": "consu", "list_price": 10.0}
                for name in "ABCD"
            ]
        )
        Partner = cls.env["res.partner"]
        cls.k1, cls.k2, cls.k3, cls.k4, cls.k5, cls.k6 = Partner.create(
            [{"name": f"Customer {i}", "is_company": True} for i in range(1, 7)]
        )
        cls.k4_contact = Partner.create(
            {"name": "Kim Four", "parent_id": cls.k4.id, "email": "kim@four.test"}
        )
        # K1: A B; K2: A B C (A twice); K3: A C; K4: B (invoiced to its
        # contact); K5: C, and D fully refunded; K6: A B three years ago.
        cls._invoice(cls.k1, [(cls.a, 1, 10), (cls.b, 2, 10)])
        cls._invoice(cls.k2, [(cls.a, 1, 10), (cls.b, 1, 10)], days_ago=100)
        cls._invoice(cls.k2, [(cls.a, 3, 10), (cls.c, 1, 10)], days_ago=10)
        cls._invoice(cls.k3, [(cls.a, 1, 10), (cls.c, 1, 10)])
        cls._invoice(cls.k4_contact, [(cls.b, 1, 10)])
        cls._invoice(cls.k5, [(cls.c, 1, 10), (cls.d, 2, 10)], days_ago=30)
        cls._invoice(cls.k5, [(cls.d, 2, 10)], move_type="out_refund", days_ago=20)
        cls._invoice(cls.k6, [(cls.a, 1, 10), (cls.b, 1, 10)], days_ago=3 * 365)
        cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.k6.id,
                "invoice_date": cls.today,
                "invoice_line_ids": [Command.create({"product_id": cls.d.id})],
            }
        )  # a draft: does not count
        cls.company.write({"cross_sell_min_customers": 2, "cross_sell_min_lift": 1.0})
        cls.Association = cls.env["sale.product.association"]

    def _associations(self):
        return {
            (row.product_id, row.associated_product_id): row
            for row in self.Association.search([("company_id", "=", self.company.id)])
        }

    def test_figures_match_hand_computation(self):
        # N = 5 customers (K1-K5); n(A) = 3, n(B) = 3, n(C) = 3, n(D) = 0;
        # n(A, B) = 2 (K1, K2), n(A, C) = 2 (K2, K3), n(B, C) = 1 (K2).
        count = self.Association._compute_associations(self.company)
        rows = self._associations()
        self.assertEqual(count, 4)
        self.assertEqual(
            set(rows),
            {(self.a, self.b), (self.b, self.a), (self.a, self.c), (self.c, self.a)},
        )
        for pair in rows:
            row = rows[pair]
            with self.subTest(pair=pair):
                self.assertEqual(row.customer_count, 5)
                self.assertEqual(row.pair_count, 2)
                self.assertEqual(row.product_customer_count, 3)
                self.assertEqual(row.associated_customer_count, 3)
                self.assertAlmostEqual(row.support, 2 / 5)
                self.assertAlmostEqual(row.confidence, 2 / 3)
                # (2/3) / (3/5) = 10/9
                self.assertAlmostEqual(row.lift, 10 / 9)

    def test_thresholds_are_settings(self):
        self.company.write({"cross_sell_min_customers": 1, "cross_sell_min_lift": 0})
        self.assertEqual(self.Association._compute_associations(self.company), 6)
        weak = self._associations()[(self.b, self.c)]
        self.assertEqual(weak.pair_count, 1)
        self.assertAlmostEqual(weak.support, 1 / 5)
        self.assertAlmostEqual(weak.confidence, 1 / 3)
        # (1/3) / (3/5) = 5/9
        self.assertAlmostEqual(weak.lift, 5 / 9)
        self.company.cross_sell_min_customers = 3
        self.assertEqual(self.Association._compute_associations(self.company), 0)

    def test_bad_thresholds(self):
        with self.assertRaises(ValidationError) as error:
            self.company.cross_sell_min_customers = 0
        self.assertIn("must be at least 1 (got 0)", str(error.exception))
        with self.assertRaises(ValidationError) as error:
            self.company.cross_sell_min_lift = -1
        self.assertIn("cannot be negative (got -1.0)", str(error.exception))

    def test_recompute_replaces_the_company_rows(self):
        self.Association._compute_associations(self.company)
        other = self.env["res.company"].create({"name": "Other Co"})
        self.Association.create(
            {
                "product_id": self.a.id,
                "associated_product_id": self.d.id,
                "company_id": other.id,
                "lift": 3.0,
            }
        )
        self._invoice(self.k4, [(self.c, 1, 10)])
        # K4 now buys B and C: n(C) = 4, so lift(A, C) = 2 * 5 / (3 * 4) and
        # lift(B, C) = 2 * 5 / (3 * 4) are below 1; A-B stays at 10/9.
        self.assertEqual(self.Association._compute_associations(self.company), 2)
        rows = self._associations()
        self.assertEqual(set(rows), {(self.a, self.b), (self.b, self.a)})
        self.assertAlmostEqual(rows[(self.a, self.b)].lift, 10 / 9)
        self.assertEqual(
            self.Association.search_count([("company_id", "=", other.id)]), 1
        )

    def test_nightly_cron_refreshes_associations(self):
        self.env["res.partner"]._cron_compute_customer_segments()
        self.assertEqual(len(self._associations()), 4)

    def test_cross_sell_products(self):
        self.Association._compute_associations(self.company)
        # K1 buys A B -> C (A->C); K3 buys A C -> B; K4 buys B -> A;
        # K2 buys everything associated; K6 bought too long ago.
        self.assertEqual(self.k1.cross_sell_product_ids, self.c)
        self.assertEqual(self.k3.cross_sell_product_ids, self.b)
        self.assertEqual(self.k4.cross_sell_product_ids, self.a)
        self.assertEqual(self.k4_contact.cross_sell_product_ids, self.a)
        self.assertFalse(self.k2.cross_sell_product_ids)
        self.assertFalse(self.k6.cross_sell_product_ids)
        suggestion = self.k4.cross_sell_association_ids
        self.assertEqual(suggestion.product_id, self.b)
        self.assertAlmostEqual(suggestion.lift, 10 / 9)

    def test_cross_sell_ranks_by_best_lift(self):
        self.company.write({"cross_sell_min_customers": 1, "cross_sell_min_lift": 0})
        self.Association._compute_associations(self.company)
        # K4 buys B: B->A (10/9) before B->C (5/9)
        self.assertEqual(self.k4.cross_sell_product_ids.ids, [self.a.id, self.c.id])
        self.a.active = False
        self.k4.invalidate_recordset(["cross_sell_product_ids"])
        self.assertEqual(self.k4.cross_sell_product_ids, self.c)

    def _queries_to_read_cross_sell(self, partners):
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        partners.read(["cross_sell_product_ids", "cross_sell_association_ids"])
        return self.env.cr.sql_log_count - before

    def test_cross_sell_query_count_does_not_grow(self):
        self.Association._compute_associations(self.company)
        many = self.env["res.partner"].create(
            [{"name": f"Buyer {i}", "is_company": True} for i in range(46)]
        )
        partners = self.k1 | self.k2 | self.k3 | self.k4 | many
        self._queries_to_read_cross_sell(partners)
        one = min(self._queries_to_read_cross_sell(self.k1) for _i in range(2))
        fifty = min(self._queries_to_read_cross_sell(partners) for _i in range(2))
        self.assertEqual(len(partners), 50)
        self.assertEqual(one, fifty)
        with self.assertQueryCount(one):
            self.env.invalidate_all()
            partners.read(["cross_sell_product_ids", "cross_sell_association_ids"])

    def test_cross_sell_opportunity_once(self):
        self.Association._compute_associations(self.company)
        tag = self.env.ref("crm_extension.crm_tag_cross_sell")
        lead_id = self.k4.action_create_cross_sell_opportunity(self.a.id)
        lead = self.env["crm.lead"].browse(lead_id)
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.partner_id, self.k4)
        self.assertEqual(lead.cross_sell_product_id, self.a)
        self.assertEqual(lead.tag_ids, tag)
        self.assertEqual(lead.cross_sell_outcome, "open")
        self.assertEqual(lead.name, "Cross-sell: Product A")
        self.assertIn("buys Product B: 67% of its customers", str(lead.description))
        # a second click, from the customer or its contact: the same one
        self.assertEqual(
            self.k4.action_create_cross_sell_opportunity(self.a.id), lead_id
        )
        self.assertEqual(
            self.k4_contact.action_create_cross_sell_opportunity(self.a.id), lead_id
        )
        leads = self.env["crm.lead"].with_context(active_test=False)
        self.assertEqual(
            leads.search_count([("cross_sell_product_id", "=", self.a.id)]), 1
        )
        # once lost, the next click makes a new one; the outcome is reported
        lead.action_set_lost()
        self.assertEqual(lead.cross_sell_outcome, "lost")
        second_id = self.k4.action_create_cross_sell_opportunity(self.a.id)
        self.assertNotEqual(second_id, lead_id)
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        leads.browse(second_id).stage_id = won_stage
        self.assertEqual(leads.browse(second_id).cross_sell_outcome, "won")
        groups = leads._read_group(
            [("cross_sell_product_id", "!=", False)],
            ["cross_sell_product_id", "cross_sell_outcome"],
            ["__count"],
        )
        self.assertEqual(
            sorted((p.id, o, n) for p, o, n in groups),
            [(self.a.id, "lost", 1), (self.a.id, "won", 1)],
        )

    def test_cross_sell_button_of_a_suggestion(self):
        self.Association._compute_associations(self.company)
        salesman = new_test_user(
            self.env, login="xsell_sales", groups="sales_team.group_sale_salesman"
        )
        suggestion = self.k4.with_user(salesman).cross_sell_association_ids
        action = suggestion.with_context(
            cross_sell_partner_id=self.k4.id
        ).action_create_opportunity()
        self.assertEqual(action["res_model"], "crm.lead")
        lead = self.env["crm.lead"].browse(action["res_id"])
        self.assertEqual(lead.cross_sell_product_id, self.a)
        with self.assertRaises(UserError) as error:
            suggestion.action_create_opportunity()
        self.assertIn("Open the customer's form", str(error.exception))

    def test_cross_sell_opportunity_of_a_missing_product(self):
        with self.assertRaises(UserError) as error:
            self.k4.action_create_cross_sell_opportunity(999_999_999)
        self.assertIn("Product 999999999 does not exist", str(error.exception))


@tagged("post_install", "-at_install")
class TestRfm(InvoiceMixin, TransactionCase):
    """Five customers whose recency, frequency and amount each rank them
    differently: each gets its own quintile, and its segment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        Product = cls.env["product.product"]
        cls.product, cls.other = Product.create(
            [
                {"name": "Boiler service", "type": "service"},
                {"name": "Filter", "type": "consu"},
            ]
        )
        Partner = cls.env["res.partner"]
        names = ("Old Big", "Newcomer", "Champion", "Sleeper", "Regular", "Draft")
        cls.old_big, cls.newcomer, cls.champion, cls.sleeper, cls.regular, cls.draft = (
            Partner.create([{"name": name, "is_company": True} for name in names])
        )
        cls.regular_contact = Partner.create(
            {"name": "Rita Regular", "parent_id": cls.regular.id}
        )
        p = cls.product
        # last invoice (days ago), invoices, amount:
        # Old Big 400 d, 5, 5000; Newcomer 5 d, 1, 100; Champion 20 d, 4, 4000;
        # Sleeper 300 d, 2, 200; Regular 100 d, 3, 3000 - 500 refunded.
        for days in (400, 450, 500, 550, 600):
            cls._invoice(cls.old_big, [(p, 1, 1000)], days_ago=days)
        cls._invoice(cls.newcomer, [(p, 1, 100), (cls.other, 1, 0)], days_ago=5)
        # three years ago: outside the window
        cls._invoice(cls.newcomer, [(p, 1, 100000)], days_ago=3 * 365)
        for days in (20, 60, 90, 120):
            cls._invoice(cls.champion, [(p, 1, 1000)], days_ago=days)
        for days in (300, 350):
            cls._invoice(cls.sleeper, [(p, 1, 100)], days_ago=days)
        for days in (100, 150, 200):
            cls._invoice(cls.regular_contact, [(p, 1, 1000)], days_ago=days)
        cls._invoice(cls.regular, [(p, 1, 500)], move_type="out_refund", days_ago=90)
        cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.draft.id,
                "invoice_date": cls.today,
                "invoice_line_ids": [Command.create({"product_id": p.id})],
            }
        )

    def test_quintiles(self):
        scores = self.env["res.partner"]._crm_ext_rfm_scores()
        self.assertEqual(
            scores,
            {
                self.old_big.id: (1, 5, 5, 1),
                self.newcomer.id: (5, 1, 1, 2),
                self.champion.id: (4, 4, 4, 1),
                self.sleeper.id: (2, 2, 2, 1),
                self.regular.id: (3, 3, 3, 1),
            },
        )

    def test_segments_written_by_the_nightly_cron(self):
        self.env["res.partner"]._cron_compute_customer_segments()
        expected = {
            self.old_big: ("at_risk", 1, 5, 5),
            self.newcomer: ("new", 5, 1, 1),
            self.champion: ("champions", 4, 4, 4),
            self.sleeper: ("hibernating", 2, 2, 2),
            self.regular: ("loyal", 3, 3, 3),
            self.regular_contact: ("loyal", 3, 3, 3),
        }
        for partner, (segment, r, f, m) in expected.items():
            with self.subTest(partner=partner.name):
                self.assertEqual(partner.rfm_segment, segment)
                self.assertEqual(
                    (partner.rfm_recency, partner.rfm_frequency, partner.rfm_monetary),
                    (r, f, m),
                )
        self.assertEqual(self.newcomer.purchased_product_count, 2)
        self.assertFalse(self.draft.rfm_segment)
        self.assertEqual(self.draft.rfm_recency, 0)
        # a customer whose invoices leave the window is cleared
        self.env.cr.execute(
            "UPDATE account_move SET invoice_date = invoice_date - 800 "
            "WHERE commercial_partner_id = %s",
            (self.sleeper.id,),
        )
        self.env.invalidate_all()
        self.env["res.partner"]._crm_ext_refresh_rfm()
        self.assertFalse(self.sleeper.rfm_segment)
        self.assertEqual(self.sleeper.rfm_monetary, 0)

    def test_segment_rules(self):
        segment = self.env["res.partner"]._crm_ext_rfm_segment
        self.assertEqual(segment(5, 4, 4), "champions")
        self.assertEqual(segment(4, 3, 5), "champions")
        self.assertEqual(segment(5, 2, 5), "new")
        self.assertEqual(segment(4, 1, 1), "new")
        self.assertEqual(segment(4, 3, 1), "loyal")
        self.assertEqual(segment(3, 3, 3), "loyal")
        self.assertEqual(segment(3, 2, 3), "hibernating")
        self.assertEqual(segment(2, 5, 1), "at_risk")
        self.assertEqual(segment(1, 2, 3), "hibernating")

    def test_rfm_query_count_does_not_grow(self):
        many = self.env["res.partner"].create(
            [{"name": f"Buyer {i}", "is_company": True} for i in range(45)]
        )
        partners = (
            self.old_big | self.newcomer | self.champion | self.sleeper | self.regular
        ) | many
        self.assertEqual(len(partners), 50)
        Partner = self.env["res.partner"]
        Partner._crm_ext_rfm_scores(self.old_big.ids)
        with self.assertQueryCount(1):
            one = Partner._crm_ext_rfm_scores(self.old_big.ids)
        with self.assertQueryCount(1):
            fifty = Partner._crm_ext_rfm_scores(partners.ids)
        self.assertEqual(one, {self.old_big.id: (1, 5, 5, 1)})
        self.assertEqual(len(fifty), 5)
