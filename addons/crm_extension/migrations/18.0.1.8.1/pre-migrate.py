# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The technician utilisation report takes the ``.report`` suffix of the
other reports: ``service.technician.utilisation`` becomes
``service.technician.utilisation.report``.

The model, its fields, views, action, access line, rule and menu keep their
rows (and so their ids, translations, favourites and the company rule, which
is ``noupdate``): they are renamed in place, as openupgradelib's
``rename_models`` and ``rename_xmlids`` would. The report is a SQL view: the
old one is dropped, the model's ``init`` creates the new one."""

from odoo.tools import SQL

OLD_MODEL = "service.technician.utilisation"
NEW_MODEL = "service.technician.utilisation.report"
# the part of the XML ids that names the model
OLD_NAME = "service_technician_utilisation"
NEW_NAME = "service_technician_utilisation_report"

# columns that hold a model's name
MODEL_COLUMNS = (
    ("ir_model", "model"),
    ("ir_model_fields", "model"),
    ("ir_model_fields", "relation"),
    ("ir_model_data", "model"),
    ("ir_act_window", "res_model"),
    ("ir_ui_view", "model"),
    ("ir_filters", "model_id"),
)
# crm_extension XML ids that name the model, fields aside
XMLIDS = (
    f"model_{OLD_NAME}",
    f"access_{OLD_NAME}_user",
    f"{OLD_NAME}_rule_company",
    f"{OLD_NAME}_view_pivot",
    f"{OLD_NAME}_view_graph",
    f"{OLD_NAME}_view_search",
    f"action_{OLD_NAME}",
    f"menu_{OLD_NAME}",
)


def migrate(cr, version):
    cr.execute(SQL("DROP VIEW IF EXISTS %s", SQL.identifier(OLD_NAME)))
    for table, column in MODEL_COLUMNS:
        cr.execute(
            SQL(
                "UPDATE %(table)s SET %(column)s = %(new)s WHERE %(column)s = %(old)s",
                table=SQL.identifier(table),
                column=SQL.identifier(column),
                new=NEW_MODEL,
                old=OLD_MODEL,
            )
        )
    for old in XMLIDS:
        cr.execute(
            SQL(
                "UPDATE ir_model_data SET name = %s "
                "WHERE module = 'crm_extension' AND name = %s",
                old.replace(OLD_NAME, NEW_NAME),
                old,
            )
        )
    # field_service_technician_utilisation__<field>
    old_prefix, new_prefix = f"field_{OLD_NAME}__", f"field_{NEW_NAME}__"
    cr.execute(
        SQL(
            "UPDATE ir_model_data SET name = %s || substr(name, %s) "
            "WHERE module = 'crm_extension' AND model = 'ir.model.fields' "
            "AND starts_with(name, %s)",
            new_prefix,
            len(old_prefix) + 1,
            old_prefix,
        )
    )
