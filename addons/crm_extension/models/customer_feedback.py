# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

from .service_sla_mixin import PRIORITIES

FEEDBACK_TYPES = [
    ("complaint", "Complaint"),
    ("suggestion", "Suggestion"),
    ("praise", "Praise"),
    ("question", "Question"),
]
CHANNELS = [
    ("email", "Email"),
    ("phone", "Phone"),
    ("portal", "Portal"),
    ("api", "API"),
    ("visit", "Visit"),
    ("survey", "Survey"),
    ("other", "Other"),
]
STATES = [
    ("new", "New"),
    ("in_progress", "In Progress"),
    ("resolved", "Resolved"),
    ("closed", "Closed"),
    ("cancelled", "Cancelled"),
]
OPEN_STATES = ("new", "in_progress")
# Integrators' keys and subjects stay short; descriptions are bounded too.
NAME_MAX = 256
EXTERNAL_REF_MAX = 128
DESCRIPTION_MAX = 20000


class CustomerFeedback(models.Model):
    """One case of customer feedback, whatever the channel.

    Integrators send feedback with ``api_submit(vals_list)``: a row whose
    ``external_ref`` already exists in the company updates that record, so a
    retried call never creates a duplicate. ``external_ref`` is unique per
    company (a database constraint), so two concurrent submissions of the
    same key cannot both create a record either.
    """

    _name = "customer.feedback"
    _description = "Customer Feedback"
    _check_company_auto = True
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "portal.mixin",
        "service.sla.mixin",
        "service.return.source",
        "service.solution.mixin",
    ]
    _sla_kind = "feedback"
    _return_source_field = "feedback_id"
    _order = "priority desc, create_date desc, id desc"
    _mail_post_access = "read"

    name = fields.Char(string="Subject", required=True, tracking=True)
    description = fields.Text()
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        ondelete="restrict",
        check_company=True,
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True
    )
    feedback_type = fields.Selection(
        FEEDBACK_TYPES, string="Type", required=True, default="complaint", tracking=True
    )
    channel = fields.Selection(CHANNELS, required=True, default="other")
    priority = fields.Selection(PRIORITIES, default="1", tracking=True)
    state = fields.Selection(
        STATES, default="new", required=True, tracking=True, copy=False, index=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        index="btree_not_null",
        domain="[('partner_id', 'child_of', commercial_partner_id)]",
        check_company=True,
    )
    ticket_id = fields.Many2one(
        "helpdesk.ticket", index="btree_not_null", copy=False, check_company=True
    )
    product_id = fields.Many2one("product.product", check_company=True)
    category_id = fields.Many2one("helpdesk.ticket.category", check_company=True)
    team_id = fields.Many2one("helpdesk.ticket.team", check_company=True)
    resolution = fields.Text(tracking=True)
    resolved_date = fields.Datetime(readonly=True, copy=False)
    external_ref = fields.Char(
        string="External Reference",
        copy=False,
        index="btree_not_null",
        help="The integrator's key: unique per company, used to update instead "
        "of duplicating when a submission is retried.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    color = fields.Integer()
    return_ids = fields.One2many("service.return", "feedback_id")
    contact_name = fields.Char(
        help="Name given on the public feedback form (visitor not logged in)."
    )
    email_from = fields.Char(
        string="Email", help="Email given on the public feedback form."
    )

    _sql_constraints = [
        (
            "external_ref_company_uniq",
            "unique(company_id, external_ref)",
            "This external reference is already used in this company.",
        ),
    ]

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    def _compute_access_url(self):
        res = super()._compute_access_url()
        for feedback in self:
            feedback.access_url = f"/my/feedback/{feedback.id}"
        return res

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("name", "description", "external_ref")
    def _check_sizes(self):
        for feedback in self:
            if not (feedback.name or "").strip():
                raise ValidationError(self.env._("The feedback needs a subject."))
            limits = (
                ("name", self.env._("subject"), NAME_MAX),
                ("description", self.env._("description"), DESCRIPTION_MAX),
                ("external_ref", self.env._("external reference"), EXTERNAL_REF_MAX),
            )
            for field_name, label, limit in limits:
                if len(feedback[field_name] or "") > limit:
                    raise ValidationError(
                        self.env._(
                            "The %(field)s is too long: %(size)s characters, "
                            "at most %(limit)s.",
                            field=label,
                            size=len(feedback[field_name]),
                            limit=limit,
                        )
                    )

    @api.constrains("state", "resolution")
    def _check_resolution(self):
        for feedback in self:
            if (
                feedback.state in ("resolved", "closed")
                and not (feedback.resolution or "").strip()
            ):
                raise ValidationError(
                    self.env._(
                        "Write the resolution before resolving feedback '%s'.",
                        feedback.name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        self.browse().check_access("create")  # before the values are looked at
        self._validate_values_batch(vals_list)
        for vals in vals_list:
            for field_name in ("name", "partner_id"):
                if not vals.get(field_name) and not self.env.context.get(
                    f"default_{field_name}"
                ):
                    raise ValidationError(
                        self.env._(
                            "The feedback needs a %(field)s (%(name)s).",
                            field=self._fields[field_name]._description_string(
                                self.env
                            ),
                            name=field_name,
                        )
                    )
        self._check_external_refs_free(vals_list)
        records = super().create(vals_list)
        records._auto_create_tickets()
        return records

    def write(self, vals):
        self._validate_values(vals)
        if vals.get("external_ref"):
            for company in self.company_id:
                self.filtered(
                    lambda f, c=company: f.company_id == c
                )._check_external_refs_free([{**vals, "company_id": company.id}])
        before = self._sla_snapshot() if "state" in vals else None
        res = super().write(vals)
        if before is not None:
            self._sla_track_changes(before)
        return res

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

    # ------------------------------------------------------------------
    # Solutions (service.solution.mixin)
    # ------------------------------------------------------------------
    def _solution_products(self):
        return self.product_id

    def _solution_resolution_html(self):
        self.ensure_one()
        return tools.plaintext2html(self.resolution) if self.resolution else False

    def _message_post_after_hook(self, message, msg_vals):
        res = super()._message_post_after_hook(message, msg_vals)
        self._sla_register_response(message)
        return res

    # ------------------------------------------------------------------
    # Service levels (service.sla.mixin)
    # ------------------------------------------------------------------
    def _sla_is_closed(self):
        self.ensure_one()
        return self.state in ("resolved", "closed", "cancelled")

    def _sla_closed_date(self):
        self.ensure_one()
        return self.resolved_date or self.write_date

    @api.model
    def _sla_state_depends(self):
        return ["state", "resolved_date"]

    @api.model
    def _sla_open_domain(self):
        return [("state", "in", OPEN_STATES)]

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def _check_transition(self, allowed_from, action_label):
        bad = self.filtered(lambda f: f.state not in allowed_from)
        if bad:
            states = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "Cannot %(action)s feedback '%(name)s': it is %(state)s.",
                    action=action_label,
                    name=bad[0].name,
                    state=states[bad[0].state],
                )
            )

    def action_start(self):
        self._check_transition(("new",), self.env._("start"))
        self.write({"state": "in_progress"})
        return True

    def action_resolve(self):
        self._check_transition(OPEN_STATES, self.env._("resolve"))
        missing = self.filtered(lambda f: not (f.resolution or "").strip())
        if missing:
            raise UserError(
                self.env._(
                    "Write the resolution before resolving feedback '%s'.",
                    missing[0].name,
                )
            )
        self.write({"state": "resolved", "resolved_date": fields.Datetime.now()})
        return True

    def action_close(self):
        self._check_transition(("resolved",), self.env._("close"))
        self.write({"state": "closed"})
        return True

    def action_cancel(self):
        self._check_transition(OPEN_STATES, self.env._("cancel"))
        self.write({"state": "cancelled"})
        return True

    def action_reset(self):
        self._check_transition(("cancelled",), self.env._("reopen"))
        self.write({"state": "new"})
        return True

    def action_create_ticket(self):
        """Create the helpdesk ticket of each feedback, or reuse the linked one."""
        for feedback in self.filtered(lambda f: not f.ticket_id):
            ticket = self.env["helpdesk.ticket"].create(feedback._prepare_ticket_vals())
            feedback.ticket_id = ticket
            feedback.message_post(
                body=Markup(self.env._("Ticket %s created from this feedback."))
                % ticket._get_html_link()
            )
            if feedback.state == "new":
                feedback.state = "in_progress"
        if len(self) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "helpdesk.ticket",
                "res_id": self.ticket_id.id,
                "view_mode": "form",
            }
        return True

    def _prepare_return_defaults(self):
        return {
            **super()._prepare_return_defaults(),
            "ticket_id": self.ticket_id.id,
            "sale_order_id": self.sale_order_id.id,
            "reason": self.name,
        }

    def action_view_ticket(self):
        self.ensure_one()
        return self.action_create_ticket()

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _prepare_ticket_vals(self):
        self.ensure_one()
        description = tools.plaintext2html(self.description or self.name)
        return {
            "name": self.name,
            "description": description,
            "partner_id": self.partner_id.id,
            "partner_name": self.partner_id.name,
            "partner_email": self.partner_id.email,
            "priority": self.priority,
            "category_id": self.category_id.id,
            "team_id": self.team_id.id,
            "company_id": self.company_id.id,
            "feedback_id": self.id,
        }

    def _auto_create_tickets(self):
        """Complaints of priority High or Urgent get their ticket at once,
        unless the company turned it off."""
        to_ticket = self.filtered(
            lambda f: (
                f.feedback_type == "complaint"
                and f.priority in ("2", "3")
                and not f.ticket_id
                and f.company_id.feedback_auto_ticket
            )
        )
        if to_ticket:
            to_ticket.action_create_ticket()

    def _resolve_from_ticket(self, ticket):
        """The linked ticket reached a closed stage: resolve open feedback."""
        feedback = self.filtered(lambda f: f.state in OPEN_STATES)
        for record in feedback:
            vals = {"state": "resolved", "resolved_date": fields.Datetime.now()}
            if not (record.resolution or "").strip():
                vals["resolution"] = self.env._(
                    "Resolved with ticket %(ticket)s (%(stage)s).",
                    ticket=ticket.display_name,
                    stage=ticket.stage_id.name,
                )
            record.write(vals)

    @api.model
    def _create_from_public_form(
        self, contact_name, email, name, description, feedback_type
    ):
        """Feedback from the public form, for an unverified visitor.

        It is filed under the *Website visitors (unverified)* partner, never
        under an existing customer that merely has the same email: anyone can
        type any address. A note tells the agent which customer it may be."""
        visitor = self.env.ref("crm_extension.partner_web_visitor")
        feedback = self.create(
            {
                "name": name,
                "description": description,
                "feedback_type": feedback_type,
                "partner_id": visitor.id,
                "contact_name": contact_name,
                "email_from": tools.email_normalize(email),
                "channel": "portal",
                "user_id": False,
            }
        )
        known = self.env["res.partner"].search(
            [("email_normalized", "=", tools.email_normalize(email))], limit=1
        )
        if known:
            feedback.message_post(
                body=self.env._(
                    "Submitted without logging in. The email matches %s: check "
                    "with the customer before linking the feedback to them.",
                    known.display_name,
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        return feedback

    @api.model
    def _create_rating_follow_up(self, rating, partner, user, origin, values=None):
        """The complaint that closes the loop on a low rating of ``origin``."""
        nps = (
            self.env._("NPS answer: %s/10.", rating.nps_score)
            if rating.nps_answered
            else ""
        )
        description = self.env._(
            "The customer rated %(origin)s %(rating)s/5. %(nps)s\nComment: %(comment)s",
            origin=origin.display_name,
            rating=int(rating.rating),
            nps=nps,
            comment=rating.feedback or "-",
        )
        feedback = self.sudo().create(
            {
                "name": self.env._("Low rating: %s", origin.display_name)[:NAME_MAX],
                "description": description,
                "partner_id": partner.id,
                "feedback_type": "complaint",
                "channel": "survey",
                "priority": "2",
                "user_id": user.id,
                "company_id": origin.company_id.id or self.env.company.id,
                **(values or {}),
            }
        )
        if user:
            feedback.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=user.id,
                summary=self.env._("Call back the customer about a low rating"),
            )
        return feedback

    # ------------------------------------------------------------------
    # Integration API
    # ------------------------------------------------------------------
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

    # ------------------------------------------------------------------
    # Mail gateway
    # ------------------------------------------------------------------
    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """Feedback from an email to the alias, linked to the sender's partner.

        The partner is found by normalised email and created when unknown;
        ``_mail_find_partner_from_emails`` never creates a second partner for
        an address it already knows."""
        email = tools.email_normalize(msg_dict.get("email_from") or "")
        partner = self.env["res.partner"].browse(msg_dict.get("author_id"))
        if not partner and email:
            partner = self._find_or_create_partner(msg_dict.get("email_from"))
        if not partner:
            raise ValidationError(
                self.env._("Feedback by email needs a sender address.")
            )
        body = tools.html2plaintext(msg_dict.get("body") or "")
        defaults = {
            "name": (msg_dict.get("subject") or self.env._("No subject"))[:NAME_MAX],
            "description": body[:DESCRIPTION_MAX],
            "partner_id": partner.id,
            "channel": "email",
            "user_id": False,
        }
        defaults.update(custom_values or {})
        return super().message_new(msg_dict, custom_values=defaults)

    @api.model
    def _find_or_create_partner(self, email_from):
        email = tools.email_normalize(email_from)
        partner = self.env["res.partner"].search(
            [("email_normalized", "=", email)], limit=1, order="id"
        )
        if partner:
            return partner
        name, _email = tools.parse_contact_from_email(email_from)
        return (
            self.env["res.partner"]
            .sudo()
            .create({"name": name or email, "email": email})
        )
