# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The CLI's feedback import/export and service request, end to end, and the
technician's view over XML-RPC, against the live server."""

import csv
import io
import json
import os
import uuid

import odoorpc
import pytest

from tests.test_cli import cli


@pytest.fixture(scope="module")
def tag():
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def customer(odoo, tag):
    return odoo.env["res.partner"].create(
        {
            "name": f"CLI Customer {tag}",
            "is_company": True,
            "email": f"cli.{tag}@example.org",
        }
    )


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_feedback_import_is_idempotent(odoo, tag, customer, tmp_path):
    path = tmp_path / "feedback.csv"
    rows = [
        {
            "external_ref": f"CSV-{tag}-{i}",
            "name": f"Imported {i}",
            "partner_id": f"email:cli.{tag}@example.org",
            "feedback_type": "suggestion",
        }
        for i in range(3)
    ]
    write_csv(path, rows)
    dry = cli("feedback", "import", str(path), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "dry run: 3 row(s) checked, nothing sent" in dry.stdout
    Feedback = odoo.env["customer.feedback"]
    domain = [("external_ref", "like", f"CSV-{tag}-")]
    assert Feedback.search_count(domain) == 0
    for _attempt in range(2):  # the second run is a retry: no duplicates
        result = cli("feedback", "import", str(path), "--batch-size", "2")
        assert result.returncode == 0, result.stderr
        assert "3 row(s) imported, 0 refused" in result.stdout
    assert Feedback.search_count(domain) == 3
    exported = cli("feedback", "export", "--state", "new")
    assert exported.returncode == 0
    refs = {row["external_ref"] for row in csv.DictReader(io.StringIO(exported.stdout))}
    assert {f"CSV-{tag}-{i}" for i in range(3)} <= refs


def test_feedback_import_reports_bad_rows(tag, customer, tmp_path):
    path = tmp_path / "bad.csv"
    write_csv(
        path,
        [
            {
                "external_ref": f"BADCSV-{tag}",
                "name": "Bad",
                "partner_id": customer,
                "channel": "fax",
            },
        ],
    )
    result = cli("feedback", "import", str(path))
    assert result.returncode == 1
    assert "Row 1, field channel: 'fax' is not one of" in result.stderr
    unknown = tmp_path / "unknown.csv"
    write_csv(unknown, [{"external_ref": "X", "colour": "red"}])
    refused = cli("feedback", "import", str(unknown))
    assert refused.returncode == 2
    assert "unknown column(s) colour" in refused.stderr


def test_service_request_never_duplicates(odoo, tag, customer):
    args = (
        "service",
        "request",
        "--email",
        f"cli.{tag}@example.org",
        "--description",
        "Alarm E42 from the monitor",
        "--external-ref",
        f"MON-{tag}",
    )
    first = cli(*args)
    assert first.returncode == 0, first.stderr
    created = json.loads(first.stdout)
    assert created["created"] is True
    retry = json.loads(cli(*args).stdout)
    assert retry == {**created, "created": False}
    [order] = odoo.env["service.order"].read(
        [created["id"]], ["partner_id", "description"]
    )
    assert order["partner_id"][0] == customer
    bad = cli(
        "service", "request", "--email", "nobody@example.org", "--description", "x"
    )
    assert bad.returncode == 1
    assert "Field email: no customer with the email nobody@example.org." in bad.stderr


def test_service_request_by_serial(odoo, tag, customer):
    unit = odoo.env["customer.equipment"].create(
        {"name": "Monitored boiler", "partner_id": customer, "serial": f"SN-{tag}"}
    )
    done = cli("service", "request", "--serial", f"SN-{tag}", "--description", "E42")
    assert done.returncode == 0, done.stderr
    [order] = odoo.env["service.order"].read(
        [json.loads(done.stdout)["id"]], ["partner_id", "equipment_id"]
    )
    assert (order["partner_id"][0], order["equipment_id"][0]) == (customer, unit)
    bad = cli("service", "request", "--serial", f"XX-{tag}", "--description", "E42")
    assert bad.returncode == 1
    assert f"Field serial: no active equipment with the serial 'XX-{tag}'." in (
        bad.stderr
    )


def test_technician_reads_only_own_orders(odoo, login_as, tag, customer):
    groups = odoo.env.ref("crm_extension.group_service_technician").id
    logins = []
    techs = []
    for i in range(2):
        login = f"tech-{tag}-{i}"
        user = odoo.env["res.users"].create(
            {
                "name": f"Tech {i}",
                "login": login,
                "password": login,
                "groups_id": [(6, 0, [groups])],
            }
        )
        techs.append(
            odoo.env["service.technician"].create(
                {"name": f"Tech {tag} {i}", "user_id": user}
            )
        )
        logins.append(login)
    orders = [
        odoo.env["service.order"].create(
            {"partner_id": customer, "technician_id": tech}
        )
        for tech in techs
    ]
    technician = login_as(logins[0])
    visible = technician.env["service.order"].search([("id", "in", orders)])
    assert visible == [orders[0]]
    with pytest.raises(odoorpc.error.RPCError):
        technician.env["service.order"].read([orders[1]], ["name"])


def test_technician_api_key_reads_only_own_orders(odoo, login_as, customer):
    """The demo technician (Tina) connects with an API key, as an
    integration would: only Tina's orders and their parts are visible."""
    login = os.environ.get("CRM_EXT_TECH_LOGIN")
    apikey = os.environ.get("CRM_EXT_TECH_APIKEY")
    assert login and apikey, "scripts/test makes the demo technician's API key"
    tina = odoo.env.ref("crm_extension.technician_demo_tina").id
    joel = odoo.env.ref("crm_extension.technician_demo_joel").id
    Order = odoo.env["service.order"]
    own = Order.create({"partner_id": customer, "technician_id": tina})
    other = Order.create({"partner_id": customer, "technician_id": joel})
    labour = odoo.env.ref("crm_extension.product_demo_labour").id
    other_line = odoo.env["service.order.line"].create(
        {"order_id": other, "line_type": "labour", "product_id": labour}
    )
    technician = login_as(login, apikey)
    assert technician.env["service.order"].search([("id", "in", [own, other])]) == [own]
    with pytest.raises(odoorpc.error.RPCError):
        technician.env["service.order"].read([other], ["name"])
    with pytest.raises(odoorpc.error.RPCError):
        technician.env["service.order.line"].read([other_line], ["product_id"])
    # the technician records labour on the own order with the key
    line = technician.env["service.order.line"].create(
        {"order_id": own, "line_type": "labour", "product_id": labour}
    )
    assert (
        odoo.env["service.order.line"].read([line], ["order_id"])[0]["order_id"][0]
        == own
    )
