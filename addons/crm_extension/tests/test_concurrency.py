# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from psycopg2.errors import LockNotAvailable

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from .common import TwoConnectionsMixin, at


@tagged("post_install", "-at_install")
class TestPartsConcurrency(TwoConnectionsMixin, TransactionCase):
    """Two transactions reserving the last unit of a part, interleaved step
    by step on two real connections.

    tests/test_live_concurrency.py races the same case with two requests on
    a running server."""

    def _make_shared_data(self, env):
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", env.company.id)], limit=1
        )
        van = env["stock.location"].create(
            {
                "name": "Shared van (concurrency test)",
                "usage": "internal",
                "location_id": warehouse.view_location_id.id,
            }
        )
        part = env["product.product"].create(
            {
                "name": "Last valve (concurrency test)",
                "type": "consu",
                "is_storable": True,
            }
        )
        env["stock.quant"]._update_available_quantity(part, van, 1)
        calendar = env["resource.calendar"].create(
            {
                "name": "Concurrency test (UTC)",
                "tz": "UTC",
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"Day {day}",
                            "dayofweek": str(day),
                            "hour_from": 8,
                            "hour_to": 17,
                            "day_period": "morning",
                        }
                    )
                    for day in range(5)
                ],
            }
        )
        partner = env["res.partner"].create({"name": "Concurrency customer"})
        technicians = env["service.technician"].create(
            [
                {
                    "name": f"Concurrency technician {n}",
                    "resource_calendar_id": calendar.id,
                    "van_location_id": van.id,
                }
                for n in (1, 2)
            ]
        )
        orders = env["service.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "technician_id": technician.id,
                    "scheduled_start": at(5, 9),
                    "line_ids": [
                        Command.create({"product_id": part.id, "quantity": 1})
                    ],
                }
                for technician in technicians
            ]
        )
        return {
            "van": van.id,
            "part": part.id,
            "calendar": calendar.id,
            "partner": partner.id,
            "technicians": technicians.ids,
            "orders": orders.ids,
        }

    def _remove_shared_data(self, env, data):
        orders = env["service.order"].browse(data["orders"])
        orders.filtered(lambda o: o.state == "scheduled").action_cancel()
        moves = env["stock.move"].search([("product_id", "=", data["part"])])
        orders.unlink()
        moves.unlink()
        env["stock.quant"].search([("product_id", "=", data["part"])]).unlink()
        env["service.technician"].browse(data["technicians"]).unlink()
        env["product.product"].browse(data["part"]).unlink()
        env["stock.location"].browse(data["van"]).unlink()
        env["resource.calendar"].browse(data["calendar"]).unlink()
        env["res.partner"].browse(data["partner"]).unlink()

    def _quants(self, env):
        return env["stock.quant"].search(
            [
                ("product_id", "=", self.data["part"]),
                ("location_id", "=", self.data["van"]),
            ]
        )

    def test_last_unit_is_reserved_once(self):
        env1, env2 = self.envs
        first = env1["service.order"].browse(self.data["orders"][0])
        second = env2["service.order"].browse(self.data["orders"][1])
        env2.cr.execute("SELECT 1")  # the second transaction has begun

        first.action_schedule()  # reserves the unit; not committed yet
        # The second order used to reserve the same unit here, on a new quant
        # (stock skips the quant the first transaction holds). Now it waits
        # for the first transaction: the timeout stands for that wait.
        env2.cr.execute("SET LOCAL lock_timeout = '200ms'")
        with self.assertRaises(LockNotAvailable):
            second.action_schedule()
        env2.cr.rollback()

        env1.cr.commit()
        # what Odoo's retry of the request then finds
        with self.assertRaisesRegex(
            UserError,
            r"Not enough Last valve \(concurrency test\) in .*: "
            r"0\.0 Units free, 1\.0 needed",
        ):
            second.action_schedule()
        self.assertEqual(second.state, "draft")
        quants = self._quants(env2)
        self.assertEqual(sum(quants.mapped("quantity")), 1)
        self.assertEqual(sum(quants.mapped("reserved_quantity")), 1)
