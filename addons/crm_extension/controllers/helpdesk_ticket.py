# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from werkzeug.exceptions import BadRequest, NotFound

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.helpdesk_mgmt.controllers.main import HelpdeskTicketController
from odoo.addons.portal.controllers.portal import CustomerPortal


class HelpdeskTicketCloseSecure(HelpdeskTicketController):
    """``/ticket/close`` without helpdesk_mgmt's hole.

    Upstream (helpdesk_mgmt 18.0) answers GET, searches the ticket id from the
    query string with ``sudo()`` and moves it to any closing stage: any
    logged-in portal user could close any customer's ticket with a link. Here
    the route takes POST only, with Odoo's CSRF token, checks the caller's
    access with the portal rules or the ticket's access token before any
    ``sudo()``, and accepts only a closing stage the ticket's team may use.
    A ticket the caller cannot see and a ticket that does not exist get the
    same 404, so ids cannot be probed.
    """

    @http.route("/ticket/close", type="http", auth="user", methods=["POST"])
    def support_ticket_close(
        self, ticket_id=None, stage_id=None, access_token=None, **kw
    ):
        try:
            ticket_id, stage_id = int(ticket_id), int(stage_id)
        except (TypeError, ValueError) as error:
            raise NotFound() from error
        try:
            ticket_sudo = CustomerPortal._document_check_access(
                self, "helpdesk.ticket", ticket_id, access_token
            )
        except (AccessError, MissingError) as error:
            raise NotFound() from error
        try:
            ticket_sudo._close_from_portal(stage_id)
        except UserError as error:
            raise BadRequest(error.args[0]) from error
        return request.redirect(f"/my/ticket/{ticket_sudo.id}")
