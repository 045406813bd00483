# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""scripts.client.call: idempotent calls are retried on connection errors,
nothing else is (no server needed)."""

import pytest

from scripts import client


class Flaky:
    def __init__(self, failures, exc=ConnectionRefusedError):
        self.failures, self.exc, self.calls = failures, exc, 0

    def __call__(self, value):
        self.calls += 1
        if self.calls <= self.failures:
            raise self.exc("down")
        return value


def test_idempotent_call_is_retried_until_it_answers():
    func = Flaky(2)
    assert client.call(func, 42, idempotent=True, backoff=0.001) == 42
    assert func.calls == 3


def test_non_idempotent_call_is_sent_once():
    func = Flaky(1)
    with pytest.raises(ConnectionRefusedError):
        client.call(func, 42, idempotent=False, backoff=0.001)
    assert func.calls == 1


def test_business_errors_are_not_retried():
    func = Flaky(1, exc=ValueError)
    with pytest.raises(ValueError):
        client.call(func, 42, idempotent=True, backoff=0.001)
    assert func.calls == 1


def test_a_restarting_database_is_transient():
    class RPCError(Exception):
        info = {"data": {"name": "psycopg2.OperationalError"}}

    assert client.is_transient(RPCError("server closed the connection unexpectedly"))
    assert not client.is_transient(ValueError("Row 1, field channel: 'fax' ..."))


def test_attempts_are_bounded():
    func = Flaky(10)
    with pytest.raises(ConnectionRefusedError):
        client.call(func, 1, idempotent=True, attempts=3, backoff=0.001)
    assert func.calls == 3
