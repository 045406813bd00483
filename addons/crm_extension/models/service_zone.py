# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ServiceZone(models.Model):
    """A service territory: partners match it by country state and/or zip
    prefix (the longest matching prefix wins between zones)."""

    _name = "service.zone"
    _description = "Service Zone"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    country_id = fields.Many2one("res.country")
    state_ids = fields.Many2many("res.country.state", string="States")
    zip_prefixes = fields.Char(
        help="Comma-separated zip code prefixes, e.g. 750, 751, 92."
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)

    @api.constrains("name", "state_ids", "zip_prefixes", "country_id")
    def _check_rules(self):
        for zone in self:
            if not (zone.state_ids or zone._prefixes() or zone.country_id):
                raise ValidationError(
                    self.env._(
                        "Zone '%s' needs a country, states or zip prefixes to match "
                        "addresses.",
                        zone.name,
                    )
                )

    def _prefixes(self):
        self.ensure_one()
        return [p.strip() for p in (self.zip_prefixes or "").split(",") if p.strip()]

    @api.model
    def _find_for_partners(self, partners):
        """{partner id: zone} for many partners, from one load of the zones.

        A zone matches when its country (if set) and its states (if set) match
        and one of its prefixes (if set) starts the zip. The most specific
        match wins: the longest prefix, then states, then sequence."""
        zones = self.search([])
        result = {}
        for partner in partners:
            best, best_key = self.browse(), None
            zip_code = (partner.zip or "").replace(" ", "")
            for zone in zones:
                if zone.country_id and zone.country_id != partner.country_id:
                    continue
                if zone.state_ids and partner.state_id not in zone.state_ids:
                    continue
                prefixes = zone._prefixes()
                matched = [p for p in prefixes if zip_code.startswith(p)]
                if prefixes and not matched:
                    continue
                key = (
                    max(map(len, matched), default=0),
                    bool(zone.state_ids),
                    -zone.sequence,
                )
                if best_key is None or key > best_key:
                    best, best_key = zone, key
            result[partner.id] = best
        return result
