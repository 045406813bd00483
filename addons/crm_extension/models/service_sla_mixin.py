# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError

# The priorities of feedback, service orders and policies (a ticket's are
# helpdesk_mgmt's own, with the same keys).
PRIORITIES = [("0", "Low"), ("1", "Normal"), ("2", "High"), ("3", "Urgent")]
SLA_STATUSES = [
    ("ok", "On Track"),
    ("at_risk", "At Risk"),
    ("breached", "Breached"),
    ("met", "Met"),
    ("paused", "Paused"),
]
# The clock: written by the mixin's own code (marked with SLA_CLOCK, a
# context value that no RPC caller can send) and by Service Managers.
SLA_CLOCK_FIELDS = {
    "sla_policy_id",
    "sla_start_date",
    "sla_response_deadline",
    "sla_deadline",
    "sla_status",
    "sla_paused_hours",
    "sla_pause_start",
    "first_response_date",
    "sla_response_hours",
    "sla_resolution_hours",
    "escalation_level",
}
SLA_CLOCK = object()


class ServiceSlaMixin(models.AbstractModel):
    """Service levels and escalation for any record with a team, a customer
    and a priority (helpdesk tickets, customer feedback).

    A model using it lists it before ``mail.thread`` in its ``_inherit``
    (the mixin extends ``mail.thread``'s ``write`` and
    ``_message_post_after_hook``: a first reply is the response, a change of
    the fields of ``_sla_state_fields`` pauses, resumes or ends the clock)
    and provides:

    - ``_sla_kind``: 'ticket' or 'feedback' (which policies apply);
    - the fields ``company_id``, ``team_id`` (helpdesk team), ``category_id``
      (helpdesk category), ``priority``, ``partner_id`` and ``user_id``, or
      overrides of ``_sla_values()`` and ``_sla_depends()``;
    - ``_sla_is_closed()``, ``_sla_closed_date()``, ``_sla_is_paused()``,
      and ``_sla_state_depends()``, the fields these read;
    - ``_sla_open_domain()``: the records the cron evaluates;
    - ``_sla_state_fields``: the fields whose change may pause, resume or
      close the record (``stage_id`` of a ticket).

    Deadlines are planned in working hours of the policy's calendar, with its
    leaves and public holidays, from the creation date; time spent paused is
    added back. Statuses that depend on the clock are refreshed by the cron
    (``service_sla_mixin_cron.py``, which also fires the escalations).
    """

    _name = "service.sla.mixin"
    _inherit = ["mail.thread"]
    _description = "Service Level Tracking"
    _sla_kind = "ticket"
    _sla_state_fields = ()

    sla_policy_id = fields.Many2one(
        "service.sla.policy",
        string="SLA Policy",
        compute="_compute_sla_policy_id",
        store=True,
        index="btree_not_null",
    )
    sla_start_date = fields.Datetime(
        string="SLA Start",
        default=fields.Datetime.now,
        readonly=True,
        copy=False,
        help="When the clock started: the creation of the request.",
    )
    sla_response_deadline = fields.Datetime(
        string="Response Deadline", compute="_compute_sla_deadlines", store=True
    )
    sla_deadline = fields.Datetime(
        string="Resolution Deadline", compute="_compute_sla_deadlines", store=True
    )
    sla_status = fields.Selection(
        SLA_STATUSES,
        string="SLA Status",
        compute="_compute_sla_status",
        store=True,
        index=True,
    )
    sla_paused_hours = fields.Float(
        string="Paused (working hours)", readonly=True, copy=False
    )
    sla_pause_start = fields.Datetime(readonly=True, copy=False)
    first_response_date = fields.Datetime(readonly=True, copy=False)
    sla_response_hours = fields.Float(
        string="Response Time (working hours)", readonly=True, copy=False
    )
    sla_resolution_hours = fields.Float(
        string="Resolution Time (working hours)", readonly=True, copy=False
    )
    escalation_level = fields.Integer(readonly=True, copy=False, default=0)

    # ------------------------------------------------------------------
    # CRUD: the clock is not for users to set
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        defaults = {
            key[len("default_") :]: value
            for key, value in self.env.context.items()
            if key.startswith("default_")
        }
        for vals in vals_list:
            self._sla_check_clock_write({**defaults, **vals})
        return super().create(vals_list)

    def write(self, vals):
        self._sla_check_clock_write(vals)
        before = (
            self._sla_snapshot() if set(self._sla_state_fields) & set(vals) else None
        )
        res = super().write(vals)
        if before is not None:
            self._sla_track_changes(before)
        return res

    def _message_post_after_hook(self, message, msg_vals):
        res = super()._message_post_after_hook(message, msg_vals)
        self._sla_register_response(message)
        return res

    @api.model
    def _sla_check_clock_write(self, vals):
        clock = SLA_CLOCK_FIELDS & set(vals)
        if (
            not clock
            or self.env.su
            or self.env.context.get("crm_ext_sla_clock") is SLA_CLOCK
            or self.env.user.has_group("crm_extension.group_service_manager")
        ):
            return
        raise AccessError(
            self.env._(
                "The service level clock (%(fields)s) runs by itself: only "
                "Service Managers may correct it.",
                fields=", ".join(
                    self._fields[fname]._description_string(self.env)
                    for fname in sorted(clock)
                ),
            )
        )

    def _sla_clock(self):
        """The records, allowed to write their clock fields."""
        return self.with_context(crm_ext_sla_clock=SLA_CLOCK)

    # ------------------------------------------------------------------
    # Hooks for the models using the mixin
    # ------------------------------------------------------------------
    def _sla_values(self):
        """What policies match on."""
        self.ensure_one()
        return {
            "company": self.company_id,
            "team": self.team_id,
            "category": self.category_id,
            "priority": self.priority,
            "partner": self.partner_id,
        }

    def _sla_is_closed(self):
        raise NotImplementedError

    def _sla_closed_date(self):
        raise NotImplementedError

    def _sla_is_paused(self):
        return False

    @api.model
    def _sla_open_domain(self):
        raise NotImplementedError

    @api.model
    def _sla_depends(self):
        """The fields ``_sla_values`` reads, for recomputation."""
        return ["company_id", "team_id", "category_id", "priority", "partner_id"]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends(lambda self: self._sla_depends())
    def _compute_sla_policy_id(self):
        Policy = self.env["service.sla.policy"]
        policies = Policy._active_for(self.company_id)
        for record in self:
            values = record._sla_values()
            record.sla_policy_id = Policy._match(
                self._sla_kind, policies=policies, **values
            )

    @api.depends("sla_policy_id", "sla_paused_hours", "sla_start_date")
    def _compute_sla_deadlines(self):
        self.sla_response_deadline = False
        self.sla_deadline = False
        for policy, records in self._sla_by_policy().items():
            # both deadlines from one load of the calendar's intervals
            requests = {}
            for record in records:
                start = record._sla_start()
                paused = record.sla_paused_hours
                requests[(record.id, "response")] = (
                    start,
                    policy.response_hours + paused,
                )
                requests[(record.id, "resolution")] = (
                    start,
                    policy.resolution_hours + paused,
                )
            deadlines = policy._plan(requests)
            for record in records:
                record.sla_response_deadline = deadlines[(record.id, "response")]
                record.sla_deadline = deadlines[(record.id, "resolution")]

    @api.model
    def _sla_state_depends(self):
        """The fields ``_sla_is_closed``, ``_sla_closed_date`` and
        ``_sla_is_paused`` read: closing or pausing recomputes the status."""
        return []

    @api.depends(
        lambda self: [
            "sla_deadline",
            "sla_pause_start",
            *self._sla_depends(),
            *self._sla_state_depends(),
        ]
    )
    def _compute_sla_status(self):
        statuses = self._sla_statuses(fields.Datetime.now())
        for record in self:
            record.sla_status = statuses.get(record.id, False)

    # ------------------------------------------------------------------
    # Working-time figures, set-wise (one intervals load per policy)
    # ------------------------------------------------------------------
    def _sla_start(self):
        self.ensure_one()
        return self.sla_start_date or self.create_date or fields.Datetime.now()

    def _sla_by_policy(self):
        groups = defaultdict(lambda: self.browse())
        for record in self:
            if record.sla_policy_id:
                groups[record.sla_policy_id] |= record
        return groups

    def _sla_time_used(self, now):
        """{id: (working hours used, working hours past the deadline)}."""
        result = {}
        for policy, records in self._sla_by_policy().items():
            pairs = {}
            for record in records:
                end = now if not record._sla_is_closed() else record._sla_closed_date()
                end = min(end, record.sla_pause_start or end)
                pairs[(record.id, "used")] = (record._sla_start(), end)
                if record.sla_deadline and end > record.sla_deadline:
                    pairs[(record.id, "late")] = (record.sla_deadline, end)
            hours = policy._hours_between(pairs)
            for record in records:
                used = hours[(record.id, "used")] - record.sla_paused_hours
                result[record.id] = (
                    max(used, 0.0),
                    hours.get((record.id, "late"), 0.0),
                )
        return result

    def _sla_at_risk_candidates(self, now):
        """The open, running records whose working time used may have reached
        the at-risk share: working hours never exceed the hours on the clock,
        so a record whose clock time (less its pauses) is below the share is
        on track without loading any calendar (a new record, for one)."""
        candidate_ids = []
        for record in self:
            policy = record.sla_policy_id
            if not policy or not record.sla_deadline or now >= record.sla_deadline:
                continue
            if record._sla_is_closed() or record._sla_is_paused():
                continue
            end = min(now, record.sla_pause_start or now)
            clock = (end - record._sla_start()).total_seconds() / 3600.0
            threshold = policy.resolution_hours * policy.at_risk_percent / 100
            if threshold <= 0 or clock - record.sla_paused_hours >= threshold:
                candidate_ids.append(record.id)
        return self.browse(candidate_ids)

    def _sla_statuses(self, now):
        used = self._sla_at_risk_candidates(now)._sla_time_used(now)
        statuses = {}
        for record in self:
            policy = record.sla_policy_id
            if not policy or not record.sla_deadline:
                statuses[record.id] = False
            elif record._sla_is_closed():
                closed = record._sla_closed_date() or now
                statuses[record.id] = (
                    "met" if closed <= record.sla_deadline else "breached"
                )
            elif record._sla_is_paused():
                statuses[record.id] = "paused"
            elif now >= record.sla_deadline:
                statuses[record.id] = "breached"
            elif (
                record.id in used
                and used[record.id][0]
                >= policy.resolution_hours * policy.at_risk_percent / 100
            ):
                statuses[record.id] = "at_risk"
            else:
                statuses[record.id] = "ok"
        return statuses

    # ------------------------------------------------------------------
    # Pauses, first response and resolution time
    # ------------------------------------------------------------------
    def _sla_snapshot(self):
        return {r.id: (r._sla_is_paused(), r._sla_is_closed()) for r in self}

    def _sla_track_changes(self, before):
        """After a write: start or end pauses, record the resolution time."""
        now = fields.Datetime.now()
        started = self.filtered(lambda r: r._sla_is_paused() and not before[r.id][0])
        if started:
            started._sla_clock().write({"sla_pause_start": now})
        resumed = self.filtered(
            lambda r: not r._sla_is_paused() and before[r.id][0] and r.sla_pause_start
        )
        for policy, records in resumed._sla_by_policy().items():
            hours = policy._hours_between(
                {r.id: (r.sla_pause_start, now) for r in records}
            )
            for record in records:
                record._sla_clock().write(
                    {
                        "sla_paused_hours": record.sla_paused_hours + hours[record.id],
                        "sla_pause_start": False,
                    }
                )
        (resumed - resumed.filtered("sla_policy_id"))._sla_clock().write(
            {"sla_pause_start": False}
        )
        closed = self.filtered(lambda r: r._sla_is_closed() and not before[r.id][1])
        used = closed._sla_time_used(now)
        for record in closed.filtered("sla_policy_id"):
            record._sla_clock().sla_resolution_hours = used[record.id][0]

    def _sla_register_response(self, message):
        """The first public reply of an internal user is the first response."""
        if (
            self.first_response_date
            or message.message_type not in ("comment", "email")
            or (message.subtype_id and message.subtype_id.internal)
            or not message.author_id.user_ids.filtered(lambda u: not u.share)
        ):
            return
        values = {"first_response_date": message.date}
        if self.sla_policy_id:
            policy = self.sla_policy_id
            hours = policy._hours_between({self.id: (self._sla_start(), message.date)})
            values["sla_response_hours"] = max(
                hours[self.id] - self.sla_paused_hours, 0
            )
        self.sudo().write(values)
