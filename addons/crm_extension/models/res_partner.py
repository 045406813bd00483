# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models

from ..tools.actions import list_action


class ResPartner(models.Model):
    """Customer 360: value, loyalty and risk figures on the commercial partner.

    Every figure is computed for many partners at once: one grouped query per
    source, whatever the number of partners. Contacts show the figures of their
    commercial partner (the company they belong to).

    ``customer_segment``, ``churn_risk`` and ``revenue_12m`` are stored for
    search, grouping and analysis; the nightly cron
    ``_cron_compute_customer_segments`` refreshes them set-wise (see
    ``res_partner_segmentation.py``).
    """

    _inherit = "res.partner"

    lifetime_value = fields.Monetary(
        groups="base.group_user",
        compute="_compute_lifetime_value",
        currency_field="currency_id",
        help="Posted customer invoices minus refunds, untaxed, in company currency.",
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

    # ------------------------------------------------------------------
    # Sources of the figures (see res_partner_aggregation.py)
    # ------------------------------------------------------------------

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
    def _compute_lifetime_value(self):
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

    def action_view_returns(self):
        self.ensure_one()
        return self.env["service.return"]._action_list(
            [("commercial_partner_id", "=", self.commercial_partner_id.id)], {}
        )

    def action_view_equipment(self):
        self.ensure_one()
        return list_action(
            self.env,
            "crm_extension.action_customer_equipment",
            [("commercial_partner_id", "=", self.commercial_partner_id.id)],
            {"partner_id": self.commercial_partner_id.id},
        )

    def action_view_service_orders(self):
        self.ensure_one()
        return self.env["service.order"]._action_list(
            [("commercial_partner_id", "=", self.commercial_partner_id.id)],
            {"partner_id": self.id},
        )

    def action_view_feedback(self):
        self.ensure_one()
        return list_action(
            self.env,
            "crm_extension.action_customer_feedback",
            [("commercial_partner_id", "=", self.commercial_partner_id.id)],
            {"partner_id": self.id},
        )
