# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The client factory's settings: flags, environment, defaults and errors."""

import argparse
import re

import pytest

from scripts.client import ClientConfig, ConfigError, add_connection_arguments


def parse(*argv):
    return add_connection_arguments(argparse.ArgumentParser()).parse_args(argv)


def test_flags_win_over_environment():
    env = {"CRM_EXT_DB": "envdb", "CRM_EXT_PASSWORD": "envpw", "CRM_EXT_PORT": "9000"}
    config = ClientConfig.from_sources(parse("--db", "flagdb"), environ=env)
    assert (config.db, config.password, config.port) == ("flagdb", "envpw", 9000)
    assert (config.host, config.user, config.timeout) == ("localhost", "admin", 60.0)


def test_missing_settings_are_named():
    with pytest.raises(
        ConfigError, match="--db or CRM_EXT_DB, --password or CRM_EXT_PASSWORD"
    ):
        ClientConfig.from_sources(parse(), environ={})


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--port", "http", "port and timeout must be numbers"),
        ("--timeout", "0", "timeout must be a positive number"),
        ("--protocol", "xmlrpc", "protocol must be jsonrpc or jsonrpc+ssl"),
    ],
)
def test_malformed_settings(flag, value, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        ClientConfig.from_sources(
            parse("--db", "d", "--password", "p", flag, value), environ={}
        )


def test_live_login_through_factory(odoo, live_config):
    assert odoo.env.user.login == live_config["user"]
    assert odoo.env.db == live_config["db"]
