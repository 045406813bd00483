# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.http import Request, _request_stack
from odoo.tests import tagged

from odoo.addons.helpdesk_mgmt.controllers.main import HelpdeskTicketController

from .common import ServiceHttpCommon


class _UpstreamRequest:
    """Just what helpdesk_mgmt's /ticket/close body reads: ``request.env``."""

    def __init__(self, env):
        self.env = env


@tagged("post_install", "-at_install")
class TestPortalTicketClose(ServiceHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.open_stage = cls.env["helpdesk.ticket.stage"].create(
            {"name": "Open (test)", "sequence": 1}
        )
        cls.close_stage = cls.env["helpdesk.ticket.stage"].create(
            {
                "name": "Solved by customer",
                "closed": True,
                "close_from_portal": True,
                "sequence": 99,
            }
        )
        Ticket = cls.env["helpdesk.ticket"]
        cls.acme_ticket = Ticket.create(
            {
                "name": "Acme printer",
                "description": "Acme's own ticket",
                "partner_id": cls.customer_contact.id,
                "stage_id": cls.open_stage.id,
            }
        )
        cls.globex_ticket = Ticket.create(
            {
                "name": "Globex printer",
                "description": "Globex's ticket",
                "partner_id": cls.other_contact.id,
                "stage_id": cls.open_stage.id,
            }
        )

    def _post_close(self, ticket_id, csrf=True, **extra):
        data = {"ticket_id": ticket_id, "stage_id": self.close_stage.id, **extra}
        if csrf:
            data["csrf_token"] = Request.csrf_token(self)
        return self.url_open("/ticket/close", data=data, allow_redirects=False)

    def test_upstream_route_lets_another_customer_close_the_ticket(self):
        """The hole: helpdesk_mgmt's own /ticket/close logic, run as Globex's
        portal user, closes Acme's ticket."""
        upstream = HelpdeskTicketController.support_ticket_close.original_endpoint
        _request_stack.push(_UpstreamRequest(self.env(user=self.other_portal_user)))
        try:
            upstream(
                HelpdeskTicketController(),
                ticket_id=str(self.acme_ticket.id),
                stage_id=str(self.close_stage.id),
            )
        finally:
            _request_stack.pop()
        self.assertEqual(self.acme_ticket.stage_id, self.close_stage)

    def test_other_customer_cannot_close_through_the_route(self):
        self.authenticate("globex_portal", "globex_portal")
        get = self.url_open(
            f"/ticket/close?ticket_id={self.acme_ticket.id}&stage_id={self.close_stage.id}"
        )
        self.assertEqual(get.status_code, 405)
        no_csrf = self._post_close(self.acme_ticket.id, csrf=False)
        self.assertEqual(no_csrf.status_code, 400)
        theirs = self._post_close(self.acme_ticket.id)
        self.assertEqual(theirs.status_code, 404)
        missing = self._post_close(999999999)
        self.assertEqual(missing.status_code, 404)
        guessed = self._post_close(self.acme_ticket.id, access_token="guessed-token")
        self.assertEqual(guessed.status_code, 404)
        self.assertEqual(self.acme_ticket.stage_id, self.open_stage)

    def test_owner_closes_own_ticket(self):
        self.authenticate("acme_portal", "acme_portal")
        page = self.url_open(f"/my/ticket/{self.acme_ticket.id}")
        self.assertIn('method="POST"', page.text)
        self.assertIn('name="csrf_token"', page.text)
        response = self._post_close(self.acme_ticket.id)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(
            response.headers["Location"].endswith(f"/my/ticket/{self.acme_ticket.id}")
        )
        self.assertEqual(self.acme_ticket.stage_id, self.close_stage)

    def test_stage_must_be_a_portal_closing_stage(self):
        self.authenticate("acme_portal", "acme_portal")
        response = self.url_open(
            "/ticket/close",
            data={
                "ticket_id": self.acme_ticket.id,
                "stage_id": self.open_stage.id,
                "csrf_token": Request.csrf_token(self),
            },
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.acme_ticket.stage_id, self.open_stage)
