# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Smart-button counters: how many records of a model point at each record
of a set, in one grouped query for the whole set."""


def set_related_counts(records, counter, model, field, domain=()):
    """Set ``counter`` of each of ``records`` to the number of ``model``
    records whose many2one ``field`` is that record (and that match
    ``domain``)."""
    counts = dict(
        records.env[model]._read_group(
            [(field, "in", records.ids), *domain], [field], ["__count"]
        )
    )
    for record in records:
        record[counter] = counts.get(record, 0)
