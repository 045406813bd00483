# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import base64

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import ServiceCommon, at, render_pdf_text

# 1x1 transparent PNG
SIGNATURE = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
)


@tagged("post_install", "-at_install")
class TestServiceOrder(ServiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls._create_utc_calendar()
        cls.skill_gas = cls.env["service.skill"].create({"name": "Gas boilers"})
        cls.skill_elec = cls.env["service.skill"].create({"name": "Electrical"})
        cls.tech = cls.env["service.technician"].create(
            {
                "name": "Tom Tech",
                "user_id": cls.technician_user.id,
                "skill_ids": [(6, 0, cls.skill_gas.ids)],
                "resource_calendar_id": cls.calendar.id,
            }
        )
        cls.tech2 = cls.env["service.technician"].create(
            {
                "name": "Eve Electric",
                "skill_ids": [(6, 0, cls.skill_elec.ids)],
                "resource_calendar_id": cls.calendar.id,
            }
        )

    def _order(self, **vals):
        return self.env["service.order"].create(
            {
                "partner_id": self.customer_contact.id,
                "description": "Boiler noise",
                **vals,
            }
        )

    def test_sequence_and_state_machine(self):
        order = self._order()
        self.assertTrue(order.name.startswith("SRV/"))
        self.assertEqual(order.site_partner_id, self.customer_contact)
        with self.assertRaises(UserError) as error:
            order.action_schedule()
        self.assertIn("Choose a technician and a start", str(error.exception))
        with self.assertRaises(UserError) as error:
            order.action_done()
        self.assertIn("Cannot finish", str(error.exception))
        order.write({"technician_id": self.tech.id, "scheduled_start": at(5, 9)})
        self.assertEqual(order.scheduled_end, at(5, 10))
        order.action_schedule()
        order.action_start()
        self.assertEqual(order.state, "in_progress")
        order.write(
            {
                "work_done": "Replaced the pump",
                "signature": SIGNATURE,
                "signed_by": "Alice",
            }
        )
        self.assertTrue(order.signed_on)
        order.action_done()
        self.assertEqual(order.state, "done")
        self.assertTrue(order.signature)
        with self.assertRaises(UserError) as error:
            order.action_cancel()
        self.assertIn("it is Done", str(error.exception))

    def test_no_overlap_for_a_technician(self):
        first = self._order(
            technician_id=self.tech.id, scheduled_start=at(5, 9), duration_hours=2
        )
        first.action_schedule()
        second = self._order(technician_id=self.tech.id, scheduled_start=at(5, 10))
        with self.assertRaises(ValidationError) as error:
            second.action_schedule()
        self.assertIn("Tom Tech is already booked on", str(error.exception))
        self.assertEqual(second.state, "draft")
        third = self._order(technician_id=self.tech.id, scheduled_start=at(5, 11))
        third.action_schedule()
        self.assertEqual(third.state, "scheduled")

    def test_slot_within_working_hours_and_skills(self):
        late = self._order(technician_id=self.tech.id, scheduled_start=at(5, 16, 30))
        with self.assertRaises(ValidationError) as error:
            late.action_schedule()
        self.assertIn("outside Tom Tech's working hours", str(error.exception))
        weekend = self._order(technician_id=self.tech.id, scheduled_start=at(10, 9))
        with self.assertRaises(ValidationError):
            weekend.action_schedule()
        needs_elec = self._order(
            technician_id=self.tech.id,
            scheduled_start=at(5, 9),
            required_skill_ids=[(6, 0, self.skill_elec.ids)],
        )
        with self.assertRaises(ValidationError) as error:
            needs_elec.action_schedule()
        self.assertIn("lacks the skills Electrical", str(error.exception))

    def test_end_before_start_is_refused(self):
        before = self.env["service.order"].search_count([])
        with self.assertRaises(ValidationError) as error:
            self._order(scheduled_start=at(5, 10), scheduled_end=at(5, 9))
        self.assertIn(
            "The scheduled end must be after the scheduled start.", str(error.exception)
        )
        with self.assertRaises(ValidationError) as error:
            self._order(duration_hours=0)
        self.assertIn("The planned duration must be positive.", str(error.exception))
        self.assertEqual(self.env["service.order"].search_count([]), before)

    def test_create_from_ticket(self):
        ticket = self.env["helpdesk.ticket"].create(
            {
                "name": "No heating",
                "description": "<p>Cold since yesterday</p>",
                "partner_id": self.customer_contact.id,
                "priority": "2",
            }
        )
        action = ticket.action_create_service_order()
        order = self.env["service.order"].browse(action["res_id"])
        self.assertEqual(order.ticket_id, ticket)
        self.assertEqual(order.partner_id, self.customer_contact)
        self.assertEqual(order.priority, "2")
        self.assertIn("Cold since yesterday", order.description)
        self.assertEqual(ticket.service_order_count, 1)

    def test_create_from_sale_order(self):
        install = self.env["product.product"].create(
            {
                "name": "Boiler installation",
                "type": "service",
                "service_order_on_sale": True,
                "service_order_type": "installation",
                "service_skill_ids": [(6, 0, self.skill_gas.ids)],
            }
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    (0, 0, {"product_id": install.id, "product_uom_qty": 1}),
                    (0, 0, {"product_id": install.id, "product_uom_qty": 2}),
                    (0, 0, {"product_id": self.product.id, "product_uom_qty": 1}),
                ],
            }
        )
        order.action_confirm()
        services = order.service_order_ids
        self.assertEqual(len(services), 2)
        self.assertEqual(set(services.mapped("service_type")), {"installation"})
        self.assertEqual(services.required_skill_ids, self.skill_gas)
        self.assertEqual(order.service_order_count, 2)
        order._create_service_orders()
        self.assertEqual(len(order.service_order_ids), 2)

    def test_technician_sees_only_own_orders(self):
        mine = self._order(technician_id=self.tech.id)
        theirs = self._order(technician_id=self.tech2.id)
        visible = self.env["service.order"].with_user(self.technician_user).search([])
        self.assertIn(mine, visible)
        self.assertNotIn(theirs, visible)
        self.assertEqual(
            self.env["service.order"]
            .with_user(self.service_user)
            .search_count([("id", "in", (mine | theirs).ids)]),
            2,
        )

    def test_low_rating_of_a_visit_opens_complaint(self):
        order = self._order(technician_id=self.tech.id)
        rating = self.env["rating.rating"].create(
            {
                "res_model_id": self.env["ir.model"]._get_id("service.order"),
                "res_id": order.id,
                "partner_id": self.customer_contact.id,
            }
        )
        order.rating_apply(1, rating=rating, feedback="Left a mess")
        self.assertTrue(rating.followup_feedback_id)
        self.assertEqual(rating.followup_feedback_id.feedback_type, "complaint")
        self.assertIn("Left a mess", rating.followup_feedback_id.description)

    @freeze_time(at(5, 9))
    def test_done_sends_report_and_rating_request(self):
        order = self._order(technician_id=self.tech.id, scheduled_start=at(5, 9))
        order.action_schedule()
        order.action_start()
        order.action_done()
        mail = self.env["mail.mail"].search(
            [("model", "=", "service.order"), ("res_id", "=", order.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn("how did we do?", mail.subject)
        self.assertIn("/rate/", mail.body_html)
        # the service report is attached (rendered as HTML in test mode)
        self.assertEqual(len(mail.attachment_ids), 1)
        self.assertIn(order.name, mail.attachment_ids.name)
        rating = self.env["rating.rating"].search(
            [("res_model", "=", "service.order"), ("res_id", "=", order.id)]
        )
        self.assertEqual(len(rating), 1)
        self.assertIn(rating.access_token, mail.body_html)

    def test_service_report_pdf(self):
        order = self._order(
            technician_id=self.tech.id,
            work_done="Cleaned the burner",
            signature=SIGNATURE,
            signed_by="Alice Acme",
        )
        text = render_pdf_text(
            self.env, "crm_extension.action_report_service_order", order.ids
        )
        self.assertIn(order.name, text)
        self.assertIn("Cleaned the burner", text)
        self.assertIn("Alice Acme", text)


@tagged("post_install", "-at_install")
class TestApiRequestByUnit(ServiceCommon):
    """An equipment monitor or a call centre names the unit, not the customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.env["product.product"].create(
            {"name": "Boiler B7", "type": "consu"}
        )
        cls.site = cls.env["res.partner"].create(
            {
                "name": "Acme Plant",
                "parent_id": cls.customer.id,
                "type": "delivery",
                "street": "1 Plant Road",
                "city": "Springfield",
            }
        )
        cls.unit = cls.env["customer.equipment"].create(
            {
                "name": "Boiler in the basement",
                "partner_id": cls.customer.id,
                "site_partner_id": cls.site.id,
                "product_id": cls.product.id,
                "serial": "B7-0042",
            }
        )
        cls.Order = cls.env["service.order"].with_user(cls.service_user)

    def _assert_order_of_the_unit(self, result):
        self.assertTrue(result["created"])
        order = self.env["service.order"].browse(result["id"])
        self.assertEqual(result["name"], order.name)
        self.assertEqual(order.equipment_id, self.unit)
        self.assertEqual(order.partner_id, self.customer)
        self.assertEqual(order.site_partner_id, self.site)
        self.assertEqual(order.product_id, self.product)
        self.assertEqual(order.description, "Pressure alarm")
        self.assertIn(order, self.unit.service_order_ids)

    def test_by_serial(self):
        self._assert_order_of_the_unit(
            self.Order.api_request(
                {"serial": " B7-0042 ", "description": "Pressure alarm"}
            )
        )

    def test_by_equipment_id(self):
        self._assert_order_of_the_unit(
            self.Order.api_request(
                {"equipment_id": self.unit.id, "description": "Pressure alarm"}
            )
        )

    def test_unknown_serial_is_named_and_nothing_is_created(self):
        count = self.env["service.order"].search_count([])
        with self.assertRaises(ValidationError) as caught:
            self.Order.api_request({"serial": "B7-9999", "description": "Alarm"})
        self.assertEqual(
            str(caught.exception),
            "Field serial: no active equipment with the serial 'B7-9999'.",
        )
        self.unit.state = "retired"
        with self.assertRaises(ValidationError) as caught:
            self.Order.api_request({"serial": "B7-0042", "description": "Alarm"})
        self.assertIn("'B7-0042'", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            self.Order.api_request({"equipment_id": "42", "description": "Alarm"})
        self.assertEqual(
            str(caught.exception), "Field equipment_id: no equipment with id 42."
        )
        self.assertEqual(self.env["service.order"].search_count([]), count)

    def test_unit_of_another_customer_is_refused(self):
        with self.assertRaises(ValidationError) as caught:
            self.Order.api_request(
                {
                    "serial": "B7-0042",
                    "partner_id": self.other_customer.id,
                    "description": "Alarm",
                }
            )
        self.assertEqual(
            str(caught.exception),
            "Field serial: the unit Boiler in the basement belongs to Acme "
            "Repairs, not to Globex.",
        )
