# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The service order line: its fields, rules and what technicians may write.

Its stock moves are in ``service_order_line_stock.py``, its prices, costs
and billing values in ``service_order_line_billing.py``."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import float_compare

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
