# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""scripts.loadtest without a server: the degraded window of a fault, the
loopback guard and the invariants' exactly-once count."""

import pytest

from scripts import loadtest


def test_degraded_window_runs_from_first_failure_to_steady_success():
    fault = {"kind": "db-restart", "at": 100.0, "ok": True, "detail": ""}
    events = [
        (99.0, True, "a", 200),
        (100.5, True, "a", 200),  # before the first failure: not recovery
        (101.0, False, "a", 500),
        (102.0, True, "b", 200),  # a success followed by a failure
        (103.0, False, "b", 500),
        (106.0, True, "a", 200),  # steady from here
        (107.0, True, "b", 200),
        (109.0, True, "a", 200),
    ]
    [window] = loadtest.degraded_windows(events, [fault])
    assert window["degraded_s"] == 5.0
    assert window["failed_requests"] == 2
    assert window["recovered"]


def test_a_fault_without_failures_degrades_nothing():
    fault = {"kind": "worker-kill", "at": 10.0, "ok": True, "detail": ""}
    [window] = loadtest.degraded_windows([(11.0, True, "a", 200)], [fault])
    assert window["degraded_s"] == 0.0


@pytest.mark.parametrize("url", ["http://10.0.0.5:8069", "http://example.com"])
def test_only_loopback_targets(url):
    with pytest.raises(SystemExit, match="only loopback"):
        loadtest.loopback_only(url)


def test_loopback_targets_pass():
    loadtest.loopback_only("http://127.0.0.1:8069")
    loadtest.loopback_only("http://localhost:8069")


class FakeCursor:
    def __init__(self, found):
        self.found = found

    def execute(self, query, params):
        self.keys = params[0]

    def fetchall(self):
        return [(k, n) for k, n in self.found.items() if k in self.keys]


def test_exactly_once_counts_lost_and_doubled_rows():
    cursor = FakeCursor({"a": 1, "b": 2, "d": 2})
    # a: fine; b: acknowledged but twice; c: acknowledged but lost;
    # d: sent, answer lost, doubled; e: sent, answer lost, never arrived (fine)
    violations = loadtest._exactly_once(
        cursor, "t", "k", acked={"a", "b", "c"}, sent={"a", "b", "c", "d", "e"}
    )
    assert violations == 3
