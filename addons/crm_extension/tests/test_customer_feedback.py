# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import ServiceCommon


@tagged("post_install", "-at_install")
class TestCustomerFeedback(ServiceCommon):
    def test_state_machine(self):
        feedback = self._create_feedback()
        self.assertEqual(feedback.state, "new")
        feedback.action_start()
        self.assertEqual(feedback.state, "in_progress")
        with self.assertRaises(UserError) as error:
            feedback.action_resolve()
        self.assertIn("Write the resolution before resolving", str(error.exception))
        self.assertEqual(feedback.state, "in_progress")
        feedback.resolution = "Replaced the seal."
        feedback.action_resolve()
        self.assertEqual(feedback.state, "resolved")
        self.assertTrue(feedback.resolved_date)
        feedback.action_close()
        self.assertEqual(feedback.state, "closed")
        with self.assertRaises(UserError) as error:
            feedback.action_cancel()
        self.assertIn(
            "Cannot cancel feedback 'Machine leaks': it is Closed.",
            str(error.exception),
        )

    def test_cancel_and_reopen(self):
        feedback = self._create_feedback()
        feedback.action_cancel()
        self.assertEqual(feedback.state, "cancelled")
        with self.assertRaises(UserError):
            feedback.action_start()
        feedback.action_draft()
        self.assertEqual(feedback.state, "new")

    def test_create_ticket_links_both_ways_and_is_reused(self):
        team = self.env["helpdesk.ticket.team"].create({"name": "Field team"})
        feedback = self._create_feedback(
            description="Water under the machine", priority="1", team_id=team.id
        )
        self.assertFalse(feedback.ticket_id)
        feedback.action_create_ticket()
        ticket = feedback.ticket_id
        self.assertTrue(ticket)
        self.assertEqual(ticket.feedback_id, feedback)
        self.assertEqual(ticket.partner_id, self.customer_contact)
        self.assertEqual(ticket.priority, "1")
        self.assertEqual(ticket.team_id, team)
        self.assertIn("Water under the machine", ticket.description)
        self.assertEqual(ticket.feedback_count, 1)
        self.assertEqual(feedback.state, "in_progress")
        feedback.action_create_ticket()
        self.assertEqual(feedback.ticket_id, ticket)
        self.assertEqual(
            self.env["helpdesk.ticket"].search_count(
                [("feedback_id", "=", feedback.id)]
            ),
            1,
        )

    def test_view_ticket_only_opens_the_linked_ticket(self):
        feedback = self._create_feedback()
        feedback.action_view_ticket()
        self.assertFalse(feedback.ticket_id)
        self.assertEqual(feedback.state, "new")
        action = feedback.action_create_ticket()
        self.assertEqual(action["res_model"], "helpdesk.ticket")
        self.assertEqual(action["res_id"], feedback.ticket_id.id)
        self.assertEqual(feedback.action_view_ticket(), action)

    def test_urgent_complaint_creates_ticket_unless_disabled(self):
        urgent = self._create_feedback(priority="2")
        self.assertTrue(urgent.ticket_id)
        praise = self._create_feedback(priority="3", feedback_type="praise")
        self.assertFalse(praise.ticket_id)
        normal = self._create_feedback(priority="1")
        self.assertFalse(normal.ticket_id)
        self.env.company.feedback_auto_ticket = False
        urgent_off = self._create_feedback(priority="3")
        self.assertFalse(urgent_off.ticket_id)

    def test_closing_ticket_resolves_feedback(self):
        feedback = self._create_feedback(priority="2")
        ticket = feedback.ticket_id
        closed_stage = self.env["helpdesk.ticket.stage"].search(
            [("closed", "=", True)], limit=1
        )
        ticket.stage_id = closed_stage
        self.assertEqual(feedback.state, "resolved")
        self.assertIn(ticket.display_name, feedback.resolution)

    def test_bad_input_is_refused_and_nothing_created(self):
        Feedback = self.env["customer.feedback"]
        before = Feedback.search_count([])
        cases = [
            ({"name": "  "}, "The feedback needs a subject."),
            (
                {"partner_id": 999999999},
                "field partner_id: no Contact with id 999999999.",
            ),
            ({"feedback_type": "rant"}, "field feedback_type: 'rant' is not one of"),
            ({"channel": "pigeon"}, "field channel: 'pigeon' is not one of"),
            (
                {"name": "x" * 300},
                "The subject is too long: 300 characters, at most 256.",
            ),
        ]
        for vals, message in cases:
            with self.subTest(vals=vals), self.assertRaises(ValidationError) as error:
                self._create_feedback(**vals)
            self.assertIn(message, str(error.exception))
        self.assertEqual(Feedback.search_count([]), before)

    def test_external_ref_unique_per_company(self):
        self._create_feedback(external_ref="SHOP-1")
        with self.assertRaises(ValidationError) as error:
            self._create_feedback(external_ref="SHOP-1")
        self.assertIn(
            "External reference 'SHOP-1' is already used", str(error.exception)
        )
        other_company = self.env["res.company"].create({"name": "Other Co"})
        other = self._create_feedback(
            external_ref="SHOP-1", company_id=other_company.id
        )
        self.assertEqual(other.external_ref, "SHOP-1")

    def test_api_submit_is_idempotent(self):
        rows = [
            {
                "external_ref": "WEB-42",
                "name": "Late delivery",
                "partner_id": self.customer.id,
                "feedback_type": "complaint",
            },
            {
                "external_ref": "WEB-43",
                "name": "Great support",
                "partner_id": self.customer.id,
                "feedback_type": "praise",
            },
        ]
        first = self.env["customer.feedback"].api_submit(rows)
        second = self.env["customer.feedback"].api_submit(rows)
        self.assertEqual(first, second)
        records = self.env["customer.feedback"].browse(first)
        self.assertEqual(records.mapped("channel"), ["api", "api"])
        rows[0]["name"] = "Late delivery, again"
        self.env["customer.feedback"].api_submit(rows[:1])
        self.assertEqual(records[0].name, "Late delivery, again")
        self.assertEqual(
            self.env["customer.feedback"].search_count(
                [("external_ref", "in", ["WEB-42", "WEB-43"])]
            ),
            2,
        )

    def test_api_submit_names_the_bad_row_and_writes_nothing(self):
        Feedback = self.env["customer.feedback"]
        before = Feedback.search_count([])
        rows = [
            {"external_ref": "OK-1", "name": "Fine", "partner_id": self.customer.id},
            {
                "external_ref": "BAD-2",
                "name": "Bad",
                "partner_id": self.customer.id,
                "channel": "fax",
            },
        ]
        with self.assertRaises(ValidationError) as error:
            Feedback.api_submit(rows)
        self.assertIn("Row 2, field channel: 'fax' is not one of", str(error.exception))
        with self.assertRaises(ValidationError) as error:
            Feedback.api_submit(
                [{"name": "X", "partner_id": self.customer.id, "colour": 1}]
            )
        self.assertIn("Row 1: unknown field(s) colour.", str(error.exception))
        with self.assertRaises(ValidationError) as error:
            Feedback.api_submit([{"external_ref": "NP", "name": "No partner"}])
        self.assertIn("Row 1:", str(error.exception))
        self.assertEqual(Feedback.search_count([]), before)

    def test_report_a_problem_from_confirmed_order(self):
        order = self._create_sale_order()
        action = order.action_report_problem()
        form = Form(self.env["customer.feedback"].with_context(**action["context"]))
        form.description = "Arrived broken"
        feedback = form.save()
        self.assertEqual(feedback.sale_order_id, order)
        self.assertEqual(feedback.partner_id, self.customer)
        self.assertEqual(feedback.product_id, self.product)
        self.assertEqual(feedback.feedback_type, "complaint")
        self.assertEqual(order.feedback_count, 1)
        draft = self._create_sale_order(confirm=False)
        with self.assertRaises(UserError) as error:
            draft.action_report_problem()
        self.assertIn("Only confirmed orders", str(error.exception))

    def test_partner_counters_are_set_wise(self):
        self._create_feedback()
        self._create_feedback(feedback_type="praise", partner_id=self.customer.id)
        self._create_feedback(partner_id=self.other_contact.id)
        partners = self.customer | self.customer_contact | self.other_customer
        partners.invalidate_recordset()
        self.assertEqual(self.customer.feedback_count, 2)
        self.assertEqual(self.customer.complaint_count, 1)
        self.assertEqual(self.customer_contact.feedback_count, 2)
        self.assertEqual(self.other_customer.feedback_count, 1)

    def test_portal_user_sees_only_own_company_feedback(self):
        mine = self._create_feedback()
        theirs = self._create_feedback(partner_id=self.other_contact.id)
        Feedback = self.env["customer.feedback"].with_user(self.portal_user)
        self.assertEqual(Feedback.search([]), mine)
        with self.assertRaises(AccessError):
            Feedback.browse(theirs.id).read(["name"])
        with self.assertRaises(AccessError):
            Feedback.create({"name": "Hack", "partner_id": self.other_contact.id})

    def test_roles(self):
        feedback = self._create_feedback()
        employee = feedback.with_user(self.employee_user)
        self.assertEqual(employee.name, "Machine leaks")
        with self.assertRaises(AccessError):
            employee.write({"name": "Edited"})
        feedback.with_user(self.technician_user).write({"priority": "0"})
        with self.assertRaises(AccessError):
            feedback.with_user(self.service_user).unlink()
        feedback.with_user(self.manager_user).unlink()
        self.assertFalse(feedback.exists())
