# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The demo's installed base and service orders: the past year and the next
weeks.

Third-party units join the delivered ones; 40 visits were done over the
year (parts from the vans, signed, billed, rated); the coming visits are
booked in free slots of the technicians' working hours, and the
dispatcher's queue is planned by Auto-assign."""

import base64
import io
import random
from datetime import datetime, time, timedelta

from PIL import Image, ImageDraw

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


class _ServiceSteps:
    """The demo generator's equipment and service order steps (see
    ``crm_ext_demo._Generator``)."""

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
