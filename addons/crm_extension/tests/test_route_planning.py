# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import itertools
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from ..tools.travel import haversine_km
from .common import ServiceCommon, at

NOW = at(5, 7)  # Monday 7:00 UTC, before work
# Around the Place de la Bastille, Paris: a few km apart.
HOME = (48.8530, 2.3690)
SITES = [
    (48.8606, 2.3376),
    (48.8738, 2.2950),
    (48.8867, 2.3431),
    (48.8462, 2.3464),
    (48.8320, 2.3550),
    (48.8443, 2.3744),
    (48.8650, 2.3780),
    (48.8799, 2.3553),
]


def expected_minutes(a, b, speed=40.0, detour=1.3):
    """The default estimate, computed independently of the module."""
    return haversine_km(*a, *b) * detour / speed * 60.0


class _OsrmStub(BaseHTTPRequestHandler):
    """A routing service answering OSRM ``table`` requests: 10 minutes and
    7 km between any two different points."""

    requests = []

    def do_GET(self):
        type(self).requests.append(self.path)
        coords = self.path.split("/table/v1/driving/")[1].split("?")[0]
        size = len(coords.split(";"))
        durations = [[0 if i == j else 600 for j in range(size)] for i in range(size)]
        distances = [[0 if i == j else 7000 for j in range(size)] for i in range(size)]
        body = json.dumps(
            {"code": "Ok", "durations": durations, "distances": distances}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install")
class TestRoutePlanning(ServiceCommon):
    """Auto-assign on real records: travel between visits, windows, fixed
    and locked bookings, eligibility, determinism, missing coordinates, the
    routing service, and moves by hand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.calendar = cls._create_utc_calendar()
        country = cls.env.ref("base.fr")
        cls.gas, cls.electric = cls.env["service.skill"].create(
            [{"name": "Gas"}, {"name": "Electric"}]
        )
        cls.paris, cls.marseille = cls.env["service.zone"].create(
            [
                {"name": "Paris", "country_id": country.id, "zip_prefixes": "75"},
                {"name": "Marseille", "country_id": country.id, "zip_prefixes": "13"},
            ]
        )
        Partner = cls.env["res.partner"]
        cls.home = Partner.create(
            {
                "name": "Depot Bastille",
                "partner_latitude": HOME[0],
                "partner_longitude": HOME[1],
            }
        )
        cls.sites = Partner.create(
            [
                {
                    "name": f"Site {i}",
                    "zip": f"750{i:02d}",
                    "country_id": country.id,
                    "partner_latitude": lat,
                    "partner_longitude": lon,
                }
                for i, (lat, lon) in enumerate(SITES, 1)
            ]
        )
        Technician = cls.env["service.technician"]
        cls.tech_gas = Technician.create(
            {
                "name": "Gaston",
                "partner_id": cls.home.id,
                "skill_ids": [(6, 0, cls.gas.ids)],
                "zone_ids": [(6, 0, cls.paris.ids)],
                "resource_calendar_id": cls.calendar.id,
            }
        )
        cls.tech_electric = Technician.create(
            {
                "name": "Edison",
                "partner_id": cls.home.id,
                "skill_ids": [(6, 0, cls.electric.ids)],
                "zone_ids": [(6, 0, cls.paris.ids)],
                "resource_calendar_id": cls.calendar.id,
            }
        )
        cls.technicians = cls.tech_gas | cls.tech_electric

    def _assert_refused(self, exception, message, func, *args):
        with self.assertRaises(exception) as caught:
            func(*args)
        self.assertIn(message, str(caught.exception))

    def _order(self, site, skill=None, **vals):
        return self.env["service.order"].create(
            {
                "partner_id": site.id,
                "required_skill_ids": [(6, 0, (skill or self.gas).ids)],
                **vals,
            }
        )

    def _orders(self, count, skill=None, **vals):
        return self.env["service.order"].concat(
            *(
                self._order(self.sites[i % len(self.sites)], skill, **vals)
                for i in range(count)
            )
        )

    def _assign(self, orders, horizon_days=14):
        with freeze_time(NOW):
            return orders._auto_assign(horizon_days=horizon_days)

    def _day(self, technician, day=5):
        return self.env["service.order"].search(
            [
                ("technician_id", "=", technician.id),
                ("state", "in", ("scheduled", "in_progress")),
                ("scheduled_start", ">=", at(day, 0)),
                ("scheduled_start", "<", at(day, 23, 59)),
            ],
            order="scheduled_start",
        )

    def _assert_drivable(self, technician, day=5):
        """Every gap between consecutive visits, and from the start of the
        day, is at least the travel time, and the stored figures say so."""
        visits = self._day(technician, day)
        self.assertTrue(visits, "the technician has visits that day")
        previous_point = HOME
        previous_end = at(day, 8)
        for sequence, order in enumerate(visits, 1):
            point = (
                order.site_partner_id.partner_latitude,
                order.site_partner_id.partner_longitude,
            )
            travel = expected_minutes(previous_point, point)
            gap = (order.scheduled_start - previous_end).total_seconds() / 60
            self.assertGreaterEqual(gap + 1e-6, travel, f"{order.name}: too close")
            self.assertEqual(order.route_sequence, sequence)
            self.assertAlmostEqual(order.travel_minutes, travel, places=2)
            self.assertAlmostEqual(
                order.travel_km, haversine_km(*previous_point, *point) * 1.3, places=2
            )
            self.assertFalse(order.schedule_warning)
            # booked on the minute
            self.assertEqual(order.scheduled_start.second, 0)
            previous_point, previous_end = point, order.scheduled_end
        back = expected_minutes(previous_point, HOME)
        self.assertAlmostEqual(visits[-1].return_minutes, back, places=2)
        self.assertLessEqual(previous_end + timedelta(minutes=back), at(day, 17))
        return visits

    # ------------------------------------------------------------------
    def test_consecutive_visits_leave_the_travel_time(self):
        orders = self._orders(6, duration_hours=0.75) | self._orders(
            4, self.electric, duration_hours=1.0
        )
        summary = self._assign(orders)
        self.assertEqual(summary["unassigned"], {})
        self.assertEqual(set(orders.mapped("state")), {"scheduled"})
        gas_day = self._assert_drivable(self.tech_gas)
        electric_day = self._assert_drivable(self.tech_electric)
        self.assertEqual(len(gas_day) + len(electric_day), 10)
        # the day's distance is the sum of the legs, the way back included
        self.assertAlmostEqual(
            sum(gas_day.mapped("route_km")),
            sum(gas_day.mapped("travel_km")) + gas_day[-1].return_km,
        )

    def test_windows_are_respected(self):
        afternoon = self._order(
            self.sites[0], window_start=at(5, 14), window_end=at(5, 14, 30)
        )
        morning = self._order(self.sites[1], window_start=at(5, 8), window_end=at(5, 9))
        others = self._orders(3)
        self._assign(afternoon | morning | others)
        self.assertTrue(at(5, 14) <= afternoon.scheduled_start <= at(5, 14, 30))
        self.assertTrue(at(5, 8) <= morning.scheduled_start <= at(5, 9))
        self._assert_drivable(self.tech_gas)

    def test_fixed_and_locked_orders_stay(self):
        fixed = self._order(
            self.sites[2], technician_id=self.tech_gas.id, scheduled_start=at(5, 10)
        )
        fixed.action_schedule()
        locked = self._order(
            self.sites[3],
            technician_id=self.tech_gas.id,
            scheduled_start=at(5, 14),
            schedule_locked=True,
        )
        locked.action_schedule()
        news = self._orders(5)
        # the locked order is selected too: it is still not moved
        result = (locked | news).with_context(tz="UTC")
        with freeze_time(NOW):
            action = result.action_auto_assign()
        self.assertNotIn(str(locked.id), action["summary"]["assigned"])
        self.assertEqual(
            (fixed.technician_id, fixed.scheduled_start), (self.tech_gas, at(5, 10))
        )
        self.assertEqual(
            (locked.technician_id, locked.scheduled_start), (self.tech_gas, at(5, 14))
        )
        self.assertEqual(set(news.mapped("state")), {"scheduled"})
        visits = self._assert_drivable(self.tech_gas)
        self.assertIn(fixed, visits)
        self.assertIn(locked, visits)

    def test_an_unlocked_booking_is_planned_again(self):
        # booked late in the afternoon, far from the rest of the day
        booked = self._order(
            self.sites[4], technician_id=self.tech_gas.id, scheduled_start=at(5, 15)
        )
        booked.action_schedule()
        with freeze_time(NOW):
            action = booked.action_auto_assign()
        self.assertIn(str(booked.id), action["summary"]["assigned"])
        self.assertEqual(booked.state, "scheduled")
        # alone on the technician's days, it is now done first thing on Monday
        self.assertEqual(booked.scheduled_start.date(), at(5, 8).date())
        self.assertLess(booked.scheduled_start, at(5, 9))
        self._assert_drivable(self.tech_gas)

    def test_eligibility_skills_zone_and_company(self):
        gas = self._orders(3)
        electric = self._orders(3, self.electric)
        south = self.env["res.partner"].create(
            {
                "name": "Marseille Site",
                "zip": "13001",
                "country_id": self.env.ref("base.fr").id,
                "partner_latitude": 43.2965,
                "partner_longitude": 5.3698,
            }
        )
        outside = self._order(south)
        other_company = self.env["res.company"].create({"name": "Other Service Co"})
        foreign = self._order(self.sites[0], company_id=other_company.id)
        summary = self._assign(gas | electric | outside | foreign)
        self.assertEqual(gas.technician_id, self.tech_gas)
        self.assertEqual(electric.technician_id, self.tech_electric)
        self.assertEqual(
            summary["unassigned"][str(outside.id)],
            "no skilled technician covers the zone",
        )
        self.assertEqual(
            summary["unassigned"][str(foreign.id)],
            "no active technician in the company",
        )
        self.assertFalse(foreign.technician_id)
        # a technician of the other company serves its orders, never ours
        other_tech = self.env["service.technician"].create(
            {
                "name": "Other Co Tech",
                "partner_id": self.home.id,
                "skill_ids": [(6, 0, self.gas.ids)],
                "zone_ids": [(6, 0, self.paris.ids)],
                "resource_calendar_id": self.calendar.id,
                "company_id": other_company.id,
            }
        )
        more = self._orders(3)
        self._assign(foreign | more)
        self.assertEqual(foreign.technician_id, other_tech)
        self.assertEqual(more.technician_id, self.tech_gas)

    def test_same_input_same_plan(self):
        orders = self._orders(8) | self._orders(5, self.electric)
        first = self._assign(orders)
        orders.write(
            {
                "technician_id": False,
                "scheduled_start": False,
                "scheduled_end": False,
                "state": "draft",
            }
        )
        second = self._assign(orders)
        self.assertEqual(first["assigned"], second["assigned"])
        self.assertEqual(len(first["assigned"]), 13)

    def test_missing_coordinates_give_the_reason(self):
        blind_site = self.env["res.partner"].create(
            {
                "name": "Nowhere Ltd",
                "zip": "75011",
                "country_id": self.env.ref("base.fr").id,
            }
        )
        blind = self._order(blind_site)
        summary = self._assign(blind)
        self.assertEqual(
            summary["unassigned"][str(blind.id)], "no coordinates for Nowhere Ltd"
        )
        self.assertFalse(blind.technician_id)
        # the only electrician starts from an address without coordinates
        homeless = self.env["res.partner"].create({"name": "Edison's Flat"})
        self.tech_electric.start_partner_id = homeless
        electric = self._order(self.sites[0], self.electric)
        summary = self._assign(electric)
        self.assertEqual(
            summary["unassigned"][str(electric.id)],
            "no coordinates for Edison's Flat",
        )
        self.assertEqual(electric.state, "draft")

    def test_short_capacity_leaves_the_lowest_priorities_out(self):
        # one working day holds four visits of 1.5 h: 3 urgent, 5 low
        urgent = self._orders(3, duration_hours=1.5, priority="3")
        low = self._orders(5, duration_hours=1.5, priority="0")
        summary = self._assign(urgent | low, horizon_days=1)
        self.assertEqual(set(urgent.mapped("state")), {"scheduled"})
        left = low.filtered(lambda o: o.state == "draft")
        self.assertGreaterEqual(len(left), 3)
        for order in left:
            self.assertEqual(
                summary["unassigned"][str(order.id)], "no capacity before 01/06/2026"
            )

    def test_routing_service_matrix_is_used(self):
        server = HTTPServer(("127.0.0.1", 0), _OsrmStub)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        _OsrmStub.requests = []
        self.company.dispatch_routing_url = f"http://127.0.0.1:{server.server_port}"
        orders = self._orders(3)
        self._assign(orders)
        self.assertTrue(_OsrmStub.requests)
        self.assertIn("annotations=duration,distance", _OsrmStub.requests[0])
        visits = self._day(self.tech_gas)
        self.assertEqual(len(visits), 3)
        self.assertEqual(set(visits.mapped("travel_minutes")), {10.0})
        self.assertEqual(set(visits.mapped("travel_km")), {7.0})
        for previous, order in itertools.pairwise(visits):
            self.assertGreaterEqual(
                order.scheduled_start, previous.scheduled_end + timedelta(minutes=10)
            )

    def test_routing_service_down_says_so(self):
        self.company.dispatch_routing_url = "http://127.0.0.1:9"
        orders = self._orders(2)
        self._assert_refused(
            UserError,
            "The routing service could not give travel times",
            self._assign,
            orders,
        )
        self.assertEqual(set(orders.mapped("state")), {"draft"})

    def test_moving_a_visit_by_hand_recomputes_travel(self):
        first = self._order(
            self.sites[0], technician_id=self.tech_gas.id, scheduled_start=at(5, 10)
        )
        second = self._order(
            self.sites[1], technician_id=self.tech_gas.id, scheduled_start=at(5, 13)
        )
        (first | second).action_schedule()
        self.assertEqual((first.route_sequence, second.route_sequence), (1, 2))
        legs = expected_minutes(SITES[0], SITES[1])
        self.assertAlmostEqual(second.travel_minutes, legs, places=2)
        self.assertAlmostEqual(second.idle_minutes, 120 - legs, places=2)
        self.assertFalse(second.schedule_warning)
        # right after the first visit: no time left to drive there
        second.scheduled_start = at(5, 11)
        self.assertIn("Cannot arrive in time", second.schedule_warning)
        self.assertIn("Site 1", second.schedule_warning)
        # before the first one: the order of the stops changes
        second.scheduled_start = at(5, 8, 30)
        self.assertEqual((second.route_sequence, first.route_sequence), (1, 2))
        self.assertAlmostEqual(
            second.travel_minutes, expected_minutes(HOME, SITES[1]), places=2
        )
        self.assertAlmostEqual(first.travel_minutes, legs, places=2)
        self.assertFalse(first.schedule_warning or second.schedule_warning)
        # to another day: the day it leaves is computed again too
        second.scheduled_start = at(6, 9)
        self.assertEqual((first.route_sequence, second.route_sequence), (1, 1))
        self.assertAlmostEqual(
            first.travel_minutes, expected_minutes(HOME, SITES[0]), places=2
        )

    def test_window_outside_and_bad_window(self):
        order = self._order(
            self.sites[0],
            technician_id=self.tech_gas.id,
            scheduled_start=at(5, 9),
            window_start=at(5, 13),
            window_end=at(5, 15),
        )
        order.action_schedule()
        self.assertIn("outside the customer's time window", order.schedule_warning)
        self._assert_refused(
            ValidationError,
            "must end after it starts",
            order.write,
            {"window_end": at(5, 12)},
        )
        self.assertEqual(order.window_end, at(5, 15))

    def test_route_link_goes_through_the_day_in_order(self):
        orders = self._orders(3)
        self._assign(orders)
        visits = self._day(self.tech_gas)
        url = visits[1].action_open_route()["url"]
        locations = [part.split("=")[1] for part in url.split("?")[1].split("&")]
        expected = (
            [HOME]
            + [
                (
                    v.site_partner_id.partner_latitude,
                    v.site_partner_id.partner_longitude,
                )
                for v in visits
            ]
            + [HOME]
        )
        self.assertEqual(locations, [f"{lat:.6f},{lon:.6f}" for lat, lon in expected])
        draft = self._order(self.sites[0])
        with self.assertRaisesRegex(UserError, "is not booked yet"):
            draft.action_open_route()

    def test_geolocation_job_fills_the_service_address(self):
        site = self.env["res.partner"].create(
            {"name": "New Site", "street": "1 rue de Rivoli", "city": "Paris"}
        )
        failing = self.env["res.partner"].create(
            {"name": "Unknown Site", "street": "Nowhere 1", "city": "Atlantis"}
        )
        self._order(site)
        self._order(failing)

        def geo_find(geocoder, addr, **kw):
            # the geocoding service is outside this machine
            return (48.8556, 2.3600) if "Rivoli" in addr else None

        with patch.object(
            type(self.env["base.geocoder"]), "geo_find", geo_find, create=False
        ):
            self.env["service.order"]._cron_geolocate_service_addresses()
        self.assertEqual(
            (site.partner_latitude, site.partner_longitude), (48.8556, 2.36)
        )
        self.assertFalse(failing.partner_latitude)
        # tried today: not asked again before tomorrow
        self.assertTrue(failing.date_localization)

    def test_dispatch_settings_are_checked(self):
        Company = self.env["res.company"]
        for values, message in (
            ({"dispatch_speed_kmh": 0}, "average speed must be above 0"),
            ({"dispatch_detour_factor": 0.5}, "detour factor must be at least 1"),
            ({"dispatch_routing_url": "router.example.com"}, "must start with http"),
            ({"dispatch_time_limit": -1}, "time limit cannot be negative"),
        ):
            self._assert_refused(
                ValidationError, message, Company.create, {"name": "Bad Co", **values}
            )
        self.assertFalse(Company.search([("name", "=", "Bad Co")]))

    def test_time_off_is_never_planned(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Training",
                "technician_id": self.tech_gas.id,
                "date_from": at(5, 0),
                "date_to": at(5, 23, 59),
            }
        )
        gas = self._orders(3)
        electric = self._orders(2, self.electric)
        self._assign(gas | electric)
        self.assertFalse(self._day(self.tech_gas, 5))
        self.assertEqual({o.scheduled_start.day for o in gas}, {6})
        # the colleague on the same calendar still works on Monday
        self.assertEqual({o.scheduled_start.day for o in electric}, {5})
        by_hand = self._order(
            self.sites[0], technician_id=self.tech_gas.id, scheduled_start=at(5, 9)
        )
        self._assert_refused(
            ValidationError, "during their time off", by_hand.action_schedule
        )
        self.assertEqual(by_hand.state, "draft")

    def test_technician_day_starts_at_home_by_default(self):
        self.assertEqual(self.tech_gas.start_partner_id, self.home)
        self.assertEqual(self.tech_gas.end_partner_id, self.home)
        contractor = self.env["service.technician"].create({"name": "No Base"})
        self.assertEqual(contractor.start_partner_id, self.company.partner_id)

    def test_moving_one_visit_costs_a_fixed_number_of_queries(self):
        orders = self._orders(6)
        self._assign(orders)
        visit = self._day(self.tech_gas)[2]
        visit.invalidate_recordset()
        with self.assertQueryCount(__system__=16):
            visit.scheduled_start = visit.scheduled_start + timedelta(minutes=20)
            visit.flush_recordset()
