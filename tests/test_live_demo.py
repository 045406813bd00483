# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The demo company looks lived-in: a prospect who installs the module with
demo data sees a year of history (models/crm_ext_demo.py), against the live
server of a database installed with demo data."""

import os
from datetime import datetime, time, timedelta, timezone

import pytest


def _utc_day(days=0):
    day = datetime.now(timezone.utc).date() + timedelta(days=days)
    return datetime.combine(day, time.min).strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize("segment", ["A", "B", "C"])
def test_customers_in_each_segment_with_revenue(odoo, segment):
    Partner = odoo.env["res.partner"]
    ids = Partner.search(
        [("customer_segment", "=", segment), ("is_company", "=", True)]
    )
    assert ids, f"no customer in segment {segment}"
    rows = Partner.read(ids, ["lifetime_value", "revenue_12m"])
    assert any(row["lifetime_value"] > 0 for row in rows), rows[:5]
    if segment != "C":
        assert all(row["revenue_12m"] > 0 for row in rows), rows


def test_service_history(odoo):
    assert odoo.env["service.order"].search_count([("state", "=", "done")]) >= 30
    done_with_parts = odoo.env["service.order.line"].search_count(
        [
            ("order_id.state", "=", "done"),
            ("line_type", "=", "part"),
            ("lot_id", "!=", False),
        ]
    )
    assert done_with_parts >= 10
    assert (
        odoo.env["service.order"].search_count(
            [("state", "=", "done"), ("signed_by", "!=", False)]
        )
        >= 30
    )


def test_ratings_and_followed_up_detractors(odoo):
    Rating = odoo.env["rating.rating"]
    assert Rating.search_count([("consumed", "=", True), ("rating", ">", 0)]) >= 10
    assert Rating.search_count([("nps_answered", "=", True)]) >= 10
    followed = Rating.search(
        [("nps_category", "=", "detractor"), ("followup_feedback_id", "!=", False)]
    )
    assert len(followed) >= 2
    states = {
        row["followup_feedback_id"][0]: None
        for row in Rating.read(followed, ["followup_feedback_id"])
    }
    feedback = odoo.env["customer.feedback"].read(list(states), ["state"])
    assert {row["state"] for row in feedback} <= {"resolved", "closed"}


def test_feedback_from_every_channel(odoo):
    Feedback = odoo.env["customer.feedback"]
    for channel in ("email", "phone", "portal", "api", "visit", "survey", "other"):
        assert Feedback.search_count([("channel", "=", channel)]), channel


def test_tickets_breached_and_escalated(odoo):
    Ticket = odoo.env["helpdesk.ticket"]
    assert Ticket.search_count([("sla_status", "=", "breached")]) >= 1
    assert Ticket.search_count([("escalation_level", ">", 0)]) >= 1
    assert len(Ticket.read_group([], ["team_id"], ["team_id"])) >= 3


def test_demo_technician_has_work_today_and_this_week(login_as):
    login = os.environ.get("CRM_EXT_TECH_LOGIN", "technician")
    technician = login_as(login, os.environ.get("CRM_EXT_TECH_APIKEY"))
    Order = technician.env["service.order"]
    mine = [("technician_user_id", "=", technician.env.uid)]

    def visits(first_day, last_day):
        return Order.search_count(
            [
                *mine,
                ("state", "in", ["scheduled", "in_progress"]),
                ("scheduled_start", "<", _utc_day(last_day + 1)),
                ("scheduled_end", ">=", _utc_day(first_day)),
            ]
        )

    today = visits(0, 0)
    assert today >= 1
    assert visits(0, 6) > today


def test_invoices_paid_unpaid_and_refunded(odoo):
    Move = odoo.env["account.move"]
    posted = [("state", "=", "posted")]
    assert Move.search_count([*posted, ("move_type", "=", "out_invoice")]) >= 30
    assert Move.search_count(
        [*posted, ("move_type", "=", "out_invoice"), ("payment_state", "=", "paid")]
    )
    assert Move.search_count(
        [
            *posted,
            ("move_type", "=", "out_invoice"),
            ("payment_state", "in", ["not_paid", "partial"]),
        ]
    )
    assert Move.search_count([*posted, ("move_type", "=", "out_refund")])


def test_equipment_replacement_opportunity_and_return(odoo):
    Equipment = odoo.env["customer.equipment"]
    assert Equipment.search_count([]) >= 20
    assert Equipment.search_count([("lead_id", "!=", False)]) >= 1
    assert odoo.env["service.return"].search_count([("state", "=", "confirmed")])
