# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Maintenance and end of life of customer equipment: the cron that plans
preventive maintenance orders, the next date after a visit, and the cron
that offers a replacement for units that break down too often or outlive
their product's lifetime."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import format_date, split_every

from ..tools.locks import lock_rows

# breakdowns and replacement opportunities look back this far
BREAKDOWN_WINDOW = relativedelta(months=12)


class CustomerEquipment(models.Model):
    _inherit = "customer.equipment"

    @api.model
    def _cron_schedule_maintenance(self, horizon_days=30):
        """Maintenance service orders for active equipment due within the
        horizon, in one batch; a unit that already has an open maintenance
        order gets no second one, so running it twice creates nothing more."""
        limit = fields.Date.context_today(self) + timedelta(days=horizon_days)
        due = self.search(
            [
                ("state", "=", "active"),
                ("next_maintenance_date", "!=", False),
                ("next_maintenance_date", "<=", limit),
            ]
        )
        if not due:
            return self.env["service.order"]
        # the units' rows are locked before the open orders are read: a run
        # overlapping this one waits, then fails and is retried, and the
        # retry finds the orders this run made
        lock_rows(due)
        planned = {
            equipment.id
            for [equipment] in self.env["service.order"]._read_group(
                [
                    ("equipment_id", "in", due.ids),
                    ("service_type", "=", "maintenance"),
                    ("state", "in", ("draft", "scheduled", "in_progress")),
                ],
                ["equipment_id"],
            )
        }
        return (
            self.env["service.order"]
            .sudo()
            .create(
                [
                    equipment._prepare_maintenance_service_order_vals()
                    for equipment in due
                    if equipment.id not in planned
                ]
            )
        )

    def _prepare_maintenance_service_order_vals(self):
        """Values of the preventive maintenance order of the unit, due on its
        next maintenance date."""
        self.ensure_one()
        return {
            "partner_id": self.partner_id.id,
            "site_partner_id": self.site_partner_id.id,
            "equipment_id": self.id,
            "service_type": "maintenance",
            "date_deadline": fields.Datetime.to_datetime(self.next_maintenance_date),
            "description": self.env._(
                "Preventive maintenance of %s", self.display_name
            ),
            "company_id": self.company_id.id,
        }

    def _maintenance_done(self, done_date):
        """A maintenance visit is done: the next one is an interval later."""
        for equipment in self.filtered("maintenance_interval_days"):
            equipment.next_maintenance_date = done_date + timedelta(
                days=equipment.maintenance_interval_days
            )

    @api.model
    def _cron_replacement_opportunities(self, batch_size=1000):
        """Replacement opportunities for the units that need one: candidates
        are the active units past their end of life or with a repair done in
        the last 12 months; each batch is checked set-wise."""
        today = fields.Date.context_today(self)
        since = fields.Datetime.now() - BREAKDOWN_WINDOW
        broken = {
            equipment.id
            for [equipment] in self.env["service.order"]._read_group(
                [
                    ("equipment_id", "!=", False),
                    ("service_type", "=", "repair"),
                    ("state", "=", "done"),
                    ("date_done", ">=", since),
                ],
                ["equipment_id"],
            )
        }
        candidates = self.search(
            [
                ("state", "=", "active"),
                "|",
                ("id", "in", list(broken)),
                ("end_of_life_date", "<", today),
            ]
        )
        leads = self.env["crm.lead"]
        for ids in split_every(batch_size, candidates.ids):
            leads |= self.browse(ids)._create_replacement_opportunities()
        return leads

    def _create_replacement_opportunities(self):
        """One opportunity per active unit that broke down at least the
        company's threshold in the last 12 months or is past its end of life,
        unless it already has an open one (not lost, won or archived): running
        it twice creates nothing more. Returns the new opportunities."""
        Lead = self.env["crm.lead"]
        # technicians finish repairs but have no CRM rights: the state of the
        # linked opportunities and every repair of the units (not only the
        # caller's) are read as superuser, and the opportunities created so
        open_leads = self.sudo().lead_id.filtered(
            lambda lead: lead.active and not lead.stage_id.is_won
        )
        units = self.filtered(
            lambda unit: (
                unit.state == "active" and unit.sudo().lead_id not in open_leads
            )
        )
        if not units:
            return Lead
        breakdowns = units.sudo()._get_breakdown_counts(
            since=fields.Datetime.now() - BREAKDOWN_WINDOW
        )
        today = fields.Date.context_today(self)
        to_link, vals_list = self.browse(), []
        for unit in units:
            reasons = []
            count = breakdowns.get(unit, 0)
            threshold = unit.company_id.replacement_breakdown_threshold
            if threshold and count >= threshold:
                reasons.append(
                    self.env._(
                        "%(count)s breakdowns in the last 12 months (the "
                        "threshold is %(threshold)s).",
                        count=count,
                        threshold=threshold,
                    )
                )
            if unit.end_of_life_date and unit.end_of_life_date < today:
                reasons.append(
                    self.env._(
                        "Past its end of life since %s.",
                        format_date(self.env, unit.end_of_life_date),
                    )
                )
            if reasons:
                to_link |= unit
                vals_list.append(unit._prepare_replacement_lead_vals(reasons))
        if not vals_list:
            return Lead
        leads = Lead.sudo().with_context(mail_create_nosubscribe=True).create(vals_list)
        for unit, lead in zip(to_link, leads, strict=True):
            unit.sudo().lead_id = lead.id
        return Lead.browse(leads.ids)

    def _prepare_replacement_lead_vals(self, reasons):
        self.ensure_one()
        customer = self.commercial_partner_id
        if self.serial:
            name = self.env._(
                "Replace %(equipment)s (%(serial)s)",
                equipment=self.name,
                serial=self.serial,
            )
        else:
            name = self.env._("Replace %s", self.name)
        return {
            "name": name,
            "type": "opportunity",
            "partner_id": customer.id,
            "user_id": customer.user_id.id,
            "company_id": self.company_id.id,
            "description": Markup("").join(
                Markup("<p>%s</p>") % reason for reason in reasons
            ),
        }
