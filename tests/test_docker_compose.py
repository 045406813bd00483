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
    assert SERVICES["odoo"]["ports"] == ["8069:8069"]
    for name in ("init", "odoo"):
        assert "./addons:/mnt/extra-addons:ro" in SERVICES[name]["volumes"]
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
