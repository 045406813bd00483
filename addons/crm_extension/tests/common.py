# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import subprocess
from datetime import datetime

from odoo import SUPERUSER_ID, api
from odoo.tests import HttpCase, TransactionCase, new_test_user

# 2026-01-05 is a Monday: tests place their clocks in that week and the next.
MONDAY = datetime(2026, 1, 5)


def render_pdf_text(env, report_ref, ids):
    """Render a QWeb report as a real PDF (wkhtmltopdf) and return its text."""
    report = env["ir.actions.report"].with_context(force_report_rendering=True)
    pdf, kind = report._render_qweb_pdf(report_ref, ids)
    assert kind == "pdf" and pdf.startswith(b"%PDF"), f"{report_ref} is not a PDF"
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def at(day, hour, minute=0):
    """A moment of January 2026 (naive UTC), e.g. at(5, 9) is Monday 9:00."""
    return MONDAY.replace(day=day, hour=hour, minute=minute)


class ServiceDataMixin:
    """Shared data: two customers with a contact each, and one user per role
    (each user's password is its login)."""

    @classmethod
    def _setup_service_data(cls):
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create(
            {"name": "Acme Repairs", "is_company": True, "email": "info@acme.test"}
        )
        cls.customer_contact = Partner.create(
            {
                "name": "Alice Acme",
                "parent_id": cls.customer.id,
                "email": "alice@acme.test",
            }
        )
        cls.other_customer = Partner.create(
            {"name": "Globex", "is_company": True, "email": "info@globex.test"}
        )
        cls.other_contact = Partner.create(
            {
                "name": "Bob Globex",
                "parent_id": cls.other_customer.id,
                "email": "bob@globex.test",
            }
        )
        cls.technician_user = new_test_user(
            cls.env, login="svc_tech", groups="crm_extension.group_service_technician"
        )
        cls.service_user = new_test_user(
            cls.env, login="svc_user", groups="crm_extension.group_service_user"
        )
        cls.manager_user = new_test_user(
            cls.env, login="svc_manager", groups="crm_extension.group_service_manager"
        )
        cls.employee_user = new_test_user(
            cls.env, login="svc_employee", groups="base.group_user"
        )
        cls.portal_user = new_test_user(
            cls.env,
            login="acme_portal",
            groups="base.group_portal",
            partner_id=cls.customer_contact.id,
            email="alice@acme.test",
        )
        cls.other_portal_user = new_test_user(
            cls.env,
            login="globex_portal",
            groups="base.group_portal",
            partner_id=cls.other_contact.id,
            email="bob@globex.test",
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Coffee Machine X2", "type": "consu", "list_price": 500.0}
        )

    @classmethod
    def _create_other_company_manager(cls):
        """A Service Manager of another company, and of that company only."""
        other_company = cls.env["res.company"].create({"name": "Other Service Co"})
        return new_test_user(
            cls.env,
            login="other_co_manager",
            groups="crm_extension.group_service_manager",
            company_id=other_company.id,
            company_ids=[(6, 0, other_company.ids)],
        )

    @classmethod
    def _create_utc_calendar(cls, name="Office 8-12 13-17 (UTC)"):
        """Monday to Friday, 8:00-12:00 and 13:00-17:00 UTC."""
        return cls.env["resource.calendar"].create(
            {
                "name": name,
                "tz": "UTC",
                "attendance_ids": [
                    (
                        0,
                        0,
                        {
                            "name": f"{day} {period}",
                            "dayofweek": str(day),
                            "hour_from": start,
                            "hour_to": end,
                            "day_period": period,
                        },
                    )
                    for day in range(5)
                    for start, end, period in (
                        (8, 12, "morning"),
                        (13, 17, "afternoon"),
                    )
                ],
            }
        )

    @classmethod
    def _create_feedback(cls, **vals):
        return cls.env["customer.feedback"].create(
            {
                "name": "Machine leaks",
                "partner_id": cls.customer_contact.id,
                "feedback_type": "complaint",
                "priority": "1",
                **vals,
            }
        )

    @classmethod
    def _create_sale_order(cls, partner=None, confirm=True):
        order = cls.env["sale.order"].create(
            {
                "partner_id": (partner or cls.customer).id,
                "order_line": [
                    (0, 0, {"product_id": cls.product.id, "product_uom_qty": 1})
                ],
            }
        )
        if confirm:
            order.action_confirm()
        return order


class ServiceCommon(ServiceDataMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls._setup_service_data()


class ServiceHttpCommon(ServiceDataMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_service_data()

    @classmethod
    def _setup_tour_van(cls):
        """The tours' van "Tour Van" with 5 "Tour Gasket" (12.00), and the
        labour product "Tour Hour" (60.00)."""
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.van = cls.env["stock.location"].create(
            {
                "name": "Tour Van",
                "usage": "internal",
                "location_id": warehouse.view_location_id.id,
            }
        )
        cls.gasket = cls.env["product.product"].create(
            {
                "name": "Tour Gasket",
                "type": "consu",
                "is_storable": True,
                "list_price": 12.0,
            }
        )
        cls.hour = cls.env["product.product"].create(
            {"name": "Tour Hour", "type": "service", "list_price": 60.0}
        )
        cls.env["stock.quant"]._update_available_quantity(cls.gasket, cls.van, 5)


class TwoConnectionsMixin:
    """Two real connections, interleaved step by step by the test, on shared
    data that both must see: ``_make_shared_data(env)`` creates it and is
    committed on a connection of its own, ``self.data`` holds what it
    returns, ``self.envs`` are the two connections (superuser), and
    ``_remove_shared_data(env, data)`` deletes the data afterwards (as Odoo's
    own concurrency tests of account sequences do)."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            self.data = self._make_shared_data(
                api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            )
        self.envs = [
            api.Environment(self.registry.cursor(), SUPERUSER_ID, {})
            for _connection in range(2)
        ]
        self.addCleanup(self._close_connections)

    def _make_shared_data(self, env):
        raise NotImplementedError

    def _remove_shared_data(self, env, data):
        raise NotImplementedError

    def _close_connections(self):
        for env in self.envs:
            env.cr.rollback()
            env.cr.close()
        with self.registry.cursor() as cr:
            self._remove_shared_data(
                api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True}), self.data
            )
