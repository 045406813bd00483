# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The integration API of customer feedback: ``api_submit`` (idempotent on
``external_ref``), the field list it accepts, and the input validation that
gives every bad value a message naming the row and the field."""

from collections import defaultdict

from odoo import api, models
from odoo.exceptions import UserError, ValidationError


class CustomerFeedback(models.Model):
    _inherit = "customer.feedback"

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
        if not isinstance(vals_list, list) or not all(
            isinstance(vals, dict) for vals in vals_list
        ):
            raise ValidationError(
                self.env._("api_submit takes a list of dictionaries, one per row.")
            )
        if len(vals_list) > self._api_max_rows():
            raise ValidationError(
                self.env._(
                    "api_submit takes at most %(max)s rows per call, got %(count)s.",
                    max=self._api_max_rows(),
                    count=len(vals_list),
                )
            )
        allowed = self._api_fields()
        rows = [
            self._api_check_keys(row, vals, allowed)
            for row, vals in enumerate(vals_list, 1)
        ]
        self._validate_values_batch(
            rows, [self.env._("Row %s, ", row) for row in range(1, len(rows) + 1)]
        )
        refs = [vals["external_ref"] for vals in rows if vals.get("external_ref")]
        existing = {
            rec.external_ref: rec
            for rec in self.search(
                [("external_ref", "in", refs), ("company_id", "=", self.env.company.id)]
            )
        }
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
    def _api_check_keys(self, row, vals, allowed):
        unknown = sorted(set(vals) - allowed)
        if unknown:
            raise ValidationError(
                self.env._(
                    "Row %(row)s: unknown field(s) %(fields)s.",
                    row=row,
                    fields=", ".join(unknown),
                )
            )
        return dict(vals)

    @api.model
    def _api_max_rows(self):
        return 1000

    @api.model
    def _api_fields(self):
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

    @api.model
    def _validate_values(self, vals, prefix=""):
        self._validate_values_batch([vals], [prefix])

    @api.model
    def _validate_values_batch(self, vals_list, prefixes=None):
        """Clear errors for values the ORM would reject with a bare ValueError
        or a database error: unknown selection keys, ids that do not exist,
        wrong types. Ids are checked with one query per related model."""
        prefixes = prefixes or [""] * len(vals_list)
        wanted = defaultdict(set)
        for vals, prefix in zip(vals_list, prefixes, strict=True):
            for field_name, value in vals.items():
                field = self._fields.get(field_name)
                if field is None or value in (False, None):
                    continue
                if field.type == "selection":
                    valid = dict(field._description_selection(self.env))
                    if value not in valid:
                        raise ValidationError(
                            self.env._(
                                "%(prefix)sfield %(field)s: '%(value)s' is not one of "
                                "%(valid)s.",
                                prefix=prefix,
                                field=field_name,
                                value=value,
                                valid=", ".join(valid),
                            )
                        )
                elif field.type == "many2one":
                    if not isinstance(value, int) or isinstance(value, bool):
                        raise ValidationError(
                            self.env._(
                                "%(prefix)sfield %(field)s: expected a record id, "
                                "got %(value)r.",
                                prefix=prefix,
                                field=field_name,
                                value=value,
                            )
                        )
                    wanted[field_name].add(value)
                elif field.type in ("char", "text") and not isinstance(value, str):
                    raise ValidationError(
                        self.env._(
                            "%(prefix)sfield %(field)s: expected text, got %(value)r.",
                            prefix=prefix,
                            field=field_name,
                            value=value,
                        )
                    )
        for field_name, ids in wanted.items():
            comodel = self.env[self._fields[field_name].comodel_name]
            # searched with the caller's rights: a record they may not read
            # is reported like one that does not exist
            found = comodel.with_context(active_test=False).search(
                [("id", "in", list(ids))]
            )
            missing = ids - set(found.ids)
            if not missing:
                continue
            for vals, prefix in zip(vals_list, prefixes, strict=True):
                if vals.get(field_name) in missing:
                    raise ValidationError(
                        self.env._(
                            "%(prefix)sfield %(field)s: no %(model)s with id %(id)s.",
                            prefix=prefix,
                            field=field_name,
                            model=comodel._description,
                            id=vals[field_name],
                        )
                    )

    def _check_external_refs_free(self, vals_list):
        """Refuse an external_ref that another feedback of the company has,
        with a message, before the database constraint would."""
        default_company = self.env.company.id
        wanted = {
            (vals.get("company_id") or default_company, vals["external_ref"])
            for vals in vals_list
            if vals.get("external_ref")
        }
        if not wanted:
            return
        taken = self.sudo().search(
            [
                ("external_ref", "in", [ref for _company, ref in wanted]),
                ("company_id", "in", [company for company, _ref in wanted]),
                ("id", "not in", self.ids),
            ]
        )
        for feedback in taken:
            if (feedback.company_id.id, feedback.external_ref) in wanted:
                # the caller's own reference; the other feedback is not named
                raise ValidationError(
                    self.env._(
                        "External reference '%s' is already used by another "
                        "feedback of this company.",
                        feedback.external_ref,
                    )
                )
