#!/usr/bin/env python3
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Odoo's command line, as ``odoo-bin`` runs it, for the Odoo 18 that this
interpreter imports.

A prefork server (``--workers``) starts its gevent worker, which serves the
web client's bus, with ``sys.executable sys.argv[0] gevent ...``. Run as
``python3 -m odoo``, ``sys.argv[0]`` is ``odoo/__main__.py``, which cannot
run as a script: the gevent worker dies at once and the server starts it
again in a tight loop, a few times a second, taking the CPU of the requests.
Through this file ``sys.argv[0]`` is a script that works."""

import odoo

if __name__ == "__main__":
    odoo.cli.main()
