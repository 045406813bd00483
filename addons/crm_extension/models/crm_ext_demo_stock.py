# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The demo's catalogue and stock: products, lots, the warehouse and the vans.

The heat pumps, boilers and water heaters are installed-base products with
their warranty and maintenance terms; the parts are tracked by lot. The
warehouse and each technician's van get their quantities by inventory
adjustment."""

from odoo import Command

PRODUCTS = [
    # (key, name, type, list price, cost, extra values)
    (
        "heat_pump",
        "Heat Pump AW-12",
        "equipment",
        6400.0,
        3900.0,
        {
            "warranty_months": 24,
            "maintenance_interval_days": 365,
            "replacement_lifetime_months": 144,
        },
    ),
    (
        "boiler",
        "Condensing Boiler CB-30",
        "equipment",
        3200.0,
        1850.0,
        {
            "warranty_months": 24,
            "maintenance_interval_days": 365,
            "replacement_lifetime_months": 180,
        },
    ),
    (
        "water_heater",
        "Water Heater WH-50",
        "equipment",
        1450.0,
        820.0,
        {
            "warranty_months": 12,
            "maintenance_interval_days": 365,
            "replacement_lifetime_months": 120,
        },
    ),
    ("filter", "Filter Cartridge F10", "goods", 45.0, 14.0, {}),
    ("descaler", "Descaling Kit DK-1", "goods", 28.0, 9.0, {}),
    ("valve", "Pressure Relief Valve PV-3", "part", 85.0, 31.0, {"tracking": "lot"}),
    ("sensor", "Thermostat Sensor TS-2", "part", 64.0, 22.0, {"tracking": "lot"}),
    ("plan", "Annual Maintenance Plan", "service", 390.0, 120.0, {}),
]
TECHNICIANS = ["marc", "tina", "joel", "priya", "diego", "kevin"]


class _StockSteps:
    """The demo generator's product and stock steps (see
    ``crm_ext_demo._Generator``)."""

    def make_products(self):
        Product = self.env["product.product"].with_context(tracking_disable=True)
        skill = self.ref("crm_extension.skill_demo_heat_pumps")
        vals_list = []
        for _key, name, kind, price, cost, extra in PRODUCTS:
            vals = {
                "name": name,
                "list_price": price,
                "standard_price": cost,
                "type": "service" if kind == "service" else "consu",
                "is_storable": kind != "service",
                "invoice_policy": "order" if kind == "service" else "delivery",
                **extra,
            }
            if kind == "equipment":
                vals.update(
                    is_installed_base=True, service_skill_ids=[Command.set(skill.ids)]
                )
            vals_list.append(vals)
        products = Product.create(vals_list)
        self.products = {
            row[0]: product for row, product in zip(PRODUCTS, products, strict=True)
        }
        self.products["pump"] = self.ref("crm_extension.product_demo_pump")
        self.products["gasket"] = self.ref("crm_extension.product_demo_gasket")
        self.products["labour"] = self.ref("crm_extension.product_demo_labour")
        lots = self.env["stock.lot"].create(
            [
                {
                    "name": f"{code}-{self.today.year}-{batch:02d}",
                    "product_id": self.products[key].id,
                }
                for key, code in (("valve", "PV3"), ("sensor", "TS2"))
                for batch in (1, 2)
            ]
        )
        self.lots = {
            key: lots.filtered(lambda lot, p=self.products[key]: lot.product_id == p)
            for key in ("valve", "sensor")
        }
        stock = self.ref("stock.stock_location_stock")
        quants = [
            (self.products[key], stock, False, qty)
            for key, qty in (
                ("heat_pump", 60),
                ("boiler", 60),
                ("water_heater", 80),
                ("filter", 600),
                ("descaler", 600),
                ("pump", 40),
                ("gasket", 200),
            )
        ] + [(lot.product_id, stock, lot, 40) for lot in lots]
        self.apply_quants(quants)

    def apply_quants(self, rows):
        Quant = self.env["stock.quant"].with_context(inventory_mode=True)
        quants = Quant.create(
            [
                {
                    "product_id": product.id,
                    "location_id": location.id,
                    "lot_id": lot.id if lot else False,
                    "inventory_quantity": qty,
                }
                for product, location, lot, qty in rows
            ]
        )
        quants.action_apply_inventory()

    def stock_vans(self):
        """Each technician's van holds the usual parts, lots included."""
        self.technicians = self.env["service.technician"].browse(
            [
                self.ref(f"crm_extension.technician_demo_{name}").id
                for name in TECHNICIANS
            ]
        )
        rows = []
        for tech in self.technicians:
            van = tech.van_location_id
            rows += [
                (self.products["pump"], van, False, 8),
                (self.products["gasket"], van, False, 40),
            ]
            rows += [
                (self.products["valve"], van, lot, 10) for lot in self.lots["valve"]
            ]
            rows += [
                (self.products["sensor"], van, lot, 8) for lot in self.lots["sensor"]
            ]
        self.apply_quants(rows)
