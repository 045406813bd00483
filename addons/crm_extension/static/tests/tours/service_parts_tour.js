/** @odoo-module */
// License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";
import {addLabourLineSteps, addPartLineSteps} from "./service_line_steps";

// A dispatcher opens a new service order, plans a part and labour on the
// Parts tab, saves and schedules it: the parts are reserved in the van.
registry.category("web_tour.tours").add("crm_extension_service_parts", {
    url: "/odoo/action-crm_extension.action_service_order",
    steps: () => [
        {
            content: "New service order",
            trigger: ".o_control_panel_main_buttons .o-kanban-button-new",
            run: "click",
        },
        {
            content: "Customer",
            trigger: "div.o_field_widget[name=partner_id] input",
            run: "edit Tour Customer",
        },
        {
            trigger: ".ui-menu-item a:contains(Tour Customer)",
            run: "click",
        },
        {
            content: "Technician",
            trigger: "div.o_field_widget[name=technician_id] input",
            run: "edit Tour Technician",
        },
        {
            trigger: ".ui-menu-item a:contains(Tour Technician)",
            run: "click",
        },
        {
            content: "Start on Monday 7 January 2030, 9:00",
            trigger: "div.o_field_widget[name=scheduled_start] input",
            run: "edit 01/07/2030 09:00:00",
        },
        {
            content: "Parts tab",
            trigger: ".o_notebook a[name=parts]",
            run: "click",
        },
        ...addPartLineSteps("Add a part: plan three", "Tour Gasket", 3),
        ...addLabourLineSteps("Add labour as the second line", "Tour Hour"),
        ...stepUtils.saveForm(),
        {
            content: "What is charged: 3 x 12 + 1 x 60",
            trigger: "div[name=amount_charged]:contains(96.00)",
        },
        {
            content: "Schedule",
            trigger: "button[name=action_schedule]",
            run: "click",
        },
        {
            content: "Scheduled",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Scheduled)",
        },
    ],
});
