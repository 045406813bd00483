# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Where a service order takes place: the service address on the map.

Its coordinates and address, the map and route links, and the
geolocation job that finds the coordinates of new service addresses
(OpenStreetMap, by Odoo's base_geolocalize)."""

import logging
from urllib.parse import quote_plus

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.geo import has_coordinates

_logger = logging.getLogger(__name__)


class ServiceOrder(models.Model):
    _inherit = "service.order"

    site_latitude = fields.Float(related="site_partner_id.partner_latitude")
    site_longitude = fields.Float(related="site_partner_id.partner_longitude")
    site_address = fields.Char(compute="_compute_site_address")
    date_localization = fields.Date(related="site_partner_id.date_localization")
    map_url = fields.Char(compute="_compute_map_url")

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends(
        "site_partner_id.street",
        "site_partner_id.zip",
        "site_partner_id.city",
        "site_partner_id.country_id",
    )
    def _compute_site_address(self):
        for order in self:
            partner = order.site_partner_id
            order.site_address = ", ".join(
                filter(
                    None,
                    [
                        partner.street,
                        partner.zip,
                        partner.city,
                        partner.country_id.name,
                    ],
                )
            )

    @api.depends("site_partner_id", "site_address")
    def _compute_map_url(self):
        for order in self:
            partner = order.site_partner_id
            if has_coordinates(partner):
                query = f"{partner.partner_latitude},{partner.partner_longitude}"
            else:
                query = order.site_address
            order.map_url = (
                f"https://www.openstreetmap.org/search?query={quote_plus(query)}"
                if query
                else False
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_open_map(self):
        self.ensure_one()
        if not self.map_url:
            raise UserError(self.env._("The service address has no street or city."))
        return {"type": "ir.actions.act_url", "url": self.map_url, "target": "new"}

    def action_open_route(self):
        """OpenStreetMap directions through the stops of this visit's
        technician-day, in route order, from and back to the day's start and
        end."""
        self.ensure_one()
        if not (self.technician_id and self.scheduled_start):
            raise UserError(
                self.env._(
                    "%s is not booked yet: its day has no route. Auto-assign it "
                    "or give it a technician and a start.",
                    self.name,
                )
            )
        technician = self.technician_id
        day = self._get_route_day()
        stops = self.sudo()._get_day_orders({technician: {day}})[technician, day]
        partners = [
            technician.start_partner_id,
            *stops.with_env(self.env).site_partner_id,
            technician.end_partner_id,
        ]
        blind = [p for p in partners if not has_coordinates(p)]
        if blind:
            raise UserError(
                self.env._(
                    "No coordinates for %s: use its Geolocate button first.",
                    blind[0].display_name,
                )
            )
        locations = "&".join(
            f"loc={p.partner_latitude:.6f},{p.partner_longitude:.6f}" for p in partners
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"https://map.project-osrm.org/?{locations}",
            "target": "new",
        }

    # ------------------------------------------------------------------
    # Business: geolocation
    # ------------------------------------------------------------------
    def _trigger_geolocation(self):
        """Ask the geolocation job to find the service addresses that have no
        coordinates yet (OpenStreetMap, by Odoo's base_geolocalize)."""
        if self.site_partner_id.filtered(lambda p: not has_coordinates(p)):
            cron = self.env.ref(
                "crm_extension.ir_cron_geolocate_service_addresses",
                raise_if_not_found=False,
            )
            if cron:
                cron.sudo()._trigger()

    @api.model
    def _cron_geolocate_service_addresses(self, limit=50):
        """Geolocate the service addresses of open orders that have no
        coordinates, once a day at most per address."""
        today = fields.Date.context_today(self)
        partners = self.search(
            [
                ("state", "in", ("draft", "scheduled")),
                ("site_partner_id.partner_latitude", "=", 0.0),
                ("site_partner_id.partner_longitude", "=", 0.0),
                "|",
                ("site_partner_id.date_localization", "=", False),
                ("site_partner_id.date_localization", "<", today),
            ],
            limit=limit,
        ).site_partner_id
        for partner in partners:
            try:
                with self.env.cr.savepoint():
                    result = partner._geo_localize(
                        partner.street,
                        partner.zip,
                        partner.city,
                        partner.state_id.name,
                        partner.country_id.name,
                    )
            except UserError as error:
                _logger.warning("Geolocation of %s failed: %s", partner.id, error)
                result = None
            values = {"date_localization": today}
            if result:
                values.update(partner_latitude=result[0], partner_longitude=result[1])
            partner.write(values)
