# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.http import Request
from odoo.tests import tagged

from .common import ServiceHttpCommon


@tagged("post_install", "-at_install")
class TestFeedbackRating(ServiceHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.leader = cls.service_user
        cls.team = cls.env["helpdesk.ticket.team"].create(
            {"name": "Support", "user_id": cls.leader.id}
        )
        cls.ticket = cls.env["helpdesk.ticket"].create(
            {
                "name": "Printer jam",
                "description": "Jams every morning",
                "partner_id": cls.customer_contact.id,
                "team_id": cls.team.id,
            }
        )

    def _rating_token(self):
        rating = self.env["rating.rating"].create(
            {
                "res_model_id": self.env["ir.model"]._get_id("helpdesk.ticket"),
                "res_id": self.ticket.id,
                "partner_id": self.customer_contact.id,
            }
        )
        return rating, rating.access_token

    def _submit(self, token, rate, nps=None, comment="", status=200):
        self.authenticate(None, None)  # the customer follows the email link
        page = self.url_open(f"/rate/{token}/{rate}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("How likely are you to recommend us", page.text)
        data = {
            "rate": rate,
            "feedback": comment,
            "csrf_token": Request.csrf_token(self),
        }
        if nps is not None:
            data["nps"] = nps
        response = self.url_open(f"/rate/{token}/submit_feedback", data=data)
        self.assertEqual(response.status_code, status)
        return response

    def test_happy_customer_stores_rating_and_nps(self):
        rating, token = self._rating_token()
        self._submit(token, 5, nps=10, comment="Fast and friendly")
        self.assertTrue(rating.consumed)
        self.assertEqual(rating.rating, 5)
        self.assertEqual(rating.feedback, "Fast and friendly")
        self.assertTrue(rating.nps_answered)
        self.assertEqual(rating.nps_score, 10)
        self.assertEqual(rating.nps_category, "promoter")
        self.assertFalse(rating.followup_feedback_id)

    def test_detractor_opens_follow_up_complaint_once(self):
        rating, token = self._rating_token()
        self._submit(token, 5, nps=4, comment="Took a week")
        follow_up = rating.followup_feedback_id
        self.assertTrue(follow_up, "an NPS detractor must open a complaint")
        self.assertEqual(follow_up.feedback_type, "complaint")
        self.assertEqual(follow_up.user_id, self.leader)
        self.assertEqual(follow_up.partner_id, self.customer_contact)
        self.assertEqual(follow_up.ticket_id, self.ticket)
        self.assertIn("NPS answer: 4/10", follow_up.description)
        self.assertIn("Took a week", follow_up.description)
        self.assertTrue(
            follow_up.activity_ids.filtered(lambda a: a.user_id == self.leader)
        )
        # Submitting again (the page allows it) does not open a second one.
        self._submit(token, 1, nps=2)
        self.assertEqual(
            self.env["customer.feedback"].search_count(
                [("ticket_id", "=", self.ticket.id), ("channel", "=", "survey")]
            ),
            1,
        )

    def test_low_stars_open_follow_up(self):
        rating, token = self._rating_token()
        self._submit(token, 1)
        self.assertFalse(rating.nps_answered)
        self.assertTrue(rating.followup_feedback_id)
        self.assertIn("rated", rating.followup_feedback_id.description)

    def test_bad_nps_is_refused_and_nothing_stored(self):
        rating, token = self._rating_token()
        self._submit(token, 5, nps="11", status=400)
        self._submit(token, 5, nps="ten", status=400)
        self.assertFalse(rating.nps_answered)
        self.assertFalse(rating.consumed)

    def test_wrong_token_is_not_found(self):
        response = self.url_open("/rate/not-a-token/5")
        self.assertEqual(response.status_code, 404)

    def test_satisfaction_report_nps(self):
        for nps in (10, 9, 7, 3):
            _rating, token = self._rating_token()
            self._submit(token, 5, nps=nps)
        report = self.env["customer.satisfaction.report"]
        [group] = report._read_group(
            [("team_id", "=", self.team.id)],
            [],
            [
                "nps_value:avg",
                "rating_count:sum",
                "promoter_count:sum",
                "detractor_count:sum",
            ],
        )
        nps, count, promoters, detractors = group
        # 2 promoters, 1 passive, 1 detractor: (2 - 1) / 4 = 25
        self.assertEqual((count, promoters, detractors), (4, 2, 1))
        self.assertAlmostEqual(nps, 25.0)
