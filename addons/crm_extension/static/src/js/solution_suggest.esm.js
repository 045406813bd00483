/* License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */
import publicWidget from "@web/legacy/js/public/public_widget";
import {rpc} from "@web/core/network/rpc";

/**
 * The new feedback form asks the knowledge base as the customer types the
 * subject, and lists the matching articles, so they can solve it alone.
 */
publicWidget.registry.CrmExtSolutionSuggest = publicWidget.Widget.extend({
    selector: ".o_crm_ext_feedback_form",
    events: {
        "input input[name='name']": "_onInput",
    },

    start() {
        this._timer = null;
        this._lastQuery = "";
        return this._super(...arguments);
    },

    destroy() {
        clearTimeout(this._timer);
        this._super(...arguments);
    },

    _onInput() {
        clearTimeout(this._timer);
        this._timer = setTimeout(() => this._suggest(), 400);
    },

    async _suggest() {
        const subject = this.el.querySelector("input[name='name']").value.trim();
        if (subject === this._lastQuery) {
            return;
        }
        this._lastQuery = subject;
        const results = subject
            ? await rpc("/my/solutions/suggest", {subject: subject})
            : [];
        if (subject !== this._lastQuery) {
            return;
        }
        this._render(results);
    },

    _render(results) {
        const box = this.el.querySelector(".o_crm_ext_solution_results");
        box.replaceChildren();
        if (!results.length) {
            return;
        }
        const alert = document.createElement("div");
        alert.className = "alert alert-info";
        const intro = document.createElement("p");
        intro.className = "mb-1";
        intro.textContent = this.el.querySelector(".o_crm_ext_solution_intro").textContent;
        const list = document.createElement("ul");
        list.className = "mb-0";
        for (const result of results) {
            const item = document.createElement("li");
            const link = document.createElement("a");
            link.href = result.url;
            link.textContent = result.name;
            item.appendChild(link);
            list.appendChild(item);
        }
        alert.append(intro, list);
        box.appendChild(alert);
    },
});
