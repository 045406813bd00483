# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Coordinates of partners, as Odoo's base_geolocalize stores them."""


def has_coordinates(partner):
    """Odoo stores a missing coordinate as 0.0 (base_geolocalize)."""
    return bool(partner.partner_latitude or partner.partner_longitude)
