# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Bad input over XML-RPC: every case gets a clear error and changes nothing.

Each row: the model, the method, its arguments, and a piece of the message the
caller must see. Record counts of the module's models are compared before and
after every call."""

import uuid

import odoorpc
import pytest

COUNTED = (
    "customer.feedback",
    "service.order",
    "service.sla.policy",
    "service.sla.escalation",
    "service.technician",
    "service.zone",
    "service.order.line",
    "service.return",
    "stock.move",
    "helpdesk.ticket",
    "res.partner",
)


@pytest.fixture(scope="module")
def data(odoo):
    tag = uuid.uuid4().hex[:8]
    partner = odoo.env["res.partner"].create(
        {
            "name": f"Bad input {tag}",
            "is_company": True,
            "email": f"bad.{tag}@example.org",
        }
    )
    Feedback = odoo.env["customer.feedback"]
    new = Feedback.create({"name": "New one", "partner_id": partner})
    closed = Feedback.create({"name": "Closed one", "partner_id": partner})
    Feedback.browse(closed).write({"resolution": "Done"})
    odoo.execute_kw("customer.feedback", "action_resolve", [[closed]])
    odoo.execute_kw("customer.feedback", "action_close", [[closed]])
    Feedback.create(
        {"name": "Keyed", "partner_id": partner, "external_ref": f"KEY-{tag}"}
    )
    calendar = odoo.env.ref("resource.resource_calendar_std").id
    tech = odoo.env["service.technician"].create(
        {"name": f"Bad input tech {tag}", "resource_calendar_id": calendar}
    )
    order = odoo.env["service.order"].create({"partner_id": partner})
    done_order = odoo.env["service.order"].create({"partner_id": partner})
    policy = odoo.env["service.sla.policy"].create(
        {"name": f"Bad input policy {tag}", "partner_ids": [(6, 0, [partner])]}
    )
    Product = odoo.env["product.product"]
    gasket = Product.create(
        {"name": f"Bad input gasket {tag}", "type": "consu", "is_storable": True}
    )
    hour = Product.create({"name": f"Bad input hour {tag}", "type": "service"})
    pump = Product.create(
        {
            "name": f"Bad input pump {tag}",
            "type": "consu",
            "is_storable": True,
            "tracking": "serial",
        }
    )
    pump_lot = odoo.env["stock.lot"].create({"name": f"BAD-{tag}", "product_id": pump})
    empty_van_order = odoo.env["service.order"].create(
        {
            "partner_id": partner,
            "technician_id": tech,
            "scheduled_start": "2030-01-07 09:00:00",
            "line_ids": [(0, 0, {"product_id": gasket, "quantity": 5})],
        }
    )
    locked_order = odoo.env["service.order"].create({"partner_id": partner})
    odoo.env["service.order"].browse(locked_order).write({"state": "done"})
    sale = odoo.env["sale.order"].create({"partner_id": partner})
    odoo.execute_kw("sale.order", "action_confirm", [[sale]])
    empty_return = odoo.env["service.return"].create({"sale_order_id": sale})
    return {
        "gasket": gasket,
        "hour": hour,
        "pump": pump,
        "pump_lot": pump_lot,
        "empty_van_order": empty_van_order,
        "locked_order": locked_order,
        "empty_return": empty_return,
        "tag": tag,
        "partner": partner,
        "new": new,
        "closed": closed,
        "tech": tech,
        "order": order,
        "done_order": done_order,
        "policy": policy,
    }


def cases(d):
    p, t = d["partner"], d["tag"]
    fb = "customer.feedback"
    so = "service.order"
    pol = "service.sla.policy"
    long_text = "x" * 300
    # criteria no other policy has, so only the checked rule can refuse them
    specific = {"priority": "3", "partner_ids": [(6, 0, [p])]}
    return [
        # customer.feedback create
        (fb, "create", [{"name": "", "partner_id": p}], "needs a Subject"),
        (fb, "create", [{"name": "   ", "partner_id": p}], "needs a Subject"),
        (fb, "create", [{"name": "No partner"}], "needs a Customer"),
        (
            fb,
            "create",
            [{"name": "X", "partner_id": 999999999}],
            "no Contact with id 999999999",
        ),
        (fb, "create", [{"name": "X", "partner_id": "abc"}], "expected a record id"),
        (
            fb,
            "create",
            [{"name": "X", "partner_id": p, "feedback_type": "rant"}],
            "'rant' is not one of",
        ),
        (
            fb,
            "create",
            [{"name": "X", "partner_id": p, "channel": "pigeon"}],
            "'pigeon' is not one of",
        ),
        (
            fb,
            "create",
            [{"name": "X", "partner_id": p, "priority": "9"}],
            "'9' is not one of",
        ),
        (
            fb,
            "create",
            [{"name": long_text, "partner_id": p}],
            "too long: 300 characters",
        ),
        (
            fb,
            "create",
            [{"name": "X", "partner_id": p, "external_ref": "r" * 200}],
            "at most 128",
        ),
        (
            fb,
            "create",
            [{"name": "X", "partner_id": p, "external_ref": f"KEY-{t}"}],
            f"'KEY-{t}' is already used",
        ),
        (
            fb,
            "create",
            [{"name": "X", "partner_id": p, "product_id": 999999999}],
            "no Product Variant with id",
        ),
        (
            fb,
            "create",
            [{"name": "X", "partner_id": p, "sale_order_id": 999999999}],
            "no Sales Order with id",
        ),
        (fb, "create", [{"name": 42, "partner_id": p}], "expected text"),
        # customer.feedback api_submit
        (fb, "api_submit", ["not a list"], "takes a list of dictionaries"),
        (fb, "api_submit", [[1, 2]], "takes a list of dictionaries"),
        (
            fb,
            "api_submit",
            [[{"name": "X", "partner_id": p}] * 1001],
            "at most 1000 rows",
        ),
        (
            fb,
            "api_submit",
            [[{"name": "X", "partner_id": p, "colour": "red"}]],
            "Row 1: unknown field(s) colour",
        ),
        (
            fb,
            "api_submit",
            [
                [
                    {"name": "A", "partner_id": p},
                    {"name": "B", "partner_id": p, "channel": "fax"},
                ]
            ],
            "Row 2, field channel",
        ),
        (
            fb,
            "api_submit",
            [[{"name": "A", "partner_id": p}, {"name": "B", "partner_id": 0.5}]],
            "Row 2, field partner_id: expected a record id",
        ),
        (
            fb,
            "api_submit",
            [[{"name": "A", "partner_id": p}, {"name": "", "partner_id": p}]],
            "Row 2: The feedback needs a Subject",
        ),
        (fb, "api_submit", [[{"name": "A"}]], "Row 1:"),
        (
            fb,
            "api_submit",
            [[{"name": "A", "partner_id": p, "state": "closed"}]],
            "unknown field(s) state",
        ),
        # customer.feedback transitions
        (fb, "action_resolve", [[d["new"]]], "Write the resolution before resolving"),
        (fb, "action_close", [[d["new"]]], "Cannot close feedback"),
        (fb, "action_cancel", [[d["closed"]]], "Cannot cancel feedback"),
        (fb, "action_start", [[d["closed"]]], "Cannot start feedback"),
        (fb, "action_draft", [[d["new"]]], "Cannot reopen feedback"),
        (fb, "write", [[999999999], {"name": "Ghost"}], "does not exist"),
        # service.order
        (
            so,
            "create",
            [{"partner_id": p, "duration_hours": 0}],
            "planned duration must be positive",
        ),
        (
            so,
            "create",
            [{"partner_id": p, "duration_hours": -2}],
            "planned duration must be positive",
        ),
        (
            so,
            "create",
            [
                {
                    "partner_id": p,
                    "scheduled_start": "2030-01-07 10:00:00",
                    "scheduled_end": "2030-01-07 09:00:00",
                }
            ],
            "end must be after the scheduled start",
        ),
        (so, "action_schedule", [[d["order"]]], "Choose a technician and a start"),
        (so, "action_start", [[d["order"]]], "Cannot start"),
        (so, "action_done", [[d["order"]]], "Cannot finish"),
        (so, "action_draft", [[d["order"]]], "Cannot reset"),
        (
            so,
            "write",
            [
                [d["order"]],
                {
                    "technician_id": d["tech"],
                    "scheduled_start": "2030-01-06 10:00:00",
                    "state": "scheduled",
                },
            ],
            "outside",
        ),
        (so, "api_request", ["text"], "takes one dictionary"),
        (so, "api_request", [{"description": "x", "email": p}], "Field email"),
        (so, "api_request", [{"description": ""}], "Field description"),
        (so, "api_request", [{"description": "x"}], "Name the customer"),
        (
            so,
            "api_request",
            [{"description": "x", "partner_id": 999999999}],
            "no customer with id",
        ),
        (
            so,
            "api_request",
            [{"description": "x", "partner_ref": f"NOPE-{t}"}],
            "0 customers have the reference",
        ),
        (
            so,
            "api_request",
            [{"description": "x", "email": "nobody@nowhere.invalid"}],
            "no customer with the email",
        ),
        (
            so,
            "api_request",
            [{"description": "x", "partner_id": p, "service_type": "magic"}],
            "Field service_type",
        ),
        (
            so,
            "api_request",
            [{"description": "x", "partner_id": p, "site": "SN1"}],
            "Unknown field(s) site",
        ),
        (
            so,
            "api_request",
            [{"description": "x", "serial": "SN-NONE-1"}],
            "Field serial: no active equipment with the serial 'SN-NONE-1'.",
        ),
        # SLA policies and levels
        (
            pol,
            "create",
            [{"name": "Zero", "resolution_hours": 0, **specific}],
            "more than zero working hours",
        ),
        (
            pol,
            "create",
            [{"name": "Negative", "response_hours": -1, **specific}],
            "more than zero working hours",
        ),
        (
            pol,
            "create",
            [{"name": "Risk", "at_risk_percent": 150, **specific}],
            "between 0 and 100",
        ),
        (
            pol,
            "create",
            [{"name": "Twin", "partner_ids": [(6, 0, [p])]}],
            "equally specific",
        ),
        (
            "service.sla.escalation",
            "create",
            [{"policy_id": d["policy"], "trigger": "percent", "trigger_value": 0}],
            "between 0",
        ),
        (
            "service.sla.escalation",
            "create",
            [
                {
                    "policy_id": d["policy"],
                    "trigger": "after_breach",
                    "trigger_value": -3,
                }
            ],
            "cannot be negative",
        ),
        (
            "service.sla.escalation",
            "create",
            [{"policy_id": d["policy"], "email_customer": True}],
            "choose the email template",
        ),
        # parts and labour
        (
            "service.order.line",
            "create",
            [{"order_id": d["order"], "product_id": d["gasket"], "quantity": 0}],
            "planned quantity of a line must be positive",
        ),
        (
            "service.order.line",
            "create",
            [{"order_id": d["order"], "product_id": d["gasket"], "quantity": -2}],
            "planned quantity of a line must be positive",
        ),
        (
            "service.order.line",
            "create",
            [
                {
                    "order_id": d["order"],
                    "line_type": "labour",
                    "product_id": d["gasket"],
                }
            ],
            "is not a service",
        ),
        (
            "service.order.line",
            "create",
            [{"order_id": d["order"], "product_id": d["hour"]}],
            "record it as a labour line",
        ),
        (
            "service.order.line",
            "create",
            [
                {
                    "order_id": d["order"],
                    "product_id": d["gasket"],
                    "lot_id": d["pump_lot"],
                }
            ],
            "is not a lot of",
        ),
        (
            "service.order.line",
            "create",
            [{"order_id": d["order"], "product_id": d["pump"], "quantity": 2}],
            "tracked by serial number",
        ),
        (
            "service.order.line",
            "create",
            [
                {
                    "order_id": d["order"],
                    "product_id": d["gasket"],
                    "quantity": 1,
                    "quantity_used": 4,
                }
            ],
            "must be between 0 and the planned quantity",
        ),
        (
            "service.order.line",
            "create",
            [{"order_id": d["locked_order"], "product_id": d["gasket"]}],
            "can no longer change",
        ),
        (so, "action_schedule", [[d["empty_van_order"]]], "Not enough"),
        # returns
        (
            "service.return",
            "action_confirm",
            [[d["empty_return"]]],
            "enter the quantity that comes back",
        ),
        # zones
        (
            "service.zone",
            "create",
            [{"name": "Nowhere"}],
            "needs a country, states or zip prefixes",
        ),
    ]


def counts(odoo):
    return {model: odoo.env[model].search_count([]) for model in COUNTED}


def test_bad_input_cases(odoo, data):
    rows = cases(data)
    assert len(rows) >= 50
    failures = []
    for model, method, args, expected in rows:
        before = counts(odoo)
        try:
            odoo.execute_kw(model, method, args)
        except odoorpc.error.RPCError as error:
            message = (
                (error.info or {}).get("data", {}).get("message", str(error))
                if isinstance(error.info, dict)
                else str(error)
            )
            if expected.lower() not in message.lower():
                failures.append(
                    f"{model}.{method}: expected {expected!r}, got {message!r}"
                )
        else:
            failures.append(f"{model}.{method}{args!r:.80}: no error")
        after = counts(odoo)
        if after != before:
            failures.append(f"{model}.{method}: counts changed {before} -> {after}")
    assert not failures, "\n".join(failures)
