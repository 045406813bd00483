# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The demo's helpdesk: tickets with their service levels, feedback, ratings.

Most tickets are closed (met or breached), a few open ones are late and
escalate, the newest are on track. Feedback comes in on every channel;
ratings go through the rating flow with an NPS answer, and the
detractors' follow-up complaints are handled."""

from collections import defaultdict
from datetime import timedelta

from odoo import Command

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


class _HelpdeskSteps:
    """The demo generator's ticket, feedback and rating steps (see
    ``crm_ext_demo._Generator``)."""

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
