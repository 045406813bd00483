# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import at
from .test_service_parts import ServicePartsCommon


@tagged("post_install", "-at_install")
@freeze_time(at(5, 7))
class TestVanReplenishment(ServicePartsCommon):
    """Monday 7:00: the van holds 10 gaskets and 2 pumps; orders of the
    next 7 days tell what it must hold."""

    def _replenishments(self):
        return self.env["stock.picking"].search(
            [("location_dest_id", "=", self.van.id), ("state", "!=", "cancel")]
        )

    def _gasket_move(self, picking):
        return picking.move_ids.filtered(lambda m: m.product_id == self.gasket)

    def test_replenish_reuse_and_validate(self):
        self._order(
            [
                {"product_id": self.gasket.id, "quantity": 8},
                {"product_id": self.pump.id, "lot_id": self.pump_lots[0].id},
                {"line_type": "labour", "product_id": self.labour.id},
            ]
        )
        second = self._order(
            [{"product_id": self.gasket.id, "quantity": 6}],
            scheduled_start=at(6, 9),
        )
        # beyond the horizon, another technician's, cancelled: not counted
        self._order(
            [{"product_id": self.gasket.id, "quantity": 5}],
            scheduled_start=at(20, 9),
        )
        self._order(
            [{"product_id": self.gasket.id, "quantity": 5}], technician_id=False
        )
        self._order([{"product_id": self.gasket.id, "quantity": 5}]).action_cancel()

        tech = self.tech.with_user(self.service_user)
        action = tech.action_replenish_van()
        picking = self._replenishments()
        self.assertEqual(len(picking), 1)
        self.assertEqual(action["res_model"], "stock.picking")
        self.assertEqual(action["res_id"], picking.id)
        self.assertEqual(picking.picking_type_id, self.warehouse.int_type_id)
        self.assertEqual(picking.location_id, self.warehouse.lot_stock_id)
        self.assertEqual(picking.location_dest_id, self.van)
        self.assertEqual(picking.origin, "Van replenishment: Tom Tech")
        self.assertEqual(picking.state, "confirmed", "WH/Stock holds no gasket")
        self.assertEqual(
            picking.move_ids.product_id, self.gasket, "the van holds the pump"
        )
        self.assertEqual(self._gasket_move(picking).product_uom_qty, 4)

        # three more gaskets: the open transfer is updated, not doubled
        self.env["service.order.line"].create(
            {"order_id": second.id, "product_id": self.gasket.id, "quantity": 3}
        )
        tech.action_replenish_van()
        self.assertEqual(self._replenishments(), picking)
        self.assertEqual(len(picking.move_ids), 1)
        self.assertEqual(self._gasket_move(picking).product_uom_qty, 7)

        # the warehouse receives gaskets: the transfer brings them to the van
        self.env["stock.quant"]._update_available_quantity(
            self.gasket, self.warehouse.lot_stock_id, 20
        )
        picking.action_assign()
        self.assertEqual(picking.state, "assigned")
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(self._qty(self.gasket, self.van), 17)
        self.assertEqual(self._qty(self.gasket, self.warehouse.lot_stock_id), 13)

        # now the van holds what the coming orders need
        with self.assertRaisesRegex(
            UserError,
            r"^Tom Tech's van already holds the parts of the coming orders\.$",
        ):
            tech.action_replenish_van()
        self.assertEqual(self._replenishments(), picking)

    def test_reserved_parts_are_not_counted_twice(self):
        # the scheduled order reserved 4 gaskets: 6 stay free for the draft one
        self._order([{"product_id": self.gasket.id, "quantity": 4}]).action_schedule()
        self._order(
            [{"product_id": self.gasket.id, "quantity": 8}],
            scheduled_start=at(6, 9),
        )
        self.tech.action_replenish_van()
        self.assertEqual(self._gasket_move(self._replenishments()).product_uom_qty, 2)

    def test_nothing_needed_and_no_van(self):
        self._order([{"product_id": self.gasket.id, "quantity": 10}])
        with self.assertRaisesRegex(
            UserError, "Tom Tech's van already holds the parts of the coming orders"
        ):
            self.tech.action_replenish_van()
        self.assertFalse(self._replenishments())
        vanless = self.env["service.technician"].create(
            {
                "name": "Vic Vanless",
                "resource_calendar_id": self.tech.resource_calendar_id.id,
            }
        )
        with self.assertRaisesRegex(
            UserError, "Vic Vanless has no van: set the van's stock location"
        ):
            (self.tech | vanless).action_replenish_van()

    def test_van_outside_any_warehouse(self):
        self.van.location_id = self.env.ref("stock.stock_location_locations")
        self._order([{"product_id": self.gasket.id, "quantity": 12}])
        with self.assertRaisesRegex(UserError, "Van Tom is in no warehouse"):
            self.tech.action_replenish_van()
        self.assertFalse(self._replenishments())

    def test_technicians_do_not_replenish(self):
        self._order([{"product_id": self.gasket.id, "quantity": 12}])
        with self.assertRaisesRegex(
            AccessError, "Only service users and managers can replenish vans"
        ):
            self.tech.with_user(self.technician_user).action_replenish_van()
        self.assertFalse(self._replenishments())

    def test_van_stock_actions(self):
        action = self.tech.action_view_van_stock()
        quants = self.env["stock.quant"].search(action["domain"])
        self.assertEqual(quants.location_id, self.van)
        self.assertEqual(quants.product_id, self.gasket | self.pump)
        # the menu: every technician's van, grouped by location
        other_van = self.env["stock.location"].create(
            {
                "name": "Van Ann",
                "usage": "internal",
                "location_id": self.warehouse.view_location_id.id,
            }
        )
        self.env["stock.quant"]._update_available_quantity(self.gasket, other_van, 3)
        self.env["service.technician"].create(
            {
                "name": "Ann Tech",
                "resource_calendar_id": self.tech.resource_calendar_id.id,
                "van_location_id": other_van.id,
            }
        )
        server_action = self.env.ref("crm_extension.action_service_van_stock")
        action = server_action.with_user(self.service_user).run()
        self.assertEqual(action["context"]["group_by"], ["location_id"])
        quants = self.env["stock.quant"].search(action["domain"])
        self.assertEqual(quants.location_id, self.van | other_van)
