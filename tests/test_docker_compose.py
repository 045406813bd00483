# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""docker-compose.yml is not run here (no Docker engine): check its shape."""

import pathlib

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_services():
    assert set(SERVICES) == {"db", "init", "odoo", "test"}
    assert SERVICES["db"]["image"] == "postgres:16"


def test_odoo_image_and_dependencies():
    dockerfile = (ROOT / SERVICES["odoo"]["build"]["dockerfile"]).read_text()
    assert "FROM odoo:18.0" in dockerfile
    assert "requirements.txt" in dockerfile


def test_ports_and_volumes():
    # behind a reverse proxy (proxy_mode): published on the loopback only
    assert SERVICES["odoo"]["ports"] == ["127.0.0.1:8069:8069", "127.0.0.1:8072:8072"]
    for name in ("init", "odoo"):
        assert "./addons:/mnt/extra-addons:ro" in SERVICES[name]["volumes"]
        assert "./docker/odoo.conf:/etc/odoo/odoo.conf:ro" in SERVICES[name]["volumes"]
    assert set(COMPOSE["volumes"]) == {"db-data", "odoo-data"}


def test_init_installs_module_with_demo_once():
    init = SERVICES["init"]
    assert init["command"][:5] == ["odoo", "-d", "crm_extension", "-i", "crm_extension"]
    assert "--stop-after-init" in init["command"]
    assert "--without-demo" not in " ".join(init["command"])
    assert init["restart"] == "no"
    assert (
        SERVICES["odoo"]["depends_on"]["init"]["condition"]
        == "service_completed_successfully"
    )


def test_test_service_runs_the_test_command():
    test = SERVICES["test"]
    assert test["entrypoint"] == ["scripts/test"]
    assert test["environment"]["PGHOST"] == "db"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/test" in ci


def test_production_config():
    import configparser

    conf = configparser.ConfigParser()
    conf.read(ROOT / "docker" / "odoo.conf")
    options = conf["options"]
    assert int(options["workers"]) >= 2
    assert options["max_cron_threads"] == "1"
    assert options["gevent_port"] == "8072"
    assert int(options["limit_time_real"]) > 0
    assert int(options["limit_memory_soft"]) < int(options["limit_memory_hard"])
    assert options["proxy_mode"] == "True"
    assert options["list_db"] == "False"
    assert options["addons_path"] == "/mnt/extra-addons"
