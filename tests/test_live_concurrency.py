# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Races on two real database connections.

Each race sends two XML-RPC calls at the same moment from two threads (a
``threading.Barrier`` releases them together), each thread with its own
``xmlrpc.client.ServerProxy``. The server runs every request in its own
thread, cursor and transaction, so the two calls really overlap in
PostgreSQL. The data is built as admin through the ``odoo`` fixture, with
names unique to the run, so the tests can run again on the same database.

Three guarantees are checked (see docs/SECURITY.md, *Concurrency*):

- two dispatchers booking the same technician slot: one booking wins, the
  other is refused with the overlap message;
- two orders reserving the last unit of a part: one reserves and consumes
  it, the other is refused with "Not enough ..."; stock never goes negative;
- the SLA escalation job running twice at once: each level fires once.
"""

import secrets
import threading
import uuid
import xmlrpc.client
from datetime import UTC, date, datetime, timedelta

import odoorpc
import pytest

ROUNDS = 5
TIMEOUT = 60  # seconds, for every call and for the barrier
ESCALATION_FIRED = "SLA escalation fired"

# a fixed future week, Monday to Friday: the slots never meet real bookings
FIRST_DAY = date(2031, 3, 3)
assert FIRST_DAY.weekday() == 0


class TimeoutTransport(xmlrpc.client.Transport):
    """The standard transport, with a timeout on its connection."""

    def __init__(self, timeout):
        super().__init__()
        self.timeout = timeout

    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = self.timeout
        return connection


def proxy(live_config, service):
    """A new ServerProxy: one per thread, they are not thread-safe."""
    url = f"http://{live_config['host']}:{live_config['port']}/xmlrpc/2/{service}"
    return xmlrpc.client.ServerProxy(url, transport=TimeoutTransport(TIMEOUT))


def login(live_config, user, password):
    """The user id, for the races (authenticating is slow: once per user)."""
    uid = proxy(live_config, "common").authenticate(
        live_config["db"], user, password, {}
    )
    assert uid, f"{user} cannot log in"
    return uid


def race(live_config, calls):
    """Run ``calls`` at the same moment, one thread and one connection each.

    ``calls``: ``(uid, password, model, method, args)`` tuples. Returns, in
    the same order, ``("ok", result)`` or ``("refused", message)`` for an
    error meant for the user (a UserError or ValidationError). Anything else
    (a crash, a timeout) fails the test with its traceback."""
    db = live_config["db"]
    barrier = threading.Barrier(len(calls), timeout=TIMEOUT)
    results = [None] * len(calls)

    def run(index, uid, password, model, method, args):
        try:
            models = proxy(live_config, "object")
            barrier.wait()
            try:
                results[index] = (
                    "ok",
                    models.execute_kw(db, uid, password, model, method, args),
                )
            except xmlrpc.client.Fault as fault:
                if fault.faultCode != 2:  # not a UserError: a crash
                    raise
                results[index] = ("refused", fault.faultString)
        except (xmlrpc.client.Error, OSError, threading.BrokenBarrierError) as error:
            barrier.abort()
            results[index] = ("crash", f"{type(error).__name__}: {error}")

    threads = [
        threading.Thread(target=run, args=(index, *call), daemon=True)
        for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    assert not any(thread.is_alive() for thread in threads), "a call hung"
    assert all(results), f"a thread failed: {results}"
    crashes = [result[1] for result in results if result[0] == "crash"]
    assert not crashes, "\n\n".join(crashes)
    return results


def split(results):
    """(indexes that succeeded, {index: message} of those refused)."""
    won = [index for index, (kind, _value) in enumerate(results) if kind == "ok"]
    refused = {
        index: value for index, (kind, value) in enumerate(results) if kind == "refused"
    }
    return won, refused


def slot(day_offset, hour=9):
    day = FIRST_DAY + timedelta(days=day_offset)
    return datetime(day.year, day.month, day.day, hour)


def to_string(moment):
    return moment.strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture(scope="module")
def world(odoo, live_config):
    """A UTC calendar, a customer and two dispatchers (Service Users)."""
    tag = uuid.uuid4().hex[:8]
    calendar = odoo.env["resource.calendar"].create(
        {
            "name": f"Concurrency UTC {tag}",
            "tz": "UTC",
            "attendance_ids": [
                (
                    0,
                    0,
                    {
                        "name": f"{day} {period}",
                        "dayofweek": str(day),
                        "hour_from": begin,
                        "hour_to": end,
                        "day_period": period,
                    },
                )
                for day in range(5)
                for begin, end, period in ((8, 12, "morning"), (13, 17, "afternoon"))
            ],
        }
    )
    # without an email: a finished order sends no report, the rounds stay fast
    partner = odoo.env["res.partner"].create(
        {"name": f"Concurrency customer {tag}", "is_company": True}
    )
    service_user = odoo.env.ref("crm_extension.group_service_user").id
    dispatchers = []
    for letter in "ab":
        login_name = f"conc-dispatch-{letter}-{tag}"
        password = f"Conc-{secrets.token_hex(12)}"
        user = odoo.env["res.users"].create(
            {
                "name": f"Dispatcher {letter.upper()} {tag}",
                "login": login_name,
                "password": password,
                "email": f"{login_name}@example.org",
                "groups_id": [(6, 0, [service_user])],
            }
        )
        dispatchers.append(
            {
                "id": user,
                "password": password,
                "uid": login(live_config, login_name, password),
            }
        )
    return {
        "tag": tag,
        "calendar": calendar,
        "partner": partner,
        "dispatchers": dispatchers,
    }


def technician(odoo, world, name):
    return odoo.env["service.technician"].create(
        {
            "name": f"{name} {world['tag']}",
            "resource_calendar_id": world["calendar"],
        }
    )


def schedule_race(live_config, world, order_ids):
    """Both dispatchers press Schedule, each on their own order, at once."""
    return race(
        live_config,
        [
            (user["uid"], user["password"], "service.order", "action_schedule", [[oid]])
            for user, oid in zip(world["dispatchers"], order_ids, strict=True)
        ],
    )


# ----------------------------------------------------------------------
# 1. Two dispatchers, one technician, the same slot
# ----------------------------------------------------------------------
def test_same_slot_booked_once(odoo, live_config, world):
    Order = odoo.env["service.order"]
    tech = technician(odoo, world, "Race technician")
    for day in range(ROUNDS):
        start, end = slot(day), slot(day, hour=11)
        orders = [
            Order.create(
                {
                    "partner_id": world["partner"],
                    "technician_id": tech,
                    "scheduled_start": to_string(start),
                    "duration_hours": 2.0,
                    "description": f"Round {day}, dispatcher {letter}",
                }
            )
            for letter in "AB"
        ]
        names = {row["id"]: row["name"] for row in Order.read(orders, ["name"])}
        won, refused = split(schedule_race(live_config, world, orders))

        assert len(won) == 1, f"round {day}: {won} booked, {refused}"
        assert len(refused) == 1, f"round {day}: {refused}"
        winner, loser = orders[won[0]], orders[1 - won[0]]
        message = refused[1 - won[0]]
        assert "is already booked on" in message, message
        assert names[winner] in message and names[loser] in message, message
        states = {row["id"]: row["state"] for row in Order.read(orders, ["state"])}
        assert states == {winner: "scheduled", loser: "draft"}
        booked = Order.search_count(
            [
                ("technician_id", "=", tech),
                ("state", "in", ["scheduled", "in_progress"]),
                ("scheduled_start", "<", to_string(end)),
                ("scheduled_end", ">", to_string(start)),
            ]
        )
        assert booked == 1, f"round {day}: {booked} orders in the slot"


# ----------------------------------------------------------------------
# 2. Two technicians, one last unit of a part
# ----------------------------------------------------------------------
def stock_of(odoo, product, location):
    return odoo.env["stock.quant"].search_read(
        [("product_id", "=", product), ("location_id", "=", location)],
        ["quantity", "reserved_quantity"],
    )


def test_last_unit_of_a_part_consumed_once(odoo, live_config, world):
    tag = world["tag"]
    warehouse = odoo.env["stock.warehouse"].search_read(
        [], ["view_location_id"], limit=1
    )[0]
    shelf = odoo.env["stock.location"].create(
        {
            "name": f"Shared van {tag}",
            "usage": "internal",
            "location_id": warehouse["view_location_id"][0],
        }
    )
    techs = [technician(odoo, world, f"Parts technician {n}") for n in (1, 2)]
    Order = odoo.env["service.order"]
    for day in range(ROUNDS):
        part = odoo.env["product.product"].create(
            {
                "name": f"Last valve {tag} {day}",
                "type": "consu",
                "is_storable": True,
                "list_price": 10.0,
            }
        )
        quant = odoo.execute_kw(
            "stock.quant",
            "create",
            [{"product_id": part, "location_id": shelf, "inventory_quantity": 1}],
            {"context": {"inventory_mode": True}},
        )
        odoo.execute_kw("stock.quant", "action_apply_inventory", [[quant]])
        assert sum(q["quantity"] for q in stock_of(odoo, part, shelf)) == 1
        orders = [
            Order.create(
                {
                    "partner_id": world["partner"],
                    "technician_id": tech,
                    "scheduled_start": to_string(slot(day)),
                    "line_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": part,
                                "quantity": 1,
                                "location_id": shelf,
                                # not billed: the race is about stock
                                "chargeable": False,
                            },
                        )
                    ],
                }
            )
            for tech in techs
        ]
        won, refused = split(schedule_race(live_config, world, orders))

        assert len(won) == 1, f"round {day}: {won} reserved, {refused}"
        message = refused[1 - won[0]]
        assert message.startswith("Not enough Last valve"), message
        assert "0.0 Units free, 1.0 needed" in message, message
        quants = stock_of(odoo, part, shelf)
        assert all(q["quantity"] >= 0 for q in quants), quants
        assert sum(q["reserved_quantity"] for q in quants) == 1, quants

        # then both go on as far as they can
        outcomes = {}
        for oid in orders:
            try:
                odoo.execute_kw("service.order", "action_start", [[oid]])
                odoo.execute_kw("service.order", "action_done", [[oid]])
                outcomes[oid] = "done"
            except odoorpc.error.RPCError as error:
                outcomes[oid] = str(error)
        winner, loser = orders[won[0]], orders[1 - won[0]]
        assert outcomes[winner] == "done", outcomes
        assert "Cannot start" in outcomes[loser], outcomes
        states = {row["id"]: row["state"] for row in Order.read(orders, ["state"])}
        assert states == {winner: "done", loser: "draft"}
        quants = stock_of(odoo, part, shelf)
        assert all(q["quantity"] >= 0 for q in quants), quants
        assert sum(q["quantity"] for q in quants) == 0, quants
        assert sum(q["reserved_quantity"] for q in quants) == 0, quants
        moves = odoo.env["stock.move"].search_read(
            [("product_id", "=", part), ("state", "=", "done")],
            ["service_order_id", "quantity", "location_id"],
        )
        consumed = [m for m in moves if m["location_id"][0] == shelf]
        assert [(m["service_order_id"][0], m["quantity"]) for m in consumed] == [
            (winner, 1.0)
        ], moves


# ----------------------------------------------------------------------
# 3. The SLA escalation job twice at once
# ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def sla(odoo, world):
    """A policy only this run's tickets match, with two levels that are due
    as soon as a ticket is created with a start two weeks back."""
    tag = world["tag"]
    assignee, manager = world["dispatchers"]
    team = odoo.env["helpdesk.ticket.team"].create(
        {"name": f"Concurrency team {tag}", "user_id": manager["id"]}
    )
    policy = odoo.env["service.sla.policy"].create(
        {
            "name": f"Concurrency policy {tag}",
            "team_ids": [(6, 0, [team])],
            "partner_ids": [(6, 0, [world["partner"]])],
            "priority": "2",
            "response_hours": 1,
            "resolution_hours": 2,
            "calendar_id": world["calendar"],
            "escalation_ids": [
                (
                    0,
                    0,
                    {
                        "level": 1,
                        "trigger": "percent",
                        "trigger_value": 50,
                        "notify_assignee": True,
                    },
                ),
                (
                    0,
                    0,
                    {
                        "level": 2,
                        "trigger": "after_breach",
                        "trigger_value": 0,
                        "notify_assignee": False,
                        "notify_manager": True,
                    },
                ),
            ],
        }
    )
    levels = odoo.env["service.sla.escalation"].search_read(
        [("policy_id", "=", policy)], ["name", "level"], order="level"
    )
    return {
        "team": team,
        "policy": policy,
        "levels": levels,
        "assignee": assignee,
        "manager": manager,
        "cron": odoo.env.ref("crm_extension.ir_cron_sla_evaluate").id,
    }


def overdue_ticket(odoo, world, sla, name):
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    start = now - timedelta(days=14)
    ticket = odoo.env["helpdesk.ticket"].create(
        {
            "name": f"{name} {world['tag']}",
            "description": "The boiler is cold.",
            "partner_id": world["partner"],
            "team_id": sla["team"],
            "user_id": sla["assignee"]["id"],
            "priority": "2",
            "sla_start_date": to_string(start),
        }
    )
    [row] = odoo.env["helpdesk.ticket"].read(
        [ticket], ["sla_policy_id", "sla_status", "escalation_level"]
    )
    assert row["sla_policy_id"][0] == sla["policy"]
    assert row["sla_status"] == "breached"
    assert row["escalation_level"] == 0
    return ticket


def assert_fired_once(odoo, sla, ticket):
    logs = odoo.env["service.sla.escalation.log"].search_read(
        [("res_model", "=", "helpdesk.ticket"), ("res_id", "=", ticket)],
        ["escalation_id"],
    )
    fired = sorted(log["escalation_id"][0] for log in logs)
    assert fired == sorted(level["id"] for level in sla["levels"]), logs
    messages = odoo.env["mail.message"].search_read(
        [
            ("model", "=", "helpdesk.ticket"),
            ("res_id", "=", ticket),
            ("body", "ilike", ESCALATION_FIRED),
        ],
        ["body"],
    )
    assert len(messages) == 1, messages
    for level in sla["levels"]:
        assert messages[0]["body"].count(level["name"]) == 1, messages
    activities = odoo.env["mail.activity"].search_read(
        [
            ("res_model", "=", "helpdesk.ticket"),
            ("res_id", "=", ticket),
            ("summary", "ilike", "SLA escalation"),
        ],
        ["summary", "user_id"],
    )
    first, second = (level["name"] for level in sla["levels"])
    assert sorted((a["summary"], a["user_id"][0]) for a in activities) == sorted(
        [
            (f"SLA escalation: {first}", sla["assignee"]["id"]),
            (f"SLA escalation: {second}", sla["manager"]["id"]),
        ]
    ), activities
    [row] = odoo.env["helpdesk.ticket"].read([ticket], ["escalation_level"])
    assert row["escalation_level"] == 2


def trigger(odoo, live_config, cron):
    """Run Manually, as admin."""
    return (
        odoo.env.uid,
        live_config["password"],
        "ir.cron",
        "method_direct_trigger",
        [[cron]],
    )


def test_sla_job_run_twice_at_once(odoo, live_config, world, sla):
    """The same job started twice: Odoo's job lock lets one run at a time."""
    for round_ in range(ROUNDS):
        ticket = overdue_ticket(odoo, world, sla, f"Cold boiler {round_}")
        results = race(live_config, [trigger(odoo, live_config, sla["cron"])] * 2)
        won, refused = split(results)
        assert won, results
        for message in refused.values():
            assert "currently being executed" in message, message
        assert_fired_once(odoo, sla, ticket)


def test_two_sla_jobs_at_once_fire_each_level_once(odoo, live_config, world, sla):
    """The job and a copy of it run at the same moment (no job lock between
    them): the escalation log's unique key lets each level fire once."""
    twin = odoo.execute_kw(
        "ir.cron",
        "copy",
        [[sla["cron"]]],
        {"default": {"active": False, "name": f"SLA twin {world['tag']}"}},
    )[0]
    try:
        for round_ in range(ROUNDS):
            ticket = overdue_ticket(odoo, world, sla, f"Frozen pipe {round_}")
            results = race(
                live_config,
                [
                    trigger(odoo, live_config, sla["cron"]),
                    trigger(odoo, live_config, twin),
                ],
            )
            assert [kind for kind, _value in results] == ["ok", "ok"], results
            assert_fired_once(odoo, sla, ticket)
    finally:
        action = odoo.env["ir.cron"].read([twin], ["ir_actions_server_id"])[0]
        odoo.env["ir.cron"].unlink([twin])
        odoo.env["ir.actions.server"].unlink([action["ir_actions_server_id"][0]])
