# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Set-wise aggregation by customer: the one grouped query per source,
folded onto the commercial partner and kept to the user's companies, that
the figures, counters and scores of the customer are read with."""

from odoo import api, models
from odoo.osv import expression
from odoo.tools import SQL


class ResPartner(models.Model):
    _inherit = "res.partner"

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
