# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import ServiceCommon


@tagged("post_install", "-at_install")
class TestCustomerEquipment(ServiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.boiler = cls.env["product.product"].create(
            {
                "name": "Boiler X200",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "is_installed_base": True,
                "warranty_months": 12,
                "maintenance_interval_days": 365,
                "list_price": 1500.0,
            }
        )
        cls.lots = cls.env["stock.lot"].create(
            [{"name": f"BX-{i}", "product_id": cls.boiler.id} for i in (1, 2)]
        )
        for lot in cls.lots:
            cls.env["stock.quant"]._update_available_quantity(
                cls.boiler, cls.warehouse.lot_stock_id, 1, lot_id=lot
            )

    def _deliver(self, product, qty, lots=None):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    (0, 0, {"product_id": product.id, "product_uom_qty": qty})
                ],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.action_assign()
        for move_line, lot in zip(picking.move_line_ids, lots or [], strict=False):
            move_line.lot_id = lot
        picking.move_ids.quantity = qty
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        return order, picking

    def test_delivery_registers_one_equipment_per_serial_once(self):
        order, picking = self._deliver(self.boiler, 2, self.lots)
        Equipment = self.env["customer.equipment"]
        equipment = Equipment.search([("sale_order_id", "=", order.id)])
        self.assertEqual(len(equipment), 2)
        self.assertEqual(set(equipment.mapped("serial")), {"BX-1", "BX-2"})
        self.assertEqual(equipment.partner_id, self.customer)
        today = fields.Date.context_today(equipment)
        self.assertEqual(
            set(equipment.mapped("warranty_end_date")),
            {today + relativedelta(months=12)},
        )
        self.assertTrue(all(equipment.mapped("under_warranty")))
        self.assertEqual(
            set(equipment.mapped("next_maintenance_date")),
            {equipment[0].install_date + relativedelta(days=365)},
        )
        # processing the same delivered lines again registers nothing more
        Equipment._create_from_move_lines(picking.move_line_ids)
        self.assertEqual(Equipment.search_count([("sale_order_id", "=", order.id)]), 2)
        self.assertEqual(
            Equipment.search_count(
                [("id", "in", equipment.ids), ("under_warranty", "=", True)]
            ),
            2,
        )

    def test_untracked_product_gives_one_record_per_unit(self):
        heater = self.env["product.product"].create(
            {"name": "Heater", "type": "consu", "is_installed_base": True}
        )
        order, _picking = self._deliver(heater, 2)
        equipment = self.env["customer.equipment"].search(
            [("sale_order_id", "=", order.id)]
        )
        self.assertEqual(len(equipment), 2)
        self.assertFalse(any(equipment.mapped("under_warranty")))

    def test_breakdowns_and_mtbf(self):
        equipment = self.env["customer.equipment"].create(
            {
                "name": "Third-party chiller",
                "partner_id": self.customer.id,
                "serial": "CH-9",
                "install_date": fields.Date.context_today(self.env.user)
                - relativedelta(days=100),
            }
        )
        Order = self.env["service.order"]
        repairs = Order.create(
            [
                {"partner_id": self.customer.id, "equipment_id": equipment.id}
                for _i in range(2)
            ]
        )
        repairs.write({"state": "done"})
        Order.create(
            {
                "partner_id": self.customer.id,
                "equipment_id": equipment.id,
                "service_type": "maintenance",
            }
        )
        equipment.invalidate_recordset()
        self.assertEqual(equipment.service_order_count, 3)
        self.assertEqual(equipment.breakdown_count, 2)
        self.assertEqual(equipment.mtbf_days, 50.0)

    def test_partner_equipment_count(self):
        self.env["customer.equipment"].create(
            [
                {"name": "A", "partner_id": self.customer_contact.id, "serial": "A-1"},
                {"name": "B", "partner_id": self.customer.id, "serial": "B-1"},
                {
                    "name": "Old",
                    "partner_id": self.customer.id,
                    "serial": "O-1",
                    "state": "retired",
                },
            ]
        )
        (self.customer | self.customer_contact).invalidate_recordset()
        self.assertEqual(self.customer.equipment_count, 2)
        self.assertEqual(self.customer_contact.equipment_count, 2)
        self.assertEqual(self.other_customer.equipment_count, 0)

    def test_maintenance_cron_is_idempotent(self):
        today = fields.Date.context_today(self.env.user)
        due, later = self.env["customer.equipment"].create(
            [
                {
                    "name": "Due",
                    "partner_id": self.customer.id,
                    "serial": "MAINT-1",
                    "install_date": today - relativedelta(days=360),
                    "maintenance_interval_days": 365,
                },
                {
                    "name": "Later",
                    "partner_id": self.customer.id,
                    "serial": "MAINT-2",
                    "install_date": today,
                    "maintenance_interval_days": 365,
                },
            ]
        )
        Equipment = self.env["customer.equipment"]
        first = Equipment._cron_schedule_maintenance(horizon_days=30)
        self.assertEqual(first.equipment_id, due)
        self.assertEqual(first.service_type, "maintenance")
        self.assertEqual(first.partner_id, self.customer)
        second = Equipment._cron_schedule_maintenance(horizon_days=30)
        self.assertFalse(second)
        self.assertEqual(
            self.env["service.order"].search_count(
                [("equipment_id", "in", (due | later).ids)]
            ),
            1,
        )
        # the visit is done: the next one moves a year on, nothing is due
        first.write({"state": "in_progress"})
        first.action_done()
        self.assertEqual(due.next_maintenance_date, today + relativedelta(days=365))
        self.assertFalse(Equipment._cron_schedule_maintenance(horizon_days=30))

    def test_serial_unique_per_product(self):
        values = {"name": "Chiller", "partner_id": self.customer.id, "serial": "DUP-1"}
        self.env["customer.equipment"].create(values)
        with self.assertRaises(ValidationError) as error:
            self.env["customer.equipment"].create(values)
        self.assertIn("Serial DUP-1 is already registered", str(error.exception))

    def test_portal_sees_own_equipment_only(self):
        mine = self.env["customer.equipment"].create(
            {"name": "Mine", "partner_id": self.customer.id, "serial": "M-1"}
        )
        theirs = self.env["customer.equipment"].create(
            {"name": "Theirs", "partner_id": self.other_customer.id, "serial": "T-1"}
        )
        Equipment = self.env["customer.equipment"].with_user(self.portal_user)
        self.assertEqual(Equipment.search([]), mine)
        with self.assertRaises(AccessError):
            Equipment.browse(theirs.id).read(["name"])
