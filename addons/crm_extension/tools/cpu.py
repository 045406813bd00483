# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What is left of the CPU time the process may use (``RLIMIT_CPU``).

A prefork Odoo worker, the cron worker too, is given ``limit_time_cpu``
seconds (60 by default) of CPU per unit of work: a cron worker's unit is one
pass over a database's due jobs, in which Odoo's runner calls a job that
reports progress up to ten times. A long job checks what is left before each
batch, so that the worker is never killed in the middle of one."""

import math
import resource


def cpu_seconds_left():
    """Seconds of CPU the process may still use before the soft limit, or
    infinity when it has none (a threaded server, the tests)."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_CPU)
    if soft == resource.RLIM_INFINITY:
        return math.inf
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return soft - (usage.ru_utime + usage.ru_stime)
