# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The input checks of the integration API, in one place for its three entry
points: ``customer.feedback.api_submit``, ``service.order.api_request`` and
``customer.equipment.api_report_event`` (whose event values
``customer.equipment.event`` checks). The mixin owns the shape of a call (a
dictionary, or a list of rows with a cap), unknown keys, text types and sizes,
selection keys, finite numbers, ISO 8601 dates, record ids read with the
caller's rights, and the external references that make a call idempotent.
Every check raises a ValidationError whose message names the row and the
field; the wording stays each caller's: a check takes its message as a text,
or as a function of the facts (``field``, ``value``, ...) that translates
its text, then formats it."""

import math
from collections import defaultdict
from datetime import datetime, timezone

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ServiceApiMixin(models.AbstractModel):
    _name = "service.api.mixin"
    _description = "Integration API Input Checks"

    # ------------------------------------------------------------------
    # The shape of a call
    # ------------------------------------------------------------------
    @api.model
    def _api_error(self, message, **facts):
        """The ValidationError of ``message``: a text, or a function of the
        ``facts`` that returns it."""
        return ValidationError(message(**facts) if callable(message) else message)

    @api.model
    def _api_check_dict(self, vals, message):
        """``vals`` itself when it is a dictionary; else ``message``."""
        if not isinstance(vals, dict):
            raise self._api_error(message)
        return vals

    @api.model
    def _api_max_rows(self):
        """The most rows one call takes."""
        return 1000

    @api.model
    def _api_check_rows(self, vals_list, message, max_message):
        """``vals_list`` is a list of dictionaries (else ``message``) of at
        most ``_api_max_rows`` rows (else ``max_message``, of ``max`` and
        ``count``)."""
        if not isinstance(vals_list, list) or not all(
            isinstance(vals, dict) for vals in vals_list
        ):
            raise self._api_error(message)
        if len(vals_list) > self._api_max_rows():
            raise self._api_error(
                max_message, max=self._api_max_rows(), count=len(vals_list)
            )

    @api.model
    def _api_check_keys(self, vals, allowed, message):
        """A copy of ``vals`` when all its keys are ``allowed``; else
        ``message``, of ``fields`` (the unknown keys, sorted)."""
        unknown = sorted(str(key) for key in set(vals) - set(allowed))
        if unknown:
            raise self._api_error(message, fields=", ".join(unknown))
        return dict(vals)

    # ------------------------------------------------------------------
    # Values
    # ------------------------------------------------------------------
    @api.model
    def _api_text(self, vals, field_name, limit=None, type_message=None):
        """The text of ``vals[field_name]``, False when it is not given
        (missing, None, False or empty). Not a string: ``type_message``, of
        ``field`` and ``value``; longer than ``limit`` characters: a message
        naming the field, the size and the limit."""
        value = vals.get(field_name)
        if value in (None, False, ""):
            return False
        if not isinstance(value, str):
            if type_message:
                raise self._api_error(type_message, field=field_name, value=value)
            raise ValidationError(
                self.env._(
                    "Field %(field)s: expected text, got %(value)r.",
                    field=field_name,
                    value=value,
                )
            )
        if limit is not None and len(value) > limit:
            raise ValidationError(
                self.env._(
                    "Field %(field)s: %(size)s characters, at most %(limit)s.",
                    field=field_name,
                    size=len(value),
                    limit=limit,
                )
            )
        return value

    def _check_text_sizes(self, limits):
        """Refuse a text of the records longer than its limit, naming it:
        ``limits`` holds ``(field name, label, most characters)``; for an
        ``@api.constrains`` of the model."""
        for record in self:
            for field_name, label, limit in limits:
                if len(record[field_name] or "") > limit:
                    raise ValidationError(
                        self.env._(
                            "The %(field)s is too long: %(size)s characters, "
                            "at most %(limit)s.",
                            field=label,
                            size=len(record[field_name]),
                            limit=limit,
                        )
                    )

    @api.model
    def _api_selection(self, field_name):
        """The keys and labels of the selection field ``field_name``."""
        return dict(self._fields[field_name]._description_selection(self.env))

    @api.model
    def _api_check_selection(self, field_name, value, message):
        """``value`` is a key of the selection field ``field_name``; else
        ``message``, of ``field``, ``value`` and ``valid`` (the keys)."""
        valid = self._api_selection(field_name)
        if not isinstance(value, str) or value not in valid:
            raise self._api_error(
                message, field=field_name, value=value, valid=", ".join(valid)
            )
        return value

    @api.model
    def _api_number(self, value, message):
        """``value`` as a float when it is a finite number (not a boolean);
        else ``message``, of ``value``."""
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self._api_error(message, value=value)
        return float(value)

    @api.model
    def _api_datetime(self, value, message):
        """A naive UTC datetime from an ISO 8601 string (UTC when it has no
        offset) or a datetime; now when the value is not given. Else
        ``message``, of ``value``."""
        if value is None or value is False or value == "":
            return fields.Datetime.now()
        parsed = None
        if isinstance(value, datetime):
            parsed = value
        elif isinstance(value, str):
            text = value.strip()
            if text[-1:] in ("Z", "z"):
                text = text[:-1] + "+00:00"
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                parsed = None
        if parsed is None:
            raise self._api_error(message, value=value)
        if parsed.tzinfo:
            parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
        return parsed.replace(microsecond=0)

    @api.model
    def _api_is_record_id(self, value):
        """An integer that may be a record id (a boolean is not)."""
        return isinstance(value, int) and not isinstance(value, bool)

    @api.model
    def _api_readable_by_id(self, model, value, domain=()):
        """The record of ``model`` with the id ``value`` (an integer, not a
        boolean) within ``domain``, searched with the caller's rights: a
        record they may not read is as unknown as one that does not exist.
        Empty when there is none."""
        if not self._api_is_record_id(value):
            return model.browse()
        return model.search([("id", "=", value), *domain])

    @api.model
    def _validate_values(self, vals, prefix=""):
        self._validate_values_batch([vals], [prefix])

    @api.model
    def _validate_values_batch(self, vals_list, prefixes=None):
        """Clear errors for values the ORM would reject with a bare ValueError
        or a database error: unknown selection keys, ids that do not exist,
        wrong types. Each message starts with the row's prefix ("Row 2, ").
        Ids are checked with one query per related model."""
        prefixes = prefixes or [""] * len(vals_list)
        wanted = defaultdict(set)
        for vals, prefix in zip(vals_list, prefixes, strict=True):
            for field_name, value in vals.items():
                field = self._fields.get(field_name)
                if field is None or value in (False, None):
                    continue
                if field.type == "selection":
                    self._api_check_selection(
                        field_name,
                        value,
                        lambda prefix=prefix, **facts: self.env._(
                            "%(prefix)sfield %(field)s: '%(value)s' is not one of "
                            "%(valid)s.",
                            prefix=prefix,
                            **facts,
                        ),
                    )
                elif field.type == "many2one":
                    if not self._api_is_record_id(value):
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
                elif field.type in ("char", "text"):
                    self._api_text(
                        vals,
                        field_name,
                        type_message=lambda prefix=prefix, **facts: self.env._(
                            "%(prefix)sfield %(field)s: expected text, got %(value)r.",
                            prefix=prefix,
                            **facts,
                        ),
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

    # ------------------------------------------------------------------
    # External references: idempotent calls
    # ------------------------------------------------------------------
    @api.model
    def _api_records_by_ref(self, refs, company=None):
        """The records of ``company`` (the current one by default) that have
        one of the external references ``refs``, by reference, in one search
        with the caller's rights."""
        company = company or self.env.company
        return {
            record.external_ref: record
            for record in self.search(
                [("external_ref", "in", list(refs)), ("company_id", "=", company.id)]
            )
        }

    def _check_external_refs_free(self, vals_list):
        """Refuse an ``external_ref`` of ``vals_list`` (with their
        ``company_id``, the current company by default) that a record other
        than ``self`` has in its company, or that two of the values give,
        with a message, before the database constraint would."""
        default_company = self.env.company.id
        wanted = set()
        for vals in vals_list:
            if not vals.get("external_ref"):
                continue
            key = (vals.get("company_id") or default_company, vals["external_ref"])
            if key in wanted:
                message = self._external_ref_repeated_message(key[1])
                if message:
                    raise ValidationError(message)
            wanted.add(key)
        if not wanted:
            return
        taken = self.sudo().search(
            [
                ("external_ref", "in", [ref for _company, ref in wanted]),
                ("company_id", "in", [company for company, _ref in wanted]),
                ("id", "not in", self.ids),
            ]
        )
        for record in taken:
            if (record.company_id.id, record.external_ref) in wanted:
                raise ValidationError(self._external_ref_taken_message(record))

    def _external_ref_taken_message(self, record):
        """The message refusing an external reference that ``record`` has."""
        raise NotImplementedError(f"{self._name} words no taken external reference")

    @api.model
    def _external_ref_repeated_message(self, ref):
        """The message refusing ``ref`` given twice in one call; False (no
        message) by default: the database constraint refuses it."""
        return False
