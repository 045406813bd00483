# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Monitored equipment: ``api_report_event`` logs a monitor's alarms and
readings on the unit with a serial, and enough alarms within the company's
window open a repair service order. The event's values are checked by
``customer.equipment.event`` with ``service.api.mixin``."""

from collections import Counter
from datetime import timedelta

from odoo import api, models
from odoo.exceptions import ValidationError

from ..tools.locks import lock_rows


class CustomerEquipment(models.Model):
    _inherit = "customer.equipment"

    @api.model
    def api_report_event(self, serial, event):
        """Log an alarm or a meter reading of the active unit with ``serial``.

        ``event``: ``type`` (``alarm`` or ``reading``, required), ``code``,
        ``value`` (required for a reading), ``message``, ``external_ref`` (the
        monitor's event id) and ``date`` (ISO 8601, UTC without an offset;
        now by default). An ``external_ref`` already logged in the company
        returns that event and logs nothing. An alarm that brings the unit's
        alarms within the company's window (since its last done repair) to
        the threshold opens one repair service order, unless one is open.

        Returns ``{"event_id", "service_order_id", "created"}``:
        ``service_order_id`` is the order the event opened (or False),
        ``created`` is False when the event was already logged (a retry).
        Bad input raises a ValidationError naming the field or the serial;
        the caller needs the right to create events (service users)."""
        Event = self.env["customer.equipment.event"]
        Event.check_access("create")
        vals = Event._api_event_vals(event)
        equipment = self._api_find_by_serial(serial)
        ref = vals["external_ref"]
        if ref:
            logged = Event._api_records_by_ref([ref], equipment.company_id).get(
                ref, Event
            )
            if logged and logged.equipment_id != equipment:
                raise ValidationError(
                    self.env._(
                        "Field external_ref: '%(ref)s' is already used by an "
                        "event of %(equipment)s.",
                        ref=ref,
                        equipment=logged.equipment_id.display_name,
                    )
                )
            if logged:
                return {
                    "event_id": logged.id,
                    "service_order_id": logged.service_order_id.id or False,
                    "created": False,
                }
        # events of one unit are logged one after the other: a concurrent
        # report of the same unit, or of the same event, fails here and is
        # retried by Odoo, seeing this one (see lock_rows)
        lock_rows(equipment)
        order = self.env["service.order"]
        if vals["event_type"] == "alarm":
            order = equipment._open_alarm_service_order(
                vals["event_date"], vals["code"]
            )
        logged = Event.create(equipment._prepare_monitor_event_vals(vals, order))
        return {
            "event_id": logged.id,
            "service_order_id": order.id or False,
            "created": True,
        }

    def _prepare_monitor_event_vals(self, vals, order):
        """Values of the event logged on the unit: the checked ``vals`` of the
        report, and the service order it opened (or an empty recordset)."""
        self.ensure_one()
        return {**vals, "equipment_id": self.id, "service_order_id": order.id}

    @api.model
    def _api_find_by_serial(self, serial):
        """The active unit with exactly this serial in the caller's companies."""
        if not isinstance(serial, str) or not serial.strip():
            raise ValidationError(
                self.env._("Give the equipment's serial as text, got %r.", serial)
            )
        units = self.search(
            [
                ("serial", "=", serial),
                ("state", "=", "active"),
                ("company_id", "in", self.env.companies.ids),
            ],
            limit=3,
            order="id",
        )
        if not units:
            raise ValidationError(
                self.env._(
                    "Unknown serial '%s': no active equipment has it in your "
                    "companies.",
                    serial,
                )
            )
        if len(units) > 1:
            raise ValidationError(
                self.env._(
                    "Serial '%(serial)s' is shared by several active units "
                    "(%(units)s): give each unit its own serial.",
                    serial=serial,
                    units=", ".join(units.mapped("display_name")),
                )
            )
        return units

    def _open_alarm_service_order(self, event_date, code):
        """The repair order that an alarm at ``event_date`` opens: when the
        unit's alarms within the company's window, counted since its last
        done repair and with this one, reach the threshold and no repair
        order of the unit is open. Otherwise an empty recordset."""
        self.ensure_one()
        Order = self.env["service.order"]
        threshold = self.company_id.equipment_alarm_threshold
        if not threshold:
            return Order
        repairs = [
            ("equipment_id", "=", self.id),
            ("service_type", "=", "repair"),
        ]
        if Order.search_count(
            [*repairs, ("state", "not in", ("done", "cancelled"))], limit=1
        ):
            return Order
        hours = self.company_id.equipment_alarm_window_hours
        since = event_date - timedelta(hours=hours)
        [[last_repair]] = Order._read_group(
            [*repairs, ("state", "=", "done")], [], ["date_done:max"]
        )
        if last_repair and last_repair > since:
            since = last_repair
        alarms = self.env["customer.equipment.event"].search(
            [
                ("equipment_id", "=", self.id),
                ("event_type", "=", "alarm"),
                ("event_date", ">", since),
                ("event_date", "<=", event_date),
            ],
            order="event_date, id",
        )
        if len(alarms) + 1 < threshold:
            return Order
        codes = [alarm.code for alarm in alarms] + [code]
        return Order.create(self._prepare_alarm_service_order_vals(codes, hours))

    def _prepare_alarm_service_order_vals(self, codes, hours):
        self.ensure_one()
        counts = Counter(code or "?" for code in codes)
        listed = ", ".join(
            f"{code} (x{count})" if count > 1 else code
            for code, count in counts.items()
        )
        return {
            "partner_id": self.partner_id.id,
            "site_partner_id": self.site_partner_id.id,
            "equipment_id": self.id,
            "service_type": "repair",
            "priority": "2",
            "company_id": self.company_id.id,
            "description": self.env._(
                "%(count)s monitor alarms within %(hours)s hours on %(equipment)s "
                "(serial %(serial)s): %(codes)s.",
                count=len(codes),
                hours=hours,
                equipment=self.name,
                serial=self.serial or "-",
                codes=listed,
            ),
        }
