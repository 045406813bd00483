# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from contextlib import contextmanager
from datetime import timedelta

from freezegun import freeze_time
from lxml import etree
from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import Request
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import (
    ServiceCommon,
    ServiceHttpCommon,
    TwoConnectionsMixin,
    at,
    render_pdf_text,
)
from .test_service_parts import ServicePartsCommon
from .test_service_return import ReturnDataMixin

# internal figures of orders and lines, read by service users and managers only
ORDER_SECRETS = ("amount_cost", "amount_margin", "invoice_ids")
LINE_SECRETS = ("cost_amount", "warranty_vendor_id", "warranty_claim_id")


class RefusalMixin:
    @contextmanager
    def assertRefused(self, exception, regex):
        """The call raises ``exception`` with a message matching ``regex``,
        and whatever it wrote is rolled back (unlike assertRaisesRegex)."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertRegex(caught.exception.args[0], regex)
        self.env.invalidate_all()


@tagged("post_install", "-at_install")
class TestFieldGroups(RefusalMixin, ServicePartsCommon):
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
                    with self.assertRefused(AccessError, field_name):
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


@tagged("post_install", "-at_install")
class TestTechnicianWrites(RefusalMixin, ServicePartsCommon):
    """Technicians record work, parts used, lots and signatures on their own
    orders; prices, billing, stock sources and customers stay with
    dispatchers, whatever the technician sends over RPC."""

    DISPATCHERS = r"is set by the dispatchers\. Ask a dispatcher to change it\."

    def setUp(self):
        super().setUp()
        self.order = self._order(
            [
                {"product_id": self.gasket.id, "quantity": 4},
                {"line_type": "labour", "product_id": self.labour.id},
            ]
        )
        self.gasket_line, self.labour_line = self.order.line_ids
        self.as_tech = self.order.with_user(self.technician_user)

    def _line_state(self):
        line = self.gasket_line
        return (line.price_unit, line.chargeable, line.location_id, line.quantity)

    def _form_readonly(self, user):
        arch = (
            self.env["service.order"]
            .with_user(user)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        tree = etree.fromstring(arch)
        return {
            name: tree.xpath(f"//field[@name='{name}'][not(ancestor::field)]")[0].get(
                "readonly"
            )
            for name in ("partner_id", "technician_id", "scheduled_start", "work_done")
        }

    def test_technician_form_shows_dispatch_fields_read_only(self):
        self.assertEqual(
            self._form_readonly(self.technician_user),
            {
                "partner_id": "1",
                "technician_id": "1",
                "scheduled_start": "1",
                # the work done stays the technician's to write
                "work_done": None,
            },
        )
        dispatcher = self._form_readonly(self.service_user)
        self.assertNotEqual(dispatcher["partner_id"], "1")
        self.assertNotEqual(dispatcher["technician_id"], "1")

    def test_technician_cannot_change_price_billing_or_source(self):
        before = self._line_state()
        line = self.gasket_line.with_user(self.technician_user)
        refused = {
            "price_unit": 0.0,
            "chargeable": False,
            "location_id": self.warehouse.lot_stock_id.id,
            "warranty_vendor_id": self.vendor.id,
        }
        for fname, value in refused.items():
            with self.subTest(field=fname):
                label = self.env["service.order.line"]._fields[fname].string
                with self.assertRefused(
                    AccessError, rf"the {label} of {self.order.name} {self.DISPATCHERS}"
                ):
                    line.write({fname: value, "quantity_used": 3})
        self.env.invalidate_all()
        self.assertEqual(self._line_state(), before)
        self.assertEqual(self.gasket_line.quantity_used, 4)

    def test_technician_cannot_change_customer_or_billing_order(self):
        sale = self._create_sale_order()
        for fname, value in (
            ("sale_order_id", sale.id),
            ("partner_id", self.other_customer.id),
            ("technician_id", False),
            ("scheduled_start", at(6, 9)),
        ):
            with self.subTest(field=fname):
                label = self.env["service.order"]._fields[fname].string
                with self.assertRefused(
                    AccessError, rf"the {label} of {self.order.name} {self.DISPATCHERS}"
                ):
                    self.as_tech.write({fname: value, "work_done": "Fixed"})
        self.env.invalidate_all()
        self.assertFalse(self.order.sale_order_id)
        self.assertEqual(self.order.partner_id, self.customer)
        self.assertEqual(self.order.technician_id, self.tech)
        self.assertFalse(self.order.work_done)

    def test_technician_moves_the_state_through_the_buttons_only(self):
        with self.assertRefused(
            AccessError, rf"Technicians move {self.order.name} through its buttons"
        ):
            self.as_tech.write({"state": "done"})
        self.assertEqual(self.order.state, "draft")
        self.order.with_user(self.service_user).action_schedule()
        self.as_tech.action_start()
        self.assertEqual(self.order.state, "in_progress")

    def test_technician_records_work_parts_lots_and_signature(self):
        self.order.with_user(self.service_user).action_schedule()
        self.as_tech.action_start()
        self.as_tech.write(
            {
                "work_done": "Replaced the gasket",
                "signature": "R0lGODlhAQABAAAAACw=",
                "signed_by": "Alice Acme",
                # what the web client sends back unchanged passes
                "partner_id": self.customer.id,
                "line_ids": [
                    Command.update(self.gasket_line.id, {"quantity_used": 3}),
                    Command.create(
                        {
                            "product_id": self.pump.id,
                            "lot_id": self.pump_lots[0].id,
                            # the values the form computed for the new line
                            "price_unit": 100.0,
                            "chargeable": True,
                            "location_id": self.van.id,
                        }
                    ),
                ],
            }
        )
        self.as_tech.action_done()
        self.assertEqual(self.order.state, "done")
        self.assertEqual(self.gasket_line.quantity_used, 3)
        pump_line = self.order.line_ids.filtered(lambda l: l.product_id == self.pump)
        self.assertEqual(pump_line.location_id, self.van)
        self.assertTrue(self.order.signed_on)

    def test_technician_cannot_add_a_free_part(self):
        lines = self.env["service.order.line"].with_user(self.technician_user)
        label = lines._fields["price_unit"].string
        with self.assertRefused(
            AccessError, rf"the {label} of {self.order.name} {self.DISPATCHERS}"
        ):
            lines.create(
                {
                    "order_id": self.order.id,
                    "product_id": self.gasket.id,
                    "price_unit": 0.0,
                }
            )
        self.assertEqual(len(self.order.line_ids), 2)

    def test_negative_price_refused_for_everyone(self):
        for user in (self.service_user, self.manager_user):
            with (
                self.subTest(user=user.login),
                self.assertRefused(
                    ValidationError, r"Gasket G5: the unit price cannot be negative"
                ),
            ):
                self.gasket_line.with_user(user).price_unit = -5.0
        self.env.invalidate_all()
        self.assertEqual(self.gasket_line.price_unit, 12.0)

    def test_source_location_is_the_van_or_the_warehouse(self):
        self.gasket_line.location_id = self.warehouse.lot_stock_id  # allowed
        outside = self.env["stock.location"].create(
            {"name": "Somewhere else", "usage": "internal"}
        )
        for location in (outside, self.customer_location):
            with (
                self.subTest(location=location.name),
                self.assertRefused(
                    ValidationError,
                    rf"{self.order.name}: Gasket G5 must come from the technician's "
                    r"van or a warehouse of .*, not from",
                ),
            ):
                self.gasket_line.with_user(self.service_user).location_id = location
        self.env.invalidate_all()
        self.assertEqual(self.gasket_line.location_id, self.warehouse.lot_stock_id)

    def test_billing_sale_order_belongs_to_the_customer(self):
        others = self._create_sale_order(partner=self.other_customer)
        message = (
            rf"{self.order.name}: the billing sale order must be one of "
            r"Acme Repairs's orders"
        )
        with self.assertRefused(ValidationError, message):
            self.order.with_user(self.service_user).sale_order_id = others
        self.env.invalidate_all()
        self.assertFalse(self.order.sale_order_id)
        own = self._create_sale_order()
        self.order.with_user(self.service_user).sale_order_id = own
        self.assertEqual(self.order.sale_order_id, own)


@tagged("post_install", "-at_install")
class TestSlaClock(RefusalMixin, ServiceCommon):
    """The SLA clock runs by itself: users cannot rewrite it to hide a
    breach, the module's own code and Service Managers can."""

    CLOCK = r"The service level clock \(.*%s.*\) runs by itself: only Service Managers"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.env["helpdesk.ticket.team"].create(
            {"name": "Clock team", "user_id": cls.manager_user.id}
        )
        cls.wait_stage = cls.env["helpdesk.ticket.stage"].create(
            {"name": "Waiting (clock)", "sequence": 50}
        )
        cls.policy = cls.env["service.sla.policy"].create(
            {
                "name": "Clock policy",
                "team_ids": [Command.link(cls.team.id)],
                "response_hours": 2,
                "resolution_hours": 8,
                "calendar_id": cls._create_utc_calendar().id,
                "pause_stage_ids": [Command.link(cls.wait_stage.id)],
            }
        )

    def _ticket(self):
        return self.env["helpdesk.ticket"].create(
            {
                "name": "Late boiler",
                "description": "No hot water",
                "partner_id": self.customer_contact.id,
                "team_id": self.team.id,
                "user_id": self.technician_user.id,
                "sla_start_date": at(5, 9),
            }
        )

    def test_technician_and_service_user_cannot_rewrite_the_clock(self):
        ticket = self._ticket()
        deadline = ticket.sla_deadline
        self.assertTrue(deadline)
        cases = (
            (self.technician_user, {"sla_paused_hours": 40.0}, "Paused"),
            (self.technician_user, {"sla_start_date": at(9, 9)}, "SLA Start"),
            (self.service_user, {"sla_status": "met"}, "SLA Status"),
            (self.service_user, {"escalation_level": 0}, "Escalation Level"),
        )
        for user, vals, label in cases:
            with self.subTest(user=user.login, vals=vals):
                with self.assertRefused(AccessError, self.CLOCK % label):
                    ticket.with_user(user).write(vals)
                # a context key sent over RPC is not the module's code
                with self.assertRefused(AccessError, self.CLOCK % label):
                    ticket.with_user(user).with_context(crm_ext_sla_clock=True).write(
                        vals
                    )
        self.assertEqual(ticket.sla_paused_hours, 0.0)
        self.assertEqual(ticket.sla_start_date, at(5, 9))
        self.assertEqual(ticket.sla_deadline, deadline)

    def test_nobody_but_managers_creates_a_backdated_clock(self):
        Feedback = self.env["customer.feedback"].with_user(self.technician_user)
        vals = {"name": "Leak", "partner_id": self.customer.id}
        with self.assertRefused(AccessError, self.CLOCK % "SLA Start"):
            Feedback.create({**vals, "sla_start_date": at(30, 9)})
        with self.assertRefused(AccessError, self.CLOCK % "SLA Start"):
            Feedback.with_context(default_sla_start_date=at(30, 9)).create(vals)
        self.assertFalse(self.env["customer.feedback"].search([("name", "=", "Leak")]))
        feedback = Feedback.create(vals)
        self.assertTrue(feedback.sla_start_date)

    def test_the_module_pauses_the_clock_and_managers_correct_it(self):
        ticket = self._ticket()
        as_tech = ticket.with_user(self.technician_user)
        with freeze_time(at(5, 10)):
            as_tech.stage_id = self.wait_stage
        self.assertEqual(ticket.sla_pause_start, at(5, 10))
        with freeze_time(at(5, 13, 30)):
            as_tech.stage_id = self.env["helpdesk.ticket.stage"].search(
                [("closed", "=", False), ("id", "!=", self.wait_stage.id)], limit=1
            )
        self.assertEqual(ticket.sla_paused_hours, 2.5)
        self.assertFalse(ticket.sla_pause_start)
        ticket.with_user(self.manager_user).sla_paused_hours = 1.0
        self.assertEqual(ticket.sla_paused_hours, 1.0)


@tagged("post_install", "-at_install")
class TestOpenReturnRequests(RefusalMixin, ReturnDataMixin, ServiceCommon):
    """Open return requests count against what can still come back, so a
    customer cannot file the same goods twice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_return_data()
        cls.move = cls.filter_line.move_ids
        cls.Return = cls.env["service.return"]

    def _returns(self):
        return self.Return.search([("sale_order_id", "=", self.sale.id)])

    def test_duplicate_portal_requests_are_refused(self):
        first = self.Return._create_portal_request(
            self.sale, {(self.move.id, 0): 2}, "Leaking"
        )
        with self.assertRefused(
            ValidationError,
            r"Water Filter: return between 0 and 1.0. 2.0 more are already asked "
            r"back in an open return request.",
        ):
            self.Return._create_portal_request(
                self.sale, {(self.move.id, 0): 2}, "Leaking again"
            )
        self.assertEqual(self._returns(), first)
        second = self.Return._create_portal_request(
            self.sale, {(self.move.id, 0): 1}, "The last one"
        )
        with self.assertRefused(
            ValidationError,
            r"Water Filter is already asked back in an open return request \(3.0\)",
        ):
            self.Return._create_portal_request(
                self.sale, {(self.move.id, 0): 1}, "Once more"
            )
        self.assertEqual(self._returns(), first | second)
        vals = self.sale._prepare_return_lines_vals()
        self.assertNotIn(self.move.id, [v["move_id"] for v in vals])

    def test_a_return_confirms_what_requests_leave(self):
        request = self.Return._create_portal_request(
            self.sale, {(self.move.id, 0): 2}, "Leaking"
        )
        ret = self.Return.with_user(self.service_user).create(
            {"sale_order_id": self.sale.id, "outcome": "replacement"}
        )
        filter_line = ret.line_ids.filtered(lambda l: l.move_id == self.move)
        self.assertEqual(filter_line.quantity, 1.0, "2 of 3 are requested")
        filter_line.quantity = 3
        with self.assertRefused(
            UserError,
            r"Water Filter: 3.0 asked back but only 1.0 of .* can still be returned. "
            r"2.0 are already asked back in open return requests",
        ):
            ret.with_user(self.service_user).action_confirm()
        self.assertEqual(ret.state, "draft")
        self.assertFalse(ret.return_picking_id)
        # the request itself is confirmed against what it asks
        request.outcome = "replacement"
        request.with_user(self.service_user).action_confirm()
        self.assertEqual(request.state, "confirmed")
        self.assertEqual(self.move._get_returnable_quantity(), 1.0)


@tagged("post_install", "-at_install")
class TestCompaniesApart(RefusalMixin, ServiceCommon):
    """Two companies serve one shared customer. A manager of company B
    only, and a manager of both working in A, then in A and B."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Branch B"})
        cls.b_manager = new_test_user(
            cls.env,
            login="b_manager",
            groups="crm_extension.group_service_manager",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        cls.both_manager = new_test_user(
            cls.env,
            login="ab_manager",
            groups="crm_extension.group_service_manager,"
            "sales_team.group_sale_salesman_all_leads,account.group_account_invoice",
            company_id=cls.company_a.id,
            company_ids=[Command.set((cls.company_a | cls.company_b).ids)],
        )
        cls.labour = cls.env["product.product"].create(
            {"name": "Hour", "type": "service", "list_price": 80.0, "company_id": False}
        )
        cls.orders = {}
        cls.feedback = {}
        for company, price in ((cls.company_a, 80.0), (cls.company_b, 1000.0)):
            env = cls.env(
                context=dict(cls.env.context, allowed_company_ids=company.ids)
            )
            order = env["service.order"].create(
                {
                    "partner_id": cls.customer.id,
                    "company_id": company.id,
                    "line_ids": [
                        Command.create(
                            {
                                "line_type": "labour",
                                "product_id": cls.labour.id,
                                "price_unit": price,
                            }
                        )
                    ],
                }
            )
            order.write({"state": "done"})
            cls.orders[company] = order
            feedback = env["customer.feedback"].create(
                {
                    "name": f"Rated in {company.name}",
                    "partner_id": cls.customer_contact.id,
                    "company_id": company.id,
                }
            )
            cls.feedback[company] = feedback
            env["rating.rating"].create(
                {
                    "res_model_id": env["ir.model"]._get_id("customer.feedback"),
                    "res_id": feedback.id,
                    "partner_id": cls.customer_contact.id,
                    "rating": 1 if company == cls.company_b else 5,
                    "feedback": f"Comment for {company.name}",
                    "consumed": True,
                }
            )
        calendar_b = cls._create_utc_calendar()
        calendar_b.company_id = cls.company_b
        cls.policy_b = cls.env["service.sla.policy"].create(
            {
                "name": "B policy",
                "company_id": cls.company_b.id,
                "calendar_id": calendar_b.id,
                "escalation_ids": [Command.create({"level": 1})],
            }
        )
        cls.zone_b = cls.env["service.zone"].create(
            {"name": "B zone", "zip_prefixes": "75", "company_id": cls.company_b.id}
        )
        cls.technician_b = cls.env["service.technician"].create(
            {"name": "Bea", "company_id": cls.company_b.id}
        )

    def _as(self, user, companies):
        return self.env(user=user, context={"allowed_company_ids": companies.ids})[
            "res.partner"
        ].browse(self.customer.id)

    def test_partner_figures_follow_the_companies_at_work(self):
        in_a = self._as(self.both_manager, self.company_a)
        self.assertEqual(in_a.service_revenue, 80.0)
        self.assertEqual(in_a.rating_count, 1)
        self.assertEqual(in_a.satisfaction_avg, 5.0)
        in_both = self._as(self.both_manager, self.company_a | self.company_b)
        self.assertEqual(in_both.service_revenue, 1080.0)
        self.assertEqual(in_both.rating_count, 2)
        only_b = self._as(self.b_manager, self.company_b)
        self.assertEqual(only_b.service_revenue, 1000.0)
        self.assertEqual(only_b.satisfaction_avg, 1.0)

    def test_customer_360_shows_the_companies_at_work(self):
        data = self._as(self.both_manager, self.company_a)._crm_ext_customer_360_data()
        self.assertEqual(
            data["ratings"].mapped("feedback"), [f"Comment for {self.company_a.name}"]
        )
        data = self._as(
            self.both_manager, self.company_a | self.company_b
        )._crm_ext_customer_360_data()
        self.assertEqual(len(data["ratings"]), 2)
        text = render_pdf_text(
            self.env(
                user=self.both_manager,
                context={"allowed_company_ids": self.company_a.ids},
            ),
            "crm_extension.action_report_customer_360",
            self.customer.ids,
        )
        self.assertIn("Comment for", text)
        self.assertNotIn("Comment for Branch B", text)
        self.assertNotIn("1,080.00", text)

    def test_reports_zones_and_escalations_stay_in_their_company(self):
        self.env.flush_all()
        for model, record in (
            ("customer.satisfaction.report", None),
            ("service.sla.escalation", self.policy_b.escalation_ids),
            ("service.zone", self.zone_b),
        ):
            with self.subTest(model=model):
                env_a = self.env(
                    user=self.both_manager,
                    context={"allowed_company_ids": self.company_a.ids},
                )
                env_ab = self.env(
                    user=self.both_manager,
                    context={
                        "allowed_company_ids": (self.company_a | self.company_b).ids
                    },
                )
                if record is None:
                    rows_a = env_a[model].search(
                        [("partner_id", "=", self.customer.id)]
                    )
                    rows_ab = env_ab[model].search(
                        [("partner_id", "=", self.customer.id)]
                    )
                    self.assertEqual(rows_a.company_id, self.company_a)
                    self.assertEqual(
                        rows_ab.company_id, self.company_a | self.company_b
                    )
                else:
                    self.assertFalse(env_a[model].search([("id", "in", record.ids)]))
                    self.assertEqual(
                        env_ab[model].search([("id", "in", record.ids)]), record
                    )
        # a portal user reads no SLA policy at all
        self.assertFalse(
            self.env["service.sla.policy"]
            .with_user(self.portal_user)
            .has_access("read")
        )

    def test_company_bound_records_do_not_mix(self):
        order_a = self.orders[self.company_a]
        cases = (
            (
                "service.order",
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company_a.id,
                    "technician_id": self.technician_b.id,
                },
            ),
            (
                "service.order",
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company_a.id,
                    "feedback_id": self.feedback[self.company_b].id,
                },
            ),
            (
                "customer.feedback",
                {
                    "name": "Mixed",
                    "partner_id": self.customer.id,
                    "company_id": self.company_b.id,
                    "ticket_id": self.env["helpdesk.ticket"]
                    .create(
                        {
                            "name": "A ticket",
                            "description": "A",
                            "partner_id": self.customer.id,
                        }
                    )
                    .id,
                },
            ),
        )
        env_ab = self.env(
            user=self.both_manager,
            context={"allowed_company_ids": (self.company_a | self.company_b).ids},
        )
        for model, vals in cases:
            with self.subTest(model=model, vals=sorted(vals)):
                count = env_ab[model].search_count([])
                with self.assertRefused(UserError, "Incompatible companies on records"):
                    env_ab[model].create(vals)
                self.assertEqual(env_ab[model].search_count([]), count)
        # the user of company B alone reads nothing of A
        self.assertFalse(
            self.env["service.order"]
            .with_user(self.b_manager)
            .search([("id", "=", order_a.id)])
        )


@tagged("post_install", "-at_install")
class TestApiRequest(RefusalMixin, ServiceCommon):
    """service.order.api_request: typed and sized input, a retry or a racing
    duplicate returns the existing order, errors name nothing unreadable."""

    def _api(self, vals):
        return self.env["service.order"].with_user(self.service_user).api_request(vals)

    def _count(self):
        return self.env["service.order"].search_count([])

    def test_bad_types_and_sizes_are_refused(self):
        base = {"description": "Boiler leaks", "partner_id": self.customer.id}
        cases = (
            ({**base, "description": 42}, "Field description: expected text, got int."),
            (
                {**base, "description": {"text": "x"}},
                "Field description: expected text, got dict.",
            ),
            (
                {**base, "description": "x" * 20001},
                "Field description: 20001 characters, at most 20000.",
            ),
            ({**base, "external_ref": ["A"]}, "Field external_ref: expected text"),
            ({**base, "external_ref": "R" * 129}, "Field external_ref: 129 characters"),
            ({**base, "service_type": ["repair"]}, "Field service_type: .* is not one"),
            ({**base, "priority": 3}, "Field priority: '3' is not one of"),
            ({**base, "partner_id": "12"}, "Field partner_id: no customer with id 12"),
            ({**base, "partner_id": True}, "Field partner_id: no customer with id"),
            (
                {"description": "x", "partner_ref": {"ref": 1}},
                "Field partner_ref: expected text, got dict.",
            ),
            ({"description": "x", "email": 7}, "Field email: expected text, got int."),
        )
        count = self._count()
        for vals, message in cases:
            with (
                self.subTest(vals=str(vals)[:60]),
                self.assertRefused(ValidationError, message),
            ):
                self._api(vals)
        self.assertEqual(self._count(), count)

    def test_unreadable_customer_is_unknown_and_not_named(self):
        other_company = self.env["res.company"].create({"name": "Hidden Co"})
        hidden = self.env["res.partner"].create(
            {"name": "Secret Customer", "company_id": other_company.id}
        )
        with self.assertRefused(
            ValidationError, rf"^Field partner_id: no customer with id {hidden.id}\.$"
        ):
            self._api({"description": "x", "partner_id": hidden.id})

    def test_retry_returns_the_existing_order(self):
        vals = {
            "description": "No heat",
            "partner_id": self.customer.id,
            "external_ref": "CALL-1",
        }
        first = self._api(vals)
        self.assertTrue(first["created"])
        again = self._api(vals)
        self.assertEqual(again, {**first, "created": False})

    def test_racing_duplicate_returns_the_order_the_other_request_made(self):
        """Another request created and committed CALL-RACE after this
        transaction began: its snapshot cannot see that order, the insert
        hits the unique key, and the answer is the committed order."""
        self.env["service.order"].search_count([])  # this snapshot has begun
        # a customer both transactions see: committed before either began
        customer = self.env.company.partner_id
        with self.registry.cursor() as cr:
            other = api.Environment(cr, SUPERUSER_ID, {})["service.order"].create(
                {
                    "partner_id": customer.id,
                    "description": "From the other request",
                    "external_ref": "CALL-RACE",
                }
            )
            committed = {"id": other.id, "name": other.name}
        self.addCleanup(self._remove_committed_order, committed["id"])
        self.assertFalse(
            self.env["service.order"].search([("external_ref", "=", "CALL-RACE")])
        )
        with mute_logger("odoo.sql_db"):
            answer = self._api(
                {
                    "description": "No heat",
                    "partner_id": customer.id,
                    "external_ref": "CALL-RACE",
                }
            )
        self.assertEqual(answer, {**committed, "created": False})
        self.assertFalse(
            self.env["service.order"].search(
                [("external_ref", "=", "CALL-RACE"), ("id", "!=", committed["id"])]
            )
        )

    def _remove_committed_order(self, order_id):
        with self.registry.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["service.order"].browse(
                order_id
            ).unlink()


@tagged("post_install", "-at_install")
class TestFeedbackRateLimit(ServiceHttpCommon):
    """The public feedback form takes 5 submissions per client address in
    10 minutes by default; beyond, it asks to try again later and files
    nothing. The counter lives in the database."""

    def _submit(self, subject):
        return self.url_open(
            "/feedback/submit",
            data={
                "contact_name": "Visitor",
                "email": "visitor@example.test",
                "name": subject,
                "feedback_type": "suggestion",
                "csrf_token": Request.csrf_token(self),
            },
        )

    def test_sixth_submission_in_ten_minutes_is_refused(self):
        self.assertEqual(self.env.company.feedback_rate_limit, 5)
        self.assertEqual(self.env.company.feedback_rate_window_minutes, 10)
        self.authenticate(None, None)
        Feedback = self.env["customer.feedback"]
        for n in range(5):
            self.assertNotIn("try again later", self._submit(f"Idea {n}").text)
        self.assertEqual(Feedback.search_count([("name", "=like", "Idea %")]), 5)
        refused = self._submit("Idea 6")
        self.assertEqual(refused.status_code, 200)
        self.assertIn("please try again later", refused.text)
        self.assertFalse(Feedback.search([("name", "=", "Idea 6")]))
        hits = self.env["crm.ext.rate.limit"].search([])
        self.assertEqual(len(hits), 5)
        self.assertNotIn("127.0.0.1", hits[0].key, "addresses are not kept in clear")

    def test_a_company_turns_the_limit_off(self):
        self.env.company.feedback_rate_limit = 0
        self.authenticate(None, None)
        for n in range(7):
            self._submit(f"Open idea {n}")
        self.assertEqual(
            self.env["customer.feedback"].search_count(
                [("name", "=like", "Open idea %")]
            ),
            7,
        )


@tagged("post_install", "-at_install")
class TestRateLimitWindow(ServiceCommon):
    def test_window_addresses_settings_and_cleanup(self):
        Limit = self.env["crm.ext.rate.limit"]
        with freeze_time(at(5, 9)):
            for _n in range(2):
                Limit._record_hit("public_feedback", "10.0.0.1")
            self.assertTrue(Limit._is_limited("public_feedback", "10.0.0.1", 2, 10))
            self.assertFalse(Limit._is_limited("public_feedback", "10.0.0.2", 2, 10))
        with freeze_time(at(5, 9, 11)):
            self.assertFalse(Limit._is_limited("public_feedback", "10.0.0.1", 2, 10))
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.env.company.feedback_rate_limit = -1
        with freeze_time(at(7, 9)):
            Limit._gc_hits()
        self.assertFalse(Limit.search([]))


@tagged("post_install", "-at_install")
class TestCronsRunTwiceAtOnce(TwoConnectionsMixin, TransactionCase):
    """The maintenance cron and van replenishment, run by two transactions
    at once on two real connections: the second one began before the first
    committed, so its snapshot misses the first one's records. The row lock
    makes it fail with a serialization error (Odoo retries the request or
    the job), and the retry makes nothing twice."""

    def _make_shared_data(self, env):
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", env.company.id)], limit=1
        )
        partner = env["res.partner"].create({"name": "Twice customer"})
        equipment = env["customer.equipment"].create(
            {
                "name": "Twice boiler",
                "partner_id": partner.id,
                "serial": "TWICE-1",
                "next_maintenance_date": fields.Date.today(),
            }
        )
        van = env["stock.location"].create(
            {
                "name": "Twice van",
                "usage": "internal",
                "location_id": warehouse.view_location_id.id,
            }
        )
        part = env["product.product"].create(
            {"name": "Twice valve", "type": "consu", "is_storable": True}
        )
        technician = env["service.technician"].create(
            {"name": "Twice technician", "van_location_id": van.id}
        )
        order = env["service.order"].create(
            {
                "partner_id": partner.id,
                "technician_id": technician.id,
                "scheduled_start": fields.Datetime.now() + timedelta(days=1),
                "line_ids": [Command.create({"product_id": part.id})],
            }
        )
        return {
            "partner": partner.id,
            "equipment": equipment.id,
            "van": van.id,
            "part": part.id,
            "technician": technician.id,
            "order": order.id,
        }

    def _remove_shared_data(self, env, data):
        pickings = env["stock.picking"].search([("location_dest_id", "=", data["van"])])
        pickings.action_cancel()
        pickings.move_ids.unlink()
        pickings.unlink()
        env["service.order"].search([("partner_id", "=", data["partner"])]).unlink()
        env["customer.equipment"].browse(data["equipment"]).unlink()
        env["service.technician"].browse(data["technician"]).unlink()
        env["product.product"].browse(data["part"]).unlink()
        env["stock.location"].browse(data["van"]).unlink()
        env["res.partner"].browse(data["partner"]).unlink()

    def test_maintenance_cron_twice_makes_one_order(self):
        env1, env2 = self.envs
        env2.cr.execute("SELECT 1")  # the second run's snapshot is taken
        made = env1["customer.equipment"]._cron_schedule_maintenance()
        self.assertEqual(len(made), 1)
        env1.cr.commit()
        with self.assertRaises(SerializationFailure):
            env2["customer.equipment"]._cron_schedule_maintenance()
        env2.cr.rollback()
        # what the retry finds
        self.assertFalse(env2["customer.equipment"]._cron_schedule_maintenance())
        self.assertEqual(
            env2["service.order"].search_count(
                [
                    ("equipment_id", "=", self.data["equipment"]),
                    ("service_type", "=", "maintenance"),
                ]
            ),
            1,
        )

    def test_van_replenished_twice_makes_one_transfer(self):
        env1, env2 = self.envs
        env2.cr.execute("SELECT 1")
        env1["service.technician"].browse(
            self.data["technician"]
        ).action_replenish_van()
        env1.cr.commit()
        technician = env2["service.technician"].browse(self.data["technician"])
        with self.assertRaises(SerializationFailure):
            technician.action_replenish_van()
        env2.cr.rollback()
        technician.action_replenish_van()  # the retry updates the transfer
        pickings = env2["stock.picking"].search(
            [("location_dest_id", "=", self.data["van"])]
        )
        self.assertEqual(len(pickings), 1)
        self.assertEqual(pickings.move_ids.product_uom_qty, 1.0)
