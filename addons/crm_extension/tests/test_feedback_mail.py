# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import tagged

from .common import ServiceCommon

RAW = """Return-Path: <{email}>
From: {name} <{email}>
To: feedback@example.com
Subject: {subject}
Message-ID: <{msgid}@mail.example.com>
Date: Mon, 23 Nov 2026 10:00:00 +0000
Content-Type: text/plain; charset=utf-8

The coffee machine makes a strange noise since Monday.
"""


@tagged("post_install", "-at_install")
class TestFeedbackMail(ServiceCommon):
    def _process(self, email, subject, msgid, name="Carol Customer"):
        message = RAW.format(email=email, subject=subject, msgid=msgid, name=name)
        res_id = self.env["mail.thread"].message_process(
            "customer.feedback", message, custom_values=None
        )
        return self.env["customer.feedback"].browse(res_id)

    def test_email_to_alias_creates_feedback_for_known_customer(self):
        feedback = self._process("alice@acme.test", "Noisy machine", "m1")
        self.assertEqual(feedback.partner_id, self.customer_contact)
        self.assertEqual(feedback.channel, "email")
        self.assertEqual(feedback.name, "Noisy machine")
        self.assertIn("strange noise", feedback.description)

    def test_unknown_sender_gets_one_partner(self):
        Partner = self.env["res.partner"]
        email = "new.customer@example.org"
        self.assertFalse(Partner.search([("email_normalized", "=", email)]))
        first = self._process(email, "First", "m2", name="New Customer")
        second = self._process(email, "Second", "m3", name="New Customer")
        partners = Partner.search([("email_normalized", "=", email)])
        self.assertEqual(len(partners), 1)
        self.assertEqual(partners.name, "New Customer")
        self.assertEqual(first.partner_id, partners)
        self.assertEqual(second.partner_id, partners)
        self.assertNotEqual(first, second)

    def test_alias_routes_to_feedback(self):
        alias = self.env.ref("crm_extension.mail_alias_feedback")
        self.assertEqual(alias.alias_model_id.model, "customer.feedback")
        self.assertEqual(alias.alias_name, "feedback")
