# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The one place that builds an odoorpc client for crm_extension.

Settings come from flags or the environment:

=================  =======================  ===========
flag               environment              default
=================  =======================  ===========
``--host``         ``CRM_EXT_HOST``         localhost
``--port``         ``CRM_EXT_PORT``         8069
``--protocol``     ``CRM_EXT_PROTOCOL``     jsonrpc
``--db``           ``CRM_EXT_DB``           (required)
``--user``         ``CRM_EXT_USER``         admin
``--password``     ``CRM_EXT_PASSWORD``     (required; an API key works too)
``--timeout``      ``CRM_EXT_TIMEOUT``      60 seconds
=================  =======================  ===========

Retries: ``call(func, *args, idempotent=True)`` calls again, with
exponential backoff, when the server could not be reached or dropped the
connection (a worker restarted, PostgreSQL restarting). Only idempotent
calls are retried: reads, ``api_submit`` rows with their ``external_ref``,
``api_request`` and ``api_report_event`` with an ``external_ref``. Anything
else is called once, since a dropped connection does not say whether the
server committed it.
"""

import argparse
import http.client
import os
import socket
import time
import urllib.error
from dataclasses import dataclass

DEFAULTS = {
    "host": "localhost",
    "port": "8069",
    "protocol": "jsonrpc",
    "db": None,
    "user": "admin",
    "password": None,
    "timeout": "60",
}


class ConfigError(ValueError):
    """A setting is missing or malformed."""


@dataclass(frozen=True)
class ClientConfig:
    host: str
    port: int
    protocol: str
    db: str
    user: str
    password: str
    timeout: float

    @classmethod
    def from_sources(cls, args=None, environ=None):
        """Flags win over the environment, which wins over the defaults."""
        environ = os.environ if environ is None else environ
        values = {}
        for key, default in DEFAULTS.items():
            flag = getattr(args, key, None) if args is not None else None
            values[key] = (
                flag
                if flag not in (None, "")
                else environ.get(f"CRM_EXT_{key.upper()}", default)
            )
        missing = [key for key in ("db", "password") if not values[key]]
        if missing:
            raise ConfigError(
                "missing setting(s): "
                + ", ".join(f"--{key} or CRM_EXT_{key.upper()}" for key in missing)
            )
        try:
            port, timeout = int(values["port"]), float(values["timeout"])
        except ValueError as exc:
            raise ConfigError(f"port and timeout must be numbers: {exc}") from exc
        if timeout <= 0:
            raise ConfigError("timeout must be a positive number of seconds")
        if values["protocol"] not in ("jsonrpc", "jsonrpc+ssl"):
            raise ConfigError("protocol must be jsonrpc or jsonrpc+ssl")
        return cls(
            host=values["host"],
            port=port,
            protocol=values["protocol"],
            db=values["db"],
            user=values["user"],
            password=values["password"],
            timeout=timeout,
        )


def add_connection_arguments(parser: argparse.ArgumentParser):
    group = parser.add_argument_group("connection (flags or CRM_EXT_* variables)")
    for key in DEFAULTS:
        group.add_argument(f"--{key}", default=None)
    return parser


def connect(config: ClientConfig):
    """Log in and return an ``odoorpc.ODOO`` client."""
    import odoorpc

    def login():
        client = odoorpc.ODOO(
            config.host,
            protocol=config.protocol,
            port=config.port,
            timeout=config.timeout,
        )
        client.login(config.db, config.user, config.password)
        return client

    # logging in changes nothing: retried like a read
    return call(login, idempotent=True, attempts=3)


# What a dropped or refused connection looks like through odoorpc, xmlrpc and
# urllib: the request may not have reached the server, or its answer was lost.
CONNECTION_ERRORS = (
    ConnectionError,
    socket.timeout,
    http.client.HTTPException,
    urllib.error.URLError,
)
# Server-side errors of a database that is restarting: nothing was committed.
TRANSIENT_SERVER_ERRORS = (
    "OperationalError",
    "InterfaceError",
    "server closed the connection unexpectedly",
    "terminating connection due to administrator command",
    "the database system is starting up",
    "the database system is shutting down",
    "could not connect to server",
    "connection to server",
    "Connection refused",
)


def is_transient(exc):
    """True when ``exc`` says the server was unreachable or its database was
    restarting, so that an idempotent call may be sent again."""
    if isinstance(exc, CONNECTION_ERRORS):
        return True
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code in (502, 503, 504)
    text = str(getattr(exc, "info", "") or "") + " " + str(exc)
    return any(marker in text for marker in TRANSIENT_SERVER_ERRORS)


def call(func, *args, idempotent, attempts=6, backoff=0.5, max_wait=8.0, **kwargs):
    """``func(*args, **kwargs)``; an idempotent call is retried on transient
    errors (``is_transient``) up to ``attempts`` times, waiting ``backoff``
    seconds, then twice as long each time (at most ``max_wait``)."""
    wait = backoff
    for attempt in range(1, attempts + 1):
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            if not idempotent or attempt == attempts or not is_transient(exc):
                raise
        time.sleep(wait)
        wait = min(wait * 2, max_wait)
    raise AssertionError("unreachable")
