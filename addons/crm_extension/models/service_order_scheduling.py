# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Auto-assign: plan service orders on the technicians' days.

The button, its queueing of large requests for a background run
(``service.dispatch.run``), and the planning itself: eligible technicians,
the route optimiser's problem (``tools/route_planner.py``) and the booking
of its plan."""

from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools.misc import format_date

from ..tools import route_planner, travel
from ..tools.geo import has_coordinates
from .service_dispatch_run import ASYNC_THRESHOLD
from .service_order import ACTIVE_STATES


class ServiceOrder(models.Model):
    _inherit = "service.order"

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_auto_assign(self):
        """Plan ``self`` on the technicians' days; see ``_auto_assign``.

        Draft orders without a technician are planned; scheduled orders that
        are not locked nor started are planned again. Returns a summary:
        ``assigned`` (order id -> technician id, start, end) and
        ``unassigned`` (order id -> reason), plus a notification for the web
        client.

        Above the dispatch threshold (``ASYNC_THRESHOLD`` orders, or the
        system parameter ``crm_extension.dispatch_async_threshold``) the
        orders are queued for a background run instead
        (``service.dispatch.run``), unless the context has
        ``crm_ext_dispatch_sync``: the answer then has ``dispatch_run_id``
        and no ``summary``."""
        orders = self._get_auto_assignable()
        if len(orders) > self._get_dispatch_async_threshold() and not (
            self.env.context.get("crm_ext_dispatch_sync")
        ):
            return orders._queue_auto_assign()
        summary = orders._auto_assign()
        message = self.env._(
            "%(assigned)s order(s) assigned, %(left)s left unassigned.",
            assigned=len(summary["assigned"]),
            left=len(summary["unassigned"]),
        )
        if summary["unassigned"]:
            message += " " + "; ".join(
                f"{self.browse(int(oid)).name}: {reason}"
                for oid, reason in summary["unassigned"].items()
            )
        return {
            **self._auto_assign_notification(
                message,
                "warning" if summary["unassigned"] else "success",
                sticky=bool(summary["unassigned"]),
            ),
            "summary": summary,
        }

    @api.model
    def _auto_assign_notification(self, message, kind, sticky=False):
        """The web client's notification of an Auto-assign."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Auto-assign"),
                "message": message,
                "type": kind,
                "sticky": sticky,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _queue_auto_assign(self):
        """Queue ``self`` for a background Auto-assign; a notification that
        says so, with the run's id under ``dispatch_run_id``."""
        self.check_access("write")
        runs = self.env["service.dispatch.run"]._queue(self)
        message = self.env._(
            "%(count)s orders are planned in the background (%(runs)s). You "
            "will be notified when the plan is ready; follow it under "
            "Service > Dispatch > Background Auto-assign.",
            count=len(self),
            runs=", ".join(runs.mapped("display_name")),
        )
        return {
            **self._auto_assign_notification(message, "info"),
            "dispatch_run_id": runs[:1].id,
            "dispatch_run_ids": runs.ids,
        }

    # ------------------------------------------------------------------
    # Business: route planning
    # ------------------------------------------------------------------
    def _get_auto_assignable(self):
        """The orders of ``self`` that Auto-assign plans: drafts without a
        technician, and scheduled orders that are not locked."""
        return self.filtered(
            lambda o: (
                (o.state == "draft" and not o.technician_id)
                or (o.state == "scheduled" and not o.schedule_locked)
            )
        )

    @api.model
    def _get_dispatch_async_threshold(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("crm_extension.dispatch_async_threshold")
        )
        try:
            return int(value) if value else ASYNC_THRESHOLD
        except ValueError:
            return ASYNC_THRESHOLD

    def _auto_assign(self, horizon_days=14):
        """Plan the orders of ``self`` company by company with the route
        optimiser (``tools/route_planner.py``) over ``horizon_days``.

        Orders of ``self`` that are scheduled are planned again; the other
        scheduled and started orders of the technicians, and the locked ones,
        stay where they are and the new visits are routed around them. A
        scheduled order that finds no place in the new plan keeps its
        booking."""
        now = fields.Datetime.now().replace(second=0, microsecond=0)
        summary = {"assigned": {}, "unassigned": {}, "lateness_minutes": 0.0}
        for company, orders in self.grouped("company_id").items():
            part = orders._plan_company_routes(company, now, horizon_days)
            for key in ("assigned", "unassigned"):
                summary[key].update(part[key])
            summary["lateness_minutes"] += part["lateness_minutes"]
        return summary

    def _plan_company_routes(self, company, now, horizon_days):
        horizon = now + timedelta(days=horizon_days)
        technicians = self.env["service.technician"].search(
            [("company_id", "=", company.id)]
        )
        unassigned = {}
        candidates = self._get_eligible_technicians(technicians, unassigned)
        replan = self.filtered(lambda o: o.state == "scheduled")
        kept = self.browse()
        matrices = {}  # the re-plan pass has the same points: one matrix
        while True:
            problem = self._build_route_problem(
                technicians, candidates, now, horizon, fixed_extra=kept
            )
            points = tuple(problem["points"])
            if points not in matrices:
                # bookings on the minute: travel rounded up to whole minutes
                matrices[points] = travel.whole_minutes(
                    company._get_travel_matrix(problem["points"])
                )
            plan = route_planner.plan(
                problem["shifts"],
                problem["visits"],
                matrices[points],
                time_limit=company.dispatch_time_limit or None,
            )
            # a re-planned booking that found no place keeps its slot: plan
            # again with it fixed, so that nothing is put on top of it
            lost = replan.filtered(lambda o, plan=plan: o.id in plan.unassigned)
            if not lost:
                break
            kept |= lost
            replan -= lost
        planned = self - kept
        reasons = self._get_route_reasons(horizon)
        unassigned.update(
            {
                order_id: reasons[reason]
                for order_id, reason in plan.unassigned.items()
                if order_id in planned.ids
            }
        )
        for order_id, reason in problem["blind"].items():
            unassigned.setdefault(order_id, reason)
        self._apply_plan(plan, planned)
        return {
            "assigned": {
                str(oid): [
                    stop.technician_id,
                    fields.Datetime.to_string(stop.start),
                    fields.Datetime.to_string(stop.end),
                ]
                for oid, stop in plan.stops.items()
                if oid in planned.ids
            },
            "unassigned": {str(oid): reason for oid, reason in unassigned.items()},
            "lateness_minutes": plan.lateness_minutes,
        }

    def _get_eligible_technicians(self, technicians, unassigned):
        """``{order: technicians}`` of the orders some technician may serve:
        same company, every required skill, and the order's zone when it has
        one. The others get their reason in ``unassigned``."""
        skills = {tech: set(tech.skill_ids.ids) for tech in technicians}
        zones = {tech: set(tech.zone_ids.ids) for tech in technicians}
        eligible = {}
        for order in self:
            company_techs = [t for t in technicians if t.company_id == order.company_id]
            needed = set(order.required_skill_ids.ids)
            skilled = [t for t in company_techs if needed <= skills[t]]
            covering = [
                t for t in skilled if not order.zone_id or order.zone_id.id in zones[t]
            ]
            if not company_techs:
                unassigned[order.id] = self.env._("no active technician in the company")
            elif not skilled:
                unassigned[order.id] = self.env._("no technician has the skills")
            elif not covering:
                unassigned[order.id] = self.env._(
                    "no skilled technician covers the zone"
                )
            else:
                eligible[order] = covering
        return eligible

    def _build_route_problem(self, technicians, candidates, now, horizon, fixed_extra):
        """The planner's input: points, technician-day shifts with their
        fixed visits, and the visits to plan. Nothing is planned blind: an
        order without coordinates, or whose technicians' days start or end
        at an address without coordinates, is left out with its reason in
        ``blind``."""
        points, index = [], {}
        blind = {}

        def point(partner):
            if not has_coordinates(partner):
                return None
            key = (partner.partner_latitude, partner.partner_longitude)
            if key not in index:
                index[key] = len(points)
                points.append(key)
            return index[key]

        movable = self - fixed_extra
        fixed = self.search(
            [
                ("technician_id", "in", technicians.ids),
                ("state", "in", ACTIVE_STATES),
                ("scheduled_end", ">", now - timedelta(days=1)),
                ("scheduled_start", "<", horizon),
                ("id", "not in", movable.ids),
            ]
        )
        fixed_by_day = defaultdict(list)
        for order in fixed:
            fixed_by_day[order.technician_id, order._get_route_day()].append(order)
        shifts, blocked = [], {}
        day_intervals = technicians._get_day_intervals(now, horizon)
        for tech in technicians:
            start, end = point(tech.start_partner_id), point(tech.end_partner_id)
            if start is None or end is None:
                blocked[tech] = (
                    tech.start_partner_id if start is None else tech.end_partner_id
                )
                continue
            for day, intervals in day_intervals[tech].items():
                visits = fixed_by_day.get((tech, day), [])
                if any(point(o.site_partner_id) is None for o in visits):
                    continue  # a booking of unknown place: the day stays as it is
                shifts.append(
                    route_planner.Shift(
                        technician_id=tech.id,
                        day=day,
                        intervals=tuple(intervals),
                        start_point=start,
                        end_point=end,
                        fixed=tuple(
                            route_planner.FixedVisit(
                                order_id=o.id,
                                point=point(o.site_partner_id),
                                start=o.scheduled_start,
                                end=o.scheduled_end,
                            )
                            for o in sorted(visits, key=lambda o: o.scheduled_start)
                        ),
                    )
                )
        visits = []
        for order in movable:
            if order not in candidates:
                continue
            site = point(order.site_partner_id)
            if site is None:
                blind[order.id] = self.env._(
                    "no coordinates for %s", order.site_partner_id.display_name
                )
                continue
            techs = [t for t in candidates[order] if t not in blocked]
            if not techs:
                blind[order.id] = self.env._(
                    "no coordinates for %s",
                    blocked[candidates[order][0]].display_name,
                )
                continue
            visits.append(
                route_planner.Visit(
                    order_id=order.id,
                    point=site,
                    duration=timedelta(hours=order.duration_hours),
                    technician_ids=frozenset(t.id for t in techs),
                    priority=int(order.priority or 0),
                    window_start=order.window_start or None,
                    window_end=order.window_end or None,
                    deadline=order.date_deadline or None,
                    earliest=now,
                )
            )
        return {"points": points, "shifts": shifts, "visits": visits, "blind": blind}

    def _get_route_reasons(self, horizon):
        horizon_date = format_date(self.env, horizon.date())
        return {
            route_planner.REASON_NO_CAPACITY: self.env._(
                "no capacity before %s", horizon_date
            ),
            route_planner.REASON_NO_TECHNICIAN: self.env._(
                "no eligible technician works before %s", horizon_date
            ),
        }

    def _apply_plan(self, plan, orders):
        """Book ``orders`` as ``plan`` places them, then compute the travel of
        every technician-day they touch, once."""
        placed = orders.filtered(lambda o: o.id in plan.stops)
        days = placed._get_route_days()
        later = placed.with_context(
            crm_ext_slots_checked=True, crm_ext_routes_later=True
        )
        for order in later:
            stop = plan.stops[order.id]
            order.write(
                {
                    "technician_id": stop.technician_id,
                    "scheduled_start": stop.start,
                    "scheduled_end": stop.end,
                    "state": "scheduled",
                }
            )
        self._refresh_routes(days | placed._get_route_days())
