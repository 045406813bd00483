# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The demo company's history: a year of sales, service and feedback.

Called once from ``demo/crm_ext_demo.xml`` (a ``noupdate`` file: an upgrade
does not run it again). Everything is dated relative to the install day and
drawn from a fixed-seed generator, so two installs on the same day give the
same data. The records go through the real flows (sale confirmation,
deliveries, invoice posting, payments, service order actions, ratings)."""

import base64
import io
import logging
import random
from collections import defaultdict
from datetime import datetime, time, timedelta

from PIL import Image, ImageDraw

from odoo import Command, api, fields, models

_logger = logging.getLogger(__name__)

SEED = 20261217
DONE_PARAM = "crm_extension.demo_history"

# (city, zip, latitude, longitude, [streets]) in the San Francisco Bay Area
CITIES = [
    (
        "San Francisco",
        "94103",
        37.7726,
        -122.4099,
        ["1355 Market St", "888 Brannan St"],
    ),
    ("San Francisco", "94107", 37.7767, -122.3946, ["601 Townsend St", "185 Berry St"]),
    ("San Francisco", "94110", 37.7486, -122.4184, ["3251 20th St", "2901 Mission St"]),
    (
        "San Francisco",
        "94133",
        37.8003,
        -122.4101,
        ["1736 Stockton St", "950 Columbus Ave"],
    ),
    ("San Francisco", "94122", 37.7602, -122.4691, ["1250 9th Ave", "2101 Irving St"]),
    ("Oakland", "94607", 37.8044, -122.2750, ["1 Broadway", "720 Jefferson St"]),
    ("Oakland", "94612", 37.8091, -122.2685, ["1700 Webster St", "2100 Franklin St"]),
    ("Berkeley", "94710", 37.8652, -122.2973, ["2600 Tenth St", "940 Gilman St"]),
    ("Berkeley", "94704", 37.8687, -122.2585, ["2120 Oxford St", "2425 Telegraph Ave"]),
    ("San Jose", "95112", 37.3540, -121.8940, ["1590 Oakland Rd", "425 N 1st St"]),
    ("San Jose", "95113", 37.3333, -121.8907, ["150 S 1st St", "60 S Market St"]),
    ("San Jose", "95125", 37.2981, -121.8962, ["1401 Lincoln Ave", "2100 Curtner Ave"]),
    ("Palo Alto", "94301", 37.4443, -122.1598, ["535 Ramona St", "260 Homer Ave"]),
    (
        "Mountain View",
        "94041",
        37.3894,
        -122.0819,
        ["800 California St", "444 Castro St"],
    ),
    ("Sunnyvale", "94086", 37.3762, -122.0295, ["160 S Murphy Ave", "1250 Kifer Rd"]),
    (
        "Santa Clara",
        "95050",
        37.3496,
        -121.9574,
        ["2400 The Alameda", "1900 Lafayette St"],
    ),
    (
        "Fremont",
        "94538",
        37.5296,
        -121.9700,
        ["39200 Paseo Padre Pkwy", "4100 Fremont Blvd"],
    ),
    ("Hayward", "94541", 37.6711, -122.0850, ["22300 Foothill Blvd", "1050 B St"]),
    ("San Mateo", "94401", 37.5675, -122.3231, ["100 E 3rd Ave", "405 S B St"]),
    (
        "Redwood City",
        "94063",
        37.4857,
        -122.2155,
        ["1800 Broadway", "2600 Middlefield Rd"],
    ),
    (
        "Walnut Creek",
        "94596",
        37.8988,
        -122.0606,
        ["1500 N California Blvd", "1333 N Main St"],
    ),
    ("Concord", "94520", 37.9770, -122.0330, ["2151 Salvio St", "1855 Willow Pass Rd"]),
    (
        "South San Francisco",
        "94080",
        37.6563,
        -122.4025,
        ["400 Oyster Point Blvd", "250 E Grand Ave"],
    ),
    (
        "San Leandro",
        "94577",
        37.7258,
        -122.1569,
        ["1300 Davis St", "600 Estudillo Ave"],
    ),
]
COMPANY_NAMES = [
    "Golden Gate Bakery",
    "Mission Dental Group",
    "Bayview Senior Living",
    "North Beach Trattoria",
    "Sunset Fitness Club",
    "Jack London Lofts",
    "Lake Merritt Offices",
    "Fourth Street Brewing",
    "Telegraph Books",
    "Rose Garden Apartments",
    "Downtown SJ Hotel",
    "Willow Glen Clinic",
    "University Ave Cafe",
    "Castro Street Cinema",
    "Murphy Ave Market",
    "Mission College Dorms",
    "Paseo Padre Pharmacy",
    "Foothill Auto Body",
    "Central Park Condos",
    "Sequoia Print Works",
    "Walnut Creek Dental",
    "Todos Santos Deli",
    "Oyster Point Labs",
    "Marina Laundry",
    "Potrero Hill School",
    "Dogpatch Studios",
    "Valencia Yoga",
    "Russian Hill Suites",
    "Inner Sunset Pizzeria",
    "Port of Oakland Storage",
    "Uptown Coworking",
    "Gilman Climbing Gym",
    "Oxford Street Dorms",
    "Japantown Noodles",
    "SoFA Art Gallery",
    "Lincoln Ave Florist",
    "Stanford Bike Shop",
    "Shoreline Daycare",
    "Kifer Road Datacenter",
    "Alameda Coffee Roasters",
    "Fremont Family Medicine",
    "Hayward Ice Rink",
    "San Mateo Library Annex",
    "Redwood Shores Spa",
    "Civic Center Offices",
    "Salvio Street Grill",
    "Grand Avenue Motel",
    "Estudillo Veterinary",
]
FIRST_NAMES = [
    "Emily",
    "Carlos",
    "Aisha",
    "Michael",
    "Grace",
    "Tom",
    "Lucia",
    "Daniel",
    "Mei",
    "Robert",
    "Sofia",
    "James",
    "Hannah",
    "Omar",
    "Julia",
    "Brian",
]
LAST_NAMES = [
    "Nguyen",
    "Garcia",
    "Patel",
    "Johnson",
    "Kim",
    "Lopez",
    "Chen",
    "Brown",
    "Martinez",
    "Wong",
    "Davis",
    "Singh",
    "Miller",
    "Rossi",
    "Park",
    "Evans",
]
# revenue tiers, by position in COMPANY_NAMES order: big accounts first
TIERS = ["big"] * 6 + ["mid"] * 12 + ["small"] * 24 + ["dormant"] * 6

PRODUCTS = [
    # (key, name, type, list price, cost, extra values)
    (
        "heat_pump",
        "Heat Pump AW-12",
        "equipment",
        6400.0,
        3900.0,
        {
            "warranty_months": 24,
            "maintenance_interval_days": 365,
            "replacement_lifetime_months": 144,
        },
    ),
    (
        "boiler",
        "Condensing Boiler CB-30",
        "equipment",
        3200.0,
        1850.0,
        {
            "warranty_months": 24,
            "maintenance_interval_days": 365,
            "replacement_lifetime_months": 180,
        },
    ),
    (
        "water_heater",
        "Water Heater WH-50",
        "equipment",
        1450.0,
        820.0,
        {
            "warranty_months": 12,
            "maintenance_interval_days": 365,
            "replacement_lifetime_months": 120,
        },
    ),
    ("filter", "Filter Cartridge F10", "goods", 45.0, 14.0, {}),
    ("descaler", "Descaling Kit DK-1", "goods", 28.0, 9.0, {}),
    ("valve", "Pressure Relief Valve PV-3", "part", 85.0, 31.0, {"tracking": "lot"}),
    ("sensor", "Thermostat Sensor TS-2", "part", 64.0, 22.0, {"tracking": "lot"}),
    ("plan", "Annual Maintenance Plan", "service", 390.0, 120.0, {}),
]
THIRD_PARTY_UNITS = [
    "Wall Boiler (third party)",
    "Rooftop Unit (third party)",
    "Split Air Conditioner (third party)",
    "Walk-in Cooler (third party)",
    "Commercial Water Heater (third party)",
]
REPAIRS = [
    "No hot water since this morning.",
    "Unit trips the breaker.",
    "Loud noise from the compressor.",
    "Pressure drops every night.",
    "Error E42 on the display.",
    "Water leaking under the unit.",
    "Thermostat does not answer.",
    "Heating is weak on the top floor.",
]
WORK_DONE = [
    "Replaced the worn parts, tested for an hour: runs normally.",
    "Cleaned the heat exchanger, replaced the valve, pressure stable.",
    "Found a loose connection, fixed it and replaced the sensor.",
    "Serviced the unit, replaced the gasket, explained the settings.",
]
TICKETS = [
    ("Invoice address is wrong", "Hardware"),
    ("Heat pump makes a rattling noise", "Hardware"),
    ("Request a maintenance visit", None),
    ("Boiler shows error E42", "Hardware"),
    ("Portal login does not work", "Software"),
    ("Need a copy of the service report", None),
    ("Water heater takes hours to heat", "Hardware"),
    ("Question about the warranty terms", None),
    ("Technician arrived late", None),
    ("Thermostat app does not connect", "Wifi"),
]
FEEDBACK = [
    ("complaint", "The visit was rescheduled twice"),
    ("complaint", "The invoice charges a part under warranty"),
    ("complaint", "Noise came back a week after the repair"),
    ("suggestion", "Send an SMS when the technician is on the way"),
    ("suggestion", "Offer evening slots for restaurants"),
    ("praise", "Quick and tidy installation"),
    ("praise", "Friendly technician who explained everything"),
    ("question", "Can the maintenance plan cover two units?"),
    ("question", "Which filter fits the AW-12?"),
]
TECHNICIANS = ["marc", "tina", "joel", "priya", "diego", "kevin"]
# (rating, NPS answer): one detractor among the tickets, one among the visits
TICKET_SCORES = [(5, 10), (5, 9), (3, 7), (5, 8), (1, 3), (5, 10), (3, 8), (5, 9)] + [
    (5, 9),
    (5, 10),
    (3, 7),
    (5, 8),
    (5, 10),
    (4, 8),
    (5, 9),
    (5, 10),
]
VISIT_SCORES = [
    (5, 10),
    (5, 9),
    (3, 8),
    (5, 10),
    (5, 7),
    (4, 9),
    (5, 9),
    (3, 7),
] * 3 + [
    (1, 2),
    (5, 10),
]
RESOLUTIONS = {
    "complaint": "Apologised, fixed on the next visit, credited the call-out fee.",
    "suggestion": "Passed on to the service manager, added to the roadmap.",
    "praise": "Shared with the team.",
    "question": "Answered by email.",
}
CHANNELS = ["email", "phone", "portal", "api", "visit", "survey", "other"]
RATING_COMMENTS = {
    5: ["Great job, thank you!", "Fast and professional.", ""],
    4: ["Good work, thank you.", ""],
    3: ["Fine, but the technician was late.", "Okay."],
    1: ["The problem is back already.", "Nobody called us back."],
}


class CrmExtDemo(models.AbstractModel):
    """Demo data generator: a lived-in after-sales company (demo only)."""

    _name = "crm.ext.demo"
    _description = "After-Sales Demo Data"

    @api.model
    def _generate_history(self):
        """Build about 12 months of history up to today. Runs once."""
        params = self.env["ir.config_parameter"].sudo()
        if params.get_param(DONE_PARAM):
            return False
        gen = _Generator(self.env)
        gen.run()
        params.set_param(DONE_PARAM, fields.Date.to_string(gen.today))
        return True


class _Generator:
    """One run of the demo generator; the steps share its state."""

    def __init__(self, env):
        self.env = env
        self.rng = random.Random(SEED)
        self.now = fields.Datetime.now().replace(second=0, microsecond=0)
        self.today = self.now.date()
        self.company = env.ref("base.main_company")
        self.ref = env.ref
        self.bookings = defaultdict(list)  # technician -> [(start, end)]

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def past_day(self, min_days, max_days):
        """A weekday between ``max_days`` and ``min_days`` days ago."""
        day = self.today - timedelta(days=self.rng.randint(min_days, max_days))
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        return day

    def at(self, day, hour, minute=0):
        return datetime.combine(day, time(hour, minute))

    def active_customers(self):
        """The customers still in touch (the dormant ones went quiet)."""
        return self.customers.filtered(lambda p: self.tier[p] != "dormant")

    def signature(self, name):
        """A small drawn signature (PNG), the same for the same name."""
        rng = random.Random(name)
        image = Image.new("RGB", (240, 80), "white")
        draw = ImageDraw.Draw(image)
        points = [(10 + i * 22, 40 + rng.randint(-22, 22)) for i in range(11)]
        draw.line(points, fill=(20, 40, 120), width=3)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return base64.b64encode(buffer.getvalue())

    def free_slot(self, technician, intervals, duration):
        """The first start in ``intervals`` (naive UTC pairs of one day) where
        ``technician`` is free for ``duration`` hours, or None."""
        length = timedelta(hours=duration)
        for begin, end in intervals:
            start = begin + timedelta(minutes=30 * self.rng.randint(0, 2))
            while start + length <= end:
                if not any(
                    start < b_end and b_start < start + length
                    for b_start, b_end in self.bookings[technician]
                ):
                    self.bookings[technician].append((start, start + length))
                    return start
                start += timedelta(minutes=30)
        return None

    # ------------------------------------------------------------------
    # The run
    # ------------------------------------------------------------------
    def run(self):
        self.make_products()
        self.make_customers()
        self.stock_vans()
        self.make_sales()
        self.make_tickets()
        self.make_feedback()
        self.make_equipment()
        self.make_service_history()
        self.make_upcoming_visits()
        self.make_return()
        self.pay_invoices()
        self.env["helpdesk.ticket"]._sla_evaluate()
        self.env["res.partner"]._cron_compute_customer_segments()
        self.env.flush_all()

    def make_products(self):
        Product = self.env["product.product"].with_context(tracking_disable=True)
        skill = self.ref("crm_extension.skill_demo_heat_pumps")
        vals_list = []
        for _key, name, kind, price, cost, extra in PRODUCTS:
            vals = {
                "name": name,
                "list_price": price,
                "standard_price": cost,
                "type": "service" if kind == "service" else "consu",
                "is_storable": kind != "service",
                "invoice_policy": "order" if kind == "service" else "delivery",
                **extra,
            }
            if kind == "equipment":
                vals.update(
                    is_installed_base=True, service_skill_ids=[Command.set(skill.ids)]
                )
            vals_list.append(vals)
        products = Product.create(vals_list)
        self.products = {
            row[0]: product for row, product in zip(PRODUCTS, products, strict=True)
        }
        self.products["pump"] = self.ref("crm_extension.product_demo_pump")
        self.products["gasket"] = self.ref("crm_extension.product_demo_gasket")
        self.products["labour"] = self.ref("crm_extension.product_demo_labour")
        lots = self.env["stock.lot"].create(
            [
                {
                    "name": f"{code}-{self.today.year}-{batch:02d}",
                    "product_id": self.products[key].id,
                }
                for key, code in (("valve", "PV3"), ("sensor", "TS2"))
                for batch in (1, 2)
            ]
        )
        self.lots = {
            key: lots.filtered(lambda lot, p=self.products[key]: lot.product_id == p)
            for key in ("valve", "sensor")
        }
        stock = self.ref("stock.stock_location_stock")
        quants = [
            (self.products[key], stock, False, qty)
            for key, qty in (
                ("heat_pump", 60),
                ("boiler", 60),
                ("water_heater", 80),
                ("filter", 600),
                ("descaler", 600),
                ("pump", 40),
                ("gasket", 200),
            )
        ] + [(lot.product_id, stock, lot, 40) for lot in lots]
        self.apply_quants(quants)

    def apply_quants(self, rows):
        Quant = self.env["stock.quant"].with_context(inventory_mode=True)
        quants = Quant.create(
            [
                {
                    "product_id": product.id,
                    "location_id": location.id,
                    "lot_id": lot.id if lot else False,
                    "inventory_quantity": qty,
                }
                for product, location, lot, qty in rows
            ]
        )
        quants.action_apply_inventory()

    def make_customers(self):
        Partner = self.env["res.partner"].with_context(tracking_disable=True)
        california = self.ref("base.state_us_5")
        usa = self.ref("base.us")
        vals_list = []
        for index, name in enumerate(COMPANY_NAMES):
            city, zip_code, lat, lon, streets = CITIES[index % len(CITIES)]
            domain = name.lower().replace(" ", "").replace("'", "") + ".example.com"
            first = FIRST_NAMES[index % len(FIRST_NAMES)]
            last = LAST_NAMES[(index * 7) % len(LAST_NAMES)]
            vals_list.append(
                {
                    "name": name,
                    "is_company": True,
                    "street": streets[(index // len(CITIES)) % len(streets)],
                    "city": city,
                    "zip": zip_code,
                    "state_id": california.id,
                    "country_id": usa.id,
                    "phone": f"+1 {415 + index % 3 * 95} 555 {1000 + index * 37:04d}",
                    # the contacts have the emails: the service reports of
                    # the past visits are not mailed again at install
                    "website": f"https://www.{domain}",
                    # as base_geolocalize's Geolocate button leaves them
                    "partner_latitude": round(lat + self.rng.uniform(-0.006, 0.006), 6),
                    "partner_longitude": round(
                        lon + self.rng.uniform(-0.006, 0.006), 6
                    ),
                    "date_localization": self.today,
                    "customer_rank": 1,
                    "child_ids": [
                        Command.create(
                            {
                                "name": f"{first} {last}",
                                "function": self.rng.choice(
                                    ["Office Manager", "Facilities Manager", "Owner"]
                                ),
                                "email": f"{first.lower()}.{last.lower()}@{domain}",
                                "phone": f"+1 650 555 {2000 + index * 41:04d}",
                            }
                        )
                    ],
                }
            )
        self.customers = Partner.create(vals_list)
        self.tier = {
            partner: tier for partner, tier in zip(self.customers, TIERS, strict=True)
        }

    def stock_vans(self):
        """Each technician's van holds the usual parts, lots included."""
        self.technicians = self.env["service.technician"].browse(
            [
                self.ref(f"crm_extension.technician_demo_{name}").id
                for name in TECHNICIANS
            ]
        )
        rows = []
        for tech in self.technicians:
            van = tech.van_location_id
            rows += [
                (self.products["pump"], van, False, 8),
                (self.products["gasket"], van, False, 40),
            ]
            rows += [
                (self.products["valve"], van, lot, 10) for lot in self.lots["valve"]
            ]
            rows += [
                (self.products["sensor"], van, lot, 8) for lot in self.lots["sensor"]
            ]
        self.apply_quants(rows)

    # ------------------------------------------------------------------
    # Sales, deliveries, invoices
    # ------------------------------------------------------------------
    def sale_lines(self, tier):
        rng, p = self.rng, self.products
        if tier == "big":
            lines = [
                (p["heat_pump"], rng.randint(1, 3)),
                (p["plan"], rng.randint(1, 2)),
            ]
        elif tier == "mid":
            lines = [
                (rng.choice([p["boiler"], p["water_heater"]]), 1),
                (p["filter"], rng.randint(2, 6)),
            ]
        else:
            lines = [
                (rng.choice([p["filter"], p["descaler"], p["plan"]]), rng.randint(1, 4))
            ]
        if rng.random() < 0.4:
            lines.append((p["descaler"], rng.randint(1, 3)))
        return lines

    def make_sales(self):
        plan = []  # (partner, date)
        orders_by_tier = {
            "big": (4, 6),
            "mid": (2, 4),
            "small": (1, 3),
            "dormant": (1, 2),
        }
        for partner in self.customers:
            tier = self.tier[partner]
            low, high = orders_by_tier[tier]
            for _n in range(self.rng.randint(low, high)):
                if tier == "dormant":
                    day = self.past_day(220, 350)
                else:
                    day = self.past_day(10, 350)
                plan.append((partner, day))
        plan.sort(key=lambda row: row[1])
        user = self.ref("base.user_admin")
        vals_list = [
            {
                "partner_id": partner.id,
                "user_id": user.id,
                "date_order": self.at(day, 16),
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": qty})
                    for product, qty in self.sale_lines(self.tier[partner])
                ],
            }
            for partner, day in plan
        ]
        orders = self.env["sale.order"].create(vals_list)
        orders.action_confirm()
        dates = {
            order: self.at(day, 16)
            for order, (_p, day) in zip(orders, plan, strict=True)
        }
        for order in orders:
            order.picking_ids.scheduled_date = dates[order]
        pickings = orders.picking_ids
        for move in pickings.move_ids:
            move.quantity = move.product_uom_qty
        pickings.move_ids.picked = True
        pickings.with_context(skip_sms=True, skip_backorder=True).button_validate()
        # the history: each document on its day
        for order in orders:
            when = dates[order]
            order.write({"date_order": when})
            order.picking_ids.write({"date_done": when + timedelta(days=1)})
            order.picking_ids.move_ids.write({"date": when + timedelta(days=1)})
            order.picking_ids.move_line_ids.write({"date": when + timedelta(days=1)})
        invoices = orders._create_invoices(grouped=True)
        for invoice in invoices:
            order = invoice.line_ids.sale_line_ids.order_id[:1]
            invoice.invoice_date = (dates[order] + timedelta(days=2)).date()
        invoices.action_post()
        self.sales = orders
        self.sale_dates = dates
        self.invoices = invoices
        # a full refund: the maintenance plan of a customer who moved out
        refunded = invoices.filtered(
            lambda inv: (
                inv.invoice_line_ids.product_id == self.products["plan"]
                and inv.invoice_date < self.today - timedelta(days=60)
            )
        )[:1]
        if refunded:
            reversal = (
                self.env["account.move.reversal"]
                .with_context(active_model="account.move", active_ids=refunded.ids)
                .create(
                    {
                        "reason": "Maintenance plan cancelled: the site closed",
                        "journal_id": refunded.journal_id.id,
                        "date": refunded.invoice_date + timedelta(days=20),
                    }
                )
            )
            action = reversal.refund_moves()
            refund = self.env["account.move"].browse(action.get("res_id"))
            refund.action_post()
            (refunded | refund).line_ids.filtered(
                lambda line: (
                    line.account_id.account_type == "asset_receivable"
                    and not line.reconciled
                )
            ).reconcile()
            self.refund_reversed = refunded

    def pay_invoices(self):
        """Most invoices are paid, by month; the last weeks' and a few late
        ones stay open."""
        moves = self.env["account.move"].search(
            [
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("state", "=", "posted"),
                ("payment_state", "=", "not_paid"),
                ("company_id", "=", self.company.id),
                ("partner_id", "in", self.customers.ids + self.customers.child_ids.ids),
            ],
            order="invoice_date, id",
        )
        late = set(moves.filtered(lambda m: m.move_type == "out_invoice").ids[5::9])
        by_month = defaultdict(lambda: self.env["account.move"])
        for move in moves:
            if move.invoice_date > self.today - timedelta(days=25) or move.id in late:
                continue
            if getattr(self, "refund_reversed", False) and move == self.refund_reversed:
                continue
            pay_day = min(move.invoice_date + timedelta(days=20), self.today)
            by_month[(pay_day.year, pay_day.month, move.move_type)] |= move
        for (_y, _m, _t), group in sorted(by_month.items()):
            day = min(
                max(group.mapped("invoice_date")) + timedelta(days=20), self.today
            )
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=group.ids
            ).create({"payment_date": day, "group_payment": False})._create_payments()

    # ------------------------------------------------------------------
    # Helpdesk, SLA and feedback
    # ------------------------------------------------------------------
    def make_tickets(self):
        Team = self.env["helpdesk.ticket.team"]
        demo_user = self.ref("base.user_demo")
        self.service_team = Team.create(
            {
                "name": "After-Sales Service",
                "user_id": demo_user.id,
                "user_ids": [
                    Command.set([demo_user.id, self.ref("base.user_admin").id])
                ],
            }
        )
        teams = (
            self.service_team
            | self.ref("helpdesk_mgmt.helpdesk_team_2")
            | self.ref("helpdesk_mgmt.helpdesk_team_3")
        )
        categories = {
            cat.name: cat for cat in self.env["helpdesk.ticket.category"].search([])
        }
        stage = {
            name: self.ref(f"helpdesk_mgmt.helpdesk_ticket_stage_{name}")
            for name in ("new", "in_progress", "awaiting", "done", "cancelled")
        }
        vals_list, closing = [], []
        people = self.active_customers().child_ids
        for index in range(60):
            contact = people[(index * 5) % len(people)]
            title, category = TICKETS[index % len(TICKETS)]
            if index < 48:
                created = self.at(self.past_day(12, 350), 9 + index % 7)
                final = "done" if index % 9 else "cancelled"
            elif index < 54:  # open and late: they breach and escalate
                created = self.at(self.past_day(4, 9), 9 + index % 7)
                final = ("new", "in_progress", "awaiting")[index % 3]
            else:  # recent, still within their service level
                created = self.now - timedelta(hours=1 + index % 3)
                final = ("new", "in_progress")[index % 2]
            vals_list.append(
                {
                    "name": title,
                    "description": f"<p>{title}. Reported by {contact.name}.</p>",
                    "partner_id": contact.id,
                    "partner_name": contact.name,
                    "partner_email": contact.email,
                    "team_id": teams[index % len(teams)].id,
                    "category_id": categories[category].id
                    if category in categories
                    else False,
                    "priority": ("1", "2", "0", "1", "3")[index % 5],
                    "user_id": demo_user.id
                    if index % 2
                    else self.ref("base.user_admin").id,
                    "create_date": created,
                    "sla_start_date": created,
                }
            )
            closing.append((final, created))
        tickets = self.env["helpdesk.ticket"].create(vals_list)
        by_stage = defaultdict(lambda: self.env["helpdesk.ticket"])
        for ticket, (final, _created) in zip(tickets, closing, strict=True):
            if final != "new":
                by_stage[final] |= ticket
        for name, group in by_stage.items():
            group.write({"stage_id": stage[name].id})
        closed = self.env["helpdesk.ticket"]
        for ticket, (final, created) in zip(tickets, closing, strict=True):
            if final in ("done", "cancelled"):
                # most are solved within the day, some took a week
                hours = 3 if ticket.id % 4 else 24 * 6
                ticket.closed_date = created + timedelta(hours=hours)
                closed |= ticket
        statuses = closed._sla_statuses(self.now)
        for status in set(statuses.values()):
            closed.filtered(lambda t, s=status: statuses[t.id] == s)._sla_clock().write(
                {"sla_status": status}
            )
        self.tickets = tickets
        done = tickets.filtered(lambda t: t.stage_id == stage["done"])
        # ratings of solved tickets, a detractor among them
        rated = done[: len(TICKET_SCORES)]
        self.rate(rated, TICKET_SCORES[: len(rated)], "closed_date")

    def rate(self, records, scores, date_field):
        """Ratings answered by the customers, with their NPS answer, through
        the rating flow (token, NPS, rating_apply)."""
        model = self.env["ir.model"]._get(records._name)
        ratings = self.env["rating.rating"].create(
            [
                {
                    "res_model_id": model.id,
                    "res_id": record.id,
                    "partner_id": record.partner_id.id,
                    "rated_partner_id": (
                        record.user_id.partner_id.id
                        if "user_id" in record._fields
                        else record.technician_id.user_id.partner_id.id
                    )
                    or False,
                    "create_date": (record[date_field] or self.now)
                    + timedelta(hours=20),
                }
                for record in records
            ]
        )
        for record, rating, (rate, nps) in zip(records, ratings, scores, strict=True):
            rating.write({"nps_answered": True, "nps_score": nps})
            comment = self.rng.choice(RATING_COMMENTS[rate])
            record.rating_apply(rate, token=rating.access_token, feedback=comment)
        # the detractors' follow-up complaints were opened: they are handled
        followups = ratings.followup_feedback_id
        for feedback in followups:
            feedback.resolution = (
                "Called the customer back, sent a technician for free and "
                "offered a discount on the next maintenance."
            )
        followups.action_resolve()
        followups[:1].action_close()
        return ratings

    def make_feedback(self):
        people = self.active_customers().child_ids
        vals_list, states = [], []
        for index in range(42):
            kind, title = FEEDBACK[index % len(FEEDBACK)]
            channel = CHANNELS[index % len(CHANNELS)]
            vals = {
                "name": title,
                "description": f"{title}.",
                "partner_id": people[(index * 3) % len(people)].id,
                "feedback_type": kind,
                "channel": channel,
                "priority": "1" if index % 6 else "2",
                "team_id": self.service_team.id,
                "user_id": self.ref("base.user_demo").id,
                "create_date": self.at(self.past_day(1, 340), 10),
            }
            vals["sla_start_date"] = vals["create_date"]
            if channel == "api":
                vals["external_ref"] = f"SHOP-{2000 + index}"
            vals_list.append(vals)
            states.append("open" if index >= 34 else "done")
        # customers gone quiet, with a complaint nobody answered: churn risk
        for index, partner in enumerate(
            self.customers.filtered(lambda p: self.tier[p] == "dormant")[:3]
        ):
            created = self.at(self.past_day(200, 240), 11)
            vals_list.append(
                {
                    "name": "We have not heard from you since the installation",
                    "partner_id": partner.child_ids[:1].id,
                    "feedback_type": "complaint",
                    "channel": ("phone", "email", "portal")[index],
                    "user_id": self.ref("base.user_demo").id,
                    "create_date": created,
                    "sla_start_date": created,
                }
            )
            states.append("open")
        feedback = self.env["customer.feedback"].create(vals_list)
        done = feedback.filtered(lambda f: states[feedback.ids.index(f.id)] == "done")
        for record in done:
            record.resolution = RESOLUTIONS[record.feedback_type]
        done.filtered(lambda f: f.state == "new").action_start()
        done.action_resolve()
        done[::2].action_close()
        feedback.filtered(lambda f: f.state == "new")[::2].action_start()

    # ------------------------------------------------------------------
    # Installed base and service orders
    # ------------------------------------------------------------------
    def make_equipment(self):
        """Third-party units found on site, next to the delivered ones."""
        owners = self.customers.filtered(lambda p: self.tier[p] in ("big", "mid"))
        vals_list = []
        for index, partner in enumerate(owners):
            install = self.today - timedelta(days=365 * (3 + index % 9) + index * 11)
            vals_list.append(
                {
                    "name": THIRD_PARTY_UNITS[index % len(THIRD_PARTY_UNITS)],
                    "partner_id": partner.id,
                    "serial": f"TP-{install.year}-{1000 + index * 17}",
                    "install_date": install,
                    "maintenance_interval_days": 365,
                }
            )
        self.third_party = self.env["customer.equipment"].create(vals_list)
        # the delivered units are dated by their delivery
        delivered = self.env["customer.equipment"].search(
            [("sale_order_id", "in", self.sales.ids)]
        )
        for unit in delivered:
            day = (self.sale_dates[unit.sale_order_id] + timedelta(days=1)).date()
            months = unit.product_id.warranty_months
            unit.write(
                {
                    "install_date": day,
                    "warranty_end_date": day + timedelta(days=round(30.4 * months)),
                }
            )
        self.delivered = delivered

    def service_vals(self, technician, start, duration, partner, kind, equipment=False):
        return {
            "partner_id": partner.id,
            "technician_id": technician.id,
            "scheduled_start": start,
            "duration_hours": duration,
            "service_type": kind,
            "equipment_id": equipment.id if equipment else False,
            "description": self.rng.choice(REPAIRS)
            if kind == "repair"
            else (
                "Yearly maintenance." if kind == "maintenance" else "Safety inspection."
            ),
            "create_date": start - timedelta(days=3),
        }

    def part_lines(self, order, heavy=False):
        p, rng = self.products, self.rng
        lines = [
            {
                "order_id": order.id,
                "line_type": "labour",
                "product_id": p["labour"].id,
                "quantity": rng.choice([1.0, 1.5, 2.0]),
            },
            {
                "order_id": order.id,
                "product_id": p["gasket"].id,
                "quantity": rng.randint(1, 2),
            },
        ]
        key = rng.choice(["valve", "sensor"])
        lines.append(
            {
                "order_id": order.id,
                "product_id": p[key].id,
                "quantity": 1,
                "lot_id": self.lots[key][rng.randint(0, 1)].id,
            }
        )
        if heavy:
            lines.append(
                {"order_id": order.id, "product_id": p["pump"].id, "quantity": 1}
            )
        return lines

    def make_service_history(self):
        """40 visits done over the year: parts from the vans (with lots),
        signed, billed, rated; one old boiler broke three times."""
        techs = self.technicians
        start = datetime.combine(self.today - timedelta(days=340), time.min)
        stop = datetime.combine(self.today - timedelta(days=2), time.min)
        days = techs._get_day_intervals(start, stop)
        plan = []  # (technician, start, duration, partner, kind, equipment)
        breaking = self.third_party[0]
        units = self.delivered | self.third_party
        for index in range(40):
            tech = techs[index % len(techs)]
            workdays = sorted(days[tech])
            if index < 3:  # the old boiler: three breakdowns this year
                day = workdays[len(workdays) * (index + 1) // 4]
                unit, kind = breaking, "repair"
            else:
                day = workdays[self.rng.randrange(len(workdays))]
                unit = units[self.rng.randrange(len(units))]
                kind = self.rng.choice(
                    ["repair", "repair", "maintenance", "inspection"]
                )
            duration = self.rng.choice([1.0, 1.5, 2.0])
            slot = self.free_slot(tech, days[tech][day], duration)
            if slot:
                plan.append((tech, slot, duration, unit.partner_id, kind, unit))
        Order = self.env["service.order"].with_context(crm_ext_routes_later=True)
        orders = Order.create([self.service_vals(*row) for row in plan])
        self.env["service.order.line"].create(
            [
                vals
                for order in orders
                for vals in self.part_lines(order, order.service_type == "repair")
            ]
        )
        for order in orders.filtered(lambda o: o.service_type != "repair"):
            order.line_ids.filtered(lambda line: line.line_type == "part")[
                :1
            ].quantity_used = 0
        # ratings wait for the customers' answers from the day of the visit
        orders.action_schedule()
        orders.action_start()
        for order in orders:
            signer = order.partner_id.child_ids[:1].name or order.partner_id.name
            order.write(
                {
                    "work_done": self.rng.choice(WORK_DONE),
                    "signature": self.signature(signer),
                    "signed_by": signer,
                }
            )
        for order in orders.sorted("scheduled_start"):
            order.action_done()
        for order in orders:
            begin = order.scheduled_start
            order.write(
                {
                    "date_started": begin,
                    "date_done": order.scheduled_end,
                    "signed_on": order.scheduled_end,
                }
            )
            order.move_ids.write({"date": order.scheduled_end})
            order.move_ids.move_line_ids.write({"date": order.scheduled_end})
        # the service invoices, posted on the day of the visit
        drafts = orders.invoice_ids.filtered(
            lambda m: m.state == "draft" and m.move_type == "out_invoice"
        )
        for invoice in drafts:
            order = orders.filtered(lambda o, inv=invoice: inv in o.invoice_ids)[:1]
            invoice.invoice_date = order.scheduled_end.date()
            invoice.line_ids.sale_line_ids.order_id.date_order = order.scheduled_end
        drafts.action_post()
        # 26 customers answered the rating request, two were unhappy
        rated = orders[: len(VISIT_SCORES)]
        rated.rating_ids.filtered(lambda r: not r.consumed).unlink()
        self.rate(rated, VISIT_SCORES[: len(rated)], "date_done")
        self.done_orders = orders

    def make_upcoming_visits(self):
        """Tina's week starts today; the other visits of the next two weeks
        are planned by Auto-assign, as a dispatcher would."""
        tina = self.ref("crm_extension.technician_demo_tina")
        begin, _end = tina._get_day_bounds_utc(self.today)
        stop = begin + timedelta(days=7)
        days = tina._get_day_intervals(begin, stop)[tina]
        existing = self.env["service.order"].search(
            [
                ("technician_id", "=", tina.id),
                ("state", "in", ("scheduled", "in_progress")),
            ]
        )
        self.bookings[tina] += [(o.scheduled_start, o.scheduled_end) for o in existing]
        customers = self.active_customers().filtered(
            lambda p: (
                p.zip[:3] in ("940", "941", "943", "944", "945", "946", "947", "948")
            )
        )
        plan = []
        for day in sorted(days):
            for _n in range(2 if day == self.today else 1):
                slot = self.free_slot(tina, days[day], 1.0)
                if slot:
                    partner = customers[self.rng.randrange(len(customers))]
                    plan.append(
                        self.service_vals(tina, slot, 1.0, partner, "maintenance")
                    )
        if self.today not in days:
            # a weekend install: Tina is on call today
            start = self.at(self.today, 9)
            partner = customers[0]
            plan.append(self.service_vals(tina, start, 1.0, partner, "repair"))
        Order = self.env["service.order"]
        if self.today not in days:
            Order = Order.with_context(crm_ext_slots_checked=True)
        for vals in plan:
            vals["create_date"] = self.now - timedelta(days=2)
        visits = Order.create(plan)
        self.env["service.order.line"].create(
            [
                {
                    "order_id": order.id,
                    "line_type": "labour",
                    "product_id": self.products["labour"].id,
                    "quantity": 1.0,
                }
                for order in visits
            ]
            + [
                {
                    "order_id": order.id,
                    "product_id": self.products["gasket"].id,
                    "quantity": 1,
                }
                for order in visits
            ]
        )
        visits.with_context(
            crm_ext_slots_checked=self.today not in days
        ).action_schedule()
        # the visit Tina is on right now
        visits.with_context(crm_ext_slots_checked=self.today not in days).filtered(
            lambda o: o.scheduled_start <= self.now < o.scheduled_end
        ).action_start()
        # the dispatcher's queue: visits for the next days, auto-assigned
        queue = self.active_customers()[::3]
        drafts = self.env["service.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "service_type": ("maintenance", "repair", "inspection")[i % 3],
                    "priority": ("1", "2", "0")[i % 3],
                    "duration_hours": (1.0, 1.5, 2.0)[i % 3],
                    "description": self.rng.choice(REPAIRS),
                    "create_date": self.now - timedelta(days=1),
                }
                for i, partner in enumerate(queue)
            ]
        )
        drafts.action_auto_assign()
        # a ticket that became a visit
        ticket = self.tickets.filtered(lambda t: not t.stage_id.closed)[:1]
        if ticket:
            ticket.action_create_service_order()

    def make_return(self):
        """A customer sends back descaling kits: refunded by a credit note."""
        sale = self.sales.filtered(
            lambda so: (
                so.order_line.filtered(
                    lambda line: (
                        line.product_id == self.products["descaler"]
                        and line.qty_invoiced
                    )
                )
                and so.date_order < self.now - timedelta(days=30)
            )
        )[-1:]
        if not sale:
            return
        Return = self.env["service.return"]
        vals = sale._prepare_return_lines_vals()
        lines = [
            Command.create({**row, "quantity": 1})
            for row in vals
            if self.env["stock.move"].browse(row["move_id"]).product_id
            == self.products["descaler"]
        ]
        ret = Return.create(
            {
                "sale_order_id": sale.id,
                "outcome": "refund",
                "reason": "Wrong kit for the water heater model.",
                "line_ids": lines,
            }
        )
        ret.action_confirm()
        picking = ret.return_picking_id
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking.button_validate()
        ret.refund_ids.action_post()
        self.service_return = ret
