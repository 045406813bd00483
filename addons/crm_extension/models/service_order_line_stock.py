# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The stock side of a service order's part lines.

Parts are real stock moves from the technician's van (or the warehouse)
to the customer: checked and reserved when the order is scheduled, done
when it is done, and what was planned but not used goes back by a reverse
move."""

from collections import defaultdict

from odoo import api, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, float_compare, float_is_zero


class ServiceOrderLine(models.Model):
    _inherit = "service.order.line"

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("line_type", "order_id.technician_id", "order_id.company_id")
    def _compute_location_id(self):
        warehouses = {}
        for line in self:
            if line.line_type != "part":
                line.location_id = False
                continue
            van = line.order_id.technician_id.van_location_id
            if van:
                line.location_id = van
                continue
            company = line.order_id.company_id or self.env.company
            if company not in warehouses:
                warehouses[company] = self.env["stock.warehouse"].search(
                    [("company_id", "=", company.id)], limit=1
                )
            line.location_id = warehouses[company].lot_stock_id

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("location_id", "order_id")
    def _check_location_id(self):
        """Parts come from the technician's van or from a location of the
        order's company warehouses, nowhere else."""
        for line in self.filtered("location_id"):
            location = line.location_id.sudo()
            van = line.order_id.technician_id.sudo().van_location_id
            in_van = van and location.parent_path.startswith(van.parent_path)
            in_warehouse = (
                location.usage == "internal"
                and location.warehouse_id.company_id == line.order_id.company_id
            )
            if not (in_van or in_warehouse):
                raise ValidationError(
                    self.env._(
                        "%(order)s: %(product)s must come from the technician's van "
                        "or a warehouse of %(company)s, not from %(location)s.",
                        order=line.order_id.name,
                        product=line.product_id.display_name,
                        company=line.order_id.company_id.name,
                        location=location.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # Business: stock moves
    # ------------------------------------------------------------------
    def _stock_lines(self):
        return self.filtered(lambda line: line.line_type == "part")

    def _moves(self):
        """The lines' stock moves, read as superuser: service users and
        technicians work on parts without inventory rights."""
        return self.sudo().move_ids

    def _active_moves(self):
        return self._moves().filtered(lambda m: m.state not in ("done", "cancel"))

    def _check_availability(self):
        """Refuse, before anything is created, lines without the lot they need
        or whose source does not hold enough free stock (unless the product
        allows negative stock)."""
        Quant = self.env["stock.quant"].sudo()
        needs = defaultdict(float)
        for line in self:
            if line.product_id.tracking != "none" and not line.lot_id:
                raise UserError(
                    self.env._(
                        "%(order)s: choose the lot/serial of %(product)s.",
                        order=line.order_id.name,
                        product=line.product_id.display_name,
                    )
                )
            if not line.location_id:
                raise UserError(
                    self.env._(
                        "%(order)s: choose where %(product)s comes from.",
                        order=line.order_id.name,
                        product=line.product_id.display_name,
                    )
                )
            if line.product_id.is_storable:
                qty = line.product_uom_id._compute_quantity(
                    line.quantity, line.product_id.uom_id
                )
                needs[(line.product_id, line.location_id, line.lot_id)] += qty
        needs = {
            key: need for key, need in needs.items() if not key[0].allow_negative_stock
        }
        self._lock_quants({(product, location) for product, location, _lot in needs})
        for (product, location, lot), need in needs.items():
            available = Quant._get_available_quantity(
                product, location, lot_id=lot or None
            )
            if (
                float_compare(
                    need, available, precision_rounding=product.uom_id.rounding
                )
                > 0
            ):
                lot_label = f" ({lot.name})" if lot else ""
                raise UserError(
                    self.env._(
                        "Not enough %(product)s%(lot)s in %(location)s: "
                        "%(available)s %(uom)s free, %(need)s needed. Replenish "
                        "the van or take the part from the warehouse.",
                        product=product.display_name,
                        lot=lot_label,
                        location=location.display_name,
                        available=available,
                        need=need,
                        uom=product.uom_id.name,
                    )
                )

    def _lock_quants(self, keys):
        """Lock the quants of ``keys`` (product, location) pairs, child
        locations included, until the transaction ends.

        Stock reserves with ``SKIP LOCKED``: it passes over a quant that
        another transaction is reserving and books the reservation on a new
        quant. Two orders checking the last unit at once would then both
        reserve it. Locked here, before the check reads the quants, the
        second transaction waits for the first one; under REPEATABLE READ it
        then fails with a serialization error, Odoo retries the request, and
        the retry sees the reservation and refuses."""
        if not keys:
            return
        quants = (
            self.env["stock.quant"]
            .sudo()
            .search(
                expression.OR(
                    [
                        [
                            ("product_id", "=", product.id),
                            ("location_id", "child_of", location.id),
                        ]
                        for product, location in keys
                    ]
                )
            )
        )
        if quants:
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM stock_quant WHERE id IN %s "
                    "ORDER BY id FOR NO KEY UPDATE",
                    tuple(quants.ids),
                ),
                log_exceptions=False,  # a serialization error is retried
            )

    def _prepare_move_vals(self):
        self.ensure_one()
        order = self.order_id
        partner = order.site_partner_id or order.partner_id
        return {
            "name": f"{order.name}: {self.product_id.display_name}",
            "origin": order.name,
            "product_id": self.product_id.id,
            "product_uom_qty": self.quantity,
            "product_uom": self.product_uom_id.id,
            "location_id": self.location_id.id,
            "location_dest_id": partner.property_stock_customer.id,
            "partner_id": partner.id,
            "company_id": order.company_id.id,
            "service_line_id": self.id,
        }

    def _prepare_return_move_vals(self, out_move, quantity):
        """The reverse move that brings ``quantity`` of the line's part,
        planned but not used, back to where ``out_move`` took it from."""
        self.ensure_one()
        return {
            **self._prepare_move_vals(),
            "name": self.env._(
                "%(order)s: unused %(product)s back",
                order=self.order_id.name,
                product=self.product_id.display_name,
            ),
            "product_uom_qty": quantity,
            "location_id": out_move.location_dest_id.id,
            "location_dest_id": out_move.location_id.id,
            "origin_returned_move_id": out_move.id,
            "to_refund": True,
        }

    def _reserve(self):
        """Create and reserve the stock moves of the part lines (set-wise)."""
        lines = self._stock_lines().filtered(lambda line: not line._active_moves())
        if not lines:
            return self.env["stock.move"]
        lines._check_availability()
        moves = (
            self.env["stock.move"]
            .sudo()
            .create([line._prepare_move_vals() for line in lines])
        )
        moves._action_confirm()
        moves._action_assign()
        return moves

    def _cancel_moves(self):
        moves = self._active_moves()
        if moves:
            moves._action_cancel()

    def _rereserve(self):
        """The source or the quantities changed: reserve afresh."""
        self._cancel_moves()
        self._reserve()

    @api.model
    def _finish_moves(self, moves):
        """Put each line's lot on its moves' lines and validate the moves."""
        for move in moves:
            if move.service_line_id.lot_id:
                move.move_line_ids.lot_id = move.service_line_id.lot_id
        moves.picked = True
        moves._action_done()

    def _consume(self):
        """The order is done: the planned parts go to the customer, the unused
        ones come back by a reverse move (with the same lot)."""
        lines = self._stock_lines()
        lines._reserve()  # lines planned on a draft order done straight away
        moves = lines._active_moves()
        short = moves.filtered(
            lambda m: (
                float_compare(
                    m.quantity,
                    m.product_uom_qty,
                    precision_rounding=m.product_uom.rounding,
                )
                < 0
            )
        )
        refused = short.filtered(
            lambda m: m.product_id.is_storable and not m.product_id.allow_negative_stock
        )
        if refused:
            move = refused[0]
            raise UserError(
                self.env._(
                    "%(order)s: only %(reserved)s of %(need)s %(product)s are "
                    "reserved in %(location)s. Replenish it or plan less before "
                    "finishing.",
                    order=move.service_line_id.order_id.name,
                    reserved=move.quantity,
                    need=move.product_uom_qty,
                    product=move.product_id.display_name,
                    location=move.location_id.display_name,
                )
            )
        for move in short:
            # allowed negative stock: take what the van does not hold
            move.quantity = move.product_uom_qty
        self._finish_moves(moves)
        returns = []
        for line in lines:
            unused = line.quantity - line.quantity_used
            if float_is_zero(unused, precision_rounding=line.product_uom_id.rounding):
                continue
            out_move = line._moves().filtered(lambda m: m.state == "done")[:1]
            returns.append(line._prepare_return_move_vals(out_move, unused))
        if returns:
            back = self.env["stock.move"].sudo().create(returns)
            back._action_confirm()
            for move in back:
                move.quantity = move.product_uom_qty
            self._finish_moves(back)
