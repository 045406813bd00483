# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Other apps' users keep working once the module is installed, over
XML-RPC/JSON-RPC (odoorpc) against the live server: a salesperson confirms
orders, a stock user validates a delivery that registers equipment, and
neither of them reads service records."""

import uuid

import odoorpc
import pytest


@pytest.fixture(scope="module")
def world(odoo):
    """A customer, a plain salesperson and a plain stock user (no service
    group), a service product that creates a service order and an
    installed-base product in stock."""
    tag = uuid.uuid4().hex[:8]
    env = odoo.env
    customer = env["res.partner"].create(
        {"name": f"Live Coexistence {tag}", "is_company": True}
    )
    logins = {}
    for role, group in (
        ("sales", "sales_team.group_sale_salesman"),
        ("stock", "stock.group_stock_user"),
    ):
        login = f"live-{role}-{tag}"
        env["res.users"].create(
            {
                "name": f"Live {role} {tag}",
                "login": login,
                "password": login,
                "groups_id": [(6, 0, [env.ref(group).id])],
            }
        )
        logins[role] = login
    installation = env["product.product"].create(
        {
            "name": f"Installation {tag}",
            "type": "service",
            "list_price": 120.0,
            "service_order_on_sale": True,
            "service_order_type": "installation",
        }
    )
    appliance = env["product.product"].create(
        {
            "name": f"Appliance {tag}",
            "type": "consu",
            "is_storable": True,
            "is_installed_base": True,
            "list_price": 300.0,
        }
    )
    warehouse = env["stock.warehouse"].search([], limit=1)[0]
    stock = env["stock.warehouse"].read([warehouse], ["lot_stock_id"])[0][
        "lot_stock_id"
    ][0]
    quant = env["stock.quant"].create(
        {"product_id": appliance, "location_id": stock, "inventory_quantity": 3}
    )
    env["stock.quant"].action_apply_inventory([quant])
    return {
        "customer": customer,
        "installation": installation,
        "appliance": appliance,
        **logins,
    }


def _confirm(client, world, products):
    SaleOrder = client.env["sale.order"]
    order = SaleOrder.create(
        {
            "partner_id": world["customer"],
            "order_line": [
                (0, 0, {"product_id": product, "product_uom_qty": 1})
                for product in products
            ],
        }
    )
    SaleOrder.action_confirm([order])
    return order


def test_salesperson_confirms_orders_over_rpc(odoo, login_as, world):
    sales = login_as(world["sales"])
    plain = _confirm(sales, world, [world["appliance"]])
    with_service = _confirm(sales, world, [world["installation"]])
    states = sales.env["sale.order"].read([plain, with_service], ["state"])
    assert [row["state"] for row in states] == ["sale", "sale"]
    service = odoo.env["service.order"].search_read(
        [("sale_order_id", "in", [plain, with_service])],
        ["sale_order_id", "service_type"],
    )
    assert [(row["sale_order_id"][0], row["service_type"]) for row in service] == [
        (with_service, "installation")
    ]
    with pytest.raises(odoorpc.error.RPCError, match="not allowed to access"):
        sales.env["service.order"].search([])


def test_stock_user_validates_a_delivery_that_registers_equipment(
    odoo, login_as, world
):
    sales = login_as(world["sales"])
    order = _confirm(sales, world, [world["appliance"]])
    stock = login_as(world["stock"])
    Picking = stock.env["stock.picking"]
    picking = Picking.search([("sale_id", "=", order)])
    assert len(picking) == 1
    Picking.action_assign(picking)
    moves = stock.env["stock.move"].search([("picking_id", "in", picking)])
    stock.env["stock.move"].write(moves, {"picked": True})
    Picking.button_validate(picking)
    assert Picking.read(picking, ["state"])[0]["state"] == "done"
    units = odoo.env["customer.equipment"].search_read(
        [("sale_order_id", "=", order)], ["partner_id", "product_id"]
    )
    assert [(u["partner_id"][0], u["product_id"][0]) for u in units] == [
        (world["customer"], world["appliance"])
    ]
    with pytest.raises(odoorpc.error.RPCError, match="not allowed to access"):
        stock.env["service.order"].search([])
