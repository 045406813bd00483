# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""customer.equipment.api_report_event over RPC: alarms of a monitored unit
open one repair order, retries log nothing twice, bad input is refused."""

import uuid

import odoorpc
import pytest


@pytest.fixture(scope="module")
def unit(odoo):
    tag = uuid.uuid4().hex[:8]
    customer = odoo.env["res.partner"].create(
        {"name": f"Monitored Ltd {tag}", "is_company": True}
    )
    serial = f"LIVE-{tag}"
    equipment = odoo.env["customer.equipment"].create(
        {"name": f"Chiller {tag}", "partner_id": customer, "serial": serial}
    )
    return {"tag": tag, "serial": serial, "id": equipment, "customer": customer}


def report(odoo, serial, event):
    return odoo.execute_kw("customer.equipment", "api_report_event", [serial, event])


def error_message(error):
    return (error.info or {}).get("data", {}).get("message", str(error))


def test_alarms_open_one_repair_order(odoo, unit):
    threshold = odoo.env.user.company_id.equipment_alarm_threshold
    assert threshold == 3, "the demo company keeps the default threshold"
    Orders = odoo.env["service.order"]
    Events = odoo.env["customer.equipment.event"]
    reading = report(odoo, unit["serial"], {"type": "reading", "value": 6.5})
    assert reading["created"] and not reading["service_order_id"]
    results = [
        report(
            odoo,
            unit["serial"],
            {
                "type": "alarm",
                "code": f"E{i}",
                "message": "Compressor overheating",
                "external_ref": f"{unit['tag']}-{i}",
            },
        )
        for i in range(1, 4)
    ]
    assert [bool(r["service_order_id"]) for r in results] == [False, False, True]
    [order] = Orders.search_read(
        [("equipment_id", "=", unit["id"])],
        ["service_type", "partner_id", "priority", "state", "description"],
    )
    assert results[-1]["service_order_id"] == order["id"]
    assert order["service_type"] == "repair"
    assert order["partner_id"][0] == unit["customer"]
    assert (order["priority"], order["state"]) == ("2", "draft")
    assert "E1, E2, E3" in order["description"]
    # a retry of any of them logs nothing and answers the same
    for i, first in enumerate(results, start=1):
        retry = report(
            odoo,
            unit["serial"],
            {"type": "alarm", "code": f"E{i}", "external_ref": f"{unit['tag']}-{i}"},
        )
        assert retry == {**first, "created": False}
    # another alarm while the order is open opens no second one
    assert not report(odoo, unit["serial"], {"type": "alarm"})["service_order_id"]
    assert Events.search_count([("equipment_id", "=", unit["id"])]) == 5
    assert Orders.search_count([("equipment_id", "=", unit["id"])]) == 1


def test_unknown_serial_is_refused(odoo, unit):
    Events = odoo.env["customer.equipment.event"]
    before = Events.search_count([])
    serial = f"NOPE-{unit['tag']}"
    with pytest.raises(odoorpc.error.RPCError) as error:
        report(odoo, serial, {"type": "alarm"})
    assert error_message(error.value).startswith(f"Unknown serial '{serial}'")
    with pytest.raises(odoorpc.error.RPCError) as error:
        report(odoo, unit["serial"], {"type": "alarm", "colour": "red"})
    assert "Unknown field(s) colour" in error_message(error.value)
    assert Events.search_count([]) == before
