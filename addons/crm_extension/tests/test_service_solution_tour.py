# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import tagged

from .common import ServiceHttpCommon


@tagged("post_install", "-at_install")
class TestServiceSolutionTour(ServiceHttpCommon):
    """Solutions in the browser: the agent's Solved by this on a ticket, and
    the customer who solves it alone while typing a new feedback."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Solution = cls.env["service.solution"]
        cls.leak = Solution.create(
            {
                "name": "Tour leaking tank",
                "symptoms": "Water leaking from the tank",
                "resolution": "<p>Replace the tank gasket.</p>",
                "state": "published",
                "portal_published": True,
                "lang": "en_US",
            }
        )
        Solution.create(
            {
                "name": "Tour cold coffee",
                "symptoms": "The tank water stays cold",
                "state": "published",
                "lang": "en_US",
            }
        )

    def test_agent_links_the_suggested_article(self):
        ticket = self.env["helpdesk.ticket"].create(
            {
                "name": "Tank leaking",
                "description": "<p>Water is leaking from the tank.</p>",
                "partner_id": self.customer_contact.id,
            }
        )
        self.start_tour(
            f"/odoo/action-helpdesk_mgmt.helpdesk_ticket_action/{ticket.id}",
            "crm_extension_solution_ticket",
            login="admin",
        )
        self.assertEqual(ticket.solution_id, self.leak)
        self.assertEqual(self.leak.use_count, 1)

    def test_customer_solves_it_alone(self):
        self.start_tour(
            "/my/feedback/new", "crm_extension_solution_portal", login="acme_portal"
        )
        self.assertEqual(self.leak.deflection_count, 1)
