# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestTicketRatingRequest(TransactionCase):
    """Closing a ticket requests a rating with no configuration: the closing
    stages carry the module's template from the install on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = cls.env.ref("crm_extension.mail_template_ticket_rating_request")
        cls.team = cls.env["helpdesk.ticket.team"].create({"name": "Field Support"})
        cls.customer = cls.env["res.partner"].create(
            {"name": "Rita Rater", "email": "rita@rater.test"}
        )
        cls.done = cls.team._get_applicable_stages().filtered("closed")[:1]

    def _close_new_ticket(self, team):
        ticket = self.env["helpdesk.ticket"].create(
            {
                "name": "Noisy pump",
                "description": "It hums all night",
                "team_id": team.id,
                "partner_id": self.customer.id,
            }
        )
        ticket.stage_id = self.done
        return ticket

    def _rating_messages(self, ticket):
        return self.env["mail.message"].search(
            [
                ("model", "=", "helpdesk.ticket"),
                ("res_id", "=", ticket.id),
                ("subject", "like", "is closed: how did we do?"),
            ]
        )

    def test_every_team_closes_with_the_rating_request(self):
        Team = self.env["helpdesk.ticket.team"]
        default = Team._get_applicable_stages().filtered("closed")[:1]
        self.assertEqual(default.rating_mail_template_id, self.template)
        for team in Team.search([]):
            closing = team._get_applicable_stages().filtered("closed")[:1]
            self.assertEqual(closing.rating_mail_template_id, self.template, team.name)

    def test_closing_sends_the_rating_request(self):
        ticket = self._close_new_ticket(self.team)
        self.assertTrue(ticket.closed)
        rating = self.env["rating.rating"].search(
            [("res_model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)]
        )
        self.assertEqual(len(rating), 1)
        self.assertEqual(rating.partner_id, self.customer)
        message = self._rating_messages(ticket)
        self.assertEqual(len(message), 1)
        self.assertEqual(
            message.subject, f"Your request {ticket.number} is closed: how did we do?"
        )
        self.assertIn(self.customer, message.partner_ids)
        self.assertIn(f"/rate/{rating.access_token}/5", message.body)

    def test_team_setting_turns_the_request_off(self):
        self.team.rating_request = False
        ticket = self._close_new_ticket(self.team)
        self.assertTrue(ticket.closed)
        self.assertFalse(self._rating_messages(ticket))
        self.assertFalse(
            self.env["rating.rating"].search_count(
                [("res_model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)]
            )
        )

    def test_new_team_gets_its_closing_stage_set(self):
        closing = self.env["helpdesk.ticket.stage"].create(
            {"name": "Solved", "closed": True, "sequence": 0}
        )
        self.assertFalse(closing.rating_mail_template_id)
        team = self.env["helpdesk.ticket.team"].create({"name": "Night Shift"})
        self.assertEqual(team._get_applicable_stages().filtered("closed")[:1], closing)
        self.assertEqual(closing.rating_mail_template_id, self.template)

    def test_team_without_requests_leaves_stages_alone(self):
        closing = self.env["helpdesk.ticket.stage"].create(
            {"name": "Solved", "closed": True, "sequence": 0}
        )
        self.env["helpdesk.ticket.team"].create(
            {"name": "Internal IT", "rating_request": False}
        )
        self.assertFalse(closing.rating_mail_template_id)
