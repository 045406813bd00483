# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The flows of other apps that the module extends, run by those apps' own
users, with none of the module's groups: each flow still works, and the user
still cannot read the service records they had no right to."""

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .common import ServiceCommon
from .test_service_return import ReturnDataMixin


@tagged("post_install", "-at_install")
class TestCoexistence(ReturnDataMixin, ServiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_return_data()
        cls.salesperson = new_test_user(
            cls.env, login="plain_sales", groups="sales_team.group_sale_salesman"
        )
        cls.stock_user = new_test_user(
            cls.env, login="plain_stock", groups="stock.group_stock_user"
        )
        cls.billing_user = new_test_user(
            cls.env, login="plain_billing", groups="account.group_account_invoice"
        )
        cls.helpdesk_user = new_test_user(
            cls.env, login="plain_helpdesk", groups="helpdesk_mgmt.group_helpdesk_user"
        )
        cls.crm_user = new_test_user(
            cls.env, login="plain_crm", groups="sales_team.group_sale_salesman"
        )
        # the after-sales agent, who works in sales and in service
        cls.service_desk = new_test_user(
            cls.env,
            login="service_desk",
            groups="crm_extension.group_service_user,sales_team.group_sale_salesman_all_leads",
        )
        cls.installation = cls.env["product.product"].create(
            {
                "name": "Boiler Installation",
                "type": "service",
                "list_price": 150.0,
                "service_order_on_sale": True,
                "service_order_type": "installation",
            }
        )
        cls.appliance = cls.env["product.product"].create(
            {
                "name": "Dishwasher D4",
                "type": "consu",
                "is_storable": True,
                "is_installed_base": True,
                "warranty_months": 12,
                "list_price": 400.0,
            }
        )
        cls.env["stock.quant"]._update_available_quantity(cls.appliance, cls.stock, 5)

    def _assert_no_service_rights(self, user, model="service.order"):
        with self.assertRaises(AccessError):
            self.env[model].with_user(user).search([])

    def _quotation(self, user, products):
        return (
            self.env["sale.order"]
            .with_user(user)
            .create(
                {
                    "partner_id": self.customer.id,
                    "user_id": user.id,
                    "order_line": [
                        Command.create({"product_id": product.id, "product_uom_qty": 1})
                        for product in products
                    ],
                }
            )
        )

    # ------------------------------------------------------------------
    # Sales
    # ------------------------------------------------------------------
    def test_salesperson_confirms_cancels_and_resets_an_order(self):
        order = self._quotation(self.salesperson, self.product)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertFalse(
            self.env["service.order"].search([("sale_order_id", "=", order.id)])
        )
        order._action_cancel()
        self.assertEqual(order.state, "cancel")
        order.action_draft()
        self.assertEqual(order.state, "draft")
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self._assert_no_service_rights(self.salesperson)

    def test_salesperson_confirms_an_order_that_creates_a_service_order(self):
        order = self._quotation(self.salesperson, self.product | self.installation)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        service = self.env["service.order"].search([("sale_order_id", "=", order.id)])
        self.assertEqual(len(service), 1)
        self.assertEqual(service.partner_id, self.customer)
        self.assertEqual(service.service_type, "installation")
        self.assertEqual(service.sale_line_id.product_id, self.installation)
        # confirming again (after a cancel and reset) makes no second one
        order._action_cancel()
        order.action_draft()
        order.action_confirm()
        self.assertEqual(
            self.env["service.order"].search_count([("sale_order_id", "=", order.id)]),
            1,
        )
        self._assert_no_service_rights(self.salesperson)
        with self.assertRaises(AccessError):
            service.with_user(self.salesperson).read(["name"])

    def test_salesperson_opens_the_order_form(self):
        order = self._quotation(self.salesperson, self.product | self.installation)
        order.action_confirm()
        form = Form(order)
        self.assertEqual(form.state, "sale")
        self.assertNotIn("service_order_count", form._view["fields"])
        self.assertIn("feedback_count", form._view["fields"])
        # a service user still sees the counter
        service_form = Form(order.with_user(self.service_desk))
        self.assertEqual(service_form.service_order_count, 1)

    # ------------------------------------------------------------------
    # Inventory
    # ------------------------------------------------------------------
    def _delivery(self, product, qty=1):
        order = self._quotation(self.salesperson, product)
        order.order_line.product_uom_qty = qty
        order.action_confirm()
        return order, order.picking_ids.with_user(self.stock_user)

    def test_stock_user_validates_a_delivery_that_registers_equipment(self):
        order, picking = self._delivery(self.appliance, qty=2)
        picking.action_assign()
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        equipment = self.env["customer.equipment"].search(
            [("sale_order_id", "=", order.id)]
        )
        self.assertEqual(len(equipment), 2)
        self.assertEqual(equipment.partner_id, self.customer)
        self.assertEqual(equipment.product_id, self.appliance)
        self.assertTrue(all(unit.warranty_end_date for unit in equipment))
        # the stock user opens the equipment (employees may) but cannot change it
        form = Form(equipment[0].with_user(self.stock_user))
        self.assertEqual(form.breakdown_count, 0)
        self.assertNotIn("service_order_ids", form._view["fields"])
        with self.assertRaises(AccessError):
            equipment.with_user(self.stock_user).write({"state": "retired"})
        self._assert_no_service_rights(self.stock_user)

    def test_stock_user_returns_a_delivery_with_the_standard_wizard(self):
        order, picking = self._delivery(self.appliance)
        picking.action_assign()
        picking.move_ids.picked = True
        picking.button_validate()
        wizard = Form(
            self.env["stock.return.picking"]
            .with_user(self.stock_user)
            .with_context(active_id=picking.id, active_model="stock.picking")
        ).save()
        wizard.product_return_moves.quantity = 1
        action = wizard.action_create_returns()
        returned = (
            self.env["stock.picking"]
            .with_user(self.stock_user)
            .browse(action["res_id"])
        )
        returned.move_ids.picked = True
        returned.button_validate()
        self.assertEqual(returned.state, "done")
        self.assertEqual(self._qty(self.appliance, self.stock), 5)
        # the return registers no second unit
        self.assertEqual(
            self.env["customer.equipment"].search_count(
                [("sale_order_id", "=", order.id)]
            ),
            1,
        )

    def test_stock_user_validates_the_picking_of_a_service_return(self):
        ret = self._confirmed_return("refund")
        picking = ret.return_picking_id.with_user(self.stock_user)
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(self._qty(self.filter, self.stock), 8)
        self._assert_no_service_rights(self.stock_user, "service.return")

    def _confirmed_return(self, outcome):
        action = self.sale.with_user(self.service_desk).action_return_exchange()
        form = Form(
            self.env["service.return"]
            .with_user(self.service_desk)
            .with_context(**action["context"])
        )
        form.outcome = outcome
        for index in range(len(form.line_ids)):
            with form.line_ids.edit(index) as line:
                line.quantity = 1 if line.product_id == self.filter else 0
        ret = form.save()
        ret.action_confirm()
        return ret

    # ------------------------------------------------------------------
    # Invoicing
    # ------------------------------------------------------------------
    def test_billing_user_posts_an_invoice_and_a_return_credit_note(self):
        order = self._quotation(self.salesperson, self.product | self.installation)
        order.action_confirm()
        order.order_line.filtered(
            lambda line: line.product_id == self.installation
        ).qty_delivered = 1
        invoice = order.with_user(self.billing_user)._create_invoices()
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_untaxed, 650.0)
        Form(invoice)  # the invoice form opens for the billing user
        refund = self._confirmed_return("refund").refund_ids.with_user(
            self.billing_user
        )
        self.assertEqual(refund.state, "draft")
        refund.action_post()
        self.assertEqual(refund.state, "posted")
        self.assertEqual(refund.move_type, "out_refund")
        self.assertEqual(refund.amount_untaxed, 10.0)
        self._assert_no_service_rights(self.billing_user)
        self._assert_no_service_rights(self.billing_user, "service.return")

    # ------------------------------------------------------------------
    # Helpdesk
    # ------------------------------------------------------------------
    def test_helpdesk_user_closes_a_ticket_from_feedback(self):
        # no rating configuration: the closing stage sends the request
        closed = self.env["helpdesk.ticket.stage"].search(
            [("closed", "=", True)], limit=1
        )
        feedback = self._create_feedback()
        feedback.action_create_ticket()
        ticket = feedback.ticket_id.with_user(self.helpdesk_user)
        ticket.user_id = self.helpdesk_user
        Form(ticket)  # the ticket form opens for the helpdesk user
        in_progress = self.env["helpdesk.ticket.stage"].search(
            [("closed", "=", False), ("id", "!=", ticket.stage_id.id)], limit=1
        )
        ticket.stage_id = in_progress
        ticket.message_post(body="We are on it", message_type="comment")
        ticket.stage_id = closed
        self.assertTrue(ticket.closed)
        self.assertEqual(feedback.state, "resolved")
        self.assertIn(ticket.display_name, feedback.resolution)
        rating = self.env["rating.rating"].search(
            [("res_model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)]
        )
        self.assertEqual(len(rating), 1)
        self.assertEqual(rating.partner_id, feedback.partner_id)
        self.assertTrue(
            self.env["mail.mail"].search_count(
                [("model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)]
            )
            or self.env["mail.message"].search_count(
                [
                    ("model", "=", "helpdesk.ticket"),
                    ("res_id", "=", ticket.id),
                    ("body", "ilike", rating.access_token),
                ]
            )
        )
        self._assert_no_service_rights(self.helpdesk_user)
        with self.assertRaises(AccessError):
            feedback.with_user(self.helpdesk_user).write({"state": "new"})

    # ------------------------------------------------------------------
    # Contacts
    # ------------------------------------------------------------------
    def test_every_app_user_opens_a_partner(self):
        self._create_sale_order()
        self.env["service.order"].create(
            {"partner_id": self.customer.id, "description": "Check"}
        )
        users = (
            self.employee_user
            | self.salesperson
            | self.stock_user
            | self.billing_user
            | self.helpdesk_user
        )
        for user in users:
            with self.subTest(user=user.login):
                form = Form(self.customer.with_user(user))
                self.assertEqual(form.name, "Acme Repairs")
                self.assertNotIn("service_order_count", form._view["fields"])
                self.assertGreater(form.lifetime_value, 0)
        self.customer.invalidate_recordset()
        form = Form(self.customer.with_user(self.service_user))
        self.assertEqual(form.service_order_count, 1)

    # ------------------------------------------------------------------
    # CRM
    # ------------------------------------------------------------------
    def test_crm_user_works_a_replacement_opportunity(self):
        self.customer.user_id = self.crm_user
        self.boiler.replacement_lifetime_months = 12
        unit = self.env["customer.equipment"].create(
            {
                "name": "Old boiler",
                "partner_id": self.customer.id,
                "product_id": self.boiler.id,
                "serial": "OLD-1",
                "install_date": fields.Date.to_date("2020-01-01"),
            }
        )
        lead = unit._create_replacement_opportunities()
        self.assertEqual(len(lead), 1)
        self.assertEqual(lead.user_id, self.crm_user)
        lead = lead.with_user(self.crm_user)
        with Form(lead) as form:
            form.expected_revenue = 2500.0
        lead.action_set_won()
        self.assertEqual(lead.expected_revenue, 2500.0)
        self.assertTrue(lead.stage_id.is_won)
        # a won opportunity lets the next run open a new one when needed
        self.assertTrue(unit._create_replacement_opportunities())
        self._assert_no_service_rights(self.crm_user)
