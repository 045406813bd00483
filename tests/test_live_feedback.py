# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Customer feedback over XML-RPC/JSON-RPC (odoorpc), against the live server."""

import uuid

import odoorpc
import pytest


@pytest.fixture(scope="module")
def customers(odoo):
    Partner = odoo.env["res.partner"]
    tag = uuid.uuid4().hex[:8]
    acme = Partner.create({"name": f"Live Acme {tag}", "is_company": True})
    globex = Partner.create({"name": f"Live Globex {tag}", "is_company": True})
    contact = Partner.create(
        {
            "name": f"Live Alice {tag}",
            "parent_id": acme,
            "email": f"alice.{tag}@example.org",
        }
    )
    login = f"live-portal-{tag}"
    portal_group = odoo.env.ref("base.group_portal").id
    odoo.env["res.users"].create(
        {
            "name": "Live Alice",
            "login": login,
            "password": login,
            "partner_id": contact,
            "groups_id": [(6, 0, [portal_group])],
        }
    )
    return {
        "acme": acme,
        "globex": globex,
        "contact": contact,
        "login": login,
        "tag": tag,
    }


def test_api_submit_twice_yields_one_record(odoo, customers):
    ref = f"SHOP-{customers['tag']}"
    row = {
        "external_ref": ref,
        "name": "Parcel arrived damaged",
        "partner_id": customers["acme"],
        "feedback_type": "complaint",
        "priority": "1",
    }
    Feedback = odoo.env["customer.feedback"]
    first = Feedback.api_submit([row])
    second = Feedback.api_submit([row])  # the integrator's retry
    assert first == second
    assert Feedback.search_count([("external_ref", "=", ref)]) == 1
    [record] = Feedback.read(first, ["channel", "state", "partner_id"])
    assert record["channel"] == "api"
    assert record["state"] == "new"
    assert record["partner_id"][0] == customers["acme"]


def test_bad_row_is_named_and_nothing_written(odoo, customers):
    Feedback = odoo.env["customer.feedback"]
    ref = f"GOOD-{customers['tag']}"
    rows = [
        {"external_ref": ref, "name": "Fine", "partner_id": customers["acme"]},
        {
            "external_ref": f"BAD-{customers['tag']}",
            "name": "Bad",
            "partner_id": 999999999,
        },
    ]
    with pytest.raises(odoorpc.error.RPCError) as error:
        Feedback.api_submit(rows)
    assert "Row 2, field partner_id: no Contact with id 999999999." in str(error.value)
    assert Feedback.search_count([("external_ref", "=", ref)]) == 0


def test_portal_user_reads_only_own_company_feedback(odoo, login_as, customers):
    Feedback = odoo.env["customer.feedback"]
    mine = Feedback.create(
        {
            "name": "Ours",
            "partner_id": customers["contact"],
            "feedback_type": "question",
        }
    )
    theirs = Feedback.create(
        {
            "name": "Theirs",
            "partner_id": customers["globex"],
            "feedback_type": "complaint",
        }
    )
    portal = login_as(customers["login"])
    visible = portal.env["customer.feedback"].search([])
    assert mine in visible
    assert theirs not in visible
    with pytest.raises(odoorpc.error.RPCError) as error:
        portal.env["customer.feedback"].read([theirs], ["name"])
    assert "AccessError" in str(error.value.info) or "not allowed" in str(error.value)


def test_portal_user_reads_only_own_company_service_records(odoo, login_as, customers):
    """Service orders (and their parts), equipment and returns over XML-RPC:
    the portal user reads its company's, is refused another's, writes none."""
    labour = odoo.env.ref("crm_extension.product_demo_labour").id
    records = {}
    for key in ("acme", "globex"):
        partner = customers["contact"] if key == "acme" else customers["globex"]
        order = odoo.env["service.order"].create({"partner_id": partner})
        records[key] = {
            "service.order": order,
            "service.order.line": odoo.env["service.order.line"].create(
                {"order_id": order, "line_type": "labour", "product_id": labour}
            ),
            "customer.equipment": odoo.env["customer.equipment"].create(
                {
                    "name": f"Unit {key}",
                    "partner_id": customers[key],
                    "serial": f"LIVE-{customers['tag']}-{key}",
                }
            ),
        }
    portal = login_as(customers["login"])
    for model, mine in records["acme"].items():
        theirs = records["globex"][model]
        visible = portal.env[model].search([("id", "in", [mine, theirs])])
        assert visible == [mine], model
        with pytest.raises(odoorpc.error.RPCError):
            portal.env[model].read([theirs], ["display_name"])
        with pytest.raises(odoorpc.error.RPCError):
            portal.env[model].write([mine], {"display_name": "changed"})
    assert portal.env["service.return"].search([]) == []
