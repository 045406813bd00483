/** @odoo-module */
// License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";
import {waitUntil} from "@odoo/hoot-dom";
import {addLabourLineSteps, addPartLineSteps} from "./service_line_steps";

const tours = registry.category("web_tour.tours");

// The main path, in three roles. The dispatcher records a complaint, makes
// its ticket, a service order from the ticket and auto-assigns it.
tours.add("crm_extension_main_path_dispatch", {
    url: "/odoo/action-crm_extension.action_customer_feedback",
    steps: () => [
        {
            content: "New feedback",
            trigger: ".o_control_panel_main_buttons .o-kanban-button-new",
            run: "click",
        },
        {
            content: "Subject",
            trigger: "div.o_field_widget[name=name] input",
            run: "edit Boiler leaks",
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
            content: "A complaint",
            trigger: "div.o_field_widget[name=feedback_type] input[data-value=complaint]",
            run: "click",
        },
        {
            content: "What the customer said",
            trigger: "div.o_field_widget[name=description] textarea",
            run: "edit Water under the boiler since Monday.",
        },
        ...stepUtils.saveForm(),
        {
            content: "Create its ticket",
            trigger: ".o_form_view button[name=action_create_ticket]",
            run: "click",
        },
        {
            content: "The ticket links back to its feedback",
            trigger: ".o_form_view button[name=action_view_feedback]",
        },
        {
            content: "Create a service order from the ticket",
            trigger: ".o_form_view button[name=action_create_service_order]",
            run: "click",
        },
        {
            content: "A draft order for the ticket's customer",
            trigger:
                ".o_form_view:has(.o_statusbar_status button.o_arrow_button_current:contains(Draft)) div[name=partner_id] input:value(Tour Customer)",
        },
        {
            content: "The visit needs a boiler technician",
            trigger: "div.o_field_widget[name=required_skill_ids] input",
            run: "edit Tour Boiler",
        },
        {
            trigger: ".ui-menu-item a:contains(Tour Boiler)",
            run: "click",
        },
        {
            content: "An hour and a half",
            trigger: "div.o_field_widget[name=duration_hours] input",
            run: "edit 01:30",
        },
        ...stepUtils.saveForm(),
        {
            content: "Auto-assign",
            trigger: ".o_form_view button[name=action_auto_assign]",
            run: "click",
        },
        {
            content: "The planner found a slot",
            trigger: ".o_notification:contains(1 order(s) assigned, 0 left unassigned)",
        },
        {
            content: "Booked with the technician",
            trigger:
                ".o_form_view:has(.o_statusbar_status button.o_arrow_button_current:contains(Scheduled)) div[name=technician_id] input:value(Tour Technician)",
        },
    ],
});

// The technician opens the visit, starts it, records the work, the parts and
// the time, has the customer sign and marks it done.
tours.add("crm_extension_main_path_technician", {
    url: "/odoo/action-crm_extension.action_service_order",
    steps: () => [
        {
            content: "The technician's visit",
            trigger: ".o_kanban_record:contains(Tour Customer)",
            run: "click",
        },
        {
            content: "Start",
            trigger: ".o_form_view button[name=action_start]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(In Progress)",
        },
        {
            content: "What was done",
            trigger: "div.o_field_widget[name=work_done] textarea",
            run: "edit Replaced the burner gaskets.",
        },
        {
            content: "Parts tab",
            trigger: ".o_notebook a[name=parts]",
            run: "click",
        },
        ...addPartLineSteps("Two gaskets from the van", "Tour Gasket", 2),
        ...addLabourLineSteps("An hour and a half of labour", "Tour Hour", 1.5),
        // the lines are saved before another tab opens: a tab clicked while
        // a line is still being saved loses the focus of its cell
        ...stepUtils.saveForm(),
        {
            content: "Both lines saved",
            trigger:
                "div[name=line_ids] .o_data_row:nth-child(2):not(.o_selected_row):contains(Tour Hour)",
        },
        {
            content: "Signature tab",
            trigger: ".o_notebook a[name=signature]",
            run: "click",
        },
        {
            content: "Who signs",
            trigger: "div.o_field_widget[name=signed_by] input",
            run: "edit Carl Customer",
        },
        {
            content: "Open the signature pad",
            trigger: "div.o_field_widget[name=signature] .o_signature",
            run: "click",
        },
        {
            content: "The pad signs with the signer's name",
            trigger: ".modal .o_web_sign_name_and_signature canvas.o_web_sign_signature",
            async run(helpers) {
                await waitUntil(() => {
                    const canvas = helpers.anchor;
                    const context = canvas.getContext("2d");
                    const data = context.getImageData(
                        0,
                        0,
                        canvas.width,
                        canvas.height
                    );
                    return new Uint32Array(data.data.buffer).some((px) => px !== 0);
                });
            },
        },
        {
            content: "Adopt & Sign",
            trigger: ".modal .modal-footer button.btn-primary:enabled",
            run: "click",
        },
        {
            content: "Signed",
            trigger: "div.o_field_widget[name=signature] img.o_signature",
        },
        ...stepUtils.saveForm(),
        {
            content: "Done",
            trigger: ".o_form_view button[name=action_done]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Done)",
        },
    ],
});

// Back office: the done order's invoice, from its smart button.
tours.add("crm_extension_main_path_invoice", {
    steps: () => [
        {
            content: "The order is done",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Done)",
        },
        {
            content: "Invoices smart button",
            trigger: ".o_form_view button[name=action_view_invoices]",
            run: "click",
        },
        {
            content: "The visit's draft invoice",
            trigger: ".o_list_view .o_data_row:contains(114.00) td.o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "Billed to the customer",
            trigger: ".o_form_view div[name=partner_id] input:value(Tour Customer)",
        },
        {
            content: "Two gaskets and the labour: 24 + 90",
            trigger:
                ".o_form_view:has(div[name=invoice_line_ids] .o_data_row:contains(Tour Hour)) div[name=tax_totals]:contains(114.00)",
        },
    ],
});
