/** @odoo-module */
// License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

import {registry} from "@web/core/registry";

// On a ticket: the Solutions tab suggests the leak article first; Solved by
// this links it.
registry.category("web_tour.tours").add("crm_extension_solution_ticket", {
    steps: () => [
        {
            content: "Open the Solutions tab",
            trigger: ".o_notebook a[name=solutions]",
            run: "click",
        },
        {
            content: "The leak article comes first",
            trigger:
                "div[name=suggested_solution_ids] .o_data_row:first-child td[name=name]:contains(Tour leaking tank)",
        },
        {
            content: "Solved by this",
            trigger:
                "div[name=suggested_solution_ids] .o_data_row:first-child button[name=action_solved_this]",
            run: "click",
        },
        {
            content: "The ticket is solved by the article",
            trigger: "div[name=solution_id] input:value(Tour leaking tank)",
        },
    ],
});

// On the portal: typing the subject of a new feedback lists the matching
// article, which the customer opens instead of sending.
registry.category("web_tour.tours").add("crm_extension_solution_portal", {
    steps: () => [
        {
            content: "Type the subject",
            trigger: ".o_crm_ext_feedback_form input[name=name]",
            run: "edit my tank is leaking",
        },
        {
            content: "The article is suggested",
            trigger: ".o_crm_ext_solution_results a:contains(Tour leaking tank)",
            run: "click",
        },
        {
            content: "This solved my problem",
            trigger: "button:contains(This solved my problem)",
            run: "click",
        },
        {
            content: "No feedback needed",
            trigger: ".alert-success:contains(no need to send us feedback)",
        },
    ],
});
