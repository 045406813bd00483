# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.http import Request
from odoo.tests import tagged

from .common import ServiceHttpCommon


@tagged("post_install", "-at_install")
class TestFeedbackPortal(ServiceHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mine = cls._create_feedback(name="My noisy machine")
        cls.theirs = cls._create_feedback(
            name="Globex secret complaint", partner_id=cls.other_contact.id
        )

    def test_portal_list_and_detail_show_only_own_feedback(self):
        self.authenticate("acme_portal", "acme_portal")
        listing = self.url_open("/my/feedback")
        self.assertEqual(listing.status_code, 200)
        self.assertIn("My noisy machine", listing.text)
        self.assertNotIn("Globex secret complaint", listing.text)
        detail = self.url_open(f"/my/feedback/{self.mine.id}")
        self.assertIn("My noisy machine", detail.text)
        stolen = self.url_open(f"/my/feedback/{self.theirs.id}")
        self.assertNotIn("Globex secret complaint", stolen.text)
        self.assertTrue(stolen.url.endswith("/my"))
        guessed = self.url_open(
            f"/my/feedback/{self.theirs.id}?access_token=00000000-guess"
        )
        self.assertNotIn("Globex secret complaint", guessed.text)

    def test_portal_user_submits_feedback_on_own_order(self):
        order = self._create_sale_order()
        other_order = self._create_sale_order(partner=self.other_customer)
        self.authenticate("acme_portal", "acme_portal")
        form = self.url_open("/my/feedback/new")
        self.assertIn(order.name, form.text)
        self.assertNotIn(other_order.name, form.text)
        Feedback = self.env["customer.feedback"]
        before = Feedback.search_count([])
        refused = self.url_open(
            "/my/feedback/submit",
            data={
                "name": "Wrong order",
                "feedback_type": "complaint",
                "sale_order_id": other_order.id,
                "csrf_token": Request.csrf_token(self),
            },
        )
        self.assertIn("Choose one of your orders.", refused.text)
        self.assertEqual(Feedback.search_count([]), before)
        self.url_open(
            "/my/feedback/submit",
            data={
                "name": "Arrived scratched",
                "description": "<script>alert(1)</script> side panel",
                "feedback_type": "complaint",
                "sale_order_id": order.id,
                "csrf_token": Request.csrf_token(self),
            },
        )
        feedback = Feedback.search([("name", "=", "Arrived scratched")])
        self.assertEqual(len(feedback), 1)
        self.assertEqual(feedback.partner_id, self.customer_contact)
        self.assertEqual(feedback.sale_order_id, order)
        self.assertEqual(feedback.channel, "portal")
        page = self.url_open(f"/my/feedback/{feedback.id}")
        self.assertNotIn("<script>alert(1)</script>", page.text)
        self.assertIn("&lt;script&gt;", page.text)

    def test_portal_submit_requires_csrf(self):
        self.authenticate("acme_portal", "acme_portal")
        response = self.url_open(
            "/my/feedback/submit",
            data={"name": "No token", "feedback_type": "question"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(
            self.env["customer.feedback"].search([("name", "=", "No token")])
        )

    def test_public_form_never_attaches_to_existing_customer(self):
        self.authenticate(None, None)
        Feedback = self.env["customer.feedback"]
        self.url_open(
            "/feedback/submit",
            data={
                "contact_name": "Someone",
                "email": "alice@acme.test",
                "name": "Pretending to be Alice",
                "feedback_type": "suggestion",
                "csrf_token": Request.csrf_token(self),
            },
        )
        feedback = Feedback.search([("name", "=", "Pretending to be Alice")])
        self.assertEqual(len(feedback), 1)
        self.assertEqual(
            feedback.partner_id, self.env.ref("crm_extension.partner_web_visitor")
        )
        self.assertNotEqual(feedback.partner_id, self.customer_contact)
        self.assertEqual(feedback.email_from, "alice@acme.test")
        self.assertIn("The email matches", feedback.message_ids[:1].body)
        self.assertFalse(
            Feedback.with_user(self.portal_user).search([("id", "=", feedback.id)])
        )

    def test_public_form_validates_input(self):
        self.authenticate(None, None)
        Feedback = self.env["customer.feedback"]
        before = Feedback.search_count([])
        cases = [
            ({"email": "not-an-email"}, "Enter a valid email address."),
            ({"name": "x" * 201}, "The subject is limited to 200 characters."),
            ({"feedback_type": "rant"}, "Choose the kind of feedback."),
            (
                {"description": "y" * 5001},
                "The description is limited to 5000 characters.",
            ),
            ({"contact_name": ""}, "Enter your name."),
        ]
        for override, message in cases:
            data = {
                "contact_name": "Visitor",
                "email": "visitor@example.org",
                "name": "Hello",
                "feedback_type": "question",
                "csrf_token": Request.csrf_token(self),
                **override,
            }
            with self.subTest(override=list(override)):
                response = self.url_open("/feedback/submit", data=data)
                self.assertEqual(response.status_code, 200)
                self.assertIn(message, response.text)
        self.assertEqual(Feedback.search_count([]), before)
