# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import datetime, time, timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL

from .common import ServiceCommon


@tagged("post_install", "-at_install")
class TestServiceAnalysis(ServiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tech = cls.env["service.technician"].create(
            {
                "name": "Tom Tech",
                "user_id": cls.technician_user.id,
                "resource_calendar_id": cls._create_utc_calendar().id,
            }
        )

    def _set_dates(self, record, **values):
        """Place a record in the past (create and done dates are system-set)."""
        self.env.flush_all()
        for column, value in values.items():
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET %s = %s WHERE id = %s",
                    SQL.identifier(record._table),
                    SQL.identifier(column),
                    value,
                    record.id,
                )
            )
        record.invalidate_recordset()

    def _equipment(self, serial):
        return self.env["customer.equipment"].create(
            {"name": serial, "partner_id": self.customer.id, "serial": serial}
        )

    def test_first_time_fix_rate(self):
        Order = self.env["service.order"]
        now = fields.Datetime.now()
        fixed_unit, failing_unit = self._equipment("E-1"), self._equipment("E-2")
        fixed = Order.create(
            {"partner_id": self.customer.id, "equipment_id": fixed_unit.id}
        )
        not_fixed = Order.create(
            {"partner_id": self.customer.id, "equipment_id": failing_unit.id}
        )
        no_unit = Order.create({"partner_id": self.other_customer.id})
        (fixed | not_fixed | no_unit).write({"state": "done"})
        for order in fixed | not_fixed | no_unit:
            self._set_dates(
                order,
                date_done=now - timedelta(days=60),
                date_started=now - timedelta(days=60, hours=3),
            )
        # a follow-up 10 days later on the failing unit; one for the other
        # customer 40 days later (outside the 30 days); a maintenance visit on
        # the fixed unit does not count as a follow-up
        follow_up = Order.create(
            {"partner_id": self.customer.id, "equipment_id": failing_unit.id}
        )
        self._set_dates(follow_up, create_date=now - timedelta(days=50))
        late = Order.create({"partner_id": self.other_customer.id})
        self._set_dates(late, create_date=now - timedelta(days=20))
        Order.create(
            {
                "partner_id": self.customer.id,
                "equipment_id": fixed_unit.id,
                "service_type": "maintenance",
            }
        )
        self.env.flush_all()
        Analysis = self.env["service.order.analysis"]
        rows = {
            row.order_id: (row.first_time_fix, row.follow_up_count, row.worked_hours)
            for row in Analysis.search(
                [("order_id", "in", (fixed | not_fixed | no_unit).ids)]
            )
        }
        self.assertEqual(
            rows,
            {
                fixed: (100.0, 0, 3.0),
                not_fixed: (0.0, 1, 3.0),
                no_unit: (100.0, 0, 3.0),
            },
        )
        [(rate,)] = Analysis._read_group(
            [
                ("state", "=", "done"),
                ("order_id", "in", (fixed | not_fixed | no_unit).ids),
            ],
            [],
            ["first_time_fix:avg"],
        )
        self.assertAlmostEqual(rate, 200.0 / 3)
        self.assertFalse(
            Analysis.search([("order_id", "=", follow_up.id)]).first_time_fix,
            "open orders have no first-time-fix value",
        )

    def test_technician_utilisation(self):
        today = fields.Date.context_today(self.env.user)
        monday = today + timedelta(days=7 - today.weekday())
        Order = self.env["service.order"]
        orders = Order.create(
            [
                {
                    "partner_id": self.customer.id,
                    "technician_id": self.tech.id,
                    "scheduled_start": datetime.combine(monday, time(hour)),
                    "duration_hours": hours,
                }
                for hour, hours in ((8, 2.0), (13, 4.0))
            ]
        )
        orders.write({"state": "scheduled"})
        Order.create(
            {
                "partner_id": self.customer.id,
                "technician_id": self.tech.id,
                "scheduled_start": datetime.combine(monday, time(11)),
                "state": "cancelled",
            }
        )
        self.env.flush_all()
        Utilisation = self.env["service.technician.utilisation.report"]
        row = Utilisation.search(
            [("technician_id", "=", self.tech.id), ("date", "=", monday)]
        )
        self.assertEqual(
            (row.capacity_hours, row.booked_hours, row.order_count, row.utilisation),
            (8.0, 6.0, 2, 75.0),
        )
        tuesday = Utilisation.search(
            [("technician_id", "=", self.tech.id), ("date", "=", monday + timedelta(1))]
        )
        self.assertEqual((tuesday.booked_hours, tuesday.utilisation), (0.0, 0.0))
        self.assertFalse(
            Utilisation.search(
                [
                    ("technician_id", "=", self.tech.id),
                    ("date", "=", monday + timedelta(days=5)),
                ]
            ),
            "no row for a day off",
        )
