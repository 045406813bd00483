# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Buying behaviour is read over the posted customer invoices of the last
# 24 months (cross-selling associations and the RFM figures alike).
BUYING_WINDOW_MONTHS = 24


class SaleProductAssociation(models.Model):
    """Customers who bought A also bought B, from posted customer invoices.

    A basket is a customer (the commercial partner) over the last 24 months:
    the products it bought, net of refunds (a product whose refunded quantity
    equals what was invoiced is not bought). With N customers in the window,
    n(A) the customers who bought A and n(A, B) those who bought both:

    - ``support`` = n(A, B) / N,
    - ``confidence`` = n(A, B) / n(A), the probability of B given A,
    - ``lift`` = confidence / P(B) = n(A, B) × N / (n(A) × n(B)).

    Pairs bought together by fewer customers than the company's
    ``cross_sell_min_customers``, or whose lift is not above its
    ``cross_sell_min_lift``, are left out. The nightly customer cron replaces
    each company's rows in one statement (``_compute_associations``)."""

    _name = "sale.product.association"
    _description = "Product Association (cross-selling)"
    _order = "lift desc, confidence desc, id"
    _rec_name = "associated_product_id"

    product_id = fields.Many2one(
        "product.product",
        string="Bought",
        required=True,
        readonly=True,
        ondelete="cascade",
        help="Customers who bought this product...",
    )
    associated_product_id = fields.Many2one(
        "product.product",
        string="Also Bought",
        required=True,
        readonly=True,
        ondelete="cascade",
        help="...also bought this one.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, ondelete="cascade", index=True
    )
    customer_count = fields.Integer(
        readonly=True, help="Customers with invoices in the window (N)."
    )
    product_customer_count = fields.Integer(
        string="Customers of the Product",
        readonly=True,
        help="Customers who bought the product, n(A).",
    )
    associated_customer_count = fields.Integer(
        string="Customers of the Associated Product",
        readonly=True,
        help="Customers who bought the associated product, n(B).",
    )
    pair_count = fields.Integer(
        string="Customers of Both",
        readonly=True,
        help="Customers who bought both products, n(A, B).",
    )
    support = fields.Float(
        readonly=True,
        digits=(16, 6),
        aggregator="max",
        help="Share of the customers who bought both: n(A, B) / N.",
    )
    confidence = fields.Float(
        readonly=True,
        digits=(16, 4),
        aggregator="max",
        help="Share of the product's customers who also bought the associated "
        "product: n(A, B) / n(A).",
    )
    lift = fields.Float(
        readonly=True,
        digits=(16, 2),
        aggregator="max",
        help="How much more likely the associated product is bought by the "
        "product's customers than by any customer: confidence / P(B). "
        "Above 1 is an association.",
    )

    _sql_constraints = [
        (
            "pair_uniq",
            "unique (company_id, product_id, associated_product_id)",
            "A pair of products has one association per company.",
        )
    ]

    def _auto_init(self):
        result = super()._auto_init()
        # the cross-sell compute joins a customer's products on product_id
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS sale_product_association_product_lift_idx "
            "ON sale_product_association (product_id, company_id, lift DESC)"
        )
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_create_opportunity(self):
        """Button of a cross-sell suggestion on the customer's form: the
        opportunity for the associated product (the customer comes from the
        context), opened when the user may read opportunities."""
        self.ensure_one()
        partner = self.env["res.partner"].browse(
            self.env.context.get("cross_sell_partner_id")
        )
        if not partner.exists():
            raise UserError(
                self.env._("Open the customer's form to make a cross-sell opportunity.")
            )
        lead_id = partner.action_create_cross_sell_opportunity(
            self.associated_product_id.id
        )
        if not self.env["crm.lead"].has_access("read"):
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "success",
                    "message": self.env._(
                        "Cross-sell opportunity for %s made.",
                        self.associated_product_id.display_name,
                    ),
                },
            }
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": lead_id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    @api.model
    def _buying_window_start(self):
        return fields.Date.context_today(self) - relativedelta(
            months=BUYING_WINDOW_MONTHS
        )

    @api.model
    def _bought_products_sql(self, since, company_ids=None, partner_ids=None):
        """SELECT (partner_id, product_id) of what each commercial partner
        bought since ``since``: posted customer invoice lines with a product,
        net of refunds, in ``company_ids`` (all companies when None), of
        ``partner_ids`` (all when None). One row per pair."""
        conditions = [
            SQL("am.state = 'posted'"),
            SQL("am.move_type IN ('out_invoice', 'out_refund')"),
            SQL("am.invoice_date >= %s", since),
            SQL("am.commercial_partner_id IS NOT NULL"),
            SQL("aml.display_type = 'product'"),
            SQL("aml.product_id IS NOT NULL"),
        ]
        if company_ids is not None:
            conditions.append(SQL("am.company_id = ANY(%s)", list(company_ids)))
        if partner_ids is not None:
            partner_ids = list(partner_ids)
            # account_move.partner_id is indexed, commercial_partner_id is not
            conditions.append(
                SQL(
                    "am.partner_id IN (SELECT id FROM res_partner "
                    "WHERE commercial_partner_id = ANY(%s))",
                    partner_ids,
                )
            )
            conditions.append(SQL("am.commercial_partner_id = ANY(%s)", partner_ids))
        return SQL(
            """
            SELECT am.commercial_partner_id AS partner_id, aml.product_id
              FROM account_move_line aml
              JOIN account_move am ON am.id = aml.move_id
             WHERE %s
          GROUP BY am.commercial_partner_id, aml.product_id
            HAVING SUM(CASE WHEN am.move_type = 'out_refund'
                            THEN -aml.quantity ELSE aml.quantity END) > 0
            """,
            SQL(" AND ").join(conditions),
        )

    @api.model
    def _compute_associations(self, company=None):
        """Replace the associations of ``company`` (the current one by
        default) from its invoices of the window: one DELETE and one
        INSERT ... SELECT, whatever the number of customers. Returns the
        number of associations."""
        company = company or self.env.company
        min_customers = max(company.cross_sell_min_customers, 1)
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                "DELETE FROM sale_product_association WHERE company_id = %s",
                company.id,
            )
        )
        cr.execute(
            SQL(
                """
            WITH bought AS MATERIALIZED (%(bought)s),
            customers AS (SELECT COUNT(DISTINCT partner_id) AS total FROM bought),
            products AS (
                SELECT product_id, COUNT(*) AS buyers
                  FROM bought
              GROUP BY product_id
                HAVING COUNT(*) >= %(min_customers)s
            ),
            frequent AS MATERIALIZED (
                SELECT b.partner_id, b.product_id
                  FROM bought b JOIN products p ON p.product_id = b.product_id
            ),
            pairs AS (
                SELECT a.product_id, b.product_id AS associated_product_id,
                       COUNT(*) AS pair_count
                  FROM frequent a
                  JOIN frequent b
                    ON b.partner_id = a.partner_id AND b.product_id <> a.product_id
              GROUP BY a.product_id, b.product_id
                HAVING COUNT(*) >= %(min_customers)s
            ),
            figures AS (
                SELECT pr.product_id, pr.associated_product_id, c.total,
                       pa.buyers AS buyers_a, pb.buyers AS buyers_b, pr.pair_count,
                       pr.pair_count::float * c.total / (pa.buyers * pb.buyers) AS lift
                  FROM pairs pr
                  JOIN products pa ON pa.product_id = pr.product_id
                  JOIN products pb ON pb.product_id = pr.associated_product_id
                 CROSS JOIN customers c
            )
            INSERT INTO sale_product_association (
                product_id, associated_product_id, company_id, customer_count,
                product_customer_count, associated_customer_count, pair_count,
                support, confidence, lift,
                create_uid, create_date, write_uid, write_date)
            SELECT product_id, associated_product_id, %(company)s, total,
                   buyers_a, buyers_b, pair_count,
                   pair_count::float / total, pair_count::float / buyers_a, lift,
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM figures
             WHERE lift > %(min_lift)s
                """,
                bought=self._bought_products_sql(
                    self._buying_window_start(), company_ids=company.ids
                ),
                min_customers=min_customers,
                min_lift=company.cross_sell_min_lift,
                company=company.id,
                uid=self.env.uid,
            )
        )
        count = cr.rowcount
        self.invalidate_model()
        _logger.info("%s product associations for %s", count, company.name)
        return count

    @api.model
    def _cron_compute_associations(self):
        """Every company's associations (run by the nightly customer cron)."""
        companies = self.env["res.company"].sudo().search([])
        return {
            company.id: self.sudo()._compute_associations(company)
            for company in companies
        }
