# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Live checks over XML-RPC (odoorpc) against the server started by scripts/test."""


def test_module_is_installed(odoo):
    Module = odoo.env["ir.module.module"]
    ids = Module.search([("name", "=", "crm_extension")])
    [module] = Module.read(ids, ["state", "latest_version"])
    assert module["state"] == "installed"
    assert module["latest_version"].startswith("18.0.")


def test_service_groups_and_menu(odoo):
    imd = odoo.env["ir.model.data"]
    found = imd.search_read(
        [
            ("module", "=", "crm_extension"),
            (
                "name",
                "in",
                [
                    "group_service_technician",
                    "group_service_user",
                    "group_service_manager",
                    "menu_service_root",
                ],
            ),
        ],
        ["name", "model", "res_id"],
    )
    by_name = {row["name"]: row for row in found}
    assert set(by_name) == {
        "group_service_technician",
        "group_service_user",
        "group_service_manager",
        "menu_service_root",
    }
    manager = odoo.env["res.groups"].read(
        by_name["group_service_manager"]["res_id"], ["implied_ids"]
    )[0]
    assert by_name["group_service_user"]["res_id"] in manager["implied_ids"]
    menu = odoo.env["ir.ui.menu"].read(
        by_name["menu_service_root"]["res_id"], ["name", "parent_id"]
    )[0]
    assert menu["name"] == "Service"
    assert menu["parent_id"] is False


def test_demo_data_is_loaded(odoo):
    """The live database is installed with demo data, as scripts/run does."""
    demo_user = odoo.env["res.users"].search([("login", "=", "demo")])
    assert demo_user, "demo data is missing"
    groups = odoo.env["res.users"].read(demo_user, ["groups_id"])[0]["groups_id"]
    service_user = odoo.env.ref("crm_extension.group_service_user").id
    assert service_user in groups


def test_login_page_is_served(live_config):
    import urllib.request

    url = f"http://{live_config['host']}:{live_config['port']}/web/login"
    with urllib.request.urlopen(url, timeout=30) as resp:
        body = resp.read().decode()
    assert resp.status == 200
    assert 'name="login"' in body
