# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The demo's customers: companies of the San Francisco Bay Area.

Each has a geolocated address, a website and one contact with the email;
their position in ``COMPANY_NAMES`` gives their revenue tier (``TIERS``),
which the sales and service steps read."""

from odoo import Command

# (city, zip, latitude, longitude, [streets]) in the San Francisco Bay Area
CITIES = [
    (
        "San Francisco",
        "94103",
        37.7726,
        -122.4099,
        ["1355 Market St", "888 Brannan St"],
    ),
    ("San Francisco", "94107", 37.7767, -122.3946, ["601 Townsend St", "185 Berry St"]),
    ("San Francisco", "94110", 37.7486, -122.4184, ["3251 20th St", "2901 Mission St"]),
    (
        "San Francisco",
        "94133",
        37.8003,
        -122.4101,
        ["1736 Stockton St", "950 Columbus Ave"],
    ),
    ("San Francisco", "94122", 37.7602, -122.4691, ["1250 9th Ave", "2101 Irving St"]),
    ("Oakland", "94607", 37.8044, -122.2750, ["1 Broadway", "720 Jefferson St"]),
    ("Oakland", "94612", 37.8091, -122.2685, ["1700 Webster St", "2100 Franklin St"]),
    ("Berkeley", "94710", 37.8652, -122.2973, ["2600 Tenth St", "940 Gilman St"]),
    ("Berkeley", "94704", 37.8687, -122.2585, ["2120 Oxford St", "2425 Telegraph Ave"]),
    ("San Jose", "95112", 37.3540, -121.8940, ["1590 Oakland Rd", "425 N 1st St"]),
    ("San Jose", "95113", 37.3333, -121.8907, ["150 S 1st St", "60 S Market St"]),
    ("San Jose", "95125", 37.2981, -121.8962, ["1401 Lincoln Ave", "2100 Curtner Ave"]),
    ("Palo Alto", "94301", 37.4443, -122.1598, ["535 Ramona St", "260 Homer Ave"]),
    (
        "Mountain View",
        "94041",
        37.3894,
        -122.0819,
        ["800 California St", "444 Castro St"],
    ),
    ("Sunnyvale", "94086", 37.3762, -122.0295, ["160 S Murphy Ave", "1250 Kifer Rd"]),
    (
        "Santa Clara",
        "95050",
        37.3496,
        -121.9574,
        ["2400 The Alameda", "1900 Lafayette St"],
    ),
    (
        "Fremont",
        "94538",
        37.5296,
        -121.9700,
        ["39200 Paseo Padre Pkwy", "4100 Fremont Blvd"],
    ),
    ("Hayward", "94541", 37.6711, -122.0850, ["22300 Foothill Blvd", "1050 B St"]),
    ("San Mateo", "94401", 37.5675, -122.3231, ["100 E 3rd Ave", "405 S B St"]),
    (
        "Redwood City",
        "94063",
        37.4857,
        -122.2155,
        ["1800 Broadway", "2600 Middlefield Rd"],
    ),
    (
        "Walnut Creek",
        "94596",
        37.8988,
        -122.0606,
        ["1500 N California Blvd", "1333 N Main St"],
    ),
    ("Concord", "94520", 37.9770, -122.0330, ["2151 Salvio St", "1855 Willow Pass Rd"]),
    (
        "South San Francisco",
        "94080",
        37.6563,
        -122.4025,
        ["400 Oyster Point Blvd", "250 E Grand Ave"],
    ),
    (
        "San Leandro",
        "94577",
        37.7258,
        -122.1569,
        ["1300 Davis St", "600 Estudillo Ave"],
    ),
]
COMPANY_NAMES = [
    "Golden Gate Bakery",
    "Mission Dental Group",
    "Bayview Senior Living",
    "North Beach Trattoria",
    "Sunset Fitness Club",
    "Jack London Lofts",
    "Lake Merritt Offices",
    "Fourth Street Brewing",
    "Telegraph Books",
    "Rose Garden Apartments",
    "Downtown SJ Hotel",
    "Willow Glen Clinic",
    "University Ave Cafe",
    "Castro Street Cinema",
    "Murphy Ave Market",
    "Mission College Dorms",
    "Paseo Padre Pharmacy",
    "Foothill Auto Body",
    "Central Park Condos",
    "Sequoia Print Works",
    "Walnut Creek Dental",
    "Todos Santos Deli",
    "Oyster Point Labs",
    "Marina Laundry",
    "Potrero Hill School",
    "Dogpatch Studios",
    "Valencia Yoga",
    "Russian Hill Suites",
    "Inner Sunset Pizzeria",
    "Port of Oakland Storage",
    "Uptown Coworking",
    "Gilman Climbing Gym",
    "Oxford Street Dorms",
    "Japantown Noodles",
    "SoFA Art Gallery",
    "Lincoln Ave Florist",
    "Stanford Bike Shop",
    "Shoreline Daycare",
    "Kifer Road Datacenter",
    "Alameda Coffee Roasters",
    "Fremont Family Medicine",
    "Hayward Ice Rink",
    "San Mateo Library Annex",
    "Redwood Shores Spa",
    "Civic Center Offices",
    "Salvio Street Grill",
    "Grand Avenue Motel",
    "Estudillo Veterinary",
]
FIRST_NAMES = [
    "Emily",
    "Carlos",
    "Aisha",
    "Michael",
    "Grace",
    "Tom",
    "Lucia",
    "Daniel",
    "Mei",
    "Robert",
    "Sofia",
    "James",
    "Hannah",
    "Omar",
    "Julia",
    "Brian",
]
LAST_NAMES = [
    "Nguyen",
    "Garcia",
    "Patel",
    "Johnson",
    "Kim",
    "Lopez",
    "Chen",
    "Brown",
    "Martinez",
    "Wong",
    "Davis",
    "Singh",
    "Miller",
    "Rossi",
    "Park",
    "Evans",
]
# revenue tiers, by position in COMPANY_NAMES order: big accounts first
TIERS = ["big"] * 6 + ["mid"] * 12 + ["small"] * 24 + ["dormant"] * 6


class _CustomerSteps:
    """The demo generator's customer step (see ``crm_ext_demo._Generator``)."""

    def make_customers(self):
        Partner = self.env["res.partner"].with_context(tracking_disable=True)
        california = self.ref("base.state_us_5")
        usa = self.ref("base.us")
        vals_list = []
        for index, name in enumerate(COMPANY_NAMES):
            city, zip_code, lat, lon, streets = CITIES[index % len(CITIES)]
            domain = name.lower().replace(" ", "").replace("'", "") + ".example.com"
            first = FIRST_NAMES[index % len(FIRST_NAMES)]
            last = LAST_NAMES[(index * 7) % len(LAST_NAMES)]
            vals_list.append(
                {
                    "name": name,
                    "is_company": True,
                    "street": streets[(index // len(CITIES)) % len(streets)],
                    "city": city,
                    "zip": zip_code,
                    "state_id": california.id,
                    "country_id": usa.id,
                    "phone": f"+1 {415 + index % 3 * 95} 555 {1000 + index * 37:04d}",
                    # the contacts have the emails: the service reports of
                    # the past visits are not mailed again at install
                    "website": f"https://www.{domain}",
                    # as base_geolocalize's Geolocate button leaves them
                    "partner_latitude": round(lat + self.rng.uniform(-0.006, 0.006), 6),
                    "partner_longitude": round(
                        lon + self.rng.uniform(-0.006, 0.006), 6
                    ),
                    "date_localization": self.today,
                    "customer_rank": 1,
                    "child_ids": [
                        Command.create(
                            {
                                "name": f"{first} {last}",
                                "function": self.rng.choice(
                                    ["Office Manager", "Facilities Manager", "Owner"]
                                ),
                                "email": f"{first.lower()}.{last.lower()}@{domain}",
                                "phone": f"+1 650 555 {2000 + index * 41:04d}",
                            }
                        )
                    ],
                }
            )
        self.customers = Partner.create(vals_list)
        self.tier = {
            partner: tier for partner, tier in zip(self.customers, TIERS, strict=True)
        }
