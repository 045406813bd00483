# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import re
from contextlib import contextmanager
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import ServiceCommon, at

# 2026-01-12 (a Monday) is a public holiday below.


@tagged("post_install", "-at_install")
class TestSla(ServiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls._create_utc_calendar()
        cls.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": cls.calendar.id,
                "date_from": at(12, 0),
                "date_to": at(12, 23, 59),
            }
        )
        cls.team = cls.env["helpdesk.ticket.team"].create(
            {"name": "SLA team", "user_id": cls.manager_user.id}
        )
        cls.wait_stage = cls.env["helpdesk.ticket.stage"].create(
            {"name": "Waiting for customer", "sequence": 50}
        )
        cls.template = cls.env.ref("crm_extension.mail_template_sla_status_ticket")
        cls.policy = cls.env["service.sla.policy"].create(
            {
                "name": "Standard",
                "team_ids": [Command.link(cls.team.id)],
                "response_hours": 2,
                "resolution_hours": 8,
                "calendar_id": cls.calendar.id,
                "pause_stage_ids": [Command.link(cls.wait_stage.id)],
                "escalation_ids": [
                    Command.create(
                        {
                            "level": 1,
                            "trigger": "percent",
                            "trigger_value": 50,
                            "notify_assignee": True,
                            "raise_priority": True,
                        }
                    ),
                    Command.create(
                        {
                            "level": 2,
                            "trigger": "after_breach",
                            "trigger_value": 0,
                            "notify_assignee": False,
                            "reassign_user_id": cls.service_user.id,
                            "notify_manager": True,
                            "email_customer": True,
                            "mail_template_id": cls.template.id,
                        }
                    ),
                ],
            }
        )

    def _ticket(self, **vals):
        return self.env["helpdesk.ticket"].create(
            {
                "name": "Broken boiler",
                "description": "No hot water",
                "partner_id": self.customer_contact.id,
                "team_id": self.team.id,
                "user_id": self.technician_user.id,
                "priority": "1",
                **vals,
            }
        )

    def test_deadlines_skip_nights_weekends_and_holidays(self):
        with freeze_time(at(9, 15)):  # Friday 15:00
            ticket = self._ticket()
            self.assertEqual(ticket.sla_status, "ok")
        self.assertEqual(ticket.sla_policy_id, self.policy)
        # response 2 h: Friday 15-17
        self.assertEqual(ticket.sla_response_deadline, at(9, 17))
        # resolution 8 h: Fri 15-17 (2), Monday 12th is a holiday,
        # Tue 8-12 (4), 13-15 (2)
        self.assertEqual(ticket.sla_deadline, at(13, 15))

    def test_new_holiday_and_hours_move_later_deadlines(self):
        """Working intervals are computed once a month, then a new public
        holiday or a change of working hours clears them: the next ticket's
        deadline follows, the earlier ticket keeps its own."""
        with freeze_time(at(5, 9)):  # Monday 9:00
            first = self._ticket()
            # 8 h: Mon 9-12 (3), 13-17 (4), Tue 8-9 (1)
            self.assertEqual(first.sla_deadline, at(6, 9))
            self.env["resource.calendar.leaves"].create(
                {
                    "name": "Strike",
                    "calendar_id": self.calendar.id,
                    "date_from": at(6, 0),
                    "date_to": at(6, 23, 59),
                }
            )
            second = self._ticket()
            # Tuesday is off now: Mon 9-17 (7), Wed 8-9 (1)
            self.assertEqual(second.sla_deadline, at(7, 9))
            self.calendar.attendance_ids.filtered(
                lambda a: a.dayofweek == "0" and a.day_period == "afternoon"
            ).unlink()
            third = self._ticket()
            # no Monday afternoon: Mon 9-12 (3), Wed 8-12 (4), 13-14 (1)
            self.assertEqual(third.sla_deadline, at(7, 14))
        self.assertEqual(first.sla_deadline, at(6, 9))
        self.assertEqual(second.sla_deadline, at(7, 9))

    def test_new_and_archived_policies_apply_to_the_next_ticket(self):
        """The active policies are cached: a new, more specific policy and
        an archived one change the policy of the next ticket at once."""
        with freeze_time(at(5, 9)):
            self.assertEqual(self._ticket().sla_policy_id, self.policy)
            urgent = self.policy.copy(
                {"name": "Urgent", "priority": "3", "resolution_hours": 4}
            )
            ticket = self._ticket(priority="3")
            self.assertEqual(ticket.sla_policy_id, urgent)
            self.assertEqual(ticket.sla_deadline, at(5, 14))
            urgent.active = False
            self.assertEqual(self._ticket(priority="3").sla_policy_id, self.policy)

    def test_new_ticket_plans_and_counts_without_reading_tables(self):
        """The second ticket of the day plans its deadlines on the cached
        working intervals, and a ticket just created has no feedback, service
        orders nor returns to count: none of these tables is read."""
        with freeze_time(at(5, 9)):
            self._ticket()
            with self._tables_read() as tables:
                ticket = self._ticket()
                ticket.read(["feedback_count", "service_order_count", "return_count"])
        self.assertFalse(
            tables
            & {
                "service_sla_policy",
                "resource_calendar_attendance",
                "resource_calendar_leaves",
                "customer_feedback",
                "service_order",
                "service_return",
            },
            tables,
        )
        self.assertEqual(ticket.sla_deadline, at(6, 9))
        self.assertEqual(
            (ticket.feedback_count, ticket.service_order_count, ticket.return_count),
            (0, 0, 0),
        )
        # a feedback linked in the same transaction is counted at once
        self.env["customer.feedback"].create(
            {
                "name": "Still cold",
                "partner_id": self.customer_contact.id,
                "feedback_type": "complaint",
                "description": "No hot water since the visit",
                "ticket_id": ticket.id,
            }
        )
        self.assertEqual(ticket.feedback_count, 1)
        self.env.invalidate_all()
        self.assertEqual(ticket.feedback_count, 1)

    @contextmanager
    def _tables_read(self):
        """The names of the tables the queries inside the block read."""
        tables = set()
        cr = self.env.cr
        execute = cr.execute

        def record(query, params=None, log_exceptions=True):
            tables.update(re.findall(r'(?:FROM|JOIN) "?(\w+)"?', str(query)))
            return execute(query, params, log_exceptions)

        with patch.object(cr, "execute", record):
            yield tables

    def test_pause_and_resume(self):
        with freeze_time(at(5, 9)):  # Monday 9:00
            ticket = self._ticket()
        # 8 h: Mon 9-12 (3), 13-17 (4), Tue 8-9 (1)
        self.assertEqual(ticket.sla_deadline, at(6, 9))
        with freeze_time(at(5, 10)):
            ticket.stage_id = self.wait_stage
        self.assertEqual(ticket.sla_status, "paused")
        self.assertEqual(ticket.sla_pause_start, at(5, 10))
        with freeze_time(at(5, 14)):
            ticket.stage_id = self.env["helpdesk.ticket.stage"].search(
                [("closed", "=", False), ("id", "!=", self.wait_stage.id)], limit=1
            )
        # paused 10-12 and 13-14: 3 working hours, added back
        self.assertEqual(ticket.sla_paused_hours, 3.0)
        self.assertFalse(ticket.sla_pause_start)
        self.assertEqual(ticket.sla_deadline, at(6, 12))

    def test_priority_change_recomputes_policy_and_deadline(self):
        urgent = self.policy.copy(
            {"name": "Urgent", "priority": "3", "resolution_hours": 2}
        )
        with freeze_time(at(5, 9)):
            ticket = self._ticket()
            self.assertEqual(ticket.sla_policy_id, self.policy)
            ticket.priority = "3"
        self.assertEqual(ticket.sla_policy_id, urgent)
        self.assertEqual(ticket.sla_deadline, at(5, 11))

    def test_escalation_levels_fire_once_each(self):
        with freeze_time(at(5, 9)):
            ticket = self._ticket()
        Ticket = self.env["helpdesk.ticket"]
        Activity = self.env["mail.activity"]
        with freeze_time(at(5, 14, 30)):  # 4.5 h of 8 used: level 1 (50 %)
            Ticket._sla_evaluate()
            Ticket._sla_evaluate()  # a second run fires nothing more
        self.assertEqual(ticket.escalation_level, 1)
        self.assertEqual(ticket.priority, "2")
        self.assertEqual(ticket.sla_status, "ok")
        assignee_activities = Activity.search(
            [("res_id", "=", ticket.id), ("res_model", "=", "helpdesk.ticket")]
        )
        self.assertEqual(len(assignee_activities), 1)
        self.assertEqual(assignee_activities.user_id, self.technician_user)
        logs = ticket.message_ids.filtered(lambda m: "SLA escalation fired" in m.body)
        self.assertEqual(len(logs), 1)
        self.assertIn("Standard", logs.body)
        self.assertIn("Level 1", logs.body)
        with freeze_time(at(6, 10)):  # past the Tue 9:00 deadline: level 2
            Ticket._sla_evaluate()
            Ticket._sla_evaluate()
        self.assertEqual(ticket.sla_status, "breached")
        self.assertEqual(ticket.escalation_level, 2)
        self.assertEqual(ticket.user_id, self.service_user)
        leader_activity = Activity.search(
            [("res_id", "=", ticket.id), ("user_id", "=", self.manager_user.id)]
        )
        self.assertEqual(len(leader_activity), 1)
        mails = self.env["mail.mail"].search(
            [("model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)]
        )
        self.assertEqual(
            len(mails.filtered(lambda m: "Update on your request" in m.subject)), 1
        )
        self.assertEqual(
            self.env["service.sla.escalation.log"].search_count(
                [("res_model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)]
            ),
            2,
        )

    def test_first_response_is_first_public_reply_of_an_employee(self):
        with freeze_time(at(5, 9)):
            ticket = self._ticket()
        with freeze_time(at(5, 10)):
            ticket.with_user(self.technician_user).message_post(
                body="Internal note",
                subtype_xmlid="mail.mt_note",
                message_type="comment",
            )
        self.assertFalse(ticket.first_response_date)
        with freeze_time(at(5, 13, 30)):
            ticket.with_user(self.technician_user).message_post(
                body="We are on it",
                subtype_xmlid="mail.mt_comment",
                message_type="comment",
            )
        self.assertEqual(ticket.first_response_date, at(5, 13, 30))
        self.assertEqual(ticket.sla_response_hours, 3.5)

    def test_closing_in_time_is_met(self):
        with freeze_time(at(5, 9)):
            ticket = self._ticket()
        closed = self.env["helpdesk.ticket.stage"].search(
            [("closed", "=", True)], limit=1
        )
        with freeze_time(at(5, 15)):
            ticket.stage_id = closed
        self.assertEqual(ticket.sla_status, "met")
        self.assertEqual(ticket.sla_resolution_hours, 5.0)

    def test_feedback_follows_its_policy(self):
        policy = self.env["service.sla.policy"].create(
            {
                "name": "Complaints",
                "applies_to": "feedback",
                "response_hours": 1,
                "resolution_hours": 4,
                "calendar_id": self.calendar.id,
            }
        )
        with freeze_time(at(5, 16)):
            feedback = self._create_feedback()
        self.assertEqual(feedback.sla_policy_id, policy)
        self.assertEqual(feedback.sla_deadline, at(6, 11))

    def test_bad_policies_are_refused(self):
        Policy = self.env["service.sla.policy"]
        with self.assertRaises(ValidationError) as error:
            Policy.create(
                {"name": "Zero", "resolution_hours": 0, "calendar_id": self.calendar.id}
            )
        self.assertIn(
            "targets must be more than zero working hours", str(error.exception)
        )
        with self.assertRaises(ValidationError) as error:
            self.policy.copy({"name": "Twin"})
        self.assertIn("are equally specific and could both match", str(error.exception))
        no_calendar = self.env["res.company"].create({"name": "No Hours Co"})
        no_calendar.resource_calendar_id = False
        with self.assertRaises(ValidationError) as error:
            Policy.create({"name": "Orphan", "company_id": no_calendar.id})
        self.assertIn("needs working hours", str(error.exception))
        self.assertEqual(
            Policy.search_count([("name", "in", ["Zero", "Twin", "Orphan"])]), 0
        )

    def _cron_queries(self, count):
        with freeze_time(at(5, 9)):
            tickets = self.env["helpdesk.ticket"].create(
                [
                    {
                        "name": f"Load {i}",
                        "description": "x",
                        "partner_id": self.customer_contact.id,
                        "team_id": self.team.id,
                        "user_id": self.technician_user.id,
                    }
                    for i in range(count)
                ]
            )
        self.env.flush_all()
        self.env.invalidate_all()
        with freeze_time(at(5, 14, 30)):
            before = self.env.cr.sql_log_count
            self.env["helpdesk.ticket"]._sla_evaluate()
            self.env.flush_all()
            queries = self.env.cr.sql_log_count - before
        self.assertEqual(set(tickets.mapped("escalation_level")), {1})
        tickets.unlink()
        return queries

    def test_cron_query_count_does_not_grow(self):
        self._cron_queries(3)  # warm the caches
        self.assertEqual(self._cron_queries(10), self._cron_queries(100))

    def test_sla_report_compliance(self):
        closed = self.env["helpdesk.ticket.stage"].search(
            [("closed", "=", True)], limit=1
        )
        with freeze_time(at(5, 9)):
            in_time, late = self._ticket(), self._ticket(name="Late one")
        with freeze_time(at(5, 15)):
            in_time.stage_id = closed
        with freeze_time(at(7, 9)):
            late.stage_id = closed
        self.assertEqual((in_time.sla_status, late.sla_status), ("met", "breached"))
        self.env.flush_all()
        [(compliance, count, breached, hours)] = self.env[
            "service.sla.report"
        ]._read_group(
            [("team_id", "=", self.team.id)],
            [],
            [
                "compliance:avg",
                "record_count:sum",
                "breached_count:sum",
                "sla_resolution_hours:avg",
            ],
        )
        self.assertEqual((compliance, count, breached), (50.0, 2, 1))
        # 5 h, and Mon 9:00 -> Wed 9:00 = 16 h: 10.5 h on average
        self.assertEqual(hours, 10.5)

    def test_escalation_moves_ticket_to_another_team_once(self):
        experts = self.env["helpdesk.ticket.team"].create({"name": "Experts"})
        self.policy.team_ids |= experts
        self.policy.escalation_ids.filtered(
            lambda e: e.level == 1
        ).reassign_team_id = experts
        with freeze_time(at(5, 9)):
            ticket = self._ticket()
        with freeze_time(at(5, 14, 30)):
            self.env["helpdesk.ticket"]._sla_evaluate()
            self.assertEqual(ticket.team_id, experts)
            ticket.team_id = self.team  # a dispatcher moves it back
            self.env["helpdesk.ticket"]._sla_evaluate()
        self.assertEqual(ticket.team_id, self.team, "level 1 must not fire twice")
        self.assertEqual(ticket.sla_policy_id, self.policy)
