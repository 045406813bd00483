# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Window actions that open related records: the smart buttons' one shape.

A button reads an action of the module (or of Odoo) by XML id and narrows
it to the records it is about; these two helpers do that, so that each
``action_view_*`` method says only which records and which defaults."""


def list_action(env, xmlid, domain, defaults=None, **context):
    """The window action ``xmlid`` narrowed to ``domain``. ``defaults``
    become ``default_*`` values of the records created from it; further
    keyword arguments go into its context as they are (``create=False``)."""
    action = env["ir.actions.act_window"]._for_xml_id(xmlid)
    action["domain"] = domain
    action["context"] = {
        **{f"default_{key}": value for key, value in (defaults or {}).items()},
        **context,
    }
    return action


def records_action(env, records, xmlid=None):
    """An action on ``records``: their form when there is one, else the list
    of action ``xmlid`` (a plain list of their model without one) narrowed
    to them."""
    if xmlid:
        action = env["ir.actions.act_window"]._for_xml_id(xmlid)
    else:
        action = {
            "type": "ir.actions.act_window",
            "res_model": records._name,
            "views": [(False, "list"), (False, "form")],
        }
    if len(records) == 1:
        action.update(
            {
                "views": [(False, "form")],
                "view_mode": "form",
                "res_id": records.id,
            }
        )
    else:
        action["domain"] = [("id", "in", records.ids)]
    return action
