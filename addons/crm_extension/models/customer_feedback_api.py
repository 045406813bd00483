# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The integration API of customer feedback: ``api_submit`` (idempotent on
``external_ref``) and ``api_fields``, the field list it accepts. The input
checks, their messages naming the row and the field, and the external
references are ``service.api.mixin``'s; this file words the feedback's."""

from odoo import api, models
from odoo.exceptions import UserError, ValidationError


class CustomerFeedback(models.Model):
    _name = "customer.feedback"
    _inherit = ["customer.feedback", "service.api.mixin"]

    @api.model
    def api_submit(self, vals_list):
        """Create or update feedback from an external system; idempotent.

        ``vals_list`` is a list of dicts of the public fields (name,
        description, partner_id, feedback_type, channel, priority, product_id,
        sale_order_id, external_ref...). A row whose ``external_ref`` exists in
        the company updates that record (state and ownership untouched);
        others are created with ``channel`` 'api' unless given. Returns the
        ids in input order. Any invalid row raises a ValidationError that
        names the row (1-based) and the field, and nothing is written.
        """
        self._api_check_rows(
            vals_list,
            self.env._("api_submit takes a list of dictionaries, one per row."),
            lambda **facts: self.env._(
                "api_submit takes at most %(max)s rows per call, got %(count)s.",
                **facts,
            ),
        )
        allowed = self._api_fields()
        rows = [
            self._api_check_keys(
                vals,
                allowed,
                lambda row=row, **facts: self.env._(
                    "Row %(row)s: unknown field(s) %(fields)s.", row=row, **facts
                ),
            )
            for row, vals in enumerate(vals_list, 1)
        ]
        self._validate_values_batch(
            rows, [self.env._("Row %s, ", row) for row in range(1, len(rows) + 1)]
        )
        existing = self._api_records_by_ref(
            vals["external_ref"] for vals in rows if vals.get("external_ref")
        )
        # The first row of a new key creates it; later rows of the same key
        # (and rows of known keys) update.
        creates, updates, first_row = [], [], {}
        for row, vals in enumerate(rows, start=1):
            ref = vals.get("external_ref")
            if ref in existing or (ref and ref in first_row):
                updates.append((row, ref, vals))
            else:
                if ref:
                    first_row[ref] = row
                creates.append((row, {"channel": "api", **vals}))
        try:
            with self.env.cr.savepoint():
                created = self.create([vals for _row, vals in creates])
                by_row = dict(
                    zip((row for row, _vals in creates), created, strict=True)
                )
                for ref, row in first_row.items():
                    existing[ref] = by_row[row]
                for row, ref, vals in updates:
                    by_row[row] = existing[ref]
                    existing[ref].write(vals)
                self.env.flush_all()
        except (ValidationError, UserError) as error:
            raise self._api_locate_error(creates, updates, existing, error) from error
        return [by_row[row].id for row in range(1, len(rows) + 1)]

    @api.model
    def api_fields(self):
        """The names of the fields a row of ``api_submit`` may have, sorted:
        clients check their input against it (``scripts/cli.py``)."""
        return sorted(self._api_fields())

    def _api_locate_error(self, creates, updates, existing, error):
        """The batch failed: replay row by row (rolled back) to name the row."""
        for row, vals in creates + [(row, vals) for row, _ref, vals in updates]:
            try:
                with self.env.cr.savepoint(flush=False) as savepoint:
                    ref = vals.get("external_ref")
                    if ref in existing and existing[ref].exists():
                        existing[ref].write(vals)
                    else:
                        self.create(vals)
                    self.env.flush_all()
                    savepoint.rollback()
            except (ValidationError, UserError) as row_error:
                self.env.invalidate_all()
                return ValidationError(
                    self.env._(
                        "Row %(row)s: %(message)s", row=row, message=row_error.args[0]
                    )
                )
        self.env.invalidate_all()
        return ValidationError(error.args[0])

    @api.model
    def _api_fields(self):
        """The fields ``api_submit`` takes: extend this set to take more."""
        return {
            "name",
            "description",
            "partner_id",
            "feedback_type",
            "channel",
            "priority",
            "product_id",
            "sale_order_id",
            "external_ref",
            "category_id",
            "team_id",
        }

    def _external_ref_taken_message(self, record):
        # the caller's own reference; the other feedback is not named
        return self.env._(
            "External reference '%s' is already used by another "
            "feedback of this company.",
            record.external_ref,
        )
