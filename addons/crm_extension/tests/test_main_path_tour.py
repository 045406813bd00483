# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import new_test_user, tagged

from .common import ServiceHttpCommon


@tagged("post_install", "-at_install")
class TestMainPathTour(ServiceHttpCommon):
    """The main path clicked in the browser, by the people who do it: a
    complaint, its ticket, a service order from the ticket, Auto-assign (the
    route planner), the technician's visit done with a signature, and the
    invoice it bills."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("base.user_admin").tz = "UTC"
        france = cls.env.ref("base.fr")
        zone = cls.env["service.zone"].create(
            {"name": "Tour Paris", "country_id": france.id, "zip_prefixes": "75"}
        )
        cls.skill = cls.env["service.skill"].create({"name": "Tour Boiler"})
        cls.customer_site = cls.env["res.partner"].create(
            {
                "name": "Tour Customer",
                "is_company": True,
                "street": "12 Rue de la Roquette",
                "zip": "75011",
                "city": "Paris",
                "country_id": france.id,
                "partner_latitude": 48.8553,
                "partner_longitude": 2.3735,
            }
        )
        home = cls.env["res.partner"].create(
            {
                "name": "Tour Technician (home)",
                "street": "3 Rue des Pyrénées",
                "zip": "75020",
                "city": "Paris",
                "country_id": france.id,
                "partner_latitude": 48.8606,
                "partner_longitude": 2.4012,
            }
        )
        cls._setup_tour_van()
        cls.tech_user = new_test_user(
            cls.env,
            login="tour_tech",
            name="Tour Technician",
            tz="UTC",
            groups="crm_extension.group_service_technician",
        )
        cls.technician = cls.env["service.technician"].create(
            {
                "name": "Tour Technician",
                "user_id": cls.tech_user.id,
                "partner_id": home.id,
                "resource_calendar_id": cls._create_utc_calendar().id,
                "skill_ids": [(6, 0, cls.skill.ids)],
                "zone_ids": [(6, 0, zone.ids)],
                "van_location_id": cls.van.id,
            }
        )
        # a colleague without the skill: the planner must not pick him
        cls.env["service.technician"].create(
            {
                "name": "Tour Apprentice",
                "partner_id": home.id,
                "resource_calendar_id": cls.technician.resource_calendar_id.id,
                "zone_ids": [(6, 0, zone.ids)],
            }
        )

    def test_main_path(self):
        self.start_tour(
            "/odoo/action-crm_extension.action_customer_feedback",
            "crm_extension_main_path_dispatch",
            login="admin",
        )
        feedback = self.env["customer.feedback"].search(
            [("partner_id", "=", self.customer_site.id)]
        )
        self.assertEqual(len(feedback), 1)
        self.assertEqual(feedback.name, "Boiler leaks")
        self.assertEqual(feedback.feedback_type, "complaint")
        self.assertEqual(feedback.state, "in_progress")
        ticket = feedback.ticket_id
        self.assertTrue(ticket, "the feedback's button made its ticket")
        self.assertEqual(ticket.feedback_id, feedback)
        self.assertEqual(ticket.partner_id, self.customer_site)
        order = ticket.service_order_ids
        self.assertEqual(len(order), 1)
        self.assertEqual(order.feedback_id, feedback)
        self.assertEqual(order.required_skill_ids, self.skill)
        self.assertEqual(order.state, "scheduled")
        self.assertEqual(order.technician_id, self.technician)
        self.assertTrue(order.scheduled_start)
        self.assertEqual(
            (order.scheduled_end - order.scheduled_start).total_seconds(), 90 * 60
        )
        self.assertTrue(
            8 <= order.scheduled_start.hour < 17
            and order.scheduled_start.weekday() < 5,
            f"booked inside the working hours, not {order.scheduled_start}",
        )
        self.assertEqual(order.route_sequence, 1)
        self.assertGreater(order.travel_km, 0.0, "the route from home was planned")

        self.start_tour(
            "/odoo/action-crm_extension.action_service_order",
            "crm_extension_main_path_technician",
            login="tour_tech",
        )
        self.assertEqual(order.state, "done")
        self.assertEqual(order.work_done, "Replaced the burner gaskets.")
        self.assertEqual(order.signed_by, "Carl Customer")
        self.assertTrue(order.signature, "the customer signed on the pad")
        self.assertTrue(order.signed_on)
        self.assertEqual(
            [
                (line.line_type, line.product_id, line.quantity_used)
                for line in order.line_ids
            ],
            [("part", self.gasket, 2.0), ("labour", self.hour, 1.5)],
        )
        self.assertEqual(order.amount_charged, 114.0)
        self.assertEqual(
            self.gasket.with_context(location=self.van.id).qty_available, 3
        )

        invoice = order.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.partner_id, self.customer_site)
        self.assertEqual(invoice.amount_untaxed, 114.0)
        self.assertEqual(
            sorted(
                (line.product_id.name, line.quantity, line.price_unit)
                for line in invoice.invoice_line_ids
            ),
            [("Tour Gasket", 2.0, 12.0), ("Tour Hour", 1.5, 60.0)],
        )
        self.start_tour(
            f"/odoo/action-crm_extension.action_service_order/{order.id}",
            "crm_extension_main_path_invoice",
            login="admin",
        )
