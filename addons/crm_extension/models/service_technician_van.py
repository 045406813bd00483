# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A technician's van: its stock and its replenishment.

What the coming orders plan from a van and it lacks is brought there by
one internal transfer per van from its warehouse's stock; an open
replenishment of the van is updated instead of a second one made."""

from collections import defaultdict
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, float_round

from ..tools.actions import records_action
from ..tools.locks import lock_rows

# the values of a van's replenishment transfer that find its open one
REPLENISHMENT_KEYS = ("picking_type_id", "location_id", "location_dest_id", "origin")


class ServiceTechnician(models.Model):
    _inherit = "service.technician"

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_replenish_van(self, horizon_days=7):
        """Bring to each van the parts its coming orders plan and it lacks.

        One standard internal transfer per van, from the stock of the van's
        warehouse, confirmed and reserved; an open replenishment of the van
        is updated instead of a second one made. Service users and managers
        run it; technicians ask them."""
        lock_rows(self)  # two runs for one van make one transfer
        if not self.env.user.has_group("crm_extension.group_service_user"):
            raise AccessError(
                self.env._(
                    "Only service users and managers can replenish vans: ask "
                    "your dispatcher."
                )
            )
        no_van = self.filtered(lambda tech: not tech.van_location_id)
        if no_van:
            raise UserError(
                self.env._(
                    "%s has no van: set the van's stock location on the "
                    "technician first.",
                    no_van[0].name,
                )
            )
        shortfalls = self._get_van_shortfalls(horizon_days)
        if not shortfalls:
            raise UserError(
                self.env._(
                    "%s's van already holds the parts of the coming orders.",
                    ", ".join(self.mapped("name")),
                )
            )
        pickings = self._replenish_vans(shortfalls)
        return records_action(self.env, pickings, "stock.action_picking_tree_all")

    def action_view_van_stock(self):
        """The quants in the technicians' vans (and their sub-locations)."""
        vans = self.van_location_id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Van Stock"),
            "res_model": "stock.quant",
            "view_mode": "list",
            "views": [(self.env.ref("stock.view_stock_quant_tree_simple").id, "list")],
            "search_view_id": [self.env.ref("stock.quant_search_view").id],
            "domain": [("location_id", "child_of", vans.ids)],
            "context": {
                "create": False,
                "group_by": ["location_id"] if len(vans) > 1 else [],
            },
        }

    # ------------------------------------------------------------------
    # Business: replenishment
    # ------------------------------------------------------------------
    def _get_van_shortfalls(self, horizon_days=7):
        """What the vans lack for the coming orders: ``{van: {product: qty}}``
        in the product's unit, positive quantities only.

        The need is the part lines of storable products taken from the van,
        on draft or scheduled orders starting within ``horizon_days``, that
        hold no stock yet (draft orders, or lines not reserved). What the van
        holds is its free quantity: reserved stock is already promised."""
        now = fields.Datetime.now()
        vans = self.van_location_id
        # read as superuser once access is checked: the stock moves of the
        # lines are not readable by every service user
        groups = (
            self.env["service.order.line"]
            .sudo()
            ._read_group(
                [
                    ("order_id.technician_id", "in", self.ids),
                    ("location_id", "in", vans.ids),
                    ("line_type", "=", "part"),
                    ("product_id.is_storable", "=", True),
                    ("order_id.state", "in", ("draft", "scheduled")),
                    ("order_id.scheduled_start", ">=", now),
                    (
                        "order_id.scheduled_start",
                        "<=",
                        now + timedelta(days=horizon_days),
                    ),
                    "|",
                    ("order_id.state", "=", "draft"),
                    (
                        "move_ids",
                        "not any",
                        [("state", "not in", ("done", "cancel"))],
                    ),
                ],
                ["location_id", "product_id", "product_uom_id"],
                ["quantity:sum"],
            )
        )
        needs = defaultdict(float)
        for van, product, uom, quantity in groups:
            needs[van, product] += uom._compute_quantity(quantity, product.uom_id)
        Quant = self.env["stock.quant"].sudo()
        shortfalls = defaultdict(dict)
        for (van, product), need in needs.items():
            rounding = product.uom_id.rounding
            missing = float_round(
                need - Quant._get_available_quantity(product, van),
                precision_rounding=rounding,
            )
            if float_compare(missing, 0.0, precision_rounding=rounding) > 0:
                shortfalls[van.with_env(self.env)][product.with_env(self.env)] = missing
        return dict(shortfalls)

    def _get_van_replenishment_origin(self):
        """The origin that marks a van's replenishment transfers, in the
        company's language so that every user finds the same transfer."""
        lang = self[:1].company_id.partner_id.lang or self.env.lang
        return self.with_context(lang=lang).env._(
            "Van replenishment: %s", ", ".join(self.sorted("name").mapped("name"))
        )

    def _replenish_vans(self, shortfalls):
        """One internal transfer per van, from its warehouse's stock, for the
        quantities of ``shortfalls`` (see ``_get_van_shortfalls``)."""
        lock_rows(self)  # two runs for one van make one transfer
        homeless = [van for van in shortfalls if not van.sudo().warehouse_id]
        if homeless:
            raise UserError(
                self.env._(
                    "The van %s is in no warehouse: place its location under a "
                    "warehouse to replenish it from there.",
                    homeless[0].display_name,
                )
            )
        Picking = self.env["stock.picking"].sudo()
        by_van, missing = {}, {}
        for van in shortfalls:
            technicians = self.filtered(
                lambda tech, van=van: tech.van_location_id == van
            )
            picking_vals = technicians._prepare_van_replenishment_picking_vals(van)
            by_van[van] = Picking.search(
                [
                    *[(key, "=", picking_vals[key]) for key in REPLENISHMENT_KEYS],
                    ("state", "not in", ("done", "cancel")),
                ],
                order="id",
                limit=1,
            )
            if not by_van[van]:
                missing[van] = picking_vals
        if missing:
            created = Picking.create(list(missing.values()))
            by_van.update(zip(missing, created, strict=True))
        pickings = Picking
        for van, products in shortfalls.items():
            picking = by_van[van]
            moves = {
                move.product_id: move
                for move in picking.move_ids
                if move.state not in ("done", "cancel")
            }
            new_moves = []
            for product, quantity in products.items():
                move = moves.get(product)
                if not move:
                    new_moves.append(
                        Command.create(
                            self._prepare_van_replenishment_move_vals(
                                picking, product, quantity
                            )
                        )
                    )
                    continue
                quantity = product.uom_id._compute_quantity(quantity, move.product_uom)
                if float_compare(
                    quantity,
                    move.product_uom_qty,
                    precision_rounding=move.product_uom.rounding,
                ):
                    move.product_uom_qty = quantity
            if new_moves:
                picking.move_ids = new_moves
            pickings |= picking
        pickings.action_confirm()
        pickings.action_assign()
        return pickings.with_env(self.env)

    def _prepare_van_replenishment_picking_vals(self, van):
        """The internal transfer that brings parts to ``van``, the van of the
        technicians of ``self``, from the stock of its warehouse."""
        warehouse = van.sudo().warehouse_id
        return {
            "picking_type_id": warehouse.int_type_id.id,
            "location_id": warehouse.lot_stock_id.id,
            "location_dest_id": van.id,
            "origin": self._get_van_replenishment_origin(),
            "company_id": warehouse.company_id.id,
            "user_id": self.env.uid,
        }

    @api.model
    def _prepare_van_replenishment_move_vals(self, picking, product, quantity):
        """The move of ``quantity`` of ``product`` (in its unit) on the van's
        replenishment ``picking``."""
        return {
            "name": product.display_name,
            "product_id": product.id,
            "product_uom_qty": quantity,
            "product_uom": product.uom_id.id,
            "location_id": picking.location_id.id,
            "location_dest_id": picking.location_dest_id.id,
            "company_id": picking.company_id.id,
        }
