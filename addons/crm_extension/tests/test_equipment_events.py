# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import ServiceCommon, at


@tagged("post_install", "-at_install")
class TestEquipmentEvents(ServiceCommon):
    """customer.equipment.api_report_event: the event log of monitored units
    and the repair orders that their alarms open."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write(
            {"equipment_alarm_threshold": 3, "equipment_alarm_window_hours": 24}
        )
        cls.equipment = cls.env["customer.equipment"].create(
            {"name": "Boiler B1", "partner_id": cls.customer.id, "serial": "MON-1"}
        )
        cls.tech = cls.env["service.technician"].create(
            {
                "name": "Tom Tech",
                "user_id": cls.technician_user.id,
                "resource_calendar_id": cls._create_utc_calendar().id,
            }
        )

    def _report(self, when, event, serial="MON-1", user=None):
        Equipment = self.env["customer.equipment"].with_user(user or self.service_user)
        with freeze_time(when):
            return Equipment.api_report_event(serial, event)

    def _alarm(self, when, code="E42", **event):
        return self._report(when, {"type": "alarm", "code": code, **event})

    def _events(self, equipment=None):
        return self.env["customer.equipment.event"].search(
            [("equipment_id", "=", (equipment or self.equipment).id)]
        )

    def _repairs(self):
        return self.env["service.order"].search(
            [("equipment_id", "=", self.equipment.id)], order="id"
        )

    def _finish(self, order, when):
        with freeze_time(when):
            order.write({"technician_id": self.tech.id, "scheduled_start": at(5, 13)})
            order.action_schedule()
            order.action_start()
            order.action_done()

    def test_threshold_opens_one_repair_order(self):
        for hour in (8, 9, 10):
            result = self._report(at(5, hour), {"type": "reading", "value": 71.5})
            self.assertFalse(result["service_order_id"], "readings are only logged")
        first = self._alarm(at(5, 11))
        second = self._alarm(at(5, 12), message="Pressure too high")
        self.assertEqual(
            (first["service_order_id"], second["service_order_id"]), (False, False)
        )
        self.assertFalse(self._repairs())
        third = self._alarm(at(5, 13), code="E17")
        order = self._repairs()
        self.assertEqual(len(order), 1)
        self.assertEqual(
            third,
            {
                "event_id": third["event_id"],
                "service_order_id": order.id,
                "created": True,
            },
        )
        event = self.env["customer.equipment.event"].browse(third["event_id"])
        self.assertEqual(event.service_order_id, order)
        self.assertEqual(
            (order.service_type, order.partner_id, order.priority, order.state),
            ("repair", self.customer, "2", "draft"),
        )
        self.assertEqual(
            order.description,
            "3 monitor alarms within 24 hours on Boiler B1 (serial MON-1): "
            "E42 (x2), E17.",
        )
        # while the order is open, more alarms open nothing
        for hour in (14, 15, 16):
            self.assertFalse(self._alarm(at(5, hour))["service_order_id"])
        self.assertEqual(self._repairs(), order)
        self.assertEqual(len(self._events()), 9)
        self.assertEqual(self.equipment.event_count, 9)

    def test_done_repair_counts_alarms_afresh(self):
        for hour in (9, 10, 11):
            self._alarm(at(5, hour))
        first = self._repairs()
        self._finish(first, at(5, 12))
        self.assertEqual(first.state, "done")
        # the alarms before the repair no longer count
        self.assertFalse(self._alarm(at(5, 13))["service_order_id"])
        self.assertFalse(self._alarm(at(5, 14))["service_order_id"])
        result = self._alarm(at(5, 15), code="E17")
        second = self._repairs() - first
        self.assertEqual(len(second), 1)
        self.assertEqual(result["service_order_id"], second.id)
        self.assertIn("E42 (x2), E17", second.description)
        # a cancelled order does not hold back the next one
        second.action_cancel()
        third = self._alarm(at(5, 16))["service_order_id"]
        self.assertTrue(third)
        self.assertEqual(len(self._repairs()), 3)

    def test_only_alarms_within_the_window_count(self):
        self._alarm(at(5, 9))
        self._alarm(at(5, 20))
        # 24 hours before 6 January 10:00: the 9:00 alarm is out
        self.assertFalse(self._alarm(at(6, 10))["service_order_id"])
        self.assertTrue(self._alarm(at(6, 11))["service_order_id"])

    def test_threshold_zero_opens_nothing(self):
        settings = Form(self.env["res.config.settings"])
        self.assertEqual(
            (settings.equipment_alarm_threshold, settings.equipment_alarm_window_hours),
            (3, 24),
        )
        settings.equipment_alarm_threshold = 0
        settings.save().execute()
        self.assertEqual(self.env.company.equipment_alarm_threshold, 0)
        with self.assertRaises(ValidationError) as error:
            self.env.company.equipment_alarm_window_hours = 0
        self.assertEqual(
            error.exception.args[0], "The alarm window must be at least one hour."
        )
        for hour in range(9, 15):
            self.assertFalse(self._alarm(at(5, hour))["service_order_id"])
        self.assertFalse(self._repairs())
        self.assertEqual(len(self._events()), 6)

    def test_retry_by_external_ref_logs_once(self):
        self._alarm(at(5, 9), external_ref="EVT-1")
        self._alarm(at(5, 10), external_ref="EVT-2")
        first = self._alarm(at(5, 11), external_ref="EVT-3")
        self.assertTrue(first["service_order_id"])
        retry = self._alarm(at(5, 12), external_ref="EVT-3")
        self.assertEqual(retry, {**first, "created": False})
        self.assertEqual(len(self._events()), 3)
        self.assertEqual(len(self._repairs()), 1)
        # the same key on another unit of the company is refused
        self.env["customer.equipment"].create(
            {"name": "Boiler B2", "partner_id": self.customer.id, "serial": "MON-2"}
        )
        with self.assertRaises(ValidationError) as error:
            self._report(at(5, 13), {"type": "alarm", "external_ref": "EVT-1"}, "MON-2")
        self.assertEqual(
            error.exception.args[0],
            "Field external_ref: 'EVT-1' is already used by an event of Boiler B1.",
        )
        with self.assertRaises(ValidationError) as error:
            self.env["customer.equipment.event"].create(
                {"equipment_id": self.equipment.id, "external_ref": "EVT-2"}
            )
        self.assertIn(
            "External reference 'EVT-2' is already used by an event of Boiler B1",
            error.exception.args[0],
        )

    def test_dates_are_read_as_utc(self):
        for date in ("2026-01-05T10:30:00+01:00", "2026-01-05T09:30:00Z"):
            result = self._report(at(5, 12), {"type": "alarm", "date": date})
            event = self.env["customer.equipment.event"].browse(result["event_id"])
            self.assertEqual(event.event_date, at(5, 9, 30))
        result = self._report(at(5, 12), {"type": "reading", "value": 3})
        event = self.env["customer.equipment.event"].browse(result["event_id"])
        self.assertEqual((event.event_date, event.value), (at(5, 12), 3.0))

    def test_bad_input_is_refused_and_changes_nothing(self):
        self.env["customer.equipment"].create(
            [
                {
                    "name": "Old Boiler",
                    "partner_id": self.customer.id,
                    "serial": "OLD-1",
                    "state": "retired",
                },
                {"name": "Twin A", "partner_id": self.customer.id, "serial": "DUP-1"},
                {
                    "name": "Twin B",
                    "partner_id": self.customer.id,
                    "serial": "DUP-1",
                    "product_id": self.product.id,
                },
            ]
        )
        other_company = self.env["res.company"].create({"name": "Other Service Co"})
        self.env["customer.equipment"].create(
            {
                "name": "Elsewhere",
                "partner_id": self.customer.id,
                "serial": "FAR-1",
                "company_id": other_company.id,
            }
        )
        alarm = {"type": "alarm"}
        cases = [
            (
                "NOPE-1",
                alarm,
                (
                    "Unknown serial 'NOPE-1': no active equipment has it in your "
                    "companies."
                ),
            ),
            ("OLD-1", alarm, "Unknown serial 'OLD-1'"),
            ("FAR-1", alarm, "Unknown serial 'FAR-1'"),
            ("DUP-1", alarm, "Serial 'DUP-1' is shared by several active units"),
            (42, alarm, "Give the equipment's serial as text, got 42."),
            ("MON-1", ["alarm"], "The event must be a dictionary with the keys"),
            ("MON-1", {"code": "E1"}, "Field type is required: one of alarm, reading."),
            (
                "MON-1",
                {"type": "fault"},
                "Field type: 'fault' is not one of alarm, reading.",
            ),
            (
                "MON-1",
                {"type": "alarm", "colour": "red"},
                (
                    "Unknown field(s) colour: an event has type, code, value, "
                    "message, external_ref, date."
                ),
            ),
            (
                "MON-1",
                {"type": "alarm", "message": "x" * 1001},
                "Field message: 1001 characters, at most 1000.",
            ),
            (
                "MON-1",
                {"type": "alarm", "external_ref": "k" * 129},
                "Field external_ref: 129 characters, at most 128.",
            ),
            (
                "MON-1",
                {"type": "alarm", "code": 42},
                "Field code: expected text, got 42.",
            ),
            (
                "MON-1",
                {"type": "alarm", "date": "yesterday"},
                (
                    "Field date: 'yesterday' is not an ISO 8601 date and time, "
                    "e.g. 2026-01-05T09:30:00Z."
                ),
            ),
            ("MON-1", {"type": "reading"}, "Field value: a reading needs a number."),
            (
                "MON-1",
                {"type": "reading", "value": "12"},
                "Field value: expected a number, got '12'.",
            ),
        ]
        Event = self.env["customer.equipment.event"]
        for serial, event, message in cases:
            with self.subTest(serial=serial, event=event):
                with self.assertRaises(ValidationError) as error:
                    self._report(at(5, 9), event, serial)
                self.assertIn(message, error.exception.args[0])
                self.assertEqual(Event.search_count([]), 0)
                self.assertFalse(self._repairs())

    def test_rights(self):
        for login in ("svc_tech", "acme_portal", "svc_employee"):
            user = self.env["res.users"].search([("login", "=", login)])
            with self.subTest(login=login):
                with self.assertRaises(AccessError) as error:
                    self._report(at(5, 9), {"type": "alarm"}, user=user)
                self.assertIn("customer.equipment.event", error.exception.args[0])
        self.assertFalse(self._events())
        for hour in (9, 10, 11):
            self._alarm(at(5, hour))
        self.assertEqual(len(self._repairs()), 1)
        # the technician reads the log; a manager of another company sees nothing
        events = self._events().with_user(self.technician_user)
        self.assertEqual(len(events.read(["code"])), 3)
        outsider = self._create_other_company_manager()
        Event = self.env["customer.equipment.event"].with_user(outsider)
        self.assertFalse(Event.search([]))
        with self.assertRaises(ValidationError):
            self._report(at(5, 12), {"type": "alarm"}, user=outsider)

    def test_portal_reads_own_company_events(self):
        self._report(at(5, 9), {"type": "reading", "value": 1.0})
        Event = self.env["customer.equipment.event"]
        self.assertEqual(len(Event.with_user(self.portal_user).search([])), 1)
        self.assertFalse(Event.with_user(self.other_portal_user).search([]))

    def test_queries_do_not_grow_with_the_log(self):
        """One report costs the same queries with 2 or 30 events logged."""
        self.env.company.equipment_alarm_threshold = 100
        counts = []
        for logged in (3, 30):
            while len(self._events()) < logged:
                self._alarm(at(5, 9))
            self.env.flush_all()
            before = self.env.cr.sql_log_count
            self._alarm(at(5, 10))
            counts.append(self.env.cr.sql_log_count - before)
        self.assertEqual(counts[0], counts[1])
