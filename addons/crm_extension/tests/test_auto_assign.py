# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import random
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import ServiceCommon

NOW = datetime(2026, 1, 5, 7, 0)  # Monday, before work


@tagged("post_install", "-at_install")
class TestAutoAssign(ServiceCommon):
    """200 generated orders x 20 technicians: skills, zones, calendars,
    travel between visits and no overlap all hold, and the same input gives
    the same result."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rng = random.Random(42)
        cls.calendar = cls._create_utc_calendar()
        cls.short_calendar = cls.env["resource.calendar"].create(
            {
                "name": "Mornings (UTC)",
                "tz": "UTC",
                "attendance_ids": [
                    (
                        0,
                        0,
                        {
                            "name": f"{d}",
                            "dayofweek": str(d),
                            "hour_from": 8,
                            "hour_to": 12,
                        },
                    )
                    for d in range(5)
                ],
            }
        )
        cls.skills = cls.env["service.skill"].create(
            [{"name": f"Skill {i}"} for i in range(4)]
        )
        country = cls.env.ref("base.fr")
        cls.zones = cls.env["service.zone"].create(
            [
                {"name": f"Zone {i}", "country_id": country.id, "zip_prefixes": f"{i}"}
                for i in range(1, 5)
            ]
        )
        homes = cls.env["res.partner"].create(
            [
                {
                    "name": f"Home {i:02d}",
                    "partner_latitude": 48.80 + rng.random() * 0.15,
                    "partner_longitude": 2.25 + rng.random() * 0.2,
                }
                for i in range(20)
            ]
        )
        cls.technicians = cls.env["service.technician"].create(
            [
                {
                    "name": f"Tech {i:02d}",
                    "partner_id": homes[i].id,
                    "skill_ids": [(6, 0, rng.sample(cls.skills.ids, 2))],
                    "zone_ids": [(6, 0, rng.sample(cls.zones.ids, 2))],
                    "resource_calendar_id": (
                        cls.calendar if i % 4 else cls.short_calendar
                    ).id,
                }
                for i in range(20)
            ]
        )
        sites = cls.env["res.partner"].create(
            [
                {
                    "name": f"Site {i}",
                    "zip": f"{i % 4 + 1}{i:04d}",
                    "country_id": country.id,
                    "partner_latitude": 48.80 + rng.random() * 0.15,
                    "partner_longitude": 2.25 + rng.random() * 0.2,
                }
                for i in range(40)
            ]
        )
        cls.orders = cls.env["service.order"].create(
            [
                {
                    "partner_id": sites[i % 40].id,
                    "priority": str(rng.randint(0, 3)),
                    "duration_hours": rng.choice([0.5, 1, 1.5, 2, 3]),
                    "required_skill_ids": [(6, 0, [rng.choice(cls.skills.ids)])],
                    "date_deadline": datetime(2026, 1, rng.randint(5, 16), 17, 0),
                }
                for i in range(200)
            ]
        )
        # One order nobody can do, to check the reason.
        cls.impossible_skill = cls.env["service.skill"].create({"name": "Nuclear"})
        cls.impossible = cls.env["service.order"].create(
            {
                "partner_id": sites[0].id,
                "required_skill_ids": [(6, 0, cls.impossible_skill.ids)],
            }
        )

    def _assign(self):
        with freeze_time(NOW):
            return (
                (self.orders | self.impossible)
                .with_context(crm_ext_dispatch_sync=True)
                .action_auto_assign()
            )

    def test_constraints_hold(self):
        action = self._assign()
        summary = action["summary"]
        self.assertEqual(
            summary["unassigned"][str(self.impossible.id)],
            "no technician has the skills",
        )
        assigned = self.orders.filtered("technician_id")
        self.assertGreater(len(assigned), 150)
        for order in assigned:
            tech = order.technician_id
            self.assertEqual(order.state, "scheduled")
            self.assertLessEqual(order.required_skill_ids, tech.skill_ids)
            self.assertIn(order.zone_id, tech.zone_ids)
            self.assertGreaterEqual(order.scheduled_start, NOW)
        # working hours (the constraint checker itself) and no overlap
        assigned._check_working_hours()
        by_tech = {}
        for order in assigned.sorted("scheduled_start"):
            previous = by_tech.get(order.technician_id.id)
            if previous and previous.scheduled_start.date() == (
                order.scheduled_start.date()
            ):
                # the next visit leaves the time to drive there
                self.assertLessEqual(
                    previous.scheduled_end + timedelta(minutes=order.travel_minutes),
                    order.scheduled_start,
                )
                self.assertEqual(order.route_sequence, previous.route_sequence + 1)
            self.assertFalse(order.schedule_warning)
            by_tech[order.technician_id.id] = order
        # urgent orders are served first: none waits behind a low-priority one
        urgent_last = max(
            assigned.filtered(lambda o: o.priority == "3").mapped("scheduled_start")
        )
        self.assertLess(urgent_last, max(assigned.mapped("scheduled_start")))

    def test_same_input_same_result(self):
        first = self._assign()["summary"]
        self.orders.write(
            {
                "technician_id": False,
                "scheduled_start": False,
                "scheduled_end": False,
                "state": "draft",
            }
        )
        second = self._assign()["summary"]
        self.assertEqual(first["assigned"], second["assigned"])
        self.assertEqual(first["unassigned"], second["unassigned"])
