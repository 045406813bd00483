# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from .common import render_pdf_text


@tagged("post_install", "-at_install")
class TestCustomer360(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        cls.product = cls.env["product.product"].create(
            {"name": "Service visit", "type": "service", "list_price": 100.0}
        )
        Partner = cls.env["res.partner"]
        cls.big = Partner.create({"name": "Big Customer", "is_company": True})
        cls.big_contact = Partner.create({"name": "Ann Big", "parent_id": cls.big.id})
        cls.mid = Partner.create({"name": "Mid Customer", "is_company": True})
        cls.old = Partner.create({"name": "Old Customer", "is_company": True})
        long_ago = cls.today - timedelta(days=400)
        cls._invoice(cls.big, 1000.0)
        cls._invoice(cls.big_contact, 500.0)
        cls._invoice(cls.big, 200.0, move_type="out_refund")
        cls._invoice(cls.mid, 300.0)
        cls._invoice(cls.old, 100.0, invoice_date=long_ago)
        # Old Customer's only interaction is 400 days old: its partner creation
        # date is a notification, not an interaction.
        cls.ticket = cls.env["helpdesk.ticket"].create(
            {
                "name": "Broken unit",
                "description": "It does not start",
                "partner_id": cls.big_contact.id,
            }
        )
        cls.old_ticket = cls.env["helpdesk.ticket"].create(
            {"name": "Old issue", "description": "Old", "partner_id": cls.old.id}
        )
        cls.env.cr.execute(
            "UPDATE helpdesk_ticket SET create_date = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(days=400), cls.old_ticket.id),
        )
        cls._rate(cls.ticket, cls.big_contact, 5)
        cls._rate(cls.ticket, cls.big_contact, 2)
        cls._rate(cls.old_ticket, cls.old, 1)
        cls.env.invalidate_all()

    @classmethod
    def _invoice(cls, partner, amount, move_type="out_invoice", invoice_date=None):
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": invoice_date or cls.today,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        move.action_post()
        return move

    @classmethod
    def _rate(cls, record, partner, value):
        return cls.env["rating.rating"].create(
            {
                "res_model_id": cls.env["ir.model"]._get_id(record._name),
                "res_id": record.id,
                "partner_id": partner.id,
                "rating": value,
                "consumed": True,
            }
        )

    def test_lifetime_value_is_invoices_minus_refunds(self):
        # 1000 + 500 (invoiced to a contact) - 200 refunded
        self.assertEqual(self.big.lifetime_value, 1300.0)
        self.assertEqual(self.big_contact.lifetime_value, 1300.0)
        self.assertEqual(self.mid.lifetime_value, 300.0)
        self.assertEqual(self.old.lifetime_value, 100.0)

    def test_draft_invoices_do_not_count(self):
        draft = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.mid.id,
                "invoice_line_ids": [
                    Command.create({"product_id": self.product.id, "price_unit": 999})
                ],
            }
        )
        self.assertEqual(draft.state, "draft")
        self.assertEqual(self.mid.lifetime_value, 300.0)

    def test_satisfaction_average_of_last_12_months(self):
        self.assertEqual(self.big.rating_count, 2)
        self.assertAlmostEqual(self.big.satisfaction_avg, 3.5)
        self.assertEqual(self.mid.rating_count, 0)
        self.assertEqual(self.mid.satisfaction_avg, 0.0)

    def test_nps_of_last_12_months(self):
        ratings = self.env["rating.rating"].search(
            [("partner_id", "=", self.big_contact.id)], order="id"
        )
        # NPS answers 10 (promoter) and 3 (detractor) on Big's two ratings
        ratings[0].write({"nps_answered": True, "nps_score": 10})
        ratings[1].write({"nps_answered": True, "nps_score": 3})
        self.big.invalidate_recordset()
        self.assertEqual(self.big.nps, 0.0)
        ratings[1].write({"nps_score": 9})
        self.big.invalidate_recordset()
        self.assertEqual(self.big.nps, 100.0)
        self.assertEqual(self.mid.nps, 0.0)

    def test_last_interaction_date(self):
        self.assertEqual(self.big.last_interaction_date.date(), self.today)
        self.assertLess(
            self.old.last_interaction_date,
            fields.Datetime.now() - timedelta(days=399),
        )

    def test_service_revenue_cost_and_margin(self):
        self.product.standard_price = 40.0
        Order = self.env["service.order"]
        orders = Order.create(
            [
                {"partner_id": self.big_contact.id},
                {"partner_id": self.big.id},
                {"partner_id": self.big.id},
            ]
        )
        lines = [
            (orders[0], {"quantity": 2}),
            (orders[1], {"quantity": 1}),
            (orders[1], {"quantity": 1, "chargeable": False}),
            (orders[2], {"quantity": 5}),
        ]
        self.env["service.order.line"].create(
            [
                {
                    "order_id": order.id,
                    "line_type": "labour",
                    "product_id": self.product.id,
                    **vals,
                }
                for order, vals in lines
            ]
        )
        (orders[0] | orders[1]).write({"state": "done"})
        (self.big | self.big_contact | self.mid).invalidate_recordset()
        # done orders only: 3 charged hours at 100; 4 hours at cost 40
        self.assertEqual(self.big.service_revenue, 300.0)
        self.assertEqual(self.big.service_cost, 160.0)
        self.assertEqual(self.big.service_margin, 140.0)
        self.assertEqual(self.big_contact.service_margin, 140.0)
        self.assertEqual(self.mid.service_revenue, 0.0)

    def test_service_order_counter(self):
        self.env["service.order"].create(
            [
                {"partner_id": self.big_contact.id},
                {"partner_id": self.big.id},
                {"partner_id": self.mid.id},
            ]
        )
        (self.big | self.big_contact | self.mid | self.old).invalidate_recordset()
        self.assertEqual(self.big.service_order_count, 2)
        self.assertEqual(self.big_contact.service_order_count, 2)
        self.assertEqual(self.mid.service_order_count, 1)
        self.assertEqual(self.old.service_order_count, 0)

    def test_ticket_counters_are_set_wise(self):
        self.assertEqual(self.big.helpdesk_ticket_count, 1)
        self.assertEqual(self.big.helpdesk_ticket_active_count, 1)
        self.assertEqual(self.big.open_ticket_count, 1)
        self.assertEqual(self.big_contact.helpdesk_ticket_count, 1)
        self.assertEqual(self.mid.helpdesk_ticket_count, 0)
        self.assertEqual(self.mid.helpdesk_ticket_count_string, "0 / 0")

    def test_pareto_segments_and_churn(self):
        self.env["res.partner"]._cron_compute_customer_segments()
        # 12-month revenue: Big 1300, Mid 300 (total 1600); Old 0.
        # Big starts at 0 % < 80 % -> A; Mid starts at 81.25 % -> B; Old -> C.
        self.assertEqual(self.big.customer_segment, "A")
        self.assertEqual(self.big_contact.customer_segment, "A")
        self.assertEqual(self.mid.customer_segment, "B")
        self.assertEqual(self.old.customer_segment, "C")
        self.assertEqual(self.big.revenue_12m, 1300.0)
        self.assertEqual(self.old.revenue_12m, 0.0)
        # Big: recent (0) + detractor (2) -> medium; Mid: 0 -> low;
        # Old: 400 days (2) + detractor (2) -> high.
        self.assertEqual(self.big.churn_risk, "medium")
        self.assertEqual(self.mid.churn_risk, "low")
        self.assertEqual(self.old.churn_risk, "high")

    def test_segment_shares_are_settings(self):
        self.env.company.customer_segment_a_share = 50.0
        self.env.company.customer_segment_b_share = 85.0
        self.env["res.partner"]._cron_compute_customer_segments()
        # Mid starts at 81.25 %: C when B stops at 85 %? No: 81.25 < 85 -> B.
        self.assertEqual(self.mid.customer_segment, "B")
        self.env.company.customer_segment_b_share = 81.0
        self.env["res.partner"]._cron_compute_customer_segments()
        self.assertEqual(self.mid.customer_segment, "C")

    def test_bad_segment_shares(self):
        with self.assertRaises(ValidationError) as error:
            self.env.company.write(
                {"customer_segment_a_share": 90.0, "customer_segment_b_share": 80.0}
            )
        self.assertIn(
            "0 < A < B <= 100 (got A = 90.0%, B = 80.0%)", str(error.exception)
        )
        self.env.invalidate_all()
        self.assertEqual(self.env.company.customer_segment_a_share, 80.0)

    def _queries_to_read_figures(self, partners):
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        partners.read(
            [
                "lifetime_value",
                "satisfaction_avg",
                "rating_count",
                "nps",
                "last_interaction_date",
                "open_ticket_count",
                "helpdesk_ticket_count",
                "service_order_count",
                "service_revenue",
                "service_margin",
                "return_count",
            ]
        )
        return self.env.cr.sql_log_count - before

    def test_figures_query_count_does_not_grow(self):
        many = self.env["res.partner"].create(
            [
                {"name": f"Customer {i}", "is_company": True, "parent_id": False}
                for i in range(49)
            ]
        )
        # Warm caches first; each shape is measured twice and the lower
        # count kept, so a cache refilled by one call does not count.
        self._queries_to_read_figures(self.big | many)
        one = min(self._queries_to_read_figures(self.big) for _i in range(2))
        fifty = min(self._queries_to_read_figures(self.big | many) for _i in range(2))
        self.assertEqual(one, fifty)

    def test_customer_360_pdf(self):
        text = render_pdf_text(
            self.env, "crm_extension.action_report_customer_360", self.big.ids
        )
        self.assertIn("Customer 360: Big Customer", text)
        self.assertIn("Broken unit", text)
        self.assertIn("1,300.00", text)
        self.assertIn("Service revenue", text)
