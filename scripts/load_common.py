# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What ``scripts.loadtest`` and its Locust users share: the client-side
ledger of acknowledged work, the run's settings and the error of an RPC."""

import threading
import urllib.parse
from collections import defaultdict

BATCH_ROWS = 50
BACKGROUND_ORDERS = 25
BUSINESS_ERRORS = (
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.MissingError",
)


class RpcError(Exception):
    """An error answer of the server; ``business`` for a refusal the user
    can hit (UserError, ValidationError...), which changes nothing."""

    def __init__(self, message, info=None, status=None):
        super().__init__(message)
        self.info = info or {}
        self.status = status
        name = (self.info.get("data") or {}).get("name", "") if self.info else ""
        self.business = any(name.startswith(b) for b in BUSINESS_ERRORS)


def loopback_only(url):
    host = urllib.parse.urlsplit(url).hostname or ""
    if host not in ("localhost", "127.0.0.1", "::1") and not host.startswith("127."):
        raise SystemExit(f"refusing to load {host}: only loopback targets")


# ---------------------------------------------------------------------------
# Records of what the server acknowledged, kept on the client side
# ---------------------------------------------------------------------------
class Ledger:
    def __init__(self):
        self.lock = threading.Lock()
        self.feedback_refs = set()  # api_submit rows acknowledged
        self.feedback_sent = set()  # sent, answer maybe lost
        self.order_refs = set()  # api_request acknowledged
        self.order_sent = set()
        self.event_refs = set()  # api_report_event acknowledged
        self.event_sent = set()
        self.portal_acked = set()  # portal feedback subjects acknowledged
        self.portal_sent = set()
        self.done_orders = set()  # orders a technician finished (acknowledged)
        self.plan_runs = []  # (run id of dispatcher A, of dispatcher B)
        self.refusals = defaultdict(int)
        self.retries = defaultdict(int)
        self.events = []  # (time, ok, kind, status)

    def add(self, name, values):
        with self.lock:
            getattr(self, name).update(values)


LEDGER = Ledger()
CONFIG = {}
