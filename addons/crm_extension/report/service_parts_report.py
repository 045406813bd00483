# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.service_order_line import LINE_TYPES


class ServicePartsReport(models.Model):
    """Parts and labour used on done service orders, by product, technician
    and month: chargeable against warranty, cost against revenue."""

    _name = "service.parts.report"
    _description = "Parts Consumption Analysis"
    _auto = False
    _order = "date desc"

    date = fields.Datetime(string="Done On", readonly=True)
    order_id = fields.Many2one("service.order", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    categ_id = fields.Many2one(
        "product.category", string="Product Category", readonly=True
    )
    technician_id = fields.Many2one("service.technician", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    equipment_id = fields.Many2one("customer.equipment", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    line_type = fields.Selection(LINE_TYPES, readonly=True)
    coverage = fields.Selection(
        [("chargeable", "Chargeable"), ("warranty", "Warranty")], readonly=True
    )
    quantity = fields.Float(string="Quantity Used", readonly=True)
    cost = fields.Float(readonly=True)
    revenue = fields.Float(readonly=True)
    margin = fields.Float(readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                    SELECT
                        l.id AS id,
                        o.date_done AS date,
                        o.id AS order_id,
                        l.product_id AS product_id,
                        t.categ_id AS categ_id,
                        o.technician_id AS technician_id,
                        p.commercial_partner_id AS partner_id,
                        o.equipment_id AS equipment_id,
                        o.company_id AS company_id,
                        l.line_type AS line_type,
                        CASE WHEN l.chargeable THEN 'chargeable' ELSE 'warranty'
                        END AS coverage,
                        l.quantity_used AS quantity,
                        COALESCE(l.cost_amount, 0) AS cost,
                        COALESCE(l.price_subtotal, 0) AS revenue,
                        COALESCE(l.price_subtotal, 0) - COALESCE(l.cost_amount, 0)
                            AS margin
                    FROM service_order_line l
                    JOIN service_order o ON o.id = l.order_id
                    JOIN product_product pp ON pp.id = l.product_id
                    JOIN product_template t ON t.id = pp.product_tmpl_id
                    LEFT JOIN res_partner p ON p.id = o.partner_id
                    WHERE o.state = 'done'
                )
                """,
                SQL.identifier(self._table),
            )
        )
