# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import tagged

from .common import ServiceHttpCommon


@tagged("post_install", "-at_install")
class TestServicePartsTour(ServiceHttpCommon):
    """The dispatcher's flow in the browser: a new order, a part and labour
    on the Parts tab, Schedule; the part is then reserved in the van."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("base.user_admin").tz = "UTC"
        cls._setup_tour_van()
        cls.env["res.partner"].create({"name": "Tour Customer", "is_company": True})
        cls.env["service.technician"].create(
            {
                "name": "Tour Technician",
                "resource_calendar_id": cls._create_utc_calendar().id,
                "van_location_id": cls.van.id,
            }
        )

    def test_dispatcher_plans_parts_and_schedules(self):
        self.start_tour(
            "/odoo/action-crm_extension.action_service_order",
            "crm_extension_service_parts",
            login="admin",
        )
        order = self.env["service.order"].search(
            [("partner_id.name", "=", "Tour Customer")]
        )
        self.assertEqual(order.state, "scheduled")
        self.assertEqual(
            [
                (line.line_type, line.product_id.name, line.quantity)
                for line in order.line_ids
            ],
            [("part", "Tour Gasket", 3.0), ("labour", "Tour Hour", 1.0)],
        )
        self.assertEqual(order.amount_charged, 96.0)
        quant = self.env["stock.quant"]._gather(self.gasket, self.van, strict=True)
        self.assertEqual(quant.reserved_quantity, 3.0)
