# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Static checks of the module's XML and manifest, with lxml: no server needed."""

import ast
import csv
import pathlib

import pytest
from lxml import etree

MODULE = pathlib.Path(__file__).resolve().parent.parent / "addons" / "crm_extension"
MANIFEST = ast.literal_eval((MODULE / "__manifest__.py").read_text())
XML_FILES = sorted(MODULE.rglob("*.xml"))


def test_manifest_contract():
    assert MANIFEST["version"].startswith("18.0.")
    assert len(MANIFEST["version"].split(".")) == 5
    assert MANIFEST["license"] == "AGPL-3"
    for dep in (
        "crm",
        "sale_management",
        "sale_stock",
        "account",
        "helpdesk_mgmt",
        "portal",
        "rating",
    ):
        assert dep in MANIFEST["depends"], dep


@pytest.mark.parametrize("key", ["data", "demo"])
def test_manifest_files_exist(key):
    for name in MANIFEST.get(key, []):
        assert (MODULE / name).is_file(), f"{key} file {name} is missing"


def test_every_data_file_is_loaded():
    loaded = set(MANIFEST.get("data", [])) | set(MANIFEST.get("demo", []))
    for path in XML_FILES:
        rel = path.relative_to(MODULE).as_posix()
        if rel.startswith(("static/", "tests/")):
            continue
        assert rel in loaded, f"{rel} is not listed in the manifest"


@pytest.mark.parametrize(
    "path", XML_FILES, ids=lambda p: p.relative_to(MODULE).as_posix()
)
def test_xml_uses_odoo18_syntax(path):
    tree = etree.parse(str(path))
    assert not tree.xpath("//tree"), "use <list>, not <tree>"
    assert not tree.xpath("//*[@attrs]"), (
        "attrs= is gone in Odoo 17+: use invisible/readonly/required"
    )
    assert not tree.xpath("//*[@states]"), "states= is gone in Odoo 17+: use invisible"
    ids = [node.get("id") for node in tree.xpath("//*[@id]")]
    assert len(ids) == len(set(ids)), "duplicate xml ids"


def test_access_csv_is_well_formed():
    with open(MODULE / "security" / "ir.model.access.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    header = [
        "id",
        "name",
        "model_id:id",
        "group_id:id",
        "perm_read",
        "perm_write",
        "perm_create",
        "perm_unlink",
    ]
    with open(MODULE / "security" / "ir.model.access.csv", newline="") as fh:
        assert next(csv.reader(fh)) == header
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    for row in rows:
        for perm in header[4:]:
            assert row[perm] in ("0", "1"), (row["id"], perm)


def test_groups_are_chained_in_xml():
    tree = etree.parse(str(MODULE / "security" / "security.xml"))

    def implied(xmlid):
        field = tree.xpath(f"//record[@id='{xmlid}']/field[@name='implied_ids']")
        assert field, f"{xmlid} has no implied_ids"
        return field[0].get("eval")

    assert "base.group_user" in implied("group_service_technician")
    assert "group_service_technician" in implied("group_service_user")
    assert "group_service_user" in implied("group_service_manager")


def test_every_window_action_explains_its_empty_screen():
    """A newcomer meets the action's help first: what the screen is for and
    how to fill it (settings pages and dialogs have no empty state)."""
    missing = []
    for path in XML_FILES:
        for action in etree.parse(str(path)).xpath(
            "//record[@model='ir.actions.act_window']"
        ):
            if action.xpath("field[@name='target' and text()!='current']"):
                continue
            paragraphs = action.xpath("field[@name='help']/p")
            if len(paragraphs) < 2 or not all(
                "".join(p.itertext()).strip() for p in paragraphs
            ):
                missing.append(action.get("id"))
    assert not missing, f"window actions without a help: {missing}"
