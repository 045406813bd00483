# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import itertools
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..models.service_order_scheduling import ServiceOrder
from .common import ServiceCommon, at

NOW = at(5, 7)  # Monday 7:00 UTC, before work
HOME = (48.8530, 2.3690)


@tagged("post_install", "-at_install")
class TestDispatchJobs(ServiceCommon):
    """Auto-assign of many orders runs in the background: queued by the
    button, planned batch by batch by the cron that ``_trigger()`` wakes,
    with its progress and result on the run and the requester notified."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        calendar = cls._create_utc_calendar()
        cls.skill = cls.env["service.skill"].create({"name": "Boilers"})
        Partner = cls.env["res.partner"]
        home = Partner.create(
            {
                "name": "Depot",
                "partner_latitude": HOME[0],
                "partner_longitude": HOME[1],
            }
        )
        cls.sites = Partner.create(
            [
                {
                    "name": f"Site {i}",
                    "partner_latitude": HOME[0] + 0.004 * (i % 6),
                    "partner_longitude": HOME[1] - 0.004 * (i // 6),
                }
                for i in range(30)
            ]
        )
        cls.technicians = cls.env["service.technician"].create(
            [
                {
                    "name": f"Tech {i}",
                    "partner_id": home.id,
                    "skill_ids": [(6, 0, cls.skill.ids)],
                    "resource_calendar_id": calendar.id,
                }
                for i in range(3)
            ]
        )
        cls.cron = cls.env.ref("crm_extension.ir_cron_dispatch_runs")
        cls.Run = cls.env["service.dispatch.run"]
        cls.env["ir.config_parameter"].sudo().set_param(
            "crm_extension.dispatch_async_threshold", "20"
        )

    def _orders(self, count):
        return self.env["service.order"].create(
            [
                {
                    "partner_id": self.sites[i % len(self.sites)].id,
                    "duration_hours": 1,
                    "required_skill_ids": [(6, 0, self.skill.ids)],
                }
                for i in range(count)
            ]
        )

    def _request(self, orders, user=None):
        with freeze_time(NOW):
            return orders.with_user(user or self.service_user).action_auto_assign()

    def _run_cron(self, max_calls=10):
        """Run the cron job as the cron worker does after a trigger
        (``ir.cron._run_job``): call its server action with a fresh progress
        record until it reports nothing remaining; the progress records."""
        cron = self.cron
        records = []
        with freeze_time(NOW):
            for _call in range(max_calls):
                cron, progress = cron._add_progress()
                cron._callback(cron.name, cron.ir_actions_server_id.id)
                records.append(progress)
                if not progress.remaining:
                    break
        return records

    def test_small_run_stays_synchronous(self):
        orders = self._orders(5)
        action = self._request(orders)
        self.assertEqual(len(action["summary"]["assigned"]), 5)
        self.assertNotIn("dispatch_run_id", action)
        self.assertEqual(set(orders.mapped("state")), {"scheduled"})
        self.assertFalse(self.Run.search([]))

    def test_large_run_is_queued_then_booked_by_the_cron(self):
        orders = self._orders(25)
        triggers_before = self.env["ir.cron.trigger"].search_count(
            [("cron_id", "=", self.cron.id)]
        )
        action = self._request(orders)
        self.assertNotIn("summary", action)
        self.assertIn("planned in the background", action["params"]["message"])
        run = self.Run.browse(action["dispatch_run_id"])
        self.assertEqual(run.state, "queued")
        self.assertEqual(run.user_id, self.service_user)
        self.assertEqual(run.order_ids, orders)
        self.assertEqual(set(orders.mapped("state")), {"draft"})
        # the button woke the cron up
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)]),
            triggers_before + 1,
        )

        progress = self._run_cron()
        # two batches: 20, then 5, each reported to the cron runner
        self.assertEqual([(p.done, p.remaining) for p in progress], [(20, 5), (5, 0)])
        self.assertEqual(run.state, "done")
        self.assertEqual(run.done_count, 25)
        self.assertEqual(run.progress, 100.0)
        self.assertEqual(run.assigned_count, 25)
        self.assertEqual(len(run.summary["assigned"]), 25)
        self.assertTrue(run.date_done)
        self.assertEqual(set(orders.mapped("state")), {"scheduled"})
        self.assertEqual(orders.technician_id, orders.technician_id & self.technicians)
        for tech in self.technicians:
            booked = orders.filtered(lambda o, t=tech: o.technician_id == t).sorted(
                "scheduled_start"
            )
            for first, second in itertools.pairwise(booked):
                self.assertLessEqual(first.scheduled_end, second.scheduled_start)
        # the requester hears of it in the run's chatter
        message = run.message_ids.filtered(
            lambda m: self.service_user.partner_id in m.partner_ids
        )
        self.assertIn("25 order(s) assigned, 0 left unassigned.", message[:1].body)
        self.assertEqual(run.result_message, "25 order(s) assigned, 0 left unassigned.")

    def test_a_worker_short_of_cpu_hands_the_next_batch_over(self):
        """A prefork cron worker has limit_time_cpu seconds per pass: with less
        left than a batch may take, the run plans nothing in this pass and
        wakes the cron for a fresh one, which plans the batch."""
        orders = self._orders(25)
        run = self.Run.browse(self._request(orders)["dispatch_run_id"])
        Trigger = self.env["ir.cron.trigger"]
        triggers_before = Trigger.search_count([("cron_id", "=", self.cron.id)])
        with patch(
            "odoo.addons.crm_extension.models.service_dispatch_run.cpu_seconds_left",
            return_value=5.0,
        ):
            progress = self._run_cron(max_calls=1)
        # nothing done ends the runner's loop; a trigger due now wakes the cron
        self.assertEqual([(p.done, p.remaining) for p in progress], [(0, 25)])
        self.assertEqual(run.state, "queued")
        self.assertEqual(run.done_count, 0)
        self.assertEqual(set(orders.mapped("state")), {"draft"})
        self.assertEqual(
            Trigger.search_count([("cron_id", "=", self.cron.id)]), triggers_before + 1
        )
        # the next pass, with its own CPU budget, plans the batches
        progress = self._run_cron()
        self.assertEqual([(p.done, p.remaining) for p in progress], [(20, 5), (5, 0)])
        self.assertEqual(run.state, "done")

    def test_a_second_request_gets_the_open_run(self):
        orders = self._orders(30)
        first = self._request(orders[:25])["dispatch_run_id"]
        # the same plan asked again, or more orders, while it waits: one run
        again = self._request(orders[:25], self.manager_user)["dispatch_run_id"]
        more = self._request(orders[5:30])["dispatch_run_id"]
        self.assertEqual(first, again)
        self.assertEqual(first, more)
        run = self.Run.browse(first)
        self.assertEqual(run.order_ids, orders)
        self.assertEqual(self.Run.search_count([]), 1)
        # while it runs, asking for its own orders again returns it too
        self._run_cron(max_calls=1)
        self.assertEqual(run.state, "running")
        self.assertEqual(run.done_count, 20)
        self.assertEqual(self._request(orders[:22])["dispatch_run_id"], first)
        self._run_cron()
        self.assertEqual(run.state, "done")
        self.assertEqual(self.Run.search_count([]), 1)

    def test_a_run_that_cannot_plan_fails_and_says_why(self):
        orders = self._orders(21)
        run = self.Run.browse(self._request(orders)["dispatch_run_id"])
        with patch.object(
            ServiceOrder,
            "_auto_assign",
            side_effect=UserError("The routing service is down."),
        ):
            self._run_cron()
        self.assertEqual(run.state, "failed")
        self.assertEqual(
            run.result_message, "Auto-assign failed: The routing service is down."
        )
        self.assertEqual(set(orders.mapped("state")), {"draft"})
        # a failed run is closed: the next request queues a new one
        self.assertNotEqual(self._request(orders)["dispatch_run_id"], run.id)

    def test_orders_changed_meanwhile_are_skipped(self):
        orders = self._orders(22)
        run = self.Run.browse(self._request(orders)["dispatch_run_id"])
        orders[0].write({"technician_id": self.technicians[0].id})
        self._run_cron()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.summary["skipped"], orders[0].ids)
        self.assertEqual(run.assigned_count, 21)

    def test_access_to_runs(self):
        run = self.Run.browse(self._request(self._orders(21))["dispatch_run_id"])
        self.assertEqual(run.with_user(self.service_user).state, "queued")
        self.assertEqual(run.with_user(self.manager_user).state, "queued")
        for user in (self.technician_user, self.employee_user, self.portal_user):
            with self.assertRaises(AccessError):
                run.with_user(user).read(["state"])
        with self.assertRaises(AccessError):
            run.with_user(self.service_user).write({"state": "done"})
        with self.assertRaises(AccessError):
            self.Run.with_user(self.service_user).create(
                {"company_id": self.env.company.id, "user_id": self.service_user.id}
            )
