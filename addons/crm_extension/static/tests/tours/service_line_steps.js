/** @odoo-module */
// License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

// Steps shared by the tours that plan lines on a service order's Parts tab
// (the tab is open, the order in edition).

const LINES = "div[name=line_ids]";

function pickProduct(row, product) {
    return [
        {
            trigger: `${LINES} ${row}.o_selected_row .o_list_many2one[name=product_id] input`,
            run: `edit ${product}`,
        },
        {
            trigger: `.ui-menu-item-wrapper:contains(${product})`,
            run: "click",
        },
    ];
}

function setQuantity(row, quantity) {
    return quantity === undefined
        ? []
        : [
              {
                  trigger: `${LINES} ${row}.o_selected_row div[name=quantity] input`,
                  run: `edit ${quantity}`,
              },
          ];
}

/** A part line (the first line of the order): ``quantity`` of ``product``. */
export function addPartLineSteps(content, product, quantity) {
    return [
        {
            content,
            trigger: `${LINES} .o_field_x2many_list_row_add a`,
            run: "click",
        },
        ...pickProduct("", product),
        ...setQuantity("", quantity),
    ];
}

/** A labour line as the order's second line; the quantity stays 1 when
 * ``quantity`` is undefined. */
export function addLabourLineSteps(content, product, quantity) {
    const row = ".o_data_row:nth-child(2)";
    return [
        {
            content,
            trigger: `${LINES} .o_field_x2many_list_row_add a`,
            run: "click",
        },
        {
            trigger: `${LINES} ${row}.o_selected_row div[name=line_type] select`,
            run: 'select "labour"',
        },
        ...pickProduct(row, product),
        ...setQuantity(row, quantity),
    ];
}
