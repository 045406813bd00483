# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager


class ServiceOrderPortal(CustomerPortal):
    """Customers' service orders: the list, one order with its report.

    Lists read with the visitor's rights (portal rule: the commercial
    partner's orders); one order is checked with ``_document_check_access``
    (rights or access token) before its sudo record is used."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "service_order_count" in counters:
            Order = request.env["service.order"]
            values["service_order_count"] = (
                Order.search_count([]) if Order.has_access("read") else 0
            )
        return values

    @http.route(
        ["/my/service-orders", "/my/service-orders/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_service_orders(self, page=1, **kw):
        Order = request.env["service.order"]
        if not Order.has_access("read"):
            return request.redirect("/my")
        total = Order.search_count([])
        pager = portal_pager(
            url="/my/service-orders", total=total, page=page, step=self._items_per_page
        )
        orders = Order.search(
            [],
            order="scheduled_start desc, id desc",
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "service_orders": orders,
                "page_name": "service_order",
                "pager": pager,
                "default_url": "/my/service-orders",
            }
        )
        return request.render("crm_extension.portal_my_service_orders", values)

    @http.route(
        ["/my/service-orders/<int:order_id>"], type="http", auth="public", website=True
    )
    def portal_service_order_page(
        self, order_id, access_token=None, report_type=None, download=False, **kw
    ):
        try:
            order_sudo = self._document_check_access(
                "service.order", order_id, access_token
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        if report_type in ("html", "pdf", "text"):
            return self._show_report(
                model=order_sudo,
                report_type=report_type,
                report_ref="crm_extension.action_report_service_order",
                download=download,
            )
        values = self._get_page_view_values(
            order_sudo,
            access_token,
            {"service_order": order_sudo, "page_name": "service_order"},
            "my_service_orders_history",
            False,
        )
        return request.render("crm_extension.portal_service_order_page", values)
