# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The service level cron: clock-driven statuses and escalations, set by set.

``service.sla.policy._cron_evaluate`` runs ``_sla_evaluate`` on every model
that inherits ``service.sla.mixin`` (see ``_sla_models``). It refreshes the
statuses of the open records and fires the escalation levels that are due,
each level once per record: a level is claimed in
``service.sla.escalation.log`` before its actions run."""

from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL


class ServiceSlaMixin(models.AbstractModel):
    _inherit = "service.sla.mixin"

    @api.model
    def _sla_models(self):
        """The names of the models that track service levels: every model
        whose inheritance includes this mixin, the mixins themselves aside."""
        registry = self.env.registry
        return sorted(
            name
            for name in registry.descendants(["service.sla.mixin"], "_inherit")
            if not registry[name]._abstract and not registry[name]._transient
        )

    # ------------------------------------------------------------------
    # The cron: statuses and escalations, set by set
    # ------------------------------------------------------------------
    @api.model
    def _sla_evaluate(self, batch_size=500):
        """Refresh the clock-driven statuses of open records and fire the
        escalation levels that are due, ``batch_size`` records at a time."""
        last_id = 0
        while True:
            records = self.search(
                [
                    *self._sla_open_domain(),
                    ("sla_policy_id", "!=", False),
                    ("id", ">", last_id),
                ],
                order="id",
                limit=batch_size,
            )
            if not records:
                return
            records._sla_evaluate_batch(fields.Datetime.now())
            self.env.flush_all()
            last_id = records[-1].id

    def _sla_evaluate_batch(self, now):
        statuses = self._sla_statuses(now)
        by_status = defaultdict(list)
        for record in self:
            if record.sla_status != statuses[record.id]:
                by_status[statuses[record.id]].append(record.id)
        for status, ids in by_status.items():
            self.browse(ids)._sla_clock().write({"sla_status": status})
        due = self._sla_due_escalations(now)
        claimed = self._sla_claim(due)
        if claimed:
            self._sla_apply_escalations(claimed)

    def _sla_due_escalations(self, now):
        Log = self.env["service.sla.escalation.log"]
        fired = {
            (log.res_id, log.escalation_id.id)
            for log in Log.search(
                [("res_model", "=", self._name), ("res_id", "in", self.ids)]
            )
        }
        used = self._sla_time_used(now)
        due = []
        for record in self:
            policy = record.sla_policy_id
            hours_used, hours_late = used.get(record.id, (0.0, 0.0))
            if record._sla_is_paused():
                continue
            for level in policy.escalation_ids:
                if (record.id, level.id) in fired:
                    continue
                if level.trigger == "percent":
                    reached = (
                        hours_used
                        >= policy.resolution_hours * level.trigger_value / 100
                    )
                else:
                    reached = (
                        bool(record.sla_deadline)
                        and now >= record.sla_deadline
                        and (hours_late >= level.trigger_value)
                    )
                if reached:
                    due.append((record.id, level))
        return due

    def _sla_claim(self, due):
        """Insert the log rows first; only those this transaction inserted fire.

        The unique key makes a concurrent run wait for the first one. Under
        Odoo's REPEATABLE READ isolation it then fails with a serialization
        error (the rows the first run committed are not in its snapshot) and
        rolls back; retried, it finds the levels logged and skips them. Each
        level fires once per record."""
        if not due:
            return []
        now = fields.Datetime.now()
        uid = self.env.uid
        values = SQL(", ").join(
            SQL(
                "(%s, %s, %s, %s, %s, %s, %s, %s)",
                self._name,
                res_id,
                level.id,
                level.level,
                uid,
                now,
                uid,
                now,
            )
            for res_id, level in due
        )
        self.env.cr.execute(
            SQL(
                "INSERT INTO service_sla_escalation_log "
                "(res_model, res_id, escalation_id, level, create_uid, create_date, "
                "write_uid, write_date) VALUES %s "
                "ON CONFLICT (res_model, res_id, escalation_id) DO NOTHING "
                "RETURNING res_id, escalation_id",
                values,
            ),
            log_exceptions=False,  # a serialization error is retried
        )
        return self.env.cr.fetchall()

    def _sla_apply_escalations(self, claimed):
        """Run the actions of the claimed levels, grouped: one chatter batch,
        one activity create, one write per new value, one mail batch."""
        levels = {level.id: level for level in self.sla_policy_id.escalation_ids}
        by_record = defaultdict(list)
        for res_id, escalation_id in claimed:
            by_record[res_id].append(levels[escalation_id])
        records = self.browse(list(by_record))
        records._message_log_batch(
            bodies={
                res_id: Markup("").join(
                    escalation_body(self.env, level)
                    for level in sorted(fired, key=lambda lvl: lvl.level)
                )
                for res_id, fired in by_record.items()
            }
        )
        writes = defaultdict(list)
        activities = []
        mails = defaultdict(list)
        todo = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id(self._name)
        for record in records:
            fired = sorted(by_record[record.id], key=lambda lvl: lvl.level)
            new = {"escalation_level": max(record.escalation_level, fired[-1].level)}
            if any(level.raise_priority for level in fired):
                new["priority"] = str(min(int(record.priority or 0) + 1, 3))
            for level in fired:
                if level.reassign_user_id:
                    new["user_id"] = level.reassign_user_id.id
                if level.reassign_team_id:
                    new["team_id"] = level.reassign_team_id.id
                if level.email_customer:
                    mails[level.mail_template_id].append(record.id)
                users = self.env["res.users"]
                if level.notify_assignee:
                    users |= record.user_id
                if level.notify_manager:
                    users |= record.team_id.user_id
                activities += [
                    {
                        "res_model_id": model_id,
                        "res_id": record.id,
                        "user_id": user.id,
                        "activity_type_id": todo.id,
                        "summary": self.env._("SLA escalation: %s", level.name),
                        "date_deadline": fields.Date.context_today(self),
                    }
                    for user in users
                ]
            writes[tuple(sorted(new.items()))].append(record.id)
        for values, ids in writes.items():
            self.browse(ids)._sla_clock().write(dict(values))
        if activities:
            # One batch; the escalation message in the chatter is the notice,
            # so no assignment email per activity.
            self.env["mail.activity"].sudo().with_context(
                mail_activity_quick_update=True
            ).create(activities)
        for template, ids in mails.items():
            template.send_mail_batch(ids)


def escalation_body(env, level):
    return Markup("<p>%s</p>") % env._(
        "SLA escalation fired: policy %(policy)s, %(level)s.",
        policy=level.policy_id.name,
        level=level.name,
    )
