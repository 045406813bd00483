# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL

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
CROSS_SELL_LIMIT = 5


class ResPartner(models.Model):
    """Customer 360: value, loyalty and risk figures on the commercial partner.

    Every figure is computed for many partners at once: one grouped query per
    source, whatever the number of partners. Contacts show the figures of their
    commercial partner (the company they belong to).

    ``customer_segment``, ``churn_risk`` and ``revenue_12m`` are stored for
    search, grouping and analysis; the nightly cron
    ``_cron_compute_customer_segments`` refreshes them set-wise.

    Churn risk rule (points, added up):

    - recency: no interaction for more than 180 days: 2; more than 90 days: 1;
    - a detractor in the last 12 months (a rating of 2 or less, or an NPS
      answer of 6 or less): 2;
    - open complaints: 1 for one or two, 2 for three or more.

    3 points or more is *high*, 1 or 2 *medium*, 0 *low*.

    RFM (``rfm_recency``, ``rfm_frequency``, ``rfm_monetary``): quintiles 1 to
    5 (SQL ``ntile(5)``) among the customers with posted invoices in the last
    24 months (all companies), by the date of the last invoice, the number of
    invoices and the invoiced amount net of refunds; 5 is the most recent, the
    most frequent, the largest. Ties are split by partner id, so the scores
    are deterministic. ``rfm_segment`` from the scores, in this order:

    - *champions*: R >= 4 and F + M >= 8;
    - *new*: R >= 4 and F <= 2 (bought lately, few invoices so far);
    - *loyal*: any other R >= 4, or R = 3 and F + M >= 6;
    - *at risk*: R <= 2 and F + M >= 6 (used to buy much, not lately);
    - *hibernating*: the rest (little, and not lately).

    Customers without invoices in the window have no scores (0) and no
    segment. The nightly cron refreshes them with the ABC segments.
    """

    _inherit = "res.partner"

    lifetime_value = fields.Monetary(
        groups="base.group_user",
        compute="_compute_customer_value",
        currency_field="currency_id",
        help="Posted customer invoices minus refunds, untaxed, in company currency.",
    )
    revenue_12m = fields.Monetary(
        groups="base.group_user",
        string="Revenue (12 months)",
        currency_field="currency_id",
        readonly=True,
        help="Untaxed invoiced revenue of the last 12 months, refreshed nightly.",
    )
    service_revenue = fields.Monetary(
        groups="base.group_user",
        compute="_compute_service_value",
        currency_field="currency_id",
        help="Charged parts and labour of done service orders.",
    )
    service_cost = fields.Monetary(
        groups="crm_extension.group_service_user,sales_team.group_sale_salesman",
        compute="_compute_service_value",
        currency_field="currency_id",
        help="Cost of the parts and labour used on done service orders, "
        "warranty work included.",
    )
    service_margin = fields.Monetary(
        groups="crm_extension.group_service_user,sales_team.group_sale_salesman",
        compute="_compute_service_value",
        currency_field="currency_id",
    )
    open_ticket_count = fields.Integer(
        compute="_compute_helpdesk_ticket_count", groups="base.group_user"
    )
    feedback_count = fields.Integer(
        compute="_compute_feedback_count", groups="base.group_user"
    )
    complaint_count = fields.Integer(
        compute="_compute_feedback_count", groups="base.group_user"
    )
    service_order_count = fields.Integer(
        compute="_compute_service_order_count",
        groups="crm_extension.group_service_technician",
    )
    equipment_count = fields.Integer(
        compute="_compute_equipment_count", groups="base.group_user"
    )
    return_count = fields.Integer(
        compute="_compute_return_count",
        groups="crm_extension.group_service_technician",
    )
    satisfaction_avg = fields.Float(
        groups="base.group_user",
        string="Satisfaction",
        compute="_compute_satisfaction",
        digits=(3, 2),
        help="Average rating (1 to 5) given by the customer's contacts "
        "in the last 12 months.",
    )
    rating_count = fields.Integer(
        compute="_compute_satisfaction", groups="base.group_user"
    )
    nps = fields.Float(
        string="NPS",
        compute="_compute_satisfaction",
        digits=(5, 1),
        groups="base.group_user",
        help="Net Promoter Score of the last 12 months: % promoters (9-10) minus "
        "% detractors (0-6) among the customer's answers; 0 without answers.",
    )
    last_interaction_date = fields.Datetime(
        groups="base.group_user",
        compute="_compute_last_interaction_date",
        help="Latest sale order, invoice, ticket or message of the customer.",
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
    # Set-wise aggregation helpers
    # ------------------------------------------------------------------
    def _crm_ext_group_by_commercial(
        self,
        model,
        partner_field,
        aggregate,
        domain=(),
        combine=None,
        sudo=True,
        groupby=(),
    ):
        """{commercial partner id: value} of ``aggregate`` on ``model``.

        One grouped query for all of ``self``: rows are grouped by
        ``partner_field`` and folded onto each partner's commercial partner
        with ``combine`` (addition by default). Figures are aggregates shown
        to internal users (the fields are restricted to them), so they read
        with ``sudo`` by default; counters that open a list of records do not.

        With several ``aggregate`` (a tuple), each value is a tuple of them,
        added term by term; with ``groupby`` fields, the keys are
        ``(commercial partner id, *their values)``: several figures from one
        query.
        """
        several = not isinstance(aggregate, str)
        aggregates = list(aggregate) if several else [aggregate]
        if combine is None:
            combine = (
                (lambda a, b: tuple(x + y for x, y in zip(a, b, strict=True)))
                if several
                else (lambda a, b: a + b)
            )
        commercial_ids = self.commercial_partner_id.ids
        Model = self.env[model].sudo() if sudo else self.env[model]
        if not commercial_ids or not Model.has_access("read"):
            return {}
        groups = Model._read_group(
            [
                (
                    partner_field
                    if partner_field == "commercial_partner_id"
                    else f"{partner_field}.commercial_partner_id",
                    "in",
                    commercial_ids,
                ),
                *self._crm_ext_company_domain(model),
                *domain,
            ],
            [partner_field, *groupby],
            aggregates,
        )
        result = {}
        for partner, *row in groups:
            extra, values = row[: len(groupby)], row[len(groupby) :]
            key = (
                (partner.commercial_partner_id.id, *extra)
                if groupby
                else (partner.commercial_partner_id.id)
            )
            if several:
                value = tuple(v or 0 for v in values)
            else:
                value = values[0]
                if value is None or value is False:
                    continue
            result[key] = combine(result[key], value) if key in result else value
        return result

    @api.model
    def _crm_ext_company_domain(self, model):
        """The records of ``model`` in the companies the user works in now
        (``env.companies``): figures read as superuser never mix in another
        company's documents. Ratings belong to the company of the rated
        document."""
        company_ids = self.env.companies.ids
        if model == "rating.rating":
            # Correlated on the rating row: one primary key lookup per rating
            # of the customers asked. A plain subselect of the companies'
            # records sits in an OR, so PostgreSQL hashes it whole: a scan of
            # every ticket, for any number of customers.
            res_id = SQL.identifier(self.env[model]._table, "res_id")
            rated = [
                name
                for name in ("helpdesk.ticket", "customer.feedback", "service.order")
                if name in self.env
            ]
            return expression.OR(
                [
                    [
                        ("res_model", "=", name),
                        (
                            "res_id",
                            "in",
                            SQL(
                                "(SELECT id FROM %s"
                                " WHERE id = %s AND company_id IN %s)",
                                SQL.identifier(self.env[name]._table),
                                res_id,
                                tuple(company_ids),
                            ),
                        ),
                    ]
                    for name in rated
                ]
            )
        if model == "mail.message":
            return [("record_company_id", "in", [*company_ids, False])]
        if "company_id" in self.env[model]._fields:
            return [("company_id", "in", company_ids)]
        return []

    def _crm_ext_interaction_sources(self):
        """(model, partner field, date aggregate, domain) of every interaction.

        Features add their own sources (feedback, service orders...)."""
        return [
            ("sale.order", "partner_id", "date_order:max", [("state", "!=", "cancel")]),
            (
                "account.move",
                "commercial_partner_id",
                "invoice_date:max",
                [
                    ("state", "=", "posted"),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                ],
            ),
            ("helpdesk.ticket", "commercial_partner_id", "create_date:max", []),
            ("customer.feedback", "commercial_partner_id", "create_date:max", []),
            ("service.order", "commercial_partner_id", "create_date:max", []),
            (
                "mail.message",
                "author_id",
                "date:max",
                [("message_type", "in", ("email", "comment"))],
            ),
        ]

    def _crm_ext_posted_revenue(self, date_from=None):
        domain = [
            ("state", "=", "posted"),
            ("move_type", "in", ("out_invoice", "out_refund")),
        ]
        if date_from:
            domain.append(("invoice_date", ">=", date_from))
        return self._crm_ext_group_by_commercial(
            "account.move",
            "commercial_partner_id",
            "amount_untaxed_signed:sum",
            domain,
        )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends_context("allowed_company_ids")
    def _compute_customer_value(self):
        revenue = self._crm_ext_posted_revenue()
        for partner in self:
            partner.lifetime_value = revenue.get(partner.commercial_partner_id.id, 0.0)

    @api.depends_context("allowed_company_ids")
    def _compute_service_value(self):
        done = [("state", "=", "done")]
        sums = self._crm_ext_group_by_commercial(
            "service.order",
            "commercial_partner_id",
            ("amount_charged:sum", "amount_cost:sum"),
            done,
        )
        for partner in self:
            revenue, cost = sums.get(partner.commercial_partner_id.id, (0.0, 0.0))
            partner.service_revenue = revenue
            partner.service_cost = cost
            partner.service_margin = partner.service_revenue - partner.service_cost

    @api.depends_context("allowed_company_ids")
    def _compute_feedback_count(self):
        # one query for both counters: by customer and type
        counts = self._crm_ext_group_by_commercial(
            "customer.feedback",
            "commercial_partner_id",
            "__count",
            sudo=False,
            groupby=["feedback_type"],
        )
        total = defaultdict(int)
        for (key, _type), count in counts.items():
            total[key] += count
        for partner in self:
            key = partner.commercial_partner_id.id
            partner.feedback_count = total[key]
            partner.complaint_count = counts.get((key, "complaint"), 0)

    @api.depends_context("allowed_company_ids")
    def _compute_service_order_count(self):
        counts = self._crm_ext_group_by_commercial(
            "service.order", "commercial_partner_id", "__count", sudo=False
        )
        for partner in self:
            partner.service_order_count = counts.get(
                partner.commercial_partner_id.id, 0
            )

    @api.depends_context("allowed_company_ids")
    def _compute_equipment_count(self):
        counts = self._crm_ext_group_by_commercial(
            "customer.equipment",
            "commercial_partner_id",
            "__count",
            [("state", "=", "active")],
            sudo=False,
        )
        for partner in self:
            partner.equipment_count = counts.get(partner.commercial_partner_id.id, 0)

    @api.depends_context("allowed_company_ids")
    def _compute_return_count(self):
        counts = self._crm_ext_group_by_commercial(
            "service.return", "commercial_partner_id", "__count", sudo=False
        )
        for partner in self:
            partner.return_count = counts.get(partner.commercial_partner_id.id, 0)

    def action_view_returns(self):
        self.ensure_one()
        return self.env["service.return"]._action_list(
            [("commercial_partner_id", "=", self.commercial_partner_id.id)], {}
        )

    def action_view_equipment(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_extension.action_customer_equipment"
        )
        action["domain"] = [
            ("commercial_partner_id", "=", self.commercial_partner_id.id)
        ]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_view_service_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_extension.action_service_order"
        )
        action["domain"] = [
            ("commercial_partner_id", "=", self.commercial_partner_id.id)
        ]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_view_feedback(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_extension.action_customer_feedback"
        )
        action["domain"] = [
            ("commercial_partner_id", "=", self.commercial_partner_id.id)
        ]
        action["context"] = {"default_partner_id": self.id}
        return action

    @api.depends_context("allowed_company_ids")
    def _compute_satisfaction(self):
        since = fields.Datetime.now() - timedelta(days=365)
        domain = [
            ("consumed", "=", True),
            ("rating", ">", 0),
            ("create_date", ">=", since),
        ]
        # One grouped query (by contact, NPS answer and category) for the
        # five sums and counts, folded onto the commercial partners.
        totals, counts = defaultdict(float), defaultdict(int)
        answered, promoters, detractors = (defaultdict(int) for _i in range(3))
        Rating = self.env["rating.rating"].sudo()
        commercial_ids = self.commercial_partner_id.ids
        groups = (
            Rating._read_group(
                [
                    ("partner_id.commercial_partner_id", "in", commercial_ids),
                    *self._crm_ext_company_domain("rating.rating"),
                    *domain,
                ],
                ["partner_id", "nps_answered", "nps_category"],
                ["rating:sum", "__count"],
            )
            if commercial_ids and Rating.has_access("read")
            else []
        )
        for rater, nps_answered, category, total, count in groups:
            key = rater.commercial_partner_id.id
            totals[key] += total or 0.0
            counts[key] += count
            if nps_answered:
                answered[key] += count
                promoters[key] += count if category == "promoter" else 0
                detractors[key] += count if category == "detractor" else 0
        for partner in self:
            key = partner.commercial_partner_id.id
            partner.rating_count = counts.get(key, 0)
            partner.satisfaction_avg = (
                totals[key] / counts[key] if counts.get(key) else 0.0
            )
            partner.nps = (
                100.0 * (promoters.get(key, 0) - detractors.get(key, 0)) / answered[key]
                if answered.get(key)
                else 0.0
            )

    @api.depends_context("allowed_company_ids")
    def _compute_last_interaction_date(self):
        latest = defaultdict(lambda: False)
        for source in self._crm_ext_interaction_sources():
            values = self._crm_ext_group_by_commercial(*source, combine=max)
            for key, value in values.items():
                value = fields.Datetime.to_datetime(value)
                latest[key] = max(latest[key], value) if latest[key] else value
        for partner in self:
            partner.last_interaction_date = latest[partner.commercial_partner_id.id]

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

    def _compute_helpdesk_ticket_count(self):
        """Set-wise replacement of helpdesk_mgmt's per-partner search, and the
        open tickets of the customer, from one grouped query.

        Tickets are read by their commercial partner (an indexed column, the
        same cost for one customer at any table size), then counted on the
        ticket's contact and each of its parents up to the commercial
        partner: a partner counts its own tickets and its contacts' ones, as
        helpdesk_mgmt's ``child_of`` does (a subsidiary that is a company of
        its own keeps its tickets). ``open_ticket_count`` is the commercial
        partner's, shown on each of its contacts."""
        commercial_ids = self.commercial_partner_id.ids
        groups = (
            self.env["helpdesk.ticket"]._read_group(
                [
                    ("commercial_partner_id", "in", commercial_ids),
                    *self._crm_ext_company_domain("helpdesk.ticket"),
                ],
                ["partner_id", "stage_id"],
                ["__count"],
            )
            if commercial_ids
            else []
        )
        total, active = defaultdict(int), defaultdict(int)
        for ticket_partner, stage, count in groups:
            for ancestor_id in ticket_partner._crm_ext_ancestor_ids():
                total[ancestor_id] += count
                if not stage.closed:
                    active[ancestor_id] += count
        for partner in self:
            pid = partner.id
            partner.helpdesk_ticket_count = total[pid]
            partner.helpdesk_ticket_active_count = active[pid]
            partner.helpdesk_ticket_count_string = f"{active[pid]} / {total[pid]}"
            partner.open_ticket_count = active[partner.commercial_partner_id.id]

    def _crm_ext_ancestor_ids(self):
        """The partner and its parents up to its commercial partner (contacts
        are prefetched together)."""
        self.ensure_one()
        ids, partner = [], self
        while partner and partner.id not in ids:
            ids.append(partner.id)
            if partner == self.commercial_partner_id:
                break
            partner = partner.parent_id
        return ids

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_print_customer_360(self):
        return self.env.ref("crm_extension.action_report_customer_360").report_action(
            self.commercial_partner_id
        )

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

    def _crm_ext_customer_360_data(self, limit=10):
        """Open items, recent interactions and ratings for the 360 report."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        partner_domain = [("partner_id", "child_of", commercial.id)]
        open_tickets = self.env["helpdesk.ticket"].search(
            [*partner_domain, ("stage_id.closed", "=", False)],
            limit=limit,
            order="create_date desc",
        )
        orders = self.env["sale.order"].search(
            [*partner_domain, ("state", "!=", "cancel")],
            limit=limit,
            order="date_order desc",
        )
        invoices = self.env["account.move"].search(
            [
                ("commercial_partner_id", "=", commercial.id),
                ("state", "=", "posted"),
                ("move_type", "in", ("out_invoice", "out_refund")),
            ],
            limit=limit,
            order="invoice_date desc",
        )
        recent = [
            {
                "date": order.date_order,
                "kind": self.env._("Sale order"),
                "name": order.name,
                "amount": order.amount_untaxed,
            }
            for order in orders
        ] + [
            {
                "date": fields.Datetime.to_datetime(move.invoice_date),
                "kind": move.type_name,
                "name": move.name,
                "amount": move.amount_untaxed_signed,
            }
            for move in invoices
        ]
        recent.sort(key=lambda row: row["date"], reverse=True)
        ratings = (
            self.env["rating.rating"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", commercial.id),
                    ("consumed", "=", True),
                    ("rating", ">", 0),
                    *self._crm_ext_company_domain("rating.rating"),
                ],
                limit=limit,
                order="create_date desc",
            )
        )
        return {
            "open_tickets": open_tickets,
            "recent": recent[:limit],
            "ratings": ratings,
        }

    # ------------------------------------------------------------------
    # Segmentation and churn, refreshed by the nightly cron
    # ------------------------------------------------------------------
    @api.model
    def _crm_ext_segment_shares(self):
        company = self.env.company
        return company.customer_segment_a_share, company.customer_segment_b_share

    @api.model
    def _crm_ext_pareto_segments(self, revenue, a_share, b_share):
        """{partner id: 'A'|'B'|'C'} from {partner id: revenue}.

        Partners are taken by decreasing revenue (then id, so the split is
        deterministic); a partner is A while the revenue before it is below
        ``a_share`` % of the total, B below ``b_share`` %, C otherwise. No
        revenue (or a net refund) is C."""
        positive = sorted(
            ((value, pid) for pid, value in revenue.items() if value > 0),
            key=lambda item: (-item[0], item[1]),
        )
        total = sum(value for value, _pid in positive)
        segments = {pid: "C" for pid in revenue}
        cumulated = 0.0
        for value, pid in positive:
            share = 100.0 * cumulated / total
            segments[pid] = "A" if share < a_share else "B" if share < b_share else "C"
            cumulated += value
        return segments

    def _crm_ext_churn_points(self, recency_days, detractors, open_complaints):
        points = 2 if recency_days > 180 else 1 if recency_days > 90 else 0
        points += 2 if detractors else 0
        points += 2 if open_complaints >= 3 else 1 if open_complaints else 0
        return points

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
            risks[partner.id] = "high" if points >= 3 else "medium" if points else "low"
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
            for partner in batch:
                if partner.revenue_12m != revenue.get(partner.id, 0.0):
                    partner.revenue_12m = revenue.get(partner.id, 0.0)
            self.env.flush_all()
        self._crm_ext_refresh_rfm(batch_size=batch_size)
        self.env["sale.product.association"]._cron_compute_associations()
        return len(customers)

    # ------------------------------------------------------------------
    # RFM, refreshed by the nightly cron
    # ------------------------------------------------------------------
    @api.model
    def _crm_ext_rfm_segment(self, recency, frequency, monetary):
        """The RFM segment of 1-5 scores (see the class docstring)."""
        value = frequency + monetary
        if recency >= 4:
            if value >= 8:
                return "champions"
            return "new" if frequency <= 2 else "loyal"
        if value >= 6:
            return "loyal" if recency == 3 else "at_risk"
        return "hibernating"

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
