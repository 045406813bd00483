# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import travel

_logger = logging.getLogger(__name__)


class ResCompany(models.Model):
    _inherit = "res.company"

    feedback_auto_ticket = fields.Boolean(
        string="Tickets for urgent complaints",
        default=True,
        help="Complaints of priority High or Urgent create their helpdesk "
        "ticket automatically.",
    )
    customer_segment_a_share = fields.Float(
        string="Segment A share (%)",
        default=80.0,
        help="Customers bringing the first share of the last 12 months' "
        "revenue are segment A.",
    )
    customer_segment_b_share = fields.Float(
        string="Segment B share (%)",
        default=95.0,
        help="Customers bringing the revenue after segment A, up to this "
        "cumulated share, are segment B; the rest are C.",
    )
    cross_sell_min_customers = fields.Integer(
        string="Cross-sell: minimum customers",
        default=3,
        help="A product association needs at least this many customers who "
        "bought both products in the last 24 months (and the products this "
        "many customers each); rarer pairs are noise.",
    )
    cross_sell_min_lift = fields.Float(
        string="Cross-sell: minimum lift",
        default=1.0,
        help="Associations are kept when their lift is above this value: 1 "
        "means buying the first product does not make the second more likely.",
    )
    replacement_breakdown_threshold = fields.Integer(
        string="Breakdowns before replacement",
        default=3,
        help="Equipment with this many breakdowns (done repair orders) in the "
        "last 12 months gets a replacement opportunity. 0 turns it off.",
    )
    equipment_alarm_threshold = fields.Integer(
        string="Alarms before a repair",
        default=3,
        help="A monitored unit that reports this many alarms within the alarm "
        "window (since its last done repair) gets a repair service order, "
        "unless one is open. 0 turns it off.",
    )
    equipment_alarm_window_hours = fields.Integer(
        string="Alarm window (hours)",
        default=24,
        help="An alarm counts towards the threshold for this many hours.",
    )

    dispatch_speed_kmh = fields.Float(
        string="Average speed (km/h)",
        default=40.0,
        help="Without a routing service, travel time is the great-circle "
        "distance times the detour factor, driven at this speed.",
    )
    dispatch_detour_factor = fields.Float(
        string="Detour factor",
        default=1.3,
        help="Roads are longer than the straight line: the great-circle "
        "distance is multiplied by this factor.",
    )
    dispatch_routing_url = fields.Char(
        string="Routing service URL",
        help="The root URL of a routing service speaking the OSRM table API "
        "(for instance https://router.example.com). Empty: great-circle "
        "estimate.",
    )
    dispatch_time_limit = fields.Integer(
        string="Planning time limit (s)",
        default=0,
        help="Stop the route optimiser after this many seconds. 0: stop after "
        "a fixed number of iterations, so that the same orders always give "
        "the same plan.",
    )

    @api.constrains("customer_segment_a_share", "customer_segment_b_share")
    def _check_customer_segment_shares(self):
        for company in self:
            a_share = company.customer_segment_a_share
            b_share = company.customer_segment_b_share
            if not 0 < a_share < b_share <= 100:
                raise ValidationError(
                    self.env._(
                        "Segment shares must satisfy 0 < A < B <= 100 "
                        "(got A = %(a)s%%, B = %(b)s%%).",
                        a=a_share,
                        b=b_share,
                    )
                )

    @api.constrains("cross_sell_min_customers", "cross_sell_min_lift")
    def _check_cross_sell_thresholds(self):
        for company in self:
            if company.cross_sell_min_customers < 1:
                raise ValidationError(
                    self.env._(
                        "The minimum customers of a cross-sell association must "
                        "be at least 1 (got %s).",
                        company.cross_sell_min_customers,
                    )
                )
            if company.cross_sell_min_lift < 0:
                raise ValidationError(
                    self.env._(
                        "The minimum lift of a cross-sell association cannot be "
                        "negative (got %s): set 0 to keep every association.",
                        company.cross_sell_min_lift,
                    )
                )

    @api.constrains("replacement_breakdown_threshold")
    def _check_replacement_breakdown_threshold(self):
        for company in self:
            if company.replacement_breakdown_threshold < 0:
                raise ValidationError(
                    self.env._(
                        "The breakdowns before replacement cannot be negative: "
                        "set 0 to turn replacement opportunities for breakdowns "
                        "off."
                    )
                )

    @api.constrains("equipment_alarm_threshold", "equipment_alarm_window_hours")
    def _check_equipment_alarms(self):
        for company in self:
            if company.equipment_alarm_threshold < 0:
                raise ValidationError(
                    self.env._(
                        "The alarms before a repair cannot be negative: set 0 to "
                        "open no repair orders from alarms."
                    )
                )
            if company.equipment_alarm_window_hours < 1:
                raise ValidationError(
                    self.env._("The alarm window must be at least one hour.")
                )

    @api.constrains(
        "dispatch_speed_kmh",
        "dispatch_detour_factor",
        "dispatch_routing_url",
        "dispatch_time_limit",
    )
    def _check_dispatch_settings(self):
        for company in self:
            if company.dispatch_speed_kmh <= 0:
                raise ValidationError(
                    self.env._("The average speed must be above 0 km/h.")
                )
            if company.dispatch_detour_factor < 1:
                raise ValidationError(
                    self.env._(
                        "The detour factor must be at least 1: roads are never "
                        "shorter than the straight line."
                    )
                )
            if company.dispatch_time_limit < 0:
                raise ValidationError(
                    self.env._(
                        "The planning time limit cannot be negative: set 0 for a "
                        "fixed number of iterations."
                    )
                )
            url = company.dispatch_routing_url
            if url and not url.startswith(("http://", "https://")):
                raise ValidationError(
                    self.env._(
                        "The routing service URL must start with http:// or "
                        "https:// (got %s).",
                        url,
                    )
                )

    def _get_travel_matrix(self, points, fallback=False):
        """Travel minutes and km between ``points`` ((latitude, longitude)
        pairs), by this company's routing settings: the routing service when
        its URL is set, else the great-circle estimate. Built for one
        planning run; nothing is cached.

        When the routing service fails, a UserError says why; with
        ``fallback`` the great-circle estimate is used instead (figures of a
        booking moved by hand must not block the move)."""
        self.ensure_one()
        if self.dispatch_routing_url:
            try:
                return travel.osrm_matrix(points, self.dispatch_routing_url)
            except travel.TravelError as error:
                if not fallback:
                    raise UserError(
                        self.env._(
                            "The routing service could not give travel times: "
                            "%(error)s. Check its URL in the Service settings, "
                            "or empty it to use the straight-line estimate.",
                            error=error,
                        )
                    ) from error
                _logger.warning("Routing service failed, estimating: %s", error)
        return travel.great_circle_matrix(
            points,
            speed_kmh=self.dispatch_speed_kmh,
            detour=self.dispatch_detour_factor,
        )

    # ------------------------------------------------------------------
    # Public feedback form: rate limit per client address
    # ------------------------------------------------------------------
    feedback_rate_limit = fields.Integer(
        string="Public feedback per address",
        default=5,
        help="Submissions of the public feedback form accepted from one client "
        "address within the window. 0 turns the limit off.",
    )
    feedback_rate_window_minutes = fields.Integer(
        string="Public feedback window (minutes)",
        default=10,
        help="The window of the public feedback form's rate limit.",
    )

    @api.constrains("feedback_rate_limit", "feedback_rate_window_minutes")
    def _check_feedback_rate_limit(self):
        for company in self:
            if company.feedback_rate_limit < 0:
                raise ValidationError(
                    self.env._(
                        "The public feedback limit cannot be negative: set 0 to "
                        "turn it off."
                    )
                )
            if company.feedback_rate_window_minutes < 1:
                raise ValidationError(
                    self.env._("The public feedback window must be at least a minute.")
                )
