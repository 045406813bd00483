# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""State checks of the state-machine buttons.

Each model's ``_check_state(allowed, action_label)`` refuses an action on
records outside the states it allows, with the model's own message;
``wrong_state`` finds the record that message names."""


def wrong_state(records, allowed):
    """The first of ``records`` whose ``state`` is not in ``allowed``, and
    the label of that state; an empty recordset and False when all are."""
    bad = records.filtered(lambda record: record.state not in allowed)[:1]
    if not bad:
        return bad, False
    states = dict(records._fields["state"]._description_selection(records.env))
    return bad, states[bad.state]
