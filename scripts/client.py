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
"""

import argparse
import os
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

    client = odoorpc.ODOO(
        config.host,
        protocol=config.protocol,
        port=config.port,
        timeout=config.timeout,
    )
    client.login(config.db, config.user, config.password)
    return client
