# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Smart-button counters: how many records of a model point at each record
of a set, in one grouped query for the whole set."""


def _known_empty(records, model, field):
    """The records whose one2many of ``model`` by ``field`` is in cache and
    empty: a record just created has none, so its counters need no query.

    Only for a plain many2one ``field``: the ORM keeps the one2many in cache
    up to date when such a field is written, not when it is computed."""
    if records.env[model]._fields[field].compute:
        return records.browse()
    cache = records.env.cache
    for o2m in records._fields.values():
        if (
            o2m.type == "one2many"
            and o2m.comodel_name == model
            and o2m.inverse_name == field
            and not o2m.domain
        ):
            return records.filtered(
                lambda r, o2m=o2m: cache.contains(r, o2m) and not cache.get(r, o2m)
            )
    return records.browse()


def set_related_counts(records, counter, model, field, domain=()):
    """Set ``counter`` of each of ``records`` to the number of ``model``
    records whose many2one ``field`` is that record (and that match
    ``domain``)."""
    empty = _known_empty(records, model, field)
    others = records - empty
    counts = (
        dict(
            records.env[model]._read_group(
                [(field, "in", others.ids), *domain], [field], ["__count"]
            )
        )
        if others
        else {}
    )
    for record in records:
        record[counter] = counts.get(record, 0)
