# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from ..tools.working_time import add_working_hours, working_hours_between
from .service_sla_mixin import PRIORITIES


class ServiceSlaPolicy(models.Model):
    """Service-level targets in working hours, matched by team, category,
    priority and customer; the most specific matching policy wins.

    Specificity is the number of criteria a policy sets (team, category,
    priority, customer — a partner or a partner tag). Two active policies of
    the same specificity that a record could match at once are refused."""

    _name = "service.sla.policy"
    _description = "Service Level Policy"
    _check_company_auto = True
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    applies_to = fields.Selection(
        [("ticket", "Tickets"), ("feedback", "Feedback"), ("both", "Both")],
        required=True,
        default="ticket",
    )
    team_ids = fields.Many2many(
        "helpdesk.ticket.team", string="Teams", check_company=True
    )
    category_ids = fields.Many2many(
        "helpdesk.ticket.category", string="Categories", check_company=True
    )
    priority = fields.Selection(PRIORITIES, help="Empty: any priority.")
    partner_ids = fields.Many2many("res.partner", string="Customers")
    partner_category_ids = fields.Many2many(
        "res.partner.category", string="Customer Tags"
    )
    response_hours = fields.Float(
        string="First Response (working hours)", required=True, default=4.0
    )
    resolution_hours = fields.Float(
        string="Resolution (working hours)", required=True, default=24.0
    )
    at_risk_percent = fields.Float(
        string="At Risk From (%)",
        default=80.0,
        help="Share of the resolution time used from which the status is At Risk.",
    )
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        help="Empty: the company's working hours. Its leaves without a resource "
        "are public holidays: the clock does not run on them.",
        check_company=True,
    )
    pause_stage_ids = fields.Many2many(
        "helpdesk.ticket.stage",
        string="Pause Stages",
        help="The clock stops while a ticket is in one of these stages "
        "(waiting for the customer, say).",
    )
    escalation_ids = fields.One2many(
        "service.sla.escalation", "policy_id", string="Escalation Levels", copy=True
    )
    specificity = fields.Integer(compute="_compute_specificity", store=True)

    @api.depends(
        "team_ids", "category_ids", "priority", "partner_ids", "partner_category_ids"
    )
    def _compute_specificity(self):
        for policy in self:
            policy.specificity = (
                bool(policy.team_ids)
                + bool(policy.category_ids)
                + bool(policy.priority)
                + bool(policy.partner_ids or policy.partner_category_ids)
            )

    @api.constrains("response_hours", "resolution_hours", "at_risk_percent")
    def _check_targets(self):
        for policy in self:
            if policy.response_hours <= 0 or policy.resolution_hours <= 0:
                raise ValidationError(
                    self.env._(
                        "Policy '%(name)s': targets must be more than zero working "
                        "hours (response %(response)s, resolution %(resolution)s).",
                        name=policy.name,
                        response=policy.response_hours,
                        resolution=policy.resolution_hours,
                    )
                )
            if not 0 < policy.at_risk_percent < 100:
                raise ValidationError(
                    self.env._(
                        "Policy '%s': the at-risk share must be between 0 and 100 %%.",
                        policy.name,
                    )
                )

    @api.constrains("calendar_id", "company_id")
    def _check_calendar(self):
        for policy in self:
            if not policy._get_calendar():
                raise ValidationError(
                    self.env._(
                        "Policy '%(name)s' needs working hours: set them on the "
                        "policy, or give %(company)s working hours.",
                        name=policy.name,
                        company=policy.company_id.name,
                    )
                )

    @api.constrains(
        "active",
        "applies_to",
        "company_id",
        "team_ids",
        "category_ids",
        "priority",
        "partner_ids",
        "partner_category_ids",
    )
    def _check_overlap(self):
        for policy in self.filtered("active"):
            others = self.search(
                [
                    ("id", "!=", policy.id),
                    ("company_id", "=", policy.company_id.id),
                    ("specificity", "=", policy.specificity),
                ]
            )
            for other in others:
                if policy._overlaps(other):
                    raise ValidationError(
                        self.env._(
                            "Policies '%(a)s' and '%(b)s' are equally specific and "
                            "could both match the same record: make one more "
                            "specific or change their criteria.",
                            a=policy.name,
                            b=other.name,
                        )
                    )

    def _overlaps(self, other):
        """Could one record match both policies?"""
        self.ensure_one()
        if "both" not in (self.applies_to, other.applies_to) and (
            self.applies_to != other.applies_to
        ):
            return False
        for field_name in ("team_ids", "category_ids"):
            mine, theirs = self[field_name], other[field_name]
            if mine and theirs and not mine & theirs:
                return False
        if self.priority and other.priority and self.priority != other.priority:
            return False
        mine = self.partner_ids or self.partner_category_ids
        theirs = other.partner_ids or other.partner_category_ids
        disjoint = mine and theirs and mine._name == theirs._name and not mine & theirs
        return not disjoint

    @api.model
    def _cron_evaluate(self):
        """Every model with service levels, set by set (see the mixin)."""
        for model in self.env["service.sla.mixin"]._sla_models():
            self.env[model]._sla_evaluate()

    def _get_calendar(self):
        self.ensure_one()
        return self.calendar_id or self.company_id.resource_calendar_id

    # ------------------------------------------------------------------
    # CRUD: the active policies are cached (``_active_ids``)
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        policies = super().create(vals_list)
        self.env.registry.clear_cache()
        return policies

    def write(self, vals):
        res = super().write(vals)
        self.env.registry.clear_cache()
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()
        return res

    # ------------------------------------------------------------------
    # Matching
    # ------------------------------------------------------------------
    @api.model
    def _active_for(self, companies):
        """The active policies of ``companies``, in matching order, as
        superuser: a policy applies by the record's company, whoever creates
        it. Every record created matches on them: their ids are cached, and
        cleared when a policy is created, changed or deleted."""
        return self.sudo().browse(
            [pid for company in companies for pid in self._active_ids(company.id)]
        )

    @api.model
    @tools.ormcache("company_id")
    def _active_ids(self, company_id):
        return tuple(self.sudo().search([("company_id", "=", company_id)]).ids)

    @api.model
    def _match(self, kind, company, team, category, priority, partner, policies=None):
        """The most specific active policy for these values, or an empty set."""
        if policies is None:
            policies = self._active_for(company)
        commercial = partner.commercial_partner_id
        tags = partner.category_id | commercial.category_id
        best = self.browse()
        for policy in policies:
            if policy.applies_to not in (kind, "both"):
                continue
            if policy.company_id != company:
                continue
            if policy.team_ids and team not in policy.team_ids:
                continue
            if policy.category_ids and category not in policy.category_ids:
                continue
            if policy.priority and policy.priority != priority:
                continue
            if policy.partner_ids and not (partner | commercial) & policy.partner_ids:
                continue
            if policy.partner_category_ids and not tags & policy.partner_category_ids:
                continue
            if not best or policy.specificity > best.specificity:
                best = policy
        return best

    # ------------------------------------------------------------------
    # Working time, set-wise: one load of intervals per calendar
    # ------------------------------------------------------------------
    def _work_intervals(self, start, stop):
        """Working intervals of the policy's calendar as naive UTC pairs."""
        self.ensure_one()
        return self._get_calendar()._crm_ext_work_intervals(
            self.company_id,
            fields.Datetime.to_datetime(start),
            fields.Datetime.to_datetime(stop),
        )

    def _plan(self, requests):
        """{key: deadline} for ``requests`` = {key: (start, hours)}.

        One intervals load covers every request (extended when too short)."""
        self.ensure_one()
        if not requests:
            return {}
        starts = [start for start, _hours in requests.values()]
        longest = max(hours for _start, hours in requests.values())
        begin = min(starts)
        days = max(14, int(longest / 4) * 2 + 14)
        while True:
            stop = max(starts) + timedelta(days=days)
            intervals = self._work_intervals(begin - timedelta(days=1), stop)
            result = {
                key: add_working_hours(intervals, start, hours)
                for key, (start, hours) in requests.items()
            }
            if all(result.values()) or days > 3660:
                return result
            days *= 2

    def _hours_between(self, pairs):
        """{key: working hours} for ``pairs`` = {key: (start, stop)}."""
        self.ensure_one()
        if not pairs:
            return {}
        begin = min(start for start, _stop in pairs.values())
        stop = max(end for _start, end in pairs.values())
        intervals = self._work_intervals(begin - timedelta(days=1), stop)
        return {
            key: working_hours_between(intervals, start, end)
            for key, (start, end) in pairs.items()
        }
