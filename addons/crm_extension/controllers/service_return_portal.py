# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import math

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager


class ServiceReturnPortal(CustomerPortal):
    """Customers' returns: the list, one return, and the request form of a
    delivered sale order.

    The list reads with the visitor's rights (portal rule: the commercial
    partner's returns). One return, and the sale order a request is made
    for, are checked with ``_document_check_access`` (rights or access
    token) before their sudo record is used."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "return_count" in counters:
            Return = request.env["service.return"]
            values["return_count"] = (
                Return.search_count([]) if Return.has_access("read") else 0
            )
        return values

    @http.route(
        ["/my/returns", "/my/returns/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_returns(self, page=1, **kw):
        Return = request.env["service.return"]
        if not Return.has_access("read"):
            return request.redirect("/my")
        total = Return.search_count([])
        pager = portal_pager(
            url="/my/returns", total=total, page=page, step=self._items_per_page
        )
        returns = Return.search([], limit=self._items_per_page, offset=pager["offset"])
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "returns": returns,
                "page_name": "service_return",
                "pager": pager,
                "default_url": "/my/returns",
            }
        )
        return request.render("crm_extension.portal_my_returns", values)

    @http.route(
        ["/my/returns/<int:return_id>"], type="http", auth="public", website=True
    )
    def portal_return_page(self, return_id, access_token=None, **kw):
        try:
            return_sudo = self._document_check_access(
                "service.return", return_id, access_token
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._get_page_view_values(
            return_sudo,
            access_token,
            {"service_return": return_sudo, "page_name": "service_return"},
            "my_returns_history",
            False,
        )
        return request.render("crm_extension.portal_return_page", values)

    @http.route(
        ["/my/orders/<int:order_id>/return"],
        type="http",
        auth="public",
        methods=["GET", "POST"],
        website=True,
    )
    def portal_return_request(self, order_id, access_token=None, **post):
        try:
            order_sudo = self._document_check_access(
                "sale.order", order_id, access_token
            )
        except (AccessError, MissingError):
            return request.not_found()
        error = None
        if request.httprequest.method == "POST":
            try:
                quantities = self._parse_return_quantities(post)
                return_sudo = (
                    request.env["service.return"]
                    .sudo()
                    ._create_portal_request(order_sudo, quantities, post.get("reason"))
                )
            except (UserError, ValidationError) as exc:
                error = exc.args[0]
            else:
                return request.redirect(
                    return_sudo.get_portal_url(query_string="&message=requested")
                )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "sale_order": order_sudo,
                "lines": order_sudo._prepare_return_lines_vals(),
                "moves": order_sudo.order_line.move_ids,
                "error": error,
                "post": post,
                "access_token": access_token,
                "page_name": "service_return",
            }
        )
        return request.render("crm_extension.portal_return_request", values)

    def _parse_return_quantities(self, post):
        """{(move id, lot id or 0): quantity} from the ``qty_<move>_<lot>``
        inputs of the request form."""
        quantities = {}
        for key, value in post.items():
            if not key.startswith("qty_") or not (value or "").strip():
                continue
            try:
                _prefix, move_id, lot_id = key.split("_")
                quantity = float(value)
                if not math.isfinite(quantity):
                    raise ValueError(value)
                quantities[(int(move_id), int(lot_id))] = quantity
            except ValueError as exc:
                raise ValidationError(
                    request.env._("Quantities must be numbers.")
                ) from exc
        return quantities
