# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Field secrets and racing duplicates over XML-RPC, against the live server.

A portal user reads every field the server offers on its service orders and
their lines, and no cost, margin or warranty claim comes back. Two
integrators send the same ``api_request`` at the same moment, on two
connections: one order, and both answers name it."""

import uuid

import pytest
from test_live_concurrency import login, race

SECRETS = {
    "service.order": {"amount_cost", "amount_margin", "invoice_ids"},
    "service.order.line": {"cost_amount", "warranty_vendor_id", "warranty_claim_id"},
}


@pytest.fixture(scope="module")
def world(odoo):
    tag = uuid.uuid4().hex[:8]
    Partner = odoo.env["res.partner"]
    customer = Partner.create({"name": f"Secret Co {tag}", "is_company": True})
    contact = Partner.create(
        {"name": f"Sam Secret {tag}", "parent_id": customer, "email": f"s{tag}@x.org"}
    )
    portal_login = f"live-secret-portal-{tag}"
    odoo.env["res.users"].create(
        {
            "name": "Sam Secret",
            "login": portal_login,
            "password": portal_login,
            "partner_id": contact,
            "groups_id": [(6, 0, [odoo.env.ref("base.group_portal").id])],
        }
    )
    dispatcher_login = f"live-secret-dispatcher-{tag}"
    odoo.env["res.users"].create(
        {
            "name": "Dee Dispatcher",
            "login": dispatcher_login,
            "password": dispatcher_login,
            "groups_id": [
                (6, 0, [odoo.env.ref("crm_extension.group_service_user").id])
            ],
        }
    )
    labour = odoo.env["product.product"].create(
        {
            "name": f"Secret hour {tag}",
            "type": "service",
            "list_price": 90.0,
            "standard_price": 55.0,
        }
    )
    order = odoo.env["service.order"].create({"partner_id": customer})
    odoo.env["service.order.line"].create(
        {"order_id": order, "line_type": "labour", "product_id": labour}
    )
    return {
        "tag": tag,
        "customer": customer,
        "order": order,
        "portal": portal_login,
        "dispatcher": dispatcher_login,
    }


def test_portal_reads_every_field_and_no_secret(odoo, login_as, world):
    [cost] = odoo.env["service.order"].read([world["order"]], ["amount_cost"])
    assert cost["amount_cost"] == 55.0, "the figure exists for dispatchers"
    portal = login_as(world["portal"])
    for model, secrets in SECRETS.items():
        Model = portal.env[model]
        readable = list(Model.fields_get(attributes=["type"]))
        assert not secrets & set(readable), model
        rows = Model.search_read([], readable)
        assert rows, model
        for row in rows:
            assert not secrets & set(row), model
            assert not {name for name in row if "cost" in name or "margin" in name}


def test_racing_api_request_makes_one_order(odoo, live_config, world):
    uid = login(live_config, world["dispatcher"], world["dispatcher"])
    ref = f"RACE-{world['tag']}"
    vals = {
        "description": "Boiler down",
        "partner_id": world["customer"],
        "external_ref": ref,
    }
    call = (uid, world["dispatcher"], "service.order", "api_request", [vals])
    results = race(live_config, [call, call])
    assert [kind for kind, _answer in results] == ["ok", "ok"], results
    answers = [answer for _kind, answer in results]
    assert {(a["id"], a["name"]) for a in answers} == {
        (answers[0]["id"], answers[0]["name"])
    }
    assert sorted(a["created"] for a in answers) == [False, True]
    assert odoo.env["service.order"].search_count([("external_ref", "=", ref)]) == 1
