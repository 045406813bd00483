# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The integrator CLI end to end, as a subprocess against the live server."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cli(*argv, env=None):
    return subprocess.run(
        [sys.executable, "-m", "scripts.cli", *argv],
        check=False,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_missing_settings_exit_2():
    result = cli("kpi", "export", env={"CRM_EXT_DB": "", "CRM_EXT_PASSWORD": ""})
    assert result.returncode == 2
    assert "missing setting(s): --db or CRM_EXT_DB" in result.stderr


def test_unreachable_server_exit_3(live_config):
    result = cli("--port", "9", "kpi", "export")
    assert result.returncode == 3
    assert "error: cannot connect to" in result.stderr


def test_wrong_password_exit_3(live_config):
    result = cli("--password", "not-the-password", "kpi", "export")
    assert result.returncode == 3


def test_bad_argument_exit_2():
    result = cli("kpi", "export", "--segment", "Z")
    assert result.returncode == 2
    assert "invalid choice: 'Z'" in result.stderr


@pytest.fixture(scope="module")
def segmented(odoo):
    """Two customers with posted invoices, then the nightly segmentation."""
    Partner = odoo.env["res.partner"]
    product = odoo.env["product.product"].create(
        {"name": "CLI KPI product", "type": "service", "list_price": 10.0}
    )
    ids = []
    for name, amount in (("CLI Whale", 100000.0), ("CLI Minnow", 1.0)):
        partner = Partner.create({"name": name, "is_company": True})
        move = odoo.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner,
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": product,
                            "price_unit": amount,
                            "tax_ids": [(5, 0, 0)],
                        },
                    )
                ],
            }
        )
        odoo.execute_kw("account.move", "action_post", [[move]])
        ids.append(partner)
    cron = odoo.env.ref("crm_extension.ir_cron_customer_segments")
    odoo.execute_kw("ir.cron", "method_direct_trigger", [[cron.id]])
    return dict(zip(("whale", "minnow"), ids, strict=True))


def test_kpi_export_csv_by_segment(segmented):
    result = cli("kpi", "export", "--segment", "A")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    names = {row["name"] for row in rows}
    assert "CLI Whale" in names
    assert "CLI Minnow" not in names
    whale = next(row for row in rows if row["name"] == "CLI Whale")
    assert whale["customer_segment"] == "A"
    assert float(whale["lifetime_value"]) == 100000.0


def test_kpi_export_json_to_file(segmented, tmp_path):
    target = tmp_path / "kpi.json"
    result = cli("kpi", "export", "--format", "json", "--output", str(target))
    assert result.returncode == 0, result.stderr
    records = json.loads(target.read_text())
    by_id = {rec["id"]: rec for rec in records}
    assert by_id[segmented["whale"]]["customer_segment"] == "A"
    assert by_id[segmented["minnow"]]["customer_segment"] in ("B", "C")
