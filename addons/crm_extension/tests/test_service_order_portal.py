# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import tagged

from .common import ServiceHttpCommon


@tagged("post_install", "-at_install")
class TestServiceOrderPortal(ServiceHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Order = cls.env["service.order"]
        cls.mine = Order.create(
            {"partner_id": cls.customer_contact.id, "description": "Acme boiler visit"}
        )
        labour = cls.env["product.product"].create(
            {"name": "Technician hour", "type": "service", "list_price": 60.0}
        )
        cls.env["service.order.line"].create(
            {
                "order_id": cls.mine.id,
                "line_type": "labour",
                "product_id": labour.id,
                "quantity": 2,
            }
        )
        cls.theirs = Order.create(
            {"partner_id": cls.other_contact.id, "description": "Globex secret visit"}
        )

    def test_portal_user_sees_own_orders_only(self):
        self.authenticate("acme_portal", "acme_portal")
        listing = self.url_open("/my/service-orders")
        self.assertEqual(listing.status_code, 200)
        self.assertIn(self.mine.name, listing.text)
        self.assertNotIn(self.theirs.name, listing.text)
        page = self.url_open(f"/my/service-orders/{self.mine.id}")
        self.assertIn("Acme boiler visit", page.text)
        self.assertIn("Technician hour", page.text)
        self.assertIn("120.00", page.text)
        stolen = self.url_open(f"/my/service-orders/{self.theirs.id}")
        self.assertNotIn("Globex secret visit", stolen.text)
        report = self.url_open(f"/my/service-orders/{self.theirs.id}?report_type=pdf")
        self.assertNotIn(self.theirs.name, report.text)
        guessed = self.url_open(
            f"/my/service-orders/{self.theirs.id}?access_token=guess&report_type=html"
        )
        self.assertNotIn("Globex secret visit", guessed.text)

    def test_report_with_access_token(self):
        self.authenticate(None, None)
        token = self.mine._portal_ensure_token()
        response = self.url_open(
            f"/my/service-orders/{self.mine.id}?access_token={token}&report_type=html"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.mine.name, response.text)
        self.assertIn("Service Report", response.text)
        self.assertIn("Technician hour", response.text)
