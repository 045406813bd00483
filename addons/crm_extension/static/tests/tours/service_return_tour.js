/** @odoo-module */
// License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

// From a delivered sale order: Return / Exchange, two of the three filters
// come back (the boiler stays), refund, Confirm.
registry.category("web_tour.tours").add("crm_extension_service_return", {
    steps: () => [
        {
            content: "Return / Exchange",
            trigger: ".o_form_view button[name=action_return_exchange]",
            run: "click",
        },
        {
            content: "Two filters come back",
            trigger:
                "div[name=line_ids] .o_data_row:nth-child(1) td[name=quantity]",
            run: "click",
        },
        {
            trigger:
                "div[name=line_ids] .o_data_row:nth-child(1).o_selected_row div[name=quantity] input",
            run: "edit 2",
        },
        {
            content: "The boiler stays",
            trigger:
                "div[name=line_ids] .o_data_row:nth-child(2) td[name=quantity]",
            run: "click",
        },
        {
            trigger:
                "div[name=line_ids] .o_data_row:nth-child(2).o_selected_row div[name=quantity] input",
            run: "edit 0",
        },
        ...stepUtils.saveForm(),
        {
            content: "Confirm: return picking and credit note",
            trigger: ".o_form_view button[name=action_confirm]",
            run: "click",
        },
        {
            content: "Confirmed",
            trigger:
                ".o_statusbar_status button.o_arrow_button_current:contains(Confirmed)",
        },
        {
            content: "The credit note is one click away",
            trigger: "button[name=action_view_refunds]",
        },
    ],
});
