# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import copy
import logging

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..tools.cpu import cpu_seconds_left

_logger = logging.getLogger(__name__)

# Above this many orders, Auto-assign runs in the background (the system
# parameter crm_extension.dispatch_async_threshold overrides it).
ASYNC_THRESHOLD = 20
# Orders planned per call of the cron's method: each call is one transaction,
# committed by the cron runner with its progress, well inside limit_time_real.
BATCH_SIZE = 20
# First key of the transaction-scoped advisory lock that serialises queue
# requests of one company (the second key is the company id).
QUEUE_LOCK = 0x5D15
# CPU seconds a batch may take at most: a cron worker with less than this
# left of its limit_time_cpu hands the next batch over to a fresh pass.
BATCH_CPU_SECONDS = 30
# A batch that met a concurrent booking (serialisation failure, lock, deadlock)
# is tried again at once, in a new transaction.
CONCURRENCY_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.LockNotAvailable,
    pg_errors.DeadlockDetected,
)


class ServiceDispatchRun(models.Model):
    """An Auto-assign of many orders, run in the background by the cron
    ``ir_cron_dispatch_runs`` (woken with ``ir.cron._trigger()``).

    A company has at most one queued run (a partial unique index; requests
    are serialised by an advisory lock, and a request whose snapshot is older
    than the run it waited for is retried): a second request adds its orders
    to the queued run, or gets the running run when that one already holds
    all its orders. The cron plans ``BATCH_SIZE`` orders per call and reports its
    progress with ``ir.cron._notify_progress``; the cron runner commits each
    call, so a killed cron worker resumes at the next batch."""

    _name = "service.dispatch.run"
    _description = "Background Auto-assign"
    _inherit = ["mail.thread"]
    _order = "id desc"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    user_id = fields.Many2one(
        "res.users", "Requested by", required=True, readonly=True, index=True
    )
    order_ids = fields.Many2many(
        "service.order",
        "service_dispatch_run_order_rel",
        "run_id",
        "order_id",
        readonly=True,
    )
    done_order_ids = fields.Many2many(
        "service.order",
        "service_dispatch_run_done_rel",
        "run_id",
        "order_id",
        "Planned orders",
        readonly=True,
    )
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="queued",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    order_count = fields.Integer(compute="_compute_progress", store=True)
    done_count = fields.Integer(compute="_compute_progress", store=True)
    progress = fields.Float(compute="_compute_progress", store=True)
    assigned_count = fields.Integer(readonly=True)
    unassigned_count = fields.Integer(readonly=True)
    summary = fields.Json(readonly=True)
    result_message = fields.Text(readonly=True)
    date_start = fields.Datetime("Started", readonly=True)
    date_done = fields.Datetime("Finished", readonly=True)

    def init(self):
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS service_dispatch_run_one_queued "
                "ON service_dispatch_run (company_id) WHERE state = 'queued'"
            )
        )

    @api.depends("order_ids", "done_order_ids")
    def _compute_progress(self):
        for run in self:
            run.order_count = len(run.order_ids)
            run.done_count = len(run.done_order_ids)
            run.progress = (
                100.0 * run.done_count / run.order_count if run.order_count else 0.0
            )

    def _compute_display_name(self):
        for run in self:
            run.display_name = self.env._(
                "Auto-assign #%(id)s (%(count)s orders)",
                id=run.id,
                count=run.order_count,
            )

    # ------------------------------------------------------------------
    # Business: queue
    # ------------------------------------------------------------------
    @api.model
    def _queue(self, orders):
        """Queue ``orders`` (checked by the caller) for a background
        Auto-assign requested by the current user; the runs, one per
        company."""
        runs = self.browse()
        for company, company_orders in orders.grouped("company_id").items():
            runs |= self._queue_company(company, company_orders)
        self._wake_cron()
        return runs

    def _queue_company(self, company, orders):
        cr = self.env.cr
        # one request at a time per company, until this transaction ends
        cr.execute(SQL("SELECT pg_advisory_xact_lock(%s, %s)", QUEUE_LOCK, company.id))
        # Under REPEATABLE READ this transaction does not see a run that the
        # request it waited for committed after its snapshot: then start
        # again with a fresh snapshot (Odoo retries the call).
        cr.execute(
            SQL(
                "SELECT id FROM service_dispatch_run"
                " WHERE company_id = %s AND state IN ('queued', 'running')",
                company.id,
            )
        )
        seen = {row[0] for row in cr.fetchall()}
        if self._committed_open_run_ids(company) - seen:
            raise pg_errors.SerializationFailure(
                "a background Auto-assign was queued meanwhile"
            )
        # the queued run, if the cron has not taken it meanwhile
        cr.execute(
            SQL(
                "SELECT id FROM service_dispatch_run"
                " WHERE company_id = %s AND state = 'queued' FOR UPDATE",
                company.id,
            )
        )
        queued = self.sudo().browse([row[0] for row in cr.fetchall()])
        running = self.sudo().search(
            [("company_id", "=", company.id), ("state", "=", "running")]
        )
        new = orders.sudo() - running.order_ids
        if not new and running:
            return running[:1].sudo(False)
        if queued:
            queued.order_ids |= new - queued.order_ids
            queued.message_subscribe(partner_ids=self.env.user.partner_id.ids)
            return queued.sudo(False)
        try:
            with cr.savepoint():
                run = self.sudo().create(self._prepare_run_vals(company, new))
        except pg_errors.UniqueViolation as exc:
            # the queued run of a request that committed after this check
            raise pg_errors.SerializationFailure(
                "a background Auto-assign was queued meanwhile"
            ) from exc
        run.message_subscribe(partner_ids=self.env.user.partner_id.ids)
        return run.sudo(False)

    @api.model
    def _prepare_run_vals(self, company, orders):
        """A queued run of ``orders`` of ``company``, requested by the user."""
        return {
            "company_id": company.id,
            "user_id": self.env.uid,
            "order_ids": [fields.Command.set(orders.ids)],
        }

    @api.model
    def _wake_cron(self):
        """A trigger due now: Odoo wakes the cron worker once the
        transaction commits (a trigger in the future waits for its poll)."""
        self.env.ref("crm_extension.ir_cron_dispatch_runs").sudo()._trigger()

    def _committed_open_run_ids(self, company):
        """Ids of the open runs of ``company`` as committed now, read on a
        cursor of its own."""
        with self.env.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "SELECT id FROM service_dispatch_run"
                    " WHERE company_id = %s AND state IN ('queued', 'running')",
                    company.id,
                )
            )
            return {row[0] for row in cr.fetchall()}

    # ------------------------------------------------------------------
    # Business: background run
    # ------------------------------------------------------------------
    @api.model
    def _cron_process_runs(self, batch_size=BATCH_SIZE):
        """Plan the next batch of the oldest open run. Reports the progress
        to the cron runner, which calls again while orders remain."""
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT id FROM service_dispatch_run"
                " WHERE state IN ('running', 'queued')"
                " ORDER BY state = 'running' DESC, id"
                " LIMIT 1 FOR UPDATE SKIP LOCKED"
            )
        )
        row = cr.fetchone()
        done = 0
        if row and cpu_seconds_left() < BATCH_CPU_SECONDS:
            # the runner calls again in the same pass, which limit_time_cpu
            # bounds: stop here (nothing done ends the pass) and wake the
            # cron again, so the next batch starts a pass of its own
            self._wake_cron()
        elif row:
            done = self.browse(row[0])._process_batch(batch_size)
        open_runs = self.search([("state", "in", ("running", "queued"))])
        remaining = sum(len(run.order_ids - run.done_order_ids) for run in open_runs)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    def _process_batch(self, batch_size):
        """Plan the next ``batch_size`` orders of ``self``; how many it took."""
        self.ensure_one()
        if self.state == "queued":
            self.write({"state": "running", "date_start": fields.Datetime.now()})
        pending = self.order_ids - self.done_order_ids
        batch = pending[:batch_size]
        orders = batch.with_user(self.user_id).with_company(self.company_id)
        todo = orders._get_auto_assignable()
        summary = copy.deepcopy(self.summary or {"assigned": {}, "unassigned": {}})
        skipped = summary.setdefault("skipped", [])
        skipped += (orders - todo).ids
        try:
            with self.env.cr.savepoint():
                part = todo._auto_assign() if todo else {}
        except CONCURRENCY_ERRORS as exc:
            # a dispatcher booked the same technicians meanwhile: plan this
            # batch again on a fresh snapshot. The trigger is due now, so the
            # cron worker is woken as soon as this transaction commits (a
            # trigger in the future waits for its next poll, a minute later)
            self.env.invalidate_all()
            _logger.info("dispatch run %s: %s, retried at once", self.id, exc.pgcode)
            self._wake_cron()
            return 0
        except (UserError, ValidationError, AccessError) as exc:
            self._finish("failed", summary, str(exc))
            return len(batch)
        for key in ("assigned", "unassigned"):
            summary.setdefault(key, {}).update(part.get(key, {}))
        summary["lateness_minutes"] = summary.get("lateness_minutes", 0.0) + part.get(
            "lateness_minutes", 0.0
        )
        self.write(
            {
                "done_order_ids": [fields.Command.link(oid) for oid in batch.ids],
                "summary": summary,
                "assigned_count": len(summary["assigned"]),
                "unassigned_count": len(summary["unassigned"]),
            }
        )
        if not pending - batch:
            self._finish("done", summary)
        return len(batch)

    def _finish(self, state, summary, error=None):
        if error:
            message = self.env._("Auto-assign failed: %s", error)
        else:
            message = self.env._(
                "%(assigned)s order(s) assigned, %(left)s left unassigned.",
                assigned=len(summary.get("assigned", {})),
                left=len(summary.get("unassigned", {})),
            )
        self.write(
            {
                "state": state,
                "summary": summary,
                "result_message": message,
                "date_done": fields.Datetime.now(),
            }
        )
        self.message_post(body=message, partner_ids=self.user_id.partner_id.ids)
        self.user_id._bus_send(
            "simple_notification",
            {
                "type": "danger" if error else "success",
                "title": self.env._("Auto-assign"),
                "message": message,
                "sticky": bool(error),
            },
        )
        _logger.info("dispatch run %s %s: %s", self.id, state, message)
