# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Cross-sell on the customer: the products it does not buy yet, by the lift
of the product associations (``sale.product.association``) from what it
buys, and the opportunity a salesperson makes from one of them."""

from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

CROSS_SELL_LIMIT = 5


class ResPartner(models.Model):
    _inherit = "res.partner"

    cross_sell_product_ids = fields.Many2many(
        "product.product",
        string="Cross-sell Products",
        compute="_compute_cross_sell",
        groups="base.group_user",
        help="Up to 5 products the customer does not buy yet, by the best lift "
        "of the associations from the products it buys.",
    )
    cross_sell_association_ids = fields.Many2many(
        "sale.product.association",
        string="Cross-sell Suggestions",
        compute="_compute_cross_sell",
        groups="base.group_user",
        help="For each cross-sell product, the association with the best lift.",
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends_context("allowed_company_ids")
    def _compute_cross_sell(self):
        suggestions = self._crm_ext_cross_sell_suggestions()
        Product = self.env["product.product"]
        Association = self.env["sale.product.association"]
        for partner in self:
            rows = suggestions.get(partner.commercial_partner_id.id, [])
            partner.cross_sell_product_ids = Product.browse(row[1] for row in rows)
            partner.cross_sell_association_ids = Association.browse(
                row[0] for row in rows
            )

    def _crm_ext_cross_sell_suggestions(self, limit=CROSS_SELL_LIMIT):
        """{commercial id: [(association id, product id, lift)]}, best first.

        One query for all of ``self``: the products each customer bought in
        the window (net of refunds) are joined to the associations of the
        current companies; a product the customer already buys, or archived,
        is not suggested; each suggestion keeps its best lift (then the
        smallest product id), and the first ``limit`` per customer are kept."""
        commercial_ids = [
            pid for pid in set(self.commercial_partner_id._ids) if isinstance(pid, int)
        ]
        if not commercial_ids:
            return {}
        Association = self.env["sale.product.association"]
        company_ids = self.env.companies.ids
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            WITH bought AS MATERIALIZED (%(bought)s),
            candidates AS (
                SELECT b.partner_id, a.associated_product_id,
                       MAX(a.lift) AS lift,
                       (ARRAY_AGG(a.id ORDER BY a.lift DESC, a.id))[1]
                           AS association_id
                  FROM bought b
                  JOIN sale_product_association a
                    ON a.product_id = b.product_id AND a.company_id = ANY(%(companies)s)
                  JOIN product_product pp
                    ON pp.id = a.associated_product_id AND pp.active
                 WHERE NOT EXISTS (
                        SELECT 1 FROM bought o
                         WHERE o.partner_id = b.partner_id
                           AND o.product_id = a.associated_product_id)
              GROUP BY b.partner_id, a.associated_product_id
            ),
            ranked AS (
                SELECT *, ROW_NUMBER() OVER (
                           PARTITION BY partner_id
                           ORDER BY lift DESC, associated_product_id) AS rank
                  FROM candidates
            )
            SELECT partner_id, association_id, associated_product_id, lift
              FROM ranked
             WHERE rank <= %(limit)s
          ORDER BY partner_id, rank
                """,
                bought=Association._bought_products_sql(
                    Association._buying_window_start(),
                    company_ids=company_ids,
                    partner_ids=commercial_ids,
                ),
                companies=company_ids,
                limit=limit,
            )
        )
        result = defaultdict(list)
        for partner_id, association_id, product_id, lift in self.env.cr.fetchall():
            result[partner_id].append((association_id, product_id, lift))
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_create_cross_sell_opportunity(self, product_id):
        """The open cross-sell opportunity of the customer (the commercial
        partner) for ``product_id``, made when there is none: tagged
        *Cross-sell*, for the customer's salesperson, in the current company.
        A second call while that opportunity is open (not won, lost or
        archived) returns the same one. Returns its id."""
        self.ensure_one()
        if not self.env.user._is_internal():
            raise AccessError(
                self.env._("Only internal users can make cross-sell opportunities.")
            )
        self.check_access("read")
        customer = self.commercial_partner_id
        product = self.env["product.product"].browse(int(product_id)).exists()
        if not product:
            raise UserError(
                self.env._(
                    "Product %s does not exist: pick one of the customer's "
                    "cross-sell products.",
                    product_id,
                )
            )
        # A second click at the same time waits here, then fails with a
        # serialization error and is retried by Odoo: the retry finds the
        # first click's opportunity.
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET write_date = write_date WHERE id = %s",
                customer.id,
            ),
            log_exceptions=False,
        )
        Lead = self.env["crm.lead"].sudo().with_context(mail_create_nosubscribe=True)
        company = self.env.company
        existing = Lead.search(
            [
                ("partner_id", "=", customer.id),
                ("cross_sell_product_id", "=", product.id),
                ("cross_sell_outcome", "=", "open"),
                ("company_id", "in", [company.id, False]),
            ],
            limit=1,
        )
        if existing:
            return existing.id
        return Lead.create(customer._prepare_cross_sell_lead_vals(product, company)).id

    def _prepare_cross_sell_lead_vals(self, product, company):
        self.ensure_one()
        tag = self.env.ref("crm_extension.crm_tag_cross_sell", raise_if_not_found=False)
        best = (
            self.env["sale.product.association"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("associated_product_id", "=", product.id),
                    ("product_id", "in", self._crm_ext_bought_product_ids()),
                ],
                limit=1,
            )
        )
        if best:
            description = self.env._(
                "%(customer)s buys %(bought)s: %(percent)s%% of its customers "
                "also buy %(product)s (lift %(lift)s).",
                customer=self.display_name,
                bought=best.product_id.display_name,
                percent=round(100 * best.confidence),
                product=product.display_name,
                lift=round(best.lift, 2),
            )
        else:
            description = self.env._(
                "Offer %(product)s to %(customer)s.",
                product=product.display_name,
                customer=self.display_name,
            )
        return {
            "name": self.env._("Cross-sell: %s", product.display_name),
            "type": "opportunity",
            "partner_id": self.id,
            "user_id": self.user_id.id or self.env.uid,
            "company_id": company.id,
            "cross_sell_product_id": product.id,
            "expected_revenue": product.lst_price,
            "tag_ids": [fields.Command.link(tag.id)] if tag else [],
            "description": Markup("<p>%s</p>") % description,
        }

    def _crm_ext_bought_product_ids(self):
        """Ids of the products the customer bought in the window."""
        self.ensure_one()
        Association = self.env["sale.product.association"]
        self.env.flush_all()
        self.env.cr.execute(
            Association._bought_products_sql(
                Association._buying_window_start(),
                company_ids=self.env.companies.ids,
                partner_ids=self.commercial_partner_id.ids,
            )
        )
        return [product_id for _partner_id, product_id in self.env.cr.fetchall()]
