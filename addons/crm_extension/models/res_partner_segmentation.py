# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Customer segmentation: Pareto (ABC) segments, churn risk and RFM scores.

The nightly cron ``_cron_compute_customer_segments`` refreshes the stored
``revenue_12m``, ``customer_segment``, ``churn_risk`` and RFM fields
set-wise; the arithmetic of the segments and of the risk lives in
``tools/customer_scoring.py``, this file reads its inputs and writes the
results."""

from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import customer_scoring

CHURN_RISKS = [("low", "Low"), ("medium", "Medium"), ("high", "High")]
SEGMENTS = [("A", "A"), ("B", "B"), ("C", "C")]
RFM_SEGMENTS = [
    ("champions", "Champions"),
    ("loyal", "Loyal"),
    ("new", "New"),
    ("at_risk", "At Risk"),
    ("hibernating", "Hibernating"),
]
RFM_FIELDS = (
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
    "purchased_product_count",
    "rfm_segment",
)


class ResPartner(models.Model):
    """RFM (``rfm_recency``, ``rfm_frequency``, ``rfm_monetary``): quintiles 1
    to 5 (SQL ``ntile(5)``) among the customers with posted invoices in the
    last 24 months (all companies), by the date of the last invoice, the
    number of invoices and the invoiced amount net of refunds; 5 is the most
    recent, the most frequent, the largest. Ties are split by partner id, so
    the scores are deterministic. ``rfm_segment`` follows from the scores
    (see ``tools/customer_scoring.py``).

    Customers without invoices in the window have no scores (0) and no
    segment. The nightly cron refreshes them with the ABC segments."""

    _inherit = "res.partner"

    revenue_12m = fields.Monetary(
        groups="base.group_user",
        string="Revenue (12 months)",
        currency_field="currency_id",
        readonly=True,
        help="Untaxed invoiced revenue of the last 12 months, refreshed nightly.",
    )
    customer_segment = fields.Selection(
        SEGMENTS,
        groups="base.group_user",
        readonly=True,
        index=True,
        help="Pareto split of the last 12 months' revenue: A brings the first "
        "share of revenue, B the next, C the rest (see Settings).",
    )
    churn_risk = fields.Selection(
        CHURN_RISKS, readonly=True, index=True, groups="base.group_user"
    )
    rfm_recency = fields.Integer(
        string="Recency (R)",
        readonly=True,
        aggregator="avg",
        groups="base.group_user",
        help="Quintile (1-5) of the last invoice date among the customers with "
        "invoices in the last 24 months: 5 is the most recent. 0: no invoice.",
    )
    rfm_frequency = fields.Integer(
        string="Frequency (F)",
        readonly=True,
        aggregator="avg",
        groups="base.group_user",
        help="Quintile (1-5) of the number of invoices of the last 24 months: "
        "5 is the most frequent. 0: no invoice.",
    )
    rfm_monetary = fields.Integer(
        string="Monetary (M)",
        readonly=True,
        aggregator="avg",
        groups="base.group_user",
        help="Quintile (1-5) of the amount invoiced in the last 24 months, net "
        "of refunds: 5 is the largest. 0: no invoice.",
    )
    rfm_segment = fields.Selection(
        RFM_SEGMENTS,
        string="RFM Segment",
        readonly=True,
        index=True,
        groups="base.group_user",
        help="From the RFM scores, refreshed nightly: champions (R >= 4, "
        "F + M >= 8), new (R >= 4, F <= 2), loyal (other R >= 4, or R = 3 and "
        "F + M >= 6), at risk (R <= 2, F + M >= 6), hibernating (the rest).",
    )
    purchased_product_count = fields.Integer(
        string="Products Bought",
        readonly=True,
        aggregator="avg",
        groups="base.group_user",
        help="Distinct products invoiced in the last 24 months, net of refunds, "
        "refreshed nightly (averaged per customer in the analysis).",
    )

    # ------------------------------------------------------------------
    # Segmentation and churn, refreshed by the nightly cron
    # ------------------------------------------------------------------
    @api.model
    def _crm_ext_segment_shares(self):
        company = self.env.company
        return company.customer_segment_a_share, company.customer_segment_b_share

    @api.model
    def _crm_ext_pareto_segments(self, revenue, a_share, b_share):
        """{partner id: 'A'|'B'|'C'} from {partner id: revenue} (see
        ``customer_scoring.pareto_segments``)."""
        return customer_scoring.pareto_segments(revenue, a_share, b_share)

    def _crm_ext_churn_points(self, recency_days, detractors, open_complaints):
        return customer_scoring.churn_points(recency_days, detractors, open_complaints)

    def _crm_ext_churn_inputs(self):
        """{commercial id: (detractor count, open complaint count)}.

        Features add their sources (NPS detractors, complaints)."""
        since = fields.Datetime.now() - timedelta(days=365)
        detractors = self._crm_ext_group_by_commercial(
            "rating.rating",
            "partner_id",
            "__count",
            [
                ("consumed", "=", True),
                ("rating", ">", 0),
                ("create_date", ">=", since),
                "|",
                ("rating", "<=", 2),
                ("nps_category", "=", "detractor"),
            ],
        )
        complaints = self._crm_ext_group_by_commercial(
            "customer.feedback",
            "commercial_partner_id",
            "__count",
            [
                ("feedback_type", "=", "complaint"),
                ("state", "in", ("new", "in_progress")),
            ],
        )
        return {
            pid: (detractors.get(pid, 0), complaints.get(pid, 0)) for pid in self.ids
        }

    def _crm_ext_compute_churn(self):
        """{commercial id: risk} for the commercial partners in ``self``."""
        now = fields.Datetime.now()
        inputs = self._crm_ext_churn_inputs()
        risks = {}
        for partner in self.with_context(prefetch_fields=False):
            last = partner.last_interaction_date
            recency = (now - last).days if last else 10_000
            detractors, complaints = inputs.get(partner.id, (0, 0))
            points = self._crm_ext_churn_points(recency, detractors, complaints)
            risks[partner.id] = customer_scoring.churn_risk(points)
        return risks

    @api.model
    def _cron_compute_customer_segments(self, batch_size=1000):
        """Refresh revenue_12m, customer_segment and churn_risk of customers.

        Customers are the commercial partners with a customer rank or posted
        invoices. The segments need the whole revenue ranking (one grouped
        query); the writes go by value, in batches of ``batch_size``."""
        since = fields.Date.context_today(self) - timedelta(days=365)
        revenue_rows = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("state", "=", "posted"),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                    ("invoice_date", ">=", since),
                ],
                ["commercial_partner_id"],
                ["amount_untaxed_signed:sum"],
            )
        )
        revenue = {partner.id: value for partner, value in revenue_rows}
        customers = (
            self.sudo()
            .search(
                [
                    "|",
                    ("id", "in", list(revenue)),
                    "&",
                    ("customer_rank", ">", 0),
                    ("is_company", "=", True),
                ]
            )
            .commercial_partner_id
        )
        revenue.update({pid: revenue.get(pid, 0.0) for pid in customers.ids})
        a_share, b_share = self._crm_ext_segment_shares()
        segments = self._crm_ext_pareto_segments(revenue, a_share, b_share)
        for start in range(0, len(customers), batch_size):
            batch = customers[start : start + batch_size]
            churn = batch._crm_ext_compute_churn()
            by_values = defaultdict(list)
            for partner in batch:
                key = (segments.get(partner.id, "C"), churn[partner.id])
                by_values[key].append(partner.id)
            for (segment, risk), ids in by_values.items():
                self.sudo().search([("commercial_partner_id", "in", ids)]).write(
                    {"customer_segment": segment, "churn_risk": risk}
                )
            self.env.flush_all()
            batch._crm_ext_write_revenue_12m(revenue)
        self._crm_ext_refresh_rfm(batch_size=batch_size)
        self.env["sale.product.association"]._cron_compute_associations()
        return len(customers)

    def _crm_ext_write_revenue_12m(self, revenue):
        """Store ``revenue`` ({partner id: amount}, 0 when missing) as the
        ``revenue_12m`` of the partners in ``self`` whose value changes.

        Each partner has its own amount, so a write per value would be a
        write per partner: one UPDATE ... FROM (VALUES ...) joined on the
        primary key stores them all. Amounts are rounded as the ORM stores
        them (in the partner's currency), the write date and user are set as
        a write would, and the cache is invalidated and dependents notified
        after."""
        field = self._fields["revenue_12m"]
        rows = [
            SQL(
                "(%s, %s::numeric)",
                partner.id,
                field.convert_to_column_insert(revenue.get(partner.id, 0.0), partner),
            )
            for partner in self
            if partner.revenue_12m != revenue.get(partner.id, 0.0)
        ]
        if not rows:
            return
        self.env.cr.execute(
            SQL(
                """
            UPDATE res_partner p
               SET revenue_12m = v.revenue, write_uid = %(uid)s,
                   write_date = %(now)s
              FROM (VALUES %(rows)s) AS v(id, revenue)
             WHERE p.id = v.id
                """,
                uid=self.env.uid,
                now=self.env.cr.now(),
                rows=SQL(", ").join(rows),
            )
        )
        self.invalidate_recordset(["revenue_12m", "write_uid", "write_date"])
        self.modified(["revenue_12m"])

    # ------------------------------------------------------------------
    # RFM, refreshed by the nightly cron
    # ------------------------------------------------------------------
    @api.model
    def _crm_ext_rfm_segment(self, recency, frequency, monetary):
        """The RFM segment of 1-5 scores (see ``customer_scoring.rfm_segment``)."""
        return customer_scoring.rfm_segment(recency, frequency, monetary)

    @api.model
    def _crm_ext_rfm_scores(self, partner_ids=None):
        """{commercial id: (recency, frequency, monetary, product count)} of
        the customers with posted invoices in the window, all of them or
        those in ``partner_ids``: one query (the quintiles always rank every
        customer of the window)."""
        Association = self.env["sale.product.association"]
        since = Association._buying_window_start()
        where = (
            SQL("WHERE partner_id = ANY(%s)", list(partner_ids))
            if partner_ids is not None
            else SQL()
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            WITH customers AS (
                SELECT am.commercial_partner_id AS partner_id,
                       MAX(am.invoice_date)
                           FILTER (WHERE am.move_type = 'out_invoice') AS last_date,
                       COUNT(*) FILTER (WHERE am.move_type = 'out_invoice')
                           AS invoices,
                       SUM(am.amount_untaxed_signed) AS amount
                  FROM account_move am
                 WHERE am.state = 'posted'
                   AND am.move_type IN ('out_invoice', 'out_refund')
                   AND am.invoice_date >= %(since)s
                   AND am.commercial_partner_id IS NOT NULL
              GROUP BY am.commercial_partner_id
                HAVING COUNT(*) FILTER (WHERE am.move_type = 'out_invoice') > 0
            ),
            products AS (
                SELECT partner_id, COUNT(*) AS product_count
                  FROM (%(bought)s) bought
              GROUP BY partner_id
            ),
            scored AS (
                SELECT c.partner_id,
                       ntile(5) OVER (ORDER BY c.last_date, c.partner_id) AS r,
                       ntile(5) OVER (ORDER BY c.invoices, c.partner_id) AS f,
                       ntile(5) OVER (ORDER BY c.amount, c.partner_id) AS m,
                       COALESCE(p.product_count, 0) AS product_count
                  FROM customers c
             LEFT JOIN products p ON p.partner_id = c.partner_id
            )
            SELECT partner_id, r, f, m, product_count FROM scored %(where)s
                """,
                since=since,
                bought=Association._bought_products_sql(since, partner_ids=partner_ids),
                where=where,
            )
        )
        return {row[0]: tuple(row[1:]) for row in self.env.cr.fetchall()}

    @api.model
    def _crm_ext_refresh_rfm(self, batch_size=1000):
        """Write the RFM scores, segment and product count on the customers
        and their contacts: the partners whose values change are grouped by
        their new values, one write per group and batch of ``batch_size``;
        customers without invoices in the window any more are cleared."""
        scores = self._crm_ext_rfm_scores()
        self.env.cr.execute(
            SQL(
                """
            SELECT id, commercial_partner_id, rfm_recency, rfm_frequency,
                   rfm_monetary, purchased_product_count, rfm_segment
              FROM res_partner
             WHERE commercial_partner_id = ANY(%s) OR rfm_segment IS NOT NULL
                """,
                list(scores),
            )
        )
        by_values = defaultdict(list)
        for partner_id, commercial_id, *current in self.env.cr.fetchall():
            score = scores.get(commercial_id)
            if score:
                recency, frequency, monetary, products = score
                segment = self._crm_ext_rfm_segment(recency, frequency, monetary)
                values = (recency, frequency, monetary, products, segment)
            else:
                values = (0, 0, 0, 0, False)
            if tuple(value or 0 for value in current) != tuple(
                value or 0 for value in values
            ):
                by_values[values].append(partner_id)
        Partner = self.sudo().with_context(active_test=False)
        for values, ids in by_values.items():
            vals = dict(zip(RFM_FIELDS, values, strict=True))
            for start in range(0, len(ids), batch_size):
                Partner.browse(ids[start : start + batch_size]).write(vals)
        self.env.flush_all()
        return len(scores)
