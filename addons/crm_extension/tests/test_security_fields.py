# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .test_service_parts import ServicePartsCommon

# internal figures of orders and lines, read by service users and managers only
ORDER_SECRETS = ("amount_cost", "amount_margin", "invoice_ids")
LINE_SECRETS = ("cost_amount", "warranty_vendor_id", "warranty_claim_id")


@tagged("post_install", "-at_install")
class TestFieldGroups(ServicePartsCommon):
    """Cost, margin and warranty claims never reach customers or technicians,
    whatever they call: read, search_read, fields_get or a search domain."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        equipment = cls.env["customer.equipment"].create(
            {"name": "Boiler", "partner_id": cls.customer.id, "serial": "FG-1"}
        )
        cls.order = cls._order(
            cls,
            [
                {"product_id": cls.pump.id, "lot_id": cls.pump_lots[0].id},
                {"line_type": "labour", "product_id": cls.labour.id},
            ],
            equipment_id=equipment.id,
        )
        cls.order.line_ids[0].chargeable = False  # booked to the vendor

    def test_portal_and_technician_never_read_cost_margin_or_claims(self):
        self.assertTrue(self.order.amount_cost)
        self.assertEqual(self.order.line_ids[0].warranty_vendor_id, self.vendor)
        for user in (self.portal_user, self.technician_user):
            orders = self.env["service.order"].with_user(user)
            lines = self.env["service.order.line"].with_user(user)
            with self.subTest(user=user.login):
                self.assertEqual(orders.search([]), self.order)
                readable = orders.fields_get(attributes=["type"])
                self.assertFalse(set(ORDER_SECRETS) & set(readable))
                self.assertFalse(set(LINE_SECRETS) & set(lines.fields_get()))
                # everything the user may read, and no internal figure in it
                rows = orders.search_read([], list(readable))
                self.assertEqual(len(rows), 1)
                self.assertFalse(set(ORDER_SECRETS) & set(rows[0]))
                self.assertIn("amount_charged", rows[0])
                line_rows = lines.search_read([], list(lines.fields_get()))
                self.assertEqual(len(line_rows), 2)
                self.assertFalse(set(LINE_SECRETS) & set(line_rows[0]))
                self.assertIn("price_unit", line_rows[0])
                for field_name in ORDER_SECRETS:
                    with self.assertRaisesRegex(AccessError, field_name):
                        orders.browse(self.order.id).read([field_name])
                for field_name in LINE_SECRETS:
                    with self.assertRaises(AccessError):
                        lines.browse(self.order.line_ids.ids).read([field_name])
                # nor guessed through a search domain
                with self.assertRaises(AccessError):
                    orders.search([("amount_cost", ">", 0)])
                with self.assertRaises(AccessError):
                    lines.search([("warranty_vendor_id", "=", self.vendor.id)])

    def test_service_users_and_managers_read_the_figures(self):
        for user in (self.service_user, self.manager_user):
            with self.subTest(user=user.login):
                order = self.order.with_user(user)
                row = order.read(["amount_cost", "amount_margin"])[0]
                self.assertEqual(row["amount_cost"], 40.0 + 30.0)
                self.assertEqual(row["amount_margin"], 60.0 - 70.0)
                line = order.line_ids[0].read(["cost_amount", "warranty_vendor_id"])
                self.assertEqual(line[0]["cost_amount"], 40.0)
                self.assertEqual(line[0]["warranty_vendor_id"][0], self.vendor.id)

    def test_partner_cost_and_margin_are_not_for_technicians(self):
        partner = self.customer.with_user(self.technician_user)
        fields = partner.fields_get()
        self.assertIn("lifetime_value", fields)
        self.assertNotIn("service_cost", fields)
        self.assertNotIn("service_margin", fields)
        with self.assertRaises(AccessError):
            partner.read(["service_margin"])
        self.assertIn(
            "service_margin",
            self.customer.with_user(self.service_user).read(["service_margin"])[0],
        )

    def test_form_views_hide_the_figures_from_technicians(self):
        arch = (
            self.env["service.order"]
            .with_user(self.technician_user)
            .get_view(view_type="form")["arch"]
        )
        for field_name in ("amount_cost", "amount_margin", "cost_amount"):
            self.assertNotIn(f'name="{field_name}"', arch)
        self.assertIn('name="amount_charged"', arch)
        arch = (
            self.env["service.order"]
            .with_user(self.service_user)
            .get_view(view_type="form")["arch"]
        )
        self.assertIn('name="amount_cost"', arch)
