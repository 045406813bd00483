# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from dateutil.relativedelta import relativedelta
from psycopg2.errors import CheckViolation

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ServiceCommon, at


class ServicePartsCommon(ServiceCommon):
    """A warehouse with a technician's van holding real stock: two serials of
    a tracked part and ten units of an untracked one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.van = cls.env["stock.location"].create(
            {
                "name": "Van Tom",
                "usage": "internal",
                "location_id": cls.warehouse.view_location_id.id,
            }
        )
        cls.tech = cls.env["service.technician"].create(
            {
                "name": "Tom Tech",
                "user_id": cls.technician_user.id,
                "resource_calendar_id": cls._create_utc_calendar().id,
                "van_location_id": cls.van.id,
            }
        )
        cls.vendor = cls.env["res.partner"].create(
            {"name": "Pump Supplier", "is_company": True}
        )
        cls.pump = cls.env["product.product"].create(
            {
                "name": "Pump P1",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "list_price": 100.0,
                "standard_price": 40.0,
                "supplier_warranty": True,
                "seller_ids": [Command.create({"partner_id": cls.vendor.id})],
            }
        )
        cls.gasket = cls.env["product.product"].create(
            {
                "name": "Gasket G5",
                "type": "consu",
                "is_storable": True,
                "list_price": 12.0,
                "standard_price": 5.0,
            }
        )
        cls.labour = cls.env["product.product"].create(
            {
                "name": "Technician hour",
                "type": "service",
                "list_price": 60.0,
                "standard_price": 30.0,
            }
        )
        cls.pump_lots = cls.env["stock.lot"].create(
            [{"name": f"PUMP-{i}", "product_id": cls.pump.id} for i in (1, 2)]
        )
        Quant = cls.env["stock.quant"]
        for lot in cls.pump_lots:
            Quant._update_available_quantity(cls.pump, cls.van, 1, lot_id=lot)
        Quant._update_available_quantity(cls.gasket, cls.van, 10)
        cls.customer_location = cls.env.ref("stock.stock_location_customers")

    def _order(self, lines, **vals):
        return self.env["service.order"].create(
            {
                "partner_id": self.customer.id,
                "technician_id": self.tech.id,
                "scheduled_start": at(5, 9),
                "line_ids": [Command.create(line) for line in lines],
                **vals,
            }
        )

    def _warranty_equipment(self, serial):
        """A boiler of the customer's still under warranty for six months."""
        return self.env["customer.equipment"].create(
            {
                "name": "Boiler under warranty",
                "partner_id": self.customer.id,
                "serial": serial,
                "warranty_end_date": fields.Date.today() + relativedelta(months=6),
            }
        )

    def _qty(self, product, location, lot=None):
        quants = self.env["stock.quant"]._gather(
            product, location, lot_id=lot, strict=True
        )
        return sum(quants.mapped("quantity"))

    def _reserved(self, product, location):
        quants = self.env["stock.quant"]._gather(product, location)
        return sum(quants.mapped("reserved_quantity"))


@tagged("post_install", "-at_install")
class TestServiceParts(ServicePartsCommon):
    def _standard_order(self):
        return self._order(
            [
                {"product_id": self.pump.id, "lot_id": self.pump_lots[0].id},
                {"product_id": self.gasket.id, "quantity": 4},
                {"line_type": "labour", "product_id": self.labour.id, "quantity": 2},
            ]
        )

    def test_lines_default_from_van_pricelist_and_warranty(self):
        order = self._standard_order()
        pump_line, gasket_line, labour_line = order.line_ids
        self.assertEqual(pump_line.location_id, self.van)
        self.assertFalse(labour_line.location_id)
        self.assertEqual(gasket_line.product_uom_id, self.gasket.uom_id)
        self.assertEqual(gasket_line.price_unit, 12.0)
        self.assertTrue(all(order.line_ids.mapped("chargeable")))
        self.assertEqual(order.amount_charged, 100.0 + 4 * 12.0 + 2 * 60.0)
        self.assertEqual(order.amount_cost, 40.0 + 4 * 5.0 + 2 * 30.0)
        self.assertEqual(order.amount_margin, 268.0 - 120.0)
        # a technician without a van takes the parts from the warehouse
        order.technician_id = False
        self.assertEqual(pump_line.location_id, self.warehouse.lot_stock_id)

    def test_customer_pricelist_sets_the_price(self):
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Key accounts",
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": self.gasket.id,
                            "compute_price": "fixed",
                            "fixed_price": 9.5,
                        }
                    )
                ],
            }
        )
        self.customer.property_product_pricelist = pricelist
        order = self._order([{"product_id": self.gasket.id, "quantity": 2}])
        self.assertEqual(order.line_ids.price_unit, 9.5)
        self.assertEqual(order.amount_charged, 19.0)

    def test_schedule_reserves_done_consumes_returns_and_bills(self):
        order = self._standard_order()
        pump_line, gasket_line, labour_line = order.line_ids
        order.action_schedule()
        self.assertEqual(pump_line.move_ids.state, "assigned")
        self.assertEqual(gasket_line.move_ids.state, "assigned")
        self.assertFalse(labour_line.move_ids)
        self.assertEqual(self._reserved(self.gasket, self.van), 4)
        self.assertEqual(pump_line.move_ids.move_line_ids.lot_id, self.pump_lots[0])
        self.assertEqual(order.move_count, 2)

        order.action_start()
        gasket_line.quantity_used = 3
        order.action_done()

        # stock: the pump and 3 gaskets at the customer, the 4th is back in the van
        self.assertEqual(self._qty(self.gasket, self.van), 7)
        self.assertEqual(self._qty(self.gasket, self.customer_location), 3)
        self.assertEqual(self._qty(self.pump, self.van, self.pump_lots[0]), 0)
        self.assertEqual(self._qty(self.pump, self.van, self.pump_lots[1]), 1)
        self.assertEqual(
            self._qty(self.pump, self.customer_location, self.pump_lots[0]), 1
        )
        self.assertEqual(self._reserved(self.gasket, self.van), 0)
        # the lot is traced on the done move line
        done_pump = pump_line.move_ids.filtered(lambda m: m.state == "done")
        self.assertEqual(done_pump.move_line_ids.lot_id, self.pump_lots[0])
        self.assertEqual(done_pump.location_dest_id, self.customer_location)
        # the unused gasket went back by a reverse move
        back = gasket_line.move_ids.filtered("origin_returned_move_id")
        self.assertEqual(back.state, "done")
        self.assertEqual(back.quantity, 1)
        self.assertEqual(back.location_dest_id, self.van)
        order.invalidate_recordset(["move_count"])
        self.assertEqual(order.move_count, 3)

        # billing: one draft invoice through a new sale order for the customer
        invoice = order.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.partner_id, self.customer)
        self.assertEqual(invoice.state, "draft")
        amounts = {
            line.product_id: (line.quantity, line.price_unit, line.price_subtotal)
            for line in invoice.invoice_line_ids
        }
        self.assertEqual(
            amounts,
            {
                self.pump: (1.0, 100.0, 100.0),
                self.gasket: (3.0, 12.0, 36.0),
                self.labour: (2.0, 60.0, 120.0),
            },
        )
        self.assertEqual(invoice.amount_untaxed, 256.0)
        self.assertEqual(order.amount_charged, 256.0)
        self.assertEqual(order.amount_cost, 40.0 + 15.0 + 60.0)
        sale = gasket_line.sale_line_id.order_id
        self.assertEqual(sale.origin, order.name)
        self.assertEqual(gasket_line.sale_line_id.qty_delivered, 3)
        self.assertFalse(sale.picking_ids, "the service moves are the deliveries")
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        receivable = invoice.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertEqual(receivable.balance, invoice.amount_total)
        # done orders are locked
        with self.assertRaisesRegex(UserError, "can no longer change"):
            gasket_line.quantity = 1

    def test_originating_sale_order_is_billed(self):
        sale = self._create_sale_order()
        order = self._order(
            [{"line_type": "labour", "product_id": self.labour.id}],
            sale_order_id=sale.id,
        )
        order.action_schedule()
        order.action_start()
        order.action_done()
        labour_line = order.line_ids
        self.assertEqual(labour_line.sale_line_id.order_id, sale)
        self.assertEqual(labour_line.sale_line_id.qty_delivered, 1)
        invoice = order.invoice_ids
        self.assertEqual(
            invoice.invoice_line_ids.product_id,
            self.labour,
            "the rest of the sale order is left to its own invoicing",
        )
        self.assertEqual(invoice.amount_untaxed, 60.0)
        self.assertEqual(
            sale.order_line.filtered(
                lambda line: line.product_id == self.product
            ).qty_invoiced,
            0,
        )

    def test_warranty_equipment_books_cost_only_and_claims_the_vendor(self):
        equipment = self._warranty_equipment("W-1")
        order = self._order(
            [
                {"product_id": self.pump.id, "lot_id": self.pump_lots[1].id},
                {"product_id": self.gasket.id, "quantity": 2},
            ],
            equipment_id=equipment.id,
        )
        pump_line, gasket_line = order.line_ids
        self.assertFalse(pump_line.chargeable)
        self.assertEqual(pump_line.warranty_vendor_id, self.vendor)
        self.assertFalse(gasket_line.warranty_vendor_id, "no supplier warranty")
        order.action_schedule()
        order.action_start()
        order.action_done()
        self.assertEqual(order.amount_charged, 0.0)
        self.assertEqual(order.amount_cost, 40.0 + 10.0)
        self.assertFalse(pump_line.sale_line_id)
        self.assertFalse(
            self.env["sale.order"].search([("origin", "=", order.name)]),
            "nothing to bill under warranty",
        )
        self.assertEqual(self._qty(self.gasket, self.customer_location), 2)
        claim = order.invoice_ids
        self.assertEqual(claim.move_type, "in_refund")
        self.assertEqual(claim.partner_id, self.vendor)
        self.assertEqual(claim.state, "draft")
        self.assertEqual(claim.invoice_line_ids.product_id, self.pump)
        self.assertEqual(claim.amount_untaxed, 40.0)
        self.assertEqual(pump_line.warranty_claim_id, claim)

    def test_insufficient_stock_is_refused_and_nothing_changes(self):
        order = self._order(
            [
                {"product_id": self.pump.id, "lot_id": self.pump_lots[0].id},
                {"product_id": self.gasket.id, "quantity": 11},
            ]
        )
        moves_before = self.env["stock.move"].search_count([])
        with self.assertRaisesRegex(
            UserError, r"Not enough Gasket G5 in .*Van Tom: 10.0 Units free, 11.0"
        ):
            order.action_schedule()
        self.assertEqual(order.state, "draft")
        self.assertEqual(self.env["stock.move"].search_count([]), moves_before)
        self.assertEqual(self._reserved(self.gasket, self.van), 0)
        self.assertEqual(self._reserved(self.pump, self.van), 0)

    def test_serial_already_reserved_is_not_free(self):
        first = self._order(
            [{"product_id": self.pump.id, "lot_id": self.pump_lots[0].id}]
        )
        first.action_schedule()
        second = self._order(
            [{"product_id": self.pump.id, "lot_id": self.pump_lots[0].id}],
            scheduled_start=at(6, 9),
        )
        with self.assertRaisesRegex(UserError, r"Not enough Pump P1 \(PUMP-1\)"):
            second.action_schedule()
        self.assertEqual(second.state, "draft")
        self.assertFalse(second.move_ids)

    def test_tracked_part_needs_its_lot(self):
        order = self._order([{"product_id": self.pump.id}])
        with self.assertRaisesRegex(UserError, "choose the lot/serial of Pump P1"):
            order.action_schedule()
        self.assertEqual(order.state, "draft")
        self.assertFalse(order.move_ids)

    def test_line_validation_messages(self):
        order = self._order([])
        Line = self.env["service.order.line"]
        cases = [
            (
                {"line_type": "labour", "product_id": self.gasket.id},
                "Gasket G5 is not a service",
            ),
            ({"product_id": self.labour.id}, "Technician hour is a service"),
            (
                {"product_id": self.gasket.id, "lot_id": self.pump_lots[0].id},
                "Lot PUMP-1 is not a lot of Gasket G5",
            ),
            (
                {"product_id": self.pump.id, "quantity": 2},
                "Pump P1 is tracked by serial number",
            ),
            (
                {"product_id": self.gasket.id, "quantity": 2, "quantity_used": 3},
                r"the used quantity \(3.0\) must be between 0 and the planned",
            ),
        ]
        for vals, message in cases:
            with self.subTest(message=message):
                with self.assertRaises(ValidationError) as caught:
                    Line.create({"order_id": order.id, **vals})
                self.assertRegex(str(caught.exception), message)
        with mute_logger("odoo.sql_db"), self.assertRaises(CheckViolation):
            Line.create(
                {"order_id": order.id, "product_id": self.gasket.id, "quantity": 0}
            )
        order.invalidate_recordset()
        self.assertFalse(order.line_ids)

    def test_negative_stock_only_when_the_product_allows_it(self):
        filter_cartridge = self.env["product.product"].create(
            {
                "name": "Filter F1",
                "type": "consu",
                "is_storable": True,
                "list_price": 8.0,
                "allow_negative_stock": True,
            }
        )
        order = self._order([{"product_id": filter_cartridge.id, "quantity": 2}])
        order.action_schedule()
        order.action_start()
        order.action_done()
        self.assertEqual(self._qty(filter_cartridge, self.van), -2)
        self.assertEqual(self._qty(filter_cartridge, self.customer_location), 2)

    def test_cancel_releases_the_reservation(self):
        order = self._order([{"product_id": self.gasket.id, "quantity": 4}])
        order.action_schedule()
        self.assertEqual(self._reserved(self.gasket, self.van), 4)
        order.action_cancel()
        self.assertEqual(self._reserved(self.gasket, self.van), 0)
        self.assertEqual(order.move_ids.state, "cancel")

    def test_changing_technician_moves_the_reservation_to_the_new_van(self):
        other_van = self.env["stock.location"].create(
            {
                "name": "Van Ann",
                "usage": "internal",
                "location_id": self.warehouse.view_location_id.id,
            }
        )
        self.env["stock.quant"]._update_available_quantity(self.gasket, other_van, 5)
        ann = self.env["service.technician"].create(
            {
                "name": "Ann Tech",
                "user_id": self.service_user.id,
                "resource_calendar_id": self.tech.resource_calendar_id.id,
                "van_location_id": other_van.id,
            }
        )
        order = self._order([{"product_id": self.gasket.id, "quantity": 4}])
        order.action_schedule()
        order.technician_id = ann
        self.assertEqual(order.line_ids.location_id, other_van)
        self.assertEqual(self._reserved(self.gasket, self.van), 0)
        self.assertEqual(self._reserved(self.gasket, other_van), 4)

    def test_parts_need_no_inventory_rights(self):
        """Dispatchers and technicians have no inventory rights: the stock
        moves of the parts are read and handled as superuser."""
        order = self._order(
            [{"product_id": self.gasket.id, "quantity": 2, "quantity_used": 1}]
        )
        for user in (self.service_user, self.technician_user):
            self.assertFalse(user.has_group("stock.group_stock_user"))
        self.env.invalidate_all()  # nothing read as admin stays in the cache
        order.with_user(self.service_user).action_schedule()
        self.assertEqual(self._reserved(self.gasket, self.van), 2)
        as_tech = order.with_user(self.technician_user)
        self.env.invalidate_all()
        as_tech.action_start()
        self.env.invalidate_all()
        as_tech.action_done()
        self.assertEqual(order.state, "done")
        self.assertEqual(self._qty(self.gasket, self.van), 9)
        self.assertEqual(self._qty(self.gasket, self.customer_location), 1)

    def test_technician_done_bills_without_sale_rights(self):
        """The technician who marks the visit done has no right on sales or
        invoices: the draft invoice is made all the same."""
        order = self._order(
            [
                {"product_id": self.gasket.id, "quantity": 2},
                {"line_type": "labour", "product_id": self.labour.id},
            ]
        )
        self.assertFalse(
            self.technician_user.has_group("sales_team.group_sale_salesman")
        )
        self.assertFalse(
            self.technician_user.has_group("account.group_account_invoice")
        )
        order.action_schedule()
        as_tech = order.with_user(self.technician_user)
        self.env.invalidate_all()
        as_tech.action_start()
        as_tech.action_done()
        invoice = order.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.amount_untaxed, 2 * 12.0 + 60.0)
        # the new sale order that bills the visit is linked, and leads on to
        # the invoice
        sale = order.sale_order_id
        self.assertTrue(sale)
        self.assertEqual(sale.origin, order.name)
        self.assertEqual(sale.invoice_ids, invoice)
        action = order.action_view_sale_order()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("sale.order", sale.id)
        )

    def test_technician_records_parts_on_own_orders_only(self):
        order = self._order([])
        other = self._order([], technician_id=False)
        as_tech = self.env["service.order.line"].with_user(self.technician_user)
        line = as_tech.create(
            {"order_id": order.id, "product_id": self.gasket.id, "quantity": 1}
        )
        self.assertEqual(line.location_id, self.van)
        with self.assertRaises(AccessError):
            as_tech.create(
                {"order_id": other.id, "product_id": self.gasket.id, "quantity": 1}
            )
        self.assertFalse(other.line_ids)
        # the portal customer reads the lines of its own orders only
        portal_lines = self.env["service.order.line"].with_user(self.portal_user)
        self.assertEqual(portal_lines.search([]), line)
        self.assertFalse(
            self.env["service.order.line"].with_user(self.other_portal_user).search([])
        )

    def test_parts_consumption_analysis(self):
        billed = self._standard_order()
        equipment = self._warranty_equipment("W-2")
        covered = self._order(
            [{"product_id": self.gasket.id, "quantity": 2}],
            equipment_id=equipment.id,
            scheduled_start=at(6, 9),
        )
        draft = self._order([{"product_id": self.gasket.id}])
        for order in billed | covered:
            order.action_schedule()
            order.action_start()
            order.action_done()
        self.env.flush_all()
        Report = self.env["service.parts.report"]
        by_coverage = {
            coverage: (quantity, cost, revenue, margin)
            for coverage, quantity, cost, revenue, margin in Report._read_group(
                [("order_id", "in", (billed | covered | draft).ids)],
                ["coverage"],
                ["quantity:sum", "cost:sum", "revenue:sum", "margin:sum"],
            )
        }
        self.assertEqual(
            by_coverage,
            {
                "chargeable": (7.0, 40.0 + 20.0 + 60.0, 268.0, 148.0),
                "warranty": (2.0, 10.0, 0.0, -10.0),
            },
            "done orders only, by coverage",
        )
        by_product = dict(
            Report._read_group(
                [("technician_id", "=", self.tech.id), ("line_type", "=", "part")],
                ["product_id"],
                ["quantity:sum"],
            )
        )
        self.assertEqual(by_product, {self.pump: 1.0, self.gasket: 6.0})

    def test_done_refuses_parts_that_are_not_reserved(self):
        order = self._order([{"product_id": self.gasket.id, "quantity": 4}])
        order.action_schedule()
        order.action_start()
        # someone took 8 of the 10 gaskets from the van meanwhile
        self.env["stock.quant"]._update_available_quantity(self.gasket, self.van, -8)
        order.line_ids.move_ids._do_unreserve()
        order.line_ids.move_ids._action_assign()
        with self.assertRaisesRegex(
            UserError, r"only 2.0 of 4.0 Gasket G5 are reserved in .*Van Tom"
        ):
            order.action_done()
        self.assertEqual(order.state, "in_progress")
        self.assertEqual(self._qty(self.gasket, self.van), 2)
        self.assertEqual(self._qty(self.gasket, self.customer_location), 0)
