# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, float_compare, float_is_zero

from .service_order import ACTIVE_STATES

LINE_TYPES = [("part", "Part"), ("labour", "Labour")]
# set by the billing of a done order, when its lines are otherwise locked
BILLING_FIELDS = {"sale_line_id", "warranty_claim_id"}
# what the reserved stock moves depend on
STOCK_FIELDS = {"product_id", "lot_id", "quantity", "product_uom_id", "location_id"}
# what a technician (without Service User) records on the lines of their
# orders; the price, the billing and the stock source stay with dispatchers
TECHNICIAN_FIELDS = {
    "order_id",
    "sequence",
    "line_type",
    "product_id",
    "lot_id",
    "quantity",
    "quantity_used",
    "product_uom_id",
}


class ServiceOrderLine(models.Model):
    """A spare part or labour on a service order.

    Parts are real stock moves from the technician's van (or the warehouse)
    to the customer: reserved when the order is scheduled, done when the
    order is done; what was planned but not used goes back to where it came
    from by a reverse move. Chargeable lines are billed through a sale order;
    lines covered by a warranty only book their cost."""

    _name = "service.order.line"
    _description = "Service Order Line"
    _check_company_auto = True
    _order = "order_id, sequence, id"

    order_id = fields.Many2one(
        "service.order",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="order_id.company_id", store=True)
    state = fields.Selection(related="order_id.state")
    line_type = fields.Selection(LINE_TYPES, required=True, default="part")
    product_id = fields.Many2one(
        "product.product",
        required=True,
        domain="[('type', '=', line_type == 'labour' and 'service' or 'consu')]",
        check_company=True,
    )
    product_tracking = fields.Selection(related="product_id.tracking")
    lot_id = fields.Many2one(
        "stock.lot",
        string="Lot/Serial",
        domain="[('product_id', '=', product_id)]",
        index="btree_not_null",
        check_company=True,
    )
    quantity = fields.Float(
        string="Planned",
        default=1.0,
        required=True,
        digits="Product Unit of Measure",
        help="The quantity taken for the visit: it is reserved when the order "
        "is scheduled.",
    )
    quantity_used = fields.Float(
        string="Used",
        compute="_compute_quantity_used",
        store=True,
        precompute=True,
        readonly=False,
        digits="Product Unit of Measure",
        help="What the visit used: it is billed; the rest goes back by a "
        "reverse move when the order is done.",
    )
    product_uom_id = fields.Many2one(
        "uom.uom",
        string="Unit",
        compute="_compute_product_uom_id",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
    )
    location_id = fields.Many2one(
        "stock.location",
        string="Source",
        compute="_compute_location_id",
        store=True,
        precompute=True,
        readonly=False,
        domain="[('usage', '=', 'internal')]",
        help="Where the part comes from: the technician's van, or the "
        "warehouse when the technician has none.",
        check_company=True,
    )
    currency_id = fields.Many2one(related="order_id.company_id.currency_id")
    price_unit = fields.Monetary(
        compute="_compute_price_unit",
        store=True,
        precompute=True,
        readonly=False,
        help="The customer's pricelist price.",
    )
    chargeable = fields.Boolean(
        compute="_compute_chargeable",
        store=True,
        precompute=True,
        readonly=False,
        help="Billed to the customer. Lines on equipment under warranty are "
        "not chargeable by default: they only book their cost.",
    )
    price_subtotal = fields.Monetary(
        string="Charged", compute="_compute_amounts", store=True
    )
    # internal figures: never read by customers or technicians
    cost_amount = fields.Monetary(
        string="Cost",
        compute="_compute_amounts",
        store=True,
        groups="crm_extension.group_service_user",
    )
    warranty_vendor_id = fields.Many2one(
        "res.partner",
        compute="_compute_warranty_vendor_id",
        store=True,
        readonly=False,
        groups="crm_extension.group_service_user",
        help="The supplier whose warranty covers this part: a draft vendor "
        "credit note claims its cost when the order is done.",
        check_company=True,
    )
    move_ids = fields.One2many(
        "stock.move",
        "service_line_id",
        readonly=True,
        groups="stock.group_stock_user",
    )
    sale_line_id = fields.Many2one(
        "sale.order.line",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
    )
    warranty_claim_id = fields.Many2one(
        "account.move",
        readonly=True,
        copy=False,
        groups="crm_extension.group_service_user",
        check_company=True,
    )

    _sql_constraints = [
        (
            "quantity_positive",
            "CHECK(quantity > 0)",
            "The planned quantity of a line must be positive.",
        ),
    ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("quantity")
    def _compute_quantity_used(self):
        for line in self:
            line.quantity_used = line.quantity

    @api.depends("product_id")
    def _compute_product_uom_id(self):
        for line in self:
            if not line.product_uom_id or (
                line.product_uom_id.category_id != line.product_id.uom_id.category_id
            ):
                line.product_uom_id = line.product_id.uom_id

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

    @api.depends("product_id", "quantity", "product_uom_id", "order_id.partner_id")
    def _compute_price_unit(self):
        for line in self:
            if not line.product_id:
                line.price_unit = 0.0
                continue
            pricelist = line.order_id.partner_id.property_product_pricelist
            if pricelist:
                line.price_unit = pricelist._get_product_price(
                    line.product_id, line.quantity or 1.0, uom=line.product_uom_id
                )
            else:
                line.price_unit = line.product_id.lst_price

    @api.depends("order_id.equipment_id.warranty_end_date")
    def _compute_chargeable(self):
        for line in self:
            line.chargeable = not line.order_id.equipment_id.under_warranty

    @api.depends(
        "chargeable", "quantity_used", "price_unit", "product_id.standard_price"
    )
    def _compute_amounts(self):
        for line in self:
            line.price_subtotal = (
                line.quantity_used * line.price_unit if line.chargeable else 0.0
            )
            line.cost_amount = line.quantity_used * line.product_id.standard_price

    @api.depends("chargeable", "product_id")
    def _compute_warranty_vendor_id(self):
        for line in self:
            product = line.product_id
            if line.chargeable or not product.supplier_warranty:
                line.warranty_vendor_id = False
            else:
                line.warranty_vendor_id = product.seller_ids[:1].partner_id

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("line_type", "product_id", "lot_id", "quantity", "quantity_used")
    def _check_line(self):
        for line in self:
            product = line.product_id
            if line.line_type == "labour" and product.type != "service":
                raise ValidationError(
                    self.env._(
                        "%s is not a service: labour lines take service products.",
                        product.display_name,
                    )
                )
            if line.line_type == "part" and product.type != "consu":
                raise ValidationError(
                    self.env._(
                        "%s is a service: record it as a labour line.",
                        product.display_name,
                    )
                )
            if line.lot_id and line.lot_id.product_id != product:
                raise ValidationError(
                    self.env._(
                        "Lot %(lot)s is not a lot of %(product)s.",
                        lot=line.lot_id.name,
                        product=product.display_name,
                    )
                )
            if (
                product.tracking == "serial"
                and line.line_type == "part"
                and float_compare(
                    line.quantity, 1.0, precision_rounding=line.product_uom_id.rounding
                )
                > 0
            ):
                raise ValidationError(
                    self.env._(
                        "%s is tracked by serial number: one line per serial, "
                        "quantity 1.",
                        product.display_name,
                    )
                )
            if line.quantity_used < 0 or (
                float_compare(
                    line.quantity_used,
                    line.quantity,
                    precision_rounding=line.product_uom_id.rounding,
                )
                > 0
            ):
                raise ValidationError(
                    self.env._(
                        "%(product)s: the used quantity (%(used)s) must be between "
                        "0 and the planned quantity (%(planned)s); plan more first.",
                        product=product.display_name,
                        used=line.quantity_used,
                        planned=line.quantity,
                    )
                )

    @api.constrains("price_unit")
    def _check_price_unit(self):
        negative = self.filtered(
            lambda line: line.currency_id.compare_amounts(line.price_unit, 0) < 0
        )
        if negative:
            raise ValidationError(
                self.env._(
                    "%(product)s: the unit price cannot be negative (%(price)s). "
                    "Bill a discount or a credit note instead.",
                    product=negative[0].product_id.display_name,
                    price=negative[0].price_unit,
                )
            )

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
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        orders = self.env["service.order"].browse(
            [vals["order_id"] for vals in vals_list if vals.get("order_id")]
        )
        orders._check_parts_editable()
        if self.env["service.order"]._crm_ext_is_technician():
            for vals in vals_list:
                self._check_technician_values(vals)
        lines = super().create(vals_list)
        lines.filtered(lambda line: line.order_id.state in ACTIVE_STATES)._reserve()
        return lines

    def write(self, vals):
        if set(vals) - BILLING_FIELDS:
            self.order_id._check_parts_editable()
        if self.env["service.order"]._crm_ext_is_technician():
            for line in self:
                line._check_technician_values(vals)
        res = super().write(vals)
        if STOCK_FIELDS & set(vals):
            self.filtered(
                lambda line: line.order_id.state in ACTIVE_STATES
            )._rereserve()
        return res

    def unlink(self):
        self.order_id._check_parts_editable()
        self._cancel_moves()
        return super().unlink()

    def _check_technician_values(self, vals):
        """A technician records the parts and labour used; any other value
        must be the one already there or the one the line computes itself
        (the web client sends those back), else an AccessError."""
        restricted = set(vals) - TECHNICIAN_FIELDS
        if not restricted:
            return
        origin = {
            fname: self[fname]
            for fname in TECHNICIAN_FIELDS
            if self and fname != "sequence"
        }
        draft = self.new(
            {
                **origin,
                **{fname: vals[fname] for fname in set(vals) & TECHNICIAN_FIELDS},
            }
        )
        for fname in sorted(restricted):
            field = self._fields.get(fname)
            if field is None:
                continue  # the ORM names unknown fields itself
            # compared as superuser: some of these fields are not readable
            # by technicians at all
            if (self and _same_value(self.sudo(), fname, vals[fname])) or (
                _same_value(draft.sudo(), fname, vals[fname])
            ):
                continue
            order = self.order_id or draft.order_id
            raise AccessError(
                self.env._(
                    "Technicians record the parts used, their lots and quantities: "
                    "the %(field)s of %(order)s is set by the dispatchers. Ask a "
                    "dispatcher to change it.",
                    field=field._description_string(self.env),
                    order=order.name,
                )
            )

    # ------------------------------------------------------------------
    # Stock
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
            returns.append(
                {
                    **line._prepare_move_vals(),
                    "name": self.env._(
                        "%(order)s: unused %(product)s back",
                        order=line.order_id.name,
                        product=line.product_id.display_name,
                    ),
                    "product_uom_qty": unused,
                    "location_id": out_move.location_dest_id.id,
                    "location_dest_id": out_move.location_id.id,
                    "origin_returned_move_id": out_move.id,
                    "to_refund": True,
                }
            )
        if returns:
            back = self.env["stock.move"].sudo().create(returns)
            back._action_confirm()
            for move in back:
                move.quantity = move.product_uom_qty
            self._finish_moves(back)

    # ------------------------------------------------------------------
    # Billing
    # ------------------------------------------------------------------
    def _billing_label(self):
        """The line as invoices and claims name it: order, product, lot."""
        self.ensure_one()
        label = f"{self.order_id.name}: {self.product_id.display_name}"
        return f"{label} ({self.lot_id.name})" if self.lot_id else label

    def _prepare_sale_line_vals(self, sale):
        self.ensure_one()
        return {
            "order_id": sale.id,
            "product_id": self.product_id.id,
            "name": self._billing_label(),
            "product_uom_qty": self.quantity_used,
            "product_uom": self.product_uom_id.id,
            "price_unit": self.price_unit,
        }


def _same_value(record, fname, value):
    """Whether ``value`` (as given to write) is ``record``'s value of ``fname``."""
    field = record._fields[fname]
    if field.type in ("one2many", "many2many"):
        return False
    given = field.convert_to_record(
        field.convert_to_cache(value, record, validate=False), record
    )
    if field.type == "many2one":
        return given.id == record[fname].id
    if field.type == "monetary":
        return not record.currency_id.compare_amounts(given or 0.0, record[fname])
    if field.type == "float":
        return float_compare(given or 0.0, record[fname], precision_digits=6) == 0
    return given == record[fname]
