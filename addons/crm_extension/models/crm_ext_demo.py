# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The demo company's history: a year of sales, service and feedback.

Called once from ``demo/crm_ext_demo.xml`` (a ``noupdate`` file: an upgrade
does not run it again). Everything is dated relative to the install day and
drawn from a fixed-seed generator, so two installs on the same day give the
same data. The records go through the real flows (sale confirmation,
deliveries, invoice posting, payments, service order actions, ratings).

This file holds the entry point and the generator's shared state and
helpers; its steps live beside it, one file per concern:
``crm_ext_demo_stock.py`` (products, lots, warehouse and vans),
``crm_ext_demo_customers.py``, ``crm_ext_demo_sales.py`` (sales, returns,
payments), ``crm_ext_demo_helpdesk.py`` (tickets, feedback, ratings) and
``crm_ext_demo_service.py`` (installed base and service orders)."""

import logging
import random
from collections import defaultdict
from datetime import datetime, time, timedelta

from odoo import api, fields, models

from .crm_ext_demo_customers import _CustomerSteps
from .crm_ext_demo_helpdesk import _HelpdeskSteps
from .crm_ext_demo_sales import _SalesSteps
from .crm_ext_demo_service import _ServiceSteps
from .crm_ext_demo_stock import _StockSteps

_logger = logging.getLogger(__name__)

SEED = 20261217
DONE_PARAM = "crm_extension.demo_history"


class CrmExtDemo(models.AbstractModel):
    """Demo data generator: a lived-in after-sales company (demo only)."""

    _name = "crm.ext.demo"
    _description = "After-Sales Demo Data"

    @api.model
    def _generate_history(self):
        """Build about 12 months of history up to today. Runs once."""
        params = self.env["ir.config_parameter"].sudo()
        if params.get_param(DONE_PARAM):
            return False
        gen = _Generator(self.env)
        gen.run()
        params.set_param(DONE_PARAM, fields.Date.to_string(gen.today))
        return True


class _Generator(
    _StockSteps, _CustomerSteps, _SalesSteps, _HelpdeskSteps, _ServiceSteps
):
    """One run of the demo generator; the steps share its state."""

    def __init__(self, env):
        self.env = env
        self.rng = random.Random(SEED)
        self.now = fields.Datetime.now().replace(second=0, microsecond=0)
        self.today = self.now.date()
        self.company = env.ref("base.main_company")
        self.ref = env.ref
        self.bookings = defaultdict(list)  # technician -> [(start, end)]

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def past_day(self, min_days, max_days):
        """A weekday between ``max_days`` and ``min_days`` days ago."""
        day = self.today - timedelta(days=self.rng.randint(min_days, max_days))
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        return day

    def at(self, day, hour, minute=0):
        return datetime.combine(day, time(hour, minute))

    def active_customers(self):
        """The customers still in touch (the dormant ones went quiet)."""
        return self.customers.filtered(lambda p: self.tier[p] != "dormant")

    # ------------------------------------------------------------------
    # The run
    # ------------------------------------------------------------------
    def run(self):
        self.make_products()
        self.make_customers()
        self.stock_vans()
        self.make_sales()
        self.make_tickets()
        self.make_feedback()
        self.make_equipment()
        self.make_service_history()
        self.make_upcoming_visits()
        self.make_return()
        self.pay_invoices()
        self.env["helpdesk.ticket"]._sla_evaluate()
        self.env["res.partner"]._cron_compute_customer_segments()
        self.env.flush_all()
