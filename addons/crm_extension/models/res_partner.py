# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools import SQL

CHURN_RISKS = [("low", "Low"), ("medium", "Medium"), ("high", "High")]
SEGMENTS = [("A", "A"), ("B", "B"), ("C", "C")]


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

    # ------------------------------------------------------------------
    # Set-wise aggregation helpers
    # ------------------------------------------------------------------
    def _crm_ext_group_by_commercial(
        self, model, partner_field, aggregate, domain=(), combine=None, sudo=True
    ):
        """{commercial partner id: value} of ``aggregate`` on ``model``.

        One grouped query for all of ``self``: rows are grouped by
        ``partner_field`` and folded onto each partner's commercial partner
        with ``combine`` (addition by default). Figures are aggregates shown
        to internal users (the fields are restricted to them), so they read
        with ``sudo`` by default; counters that open a list of records do not.
        """
        combine = combine or (lambda a, b: a + b)
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
            [partner_field],
            [aggregate],
        )
        result = {}
        for partner, value in groups:
            key = partner.commercial_partner_id.id
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
        revenue = self._crm_ext_group_by_commercial(
            "service.order", "commercial_partner_id", "amount_charged:sum", done
        )
        cost = self._crm_ext_group_by_commercial(
            "service.order", "commercial_partner_id", "amount_cost:sum", done
        )
        for partner in self:
            key = partner.commercial_partner_id.id
            partner.service_revenue = revenue.get(key, 0.0)
            partner.service_cost = cost.get(key, 0.0)
            partner.service_margin = partner.service_revenue - partner.service_cost

    @api.depends_context("allowed_company_ids")
    def _compute_feedback_count(self):
        counts = self._crm_ext_group_by_commercial(
            "customer.feedback", "commercial_partner_id", "__count", sudo=False
        )
        complaints = self._crm_ext_group_by_commercial(
            "customer.feedback",
            "commercial_partner_id",
            "__count",
            [("feedback_type", "=", "complaint")],
            sudo=False,
        )
        for partner in self:
            key = partner.commercial_partner_id.id
            partner.feedback_count = counts.get(key, 0)
            partner.complaint_count = complaints.get(key, 0)

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
        return len(customers)
