# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import Form, new_test_user, tagged

from .common import ServiceCommon, at


@tagged("post_install", "-at_install")
class TestReplacementOpportunity(ServiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env, login="svc_sales", groups="sales_team.group_sale_salesman"
        )
        cls.customer.user_id = cls.salesman
        cls.tech = cls.env["service.technician"].create(
            {
                "name": "Tom Tech",
                "user_id": cls.technician_user.id,
                "resource_calendar_id": cls._create_utc_calendar().id,
            }
        )
        cls.boiler = cls.env["product.product"].create(
            {
                "name": "Boiler X200",
                "type": "consu",
                "is_installed_base": True,
                "replacement_lifetime_months": 60,
            }
        )
        cls.today = fields.Date.context_today(cls.env.user)
        cls.equipment = cls.env["customer.equipment"].create(
            {
                "name": "Boiler B1",
                "partner_id": cls.customer_contact.id,
                "serial": "B-1",
                "product_id": cls.boiler.id,
                "install_date": cls.today - relativedelta(years=2),
            }
        )

    def _repair(self, day, user=None):
        """A repair of the boiler through the whole flow, done now."""
        order = self.env["service.order"].create(
            {
                "partner_id": self.customer.id,
                "equipment_id": self.equipment.id,
                "technician_id": self.tech.id,
                "scheduled_start": at(day, 9),
            }
        )
        order.action_schedule()
        order = order.with_user(user or self.env.user)
        order.action_start()
        order.action_done()
        return order

    def _done_repairs(self, count, date_done, equipment=None):
        orders = self.env["service.order"].create(
            [
                {
                    "partner_id": self.customer.id,
                    "equipment_id": (equipment or self.equipment).id,
                }
                for _i in range(count)
            ]
        )
        orders.write({"state": "done", "date_done": date_done})
        return orders

    def _leads(self, equipment=None):
        name = (equipment or self.equipment).name
        return (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("name", "like", f"Replace {name}")])
        )

    def _cron(self):
        return self.env["customer.equipment"]._cron_replacement_opportunities()

    def test_third_repair_makes_one_opportunity(self):
        self._repair(5)
        self._repair(6)
        self.assertFalse(self.equipment.lead_id)
        # the technician finishes the third repair: no CRM rights needed
        self._repair(7, user=self.technician_user)
        lead = self.equipment.lead_id
        self.assertTrue(lead)
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.name, "Replace Boiler B1 (B-1)")
        self.assertEqual(lead.partner_id, self.customer)
        self.assertEqual(lead.user_id, self.salesman)
        self.assertEqual(lead.company_id, self.equipment.company_id)
        self.assertIn(
            "3 breakdowns in the last 12 months (the threshold is 3)",
            lead.description,
        )
        self.assertNotIn("end of life", lead.description)
        self.assertNotIn(self.technician_user.partner_id, lead.message_partner_ids)
        # a fourth repair, then the cron: still the same single opportunity
        self._repair(8)
        self.assertEqual(self._cron(), self.env["crm.lead"])
        self.assertEqual(self._leads(), lead)
        self.assertEqual(self.equipment.lead_id, lead)
        # the salesperson opens it from the equipment
        action = self.equipment.with_user(self.salesman).action_view_lead()
        self.assertEqual((action["res_model"], action["res_id"]), ("crm.lead", lead.id))

    def test_lost_or_won_opportunity_gets_a_new_one(self):
        self._done_repairs(3, fields.Datetime.now())
        first = self._cron()
        self.assertEqual(self.equipment.lead_id, first)
        first.action_set_lost()
        second = self._cron()
        self.assertEqual(len(second), 1)
        self.assertNotEqual(second, first)
        self.assertEqual(self.equipment.lead_id, second)
        self.assertFalse(first.active)
        second.action_set_won()
        third = self._cron()
        self.assertEqual(len(third), 1)
        self.assertEqual(self._leads(), first | second | third)
        self.assertFalse(self._cron(), "the third one is open")

    def test_end_of_life_from_the_cron(self):
        Equipment = self.env["customer.equipment"]
        old, young, retired = Equipment.create(
            [
                {
                    "name": name,
                    "partner_id": self.other_customer.id,
                    "serial": name,
                    "product_id": self.boiler.id,
                    "install_date": self.today - relativedelta(years=years),
                    "state": state,
                }
                for name, years, state in (
                    ("Old boiler", 6, "active"),
                    ("Young boiler", 4, "active"),
                    ("Retired boiler", 6, "retired"),
                )
            ]
        )
        self.assertEqual(
            old.end_of_life_date, old.install_date + relativedelta(months=60)
        )
        leads = self._cron()
        self.assertEqual(leads, old.lead_id)
        self.assertEqual(leads.name, "Replace Old boiler (Old boiler)")
        self.assertEqual(leads.partner_id, self.other_customer)
        self.assertFalse(leads.user_id, "the customer has no salesperson")
        self.assertIn("Past its end of life since", leads.description)
        self.assertFalse(young.lead_id)
        self.assertFalse(retired.lead_id)
        self.assertFalse(self._cron())
        self.assertEqual(len(self._leads(old)), 1)
        # a product without a lifetime has no end of life
        self.boiler.replacement_lifetime_months = 0
        self.assertFalse(old.end_of_life_date)

    def test_two_repairs_are_not_enough_unless_the_threshold_says_so(self):
        self._repair(5)
        self._repair(6)
        self.assertFalse(self._cron())
        self.assertFalse(self.equipment.lead_id)
        settings = Form(self.env["res.config.settings"])
        self.assertEqual(settings.replacement_breakdown_threshold, 3)
        settings.replacement_breakdown_threshold = 2
        settings.save().execute()
        self.assertEqual(self.env.company.replacement_breakdown_threshold, 2)
        lead = self._cron()
        self.assertEqual(self.equipment.lead_id, lead)
        self.assertIn("2 breakdowns in the last 12 months", lead.description)

    def test_repairs_older_than_12_months_do_not_count(self):
        now = fields.Datetime.now()
        self._done_repairs(3, now - relativedelta(months=13))
        self._done_repairs(2, now - relativedelta(months=11))
        self.assertFalse(self._cron())
        self.assertFalse(self.equipment.lead_id)
        self.equipment.invalidate_recordset(["breakdown_count"])
        self.assertEqual(self.equipment.breakdown_count, 5, "all-time figure")
        # maintenance visits are no breakdowns
        self._done_repairs(1, now).service_type = "maintenance"
        self.assertFalse(self._cron())
