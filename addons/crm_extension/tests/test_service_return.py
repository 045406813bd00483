# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import ServiceCommon, ServiceHttpCommon


class ReturnDataMixin:
    """A delivered and invoiced sale order: 3 filters and one serial-tracked
    boiler (registered in the installed base on delivery)."""

    @classmethod
    def _setup_return_data(cls):
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.stock = cls.warehouse.lot_stock_id
        cls.customers = cls.env.ref("stock.stock_location_customers")
        cls.filter = cls.env["product.product"].create(
            {
                "name": "Water Filter",
                "type": "consu",
                "is_storable": True,
                "list_price": 10.0,
            }
        )
        cls.boiler = cls.env["product.product"].create(
            {
                "name": "Boiler B9",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "list_price": 900.0,
                "is_installed_base": True,
                "warranty_months": 24,
            }
        )
        cls.lots = cls.env["stock.lot"].create(
            [{"name": f"B9-{i}", "product_id": cls.boiler.id} for i in (1, 2)]
        )
        Quant = cls.env["stock.quant"]
        Quant._update_available_quantity(cls.filter, cls.stock, 10)
        for lot in cls.lots:
            Quant._update_available_quantity(cls.boiler, cls.stock, 1, lot_id=lot)
        cls.sale = cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "order_line": [
                    Command.create({"product_id": cls.filter.id, "product_uom_qty": 3}),
                    Command.create({"product_id": cls.boiler.id, "product_uom_qty": 1}),
                ],
            }
        )
        cls.sale.action_confirm()
        cls.delivery = cls.sale.picking_ids
        cls.delivery.action_assign()
        boiler_line = cls.delivery.move_line_ids.filtered(
            lambda ml: ml.product_id == cls.boiler
        )
        boiler_line.lot_id = cls.lots[0]
        cls.delivery.move_ids.picked = True
        cls.delivery.button_validate()
        cls.invoice = cls.sale._create_invoices()
        cls.invoice.action_post()
        cls.filter_line = cls.sale.order_line.filtered(
            lambda line: line.product_id == cls.filter
        )
        cls.boiler_line = cls.sale.order_line - cls.filter_line

    def _qty(self, product, location, lot=None):
        quants = self.env["stock.quant"]._gather(
            product, location, lot_id=lot, strict=True
        )
        return sum(quants.mapped("quantity"))


@tagged("post_install", "-at_install")
class TestServiceReturn(ReturnDataMixin, ServiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_return_data()

    def _return_form(self, source, outcome, quantities):
        """Open Return / Exchange from ``source`` as a user does, keep the
        quantities given per product (0 for the others), save."""
        action = source.action_return_exchange()
        form = Form(self.env["service.return"].with_context(**action["context"]))
        form.outcome = outcome
        for index in range(len(form.line_ids)):
            with form.line_ids.edit(index) as line:
                line.quantity = quantities.get(line.product_id, 0)
        return form.save()

    def test_delivered_lines_are_proposed(self):
        ret = self._return_form(self.sale, "refund", {})
        self.assertEqual(ret.partner_id, self.customer)
        self.assertEqual(ret.state, "draft")
        self.assertTrue(ret.name.startswith("RET/"))
        proposed = {
            (line.product_id, line.lot_id, line.move_id.picking_id)
            for line in ret.line_ids
        }
        self.assertEqual(
            proposed,
            {
                (self.filter, self.env["stock.lot"], self.delivery),
                (self.boiler, self.lots[0], self.delivery),
            },
        )

    def test_refund_makes_return_picking_and_credit_note(self):
        ret = self._return_form(self.sale, "refund", {self.filter: 2})
        ret.action_confirm()
        self.assertEqual(ret.state, "confirmed")
        self.assertEqual(len(ret.line_ids), 1, "lines not sent back are dropped")
        picking = ret.return_picking_id
        self.assertEqual(picking.picking_type_id.code, "incoming")
        self.assertEqual(picking.return_id, self.delivery)
        self.assertEqual(picking.move_ids.product_id, self.filter)
        self.assertEqual(picking.move_ids.product_uom_qty, 2)
        self.assertTrue(picking.move_ids.to_refund)
        self.assertIn(ret.name, picking.origin)
        # the goods come back into stock
        self.assertEqual(self._qty(self.filter, self.stock), 7)
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(self._qty(self.filter, self.stock), 9)
        self.assertEqual(self.filter_line.qty_delivered, 1)
        # a credit note reversing the invoice for what came back
        refund = ret.refund_ids
        self.assertEqual(refund.move_type, "out_refund")
        self.assertEqual(refund.reversed_entry_id, self.invoice)
        self.assertEqual(refund.state, "draft")
        self.assertEqual(
            [
                (line.product_id, line.quantity, line.price_unit)
                for line in refund.invoice_line_ids
            ],
            [(self.filter, 2.0, 10.0)],
        )
        self.assertEqual(refund.amount_untaxed, 20.0)
        refund.action_post()
        self.assertEqual(refund.state, "posted")
        self.assertEqual(self.filter_line.qty_invoiced, 1)
        # what is left to return shrinks
        self.assertEqual(
            {
                (vals["move_id"], vals["quantity"])
                for vals in self.sale._prepare_return_lines_vals()
                if vals["sale_line_id"] == self.filter_line.id
            },
            {(picking.move_ids.origin_returned_move_id.id, 1.0)},
        )
        self.assertEqual(self.sale.return_count, 1)
        self.assertEqual(self.customer.return_count, 1)

    def test_replacement_returns_the_serial_and_delivers_another(self):
        ret = self._return_form(self.sale, "replacement", {self.boiler: 1})
        ret.action_confirm()
        back = ret.return_picking_id
        self.assertEqual(back.move_line_ids.lot_id, self.lots[0])
        self.assertFalse(back.move_ids.to_refund)
        back.move_ids.picked = True
        back.button_validate()
        self.assertEqual(self._qty(self.boiler, self.stock, self.lots[0]), 1)
        replacement = ret.replacement_picking_id
        self.assertEqual(replacement.picking_type_id.code, "outgoing")
        self.assertEqual(replacement.partner_id, self.customer)
        self.assertEqual(replacement.move_ids.product_id, self.boiler)
        self.assertEqual(replacement.move_ids.product_uom_qty, 1)
        self.assertEqual(replacement.state, "assigned")
        self.assertFalse(ret.refund_ids)
        self.assertEqual(self.boiler_line.qty_delivered, 1, "still delivered")

    def test_repair_from_a_complaint_links_back(self):
        feedback = self._create_feedback(sale_order_id=self.sale.id)
        ret = self._return_form(feedback, "repair", {self.boiler: 1})
        self.assertEqual(ret.feedback_id, feedback)
        self.assertEqual(ret.reason, feedback.name)
        ret.action_confirm()
        repair = ret.repair_order_id
        equipment = self.env["customer.equipment"].search(
            [("lot_id", "=", self.lots[0].id)]
        )
        self.assertTrue(equipment, "the delivery registered the boiler")
        self.assertEqual(repair.service_type, "repair")
        self.assertEqual(repair.location_type, "workshop")
        self.assertEqual(repair.partner_id, self.customer)
        self.assertEqual(repair.equipment_id, equipment)
        self.assertIn("B9-1", repair.description)
        self.assertEqual(repair.feedback_id, feedback)
        self.assertEqual(feedback.return_count, 1)
        self.assertIn(
            f"Return {ret.name} confirmed: Repair.",
            feedback.message_ids.mapped("preview"),
        )

    def test_ticket_starts_a_return(self):
        feedback = self._create_feedback(sale_order_id=self.sale.id)
        feedback.action_create_ticket()
        ticket = feedback.ticket_id
        action = ticket.action_return_exchange()
        self.assertEqual(action["context"]["default_ticket_id"], ticket.id)
        self.assertEqual(action["context"]["default_sale_order_id"], self.sale.id)
        ret = self._return_form(ticket, "replacement", {self.filter: 1})
        ret.action_confirm()
        self.assertEqual(ticket.return_count, 1)
        self.assertIn(
            f"Return {ret.name} confirmed: Replacement.",
            ticket.message_ids.mapped("preview"),
        )

    def test_bad_returns_are_refused_and_change_nothing(self):
        Picking = self.env["stock.picking"]
        pickings_before = Picking.search_count([])
        moves_before = self.env["account.move"].search_count([])
        ret = self._return_form(self.sale, "refund", {self.filter: 4})
        with self.assertRaisesRegex(
            UserError, r"Water Filter: 4.0 asked back but only 3.0 of .* can still"
        ):
            ret.action_confirm()
        ret.line_ids.filtered(lambda line: line.product_id == self.filter).quantity = 0
        with self.assertRaisesRegex(UserError, "enter the quantity that comes back"):
            ret.action_confirm()
        self.assertEqual(ret.state, "draft")
        self.assertFalse(ret.return_picking_id)
        self.assertEqual(Picking.search_count([]), pickings_before)
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)
        # a lot that the delivery did not carry
        with self.assertRaises(ValidationError) as caught:
            ret.line_ids.filtered(lambda line: line.lot_id).lot_id = self.lots[1]
        self.assertIn("lot B9-2 was not delivered by this move", str(caught.exception))

    def test_refund_needs_a_posted_invoice(self):
        sale = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create({"product_id": self.filter.id, "product_uom_qty": 1})
                ],
            }
        )
        sale.action_confirm()
        sale.picking_ids.move_ids.quantity = 1
        sale.picking_ids.move_ids.picked = True
        sale.picking_ids.button_validate()
        ret = self._return_form(sale, "refund", {self.filter: 1})
        with self.assertRaisesRegex(
            UserError, "Water Filter has no posted invoice to refund"
        ):
            ret.action_confirm()
        self.assertFalse(ret.return_picking_id)

    def test_confirmed_return_cannot_be_confirmed_again_or_deleted(self):
        ret = self._return_form(self.sale, "replacement", {self.filter: 1})
        ret.action_confirm()
        with self.assertRaisesRegex(UserError, "already confirmed or cancelled"):
            ret.action_confirm()
        with self.assertRaisesRegex(UserError, "cancel those documents instead"):
            ret.unlink()
        self.assertEqual(len(ret.return_picking_id), 1)

    def test_return_counters_take_one_query(self):
        sales = self.sale | self.env["sale.order"].create(
            [{"partner_id": self.customer.id} for _i in range(20)]
        )
        self._return_form(self.sale, "replacement", {self.filter: 1})

        def queries(records):
            records.invalidate_recordset(["return_count"])
            before = self.env.cr.sql_log_count
            records.mapped("return_count")
            return self.env.cr.sql_log_count - before

        queries(sales)  # warm the caches
        self.assertEqual(queries(self.sale), queries(sales))
        self.assertEqual(sales.mapped("return_count"), [1] + [0] * 20)

    def test_portal_request_checks_quantities(self):
        Return = self.env["service.return"]
        move = self.filter_line.move_ids
        with self.assertRaisesRegex(
            ValidationError, r"Water Filter: return between 0 and 3.0"
        ):
            Return._create_portal_request(self.sale, {(move.id, 0): 5}, "Broken")
        with self.assertRaisesRegex(ValidationError, "Keep the reason under 2000"):
            Return._create_portal_request(self.sale, {(move.id, 0): 1}, "x" * 2001)
        with self.assertRaisesRegex(ValidationError, "can no longer be returned"):
            Return._create_portal_request(self.sale, {(move.id, 99999): 1}, "Broken")
        self.assertFalse(Return.search([("sale_order_id", "=", self.sale.id)]))
        ret = Return._create_portal_request(self.sale, {(move.id, 0): 2}, "Leaking")
        self.assertEqual(ret.state, "requested")
        self.assertEqual(ret.line_ids.quantity, 2)
        self.assertFalse(ret.return_picking_id)


@tagged("post_install", "-at_install")
class TestServiceReturnPortal(ReturnDataMixin, ServiceHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_return_data()
        cls.sale.message_subscribe(partner_ids=cls.customer_contact.ids)

    def test_portal_customer_requests_a_return(self):
        self.authenticate("acme_portal", "acme_portal")
        url = f"/my/orders/{self.sale.id}/return"
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Water Filter", page.text)
        self.assertIn("B9-1", page.text)
        move = self.filter_line.move_ids
        pickings_before = self.env["stock.picking"].search_count([])
        # bad input: the form comes back with the message, nothing is created
        bad = self.url_open(
            url,
            data={
                f"qty_{move.id}_0": "abc",
                "reason": "Leaking",
                "csrf_token": self._csrf(page.text),
            },
        )
        self.assertIn("Quantities must be numbers.", bad.text)
        self.assertFalse(
            self.env["service.return"].search([("sale_order_id", "=", self.sale.id)])
        )
        done = self.url_open(
            url,
            data={
                f"qty_{move.id}_0": "2",
                "reason": "<b>Leaking</b>",
                "csrf_token": self._csrf(page.text),
            },
        )
        self.assertEqual(done.status_code, 200)
        ret = self.env["service.return"].search([("sale_order_id", "=", self.sale.id)])
        self.assertEqual(ret.state, "requested")
        self.assertEqual(ret.reason, "<b>Leaking</b>")
        self.assertEqual(ret.line_ids.quantity, 2)
        self.assertEqual(self.env["stock.picking"].search_count([]), pickings_before)
        self.assertIn(ret.name, done.text)
        self.assertNotIn("<b>Leaking</b>", done.text, "user text is escaped")
        listing = self.url_open("/my/returns")
        self.assertIn(ret.name, listing.text)

    def test_other_customer_cannot_request_or_read(self):
        self.authenticate("globex_portal", "globex_portal")
        response = self.url_open(f"/my/orders/{self.sale.id}/return")
        self.assertEqual(response.status_code, 404)
        move = self.filter_line.move_ids
        response = self.url_open(
            f"/my/orders/{self.sale.id}/return",
            data={f"qty_{move.id}_0": "1", "reason": "x", "csrf_token": "bad"},
        )
        self.assertIn(response.status_code, (400, 404))
        self.assertFalse(
            self.env["service.return"].search([("sale_order_id", "=", self.sale.id)])
        )
        ret = self.env["service.return"].create(
            {"sale_order_id": self.sale.id, "reason": "test"}
        )
        page = self.url_open(f"/my/returns/{ret.id}")
        self.assertNotIn(ret.name, page.text)
        guessed = self.url_open(f"/my/returns/{ret.id}?access_token=0123456789abcdef")
        self.assertNotIn(ret.name, guessed.text)
        ret._portal_ensure_token()
        shared = self.url_open(f"/my/returns/{ret.id}?access_token={ret.access_token}")
        self.assertIn(ret.name, shared.text, "the real token opens it")
        self.assertNotIn(ret.name, self.url_open("/my/returns").text)

    def test_return_from_the_sale_order_in_the_browser(self):
        self.start_tour(
            f"/odoo/action-sale.action_orders/{self.sale.id}",
            "crm_extension_service_return",
            login="admin",
        )
        ret = self.env["service.return"].search([("sale_order_id", "=", self.sale.id)])
        self.assertEqual(ret.state, "confirmed")
        self.assertEqual(
            [(line.product_id, line.quantity) for line in ret.line_ids],
            [(self.filter, 2.0)],
        )
        self.assertEqual(ret.return_picking_id.move_ids.product_uom_qty, 2.0)
        self.assertEqual(ret.refund_ids.amount_untaxed, 20.0)

    def _csrf(self, html):
        marker = 'name="csrf_token" value="'
        start = html.index(marker) + len(marker)
        return html[start : html.index('"', start)]
