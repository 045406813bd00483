# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Fixtures for the live tests: an odoorpc session on the server that
``scripts/test`` starts (CRM_EXT_HOST, CRM_EXT_PORT, CRM_EXT_DB, CRM_EXT_USER,
CRM_EXT_PASSWORD). Static tests need no server."""

import os

import pytest

from scripts import client

LIVE_VARS = ("CRM_EXT_HOST", "CRM_EXT_PORT", "CRM_EXT_DB")


@pytest.fixture(scope="session")
def live_config():
    missing = [name for name in LIVE_VARS if not os.environ.get(name)]
    if missing:
        pytest.fail(
            "live tests need a server: run them through scripts/test, or set "
            + ", ".join(missing)
        )
    return {
        "host": os.environ["CRM_EXT_HOST"],
        "port": int(os.environ["CRM_EXT_PORT"]),
        "db": os.environ["CRM_EXT_DB"],
        "user": os.environ.get("CRM_EXT_USER", "admin"),
        "password": os.environ.get("CRM_EXT_PASSWORD", "admin"),
    }


@pytest.fixture(scope="session")
def odoo(live_config):
    """An odoorpc client logged in as admin, built by the project's one factory."""
    return client.connect(client.ClientConfig.from_sources(environ=os.environ))


@pytest.fixture(scope="session")
def login_as(live_config):
    """``login_as(login, password=None)``: an odoorpc client of another user on
    the live server (the password, or API key, defaults to the login)."""

    def login(user, password=None):
        return client.connect(
            client.ClientConfig.from_sources(
                environ={
                    "CRM_EXT_HOST": live_config["host"],
                    "CRM_EXT_PORT": str(live_config["port"]),
                    "CRM_EXT_DB": live_config["db"],
                    "CRM_EXT_USER": user,
                    "CRM_EXT_PASSWORD": password or user,
                }
            )
        )

    return login
