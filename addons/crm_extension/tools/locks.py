# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Row locks that serialise concurrent work on the same records.

``lock_rows`` is the one helper: the technician's row before its bookings
are checked or its van is replenished, the equipment's rows before their
events are counted or their maintenance orders planned."""

from odoo.tools import SQL


def lock_rows(records):
    """Lock the rows of ``records`` until the transaction ends.

    The rows are updated (not just selected FOR UPDATE): under Odoo's
    REPEATABLE READ isolation a second transaction that works on the same
    records at the same time then fails with a serialization error instead
    of reading a snapshot that misses the first one's writes; Odoo retries
    the request, and the retry sees them."""
    if records:
        records.env.cr.execute(
            SQL(
                "UPDATE %s SET write_date = write_date WHERE id IN %s",
                SQL.identifier(records._table),
                tuple(records.ids),
            ),
            log_exceptions=False,  # a serialization error is retried
        )
