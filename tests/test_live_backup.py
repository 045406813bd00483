# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Backup and restore through Odoo's database manager (scripts.backup and
scripts.restore): a dump of the live demo database restored into a new
database keeps the module's records, its attachments (a signature, a photo,
a PDF) and the load test's invariants.

Needs the server's master password (CRM_EXT_MASTER_PASSWORD, set by
scripts/test) and, for the invariants, libpq settings (CRM_EXT_PG_DSN)."""

import base64
import os
import uuid

import pytest

from scripts import backup, client, restore
from scripts.loadtest import INVARIANT_SQL

# a 1x1 PNG and the smallest PDF a viewer opens
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGA"
    "hKmMIQAAAABJRU5ErkJggg=="
)
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages"
    b"/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox"
    b"[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
MODELS = (
    "customer.feedback",
    "service.order",
    "service.order.line",
    "customer.equipment",
    "customer.equipment.event",
    "service.technician",
    "service.sla.policy",
    "helpdesk.ticket",
    "service.dispatch.run",
)


@pytest.fixture(scope="module")
def master_password():
    password = os.environ.get("CRM_EXT_MASTER_PASSWORD")
    if not password:
        pytest.fail("set CRM_EXT_MASTER_PASSWORD (scripts/test does)")
    return password


def _counts(odoo):
    return {model: odoo.env[model].search_count([]) for model in MODELS}


def test_backup_restore_keeps_records_and_files(
    odoo, live_config, master_password, tmp_path
):
    url = f"http://{live_config['host']}:{live_config['port']}"
    Order = odoo.env["service.order"]
    customer = odoo.env["res.partner"].search([("is_company", "=", True)], limit=1)[0]
    order_id = Order.create(
        {"partner_id": customer, "description": "Backup test: signed visit"}
    )
    Order.write(
        [order_id],
        {"signature": base64.b64encode(PNG).decode(), "signed_by": "Backup Tester"},
    )
    Attachment = odoo.env["ir.attachment"]
    files = {
        name: Attachment.create(
            {
                "name": name,
                "datas": base64.b64encode(content).decode(),
                "res_model": "service.order",
                "res_id": order_id,
                "mimetype": mimetype,
            }
        )
        for name, content, mimetype in (
            ("photo.png", PNG, "image/png"),
            ("report.pdf", PDF, "application/pdf"),
        )
    }
    before = _counts(odoo)
    sums = {
        row["id"]: row["checksum"]
        for row in Attachment.read(list(files.values()), ["checksum"])
    }

    dump = tmp_path / "live.zip"
    assert backup.backup(url, master_password, live_config["db"], str(dump)) > 0
    restored = f"{live_config['db']}_restored_{uuid.uuid4().hex[:6]}"
    restore.restore(url, master_password, str(dump), restored, copy=True)
    try:
        copy = client.connect(
            client.ClientConfig.from_sources(
                environ={
                    "CRM_EXT_HOST": live_config["host"],
                    "CRM_EXT_PORT": str(live_config["port"]),
                    "CRM_EXT_DB": restored,
                    "CRM_EXT_USER": live_config["user"],
                    "CRM_EXT_PASSWORD": live_config["password"],
                }
            )
        )
        assert _counts(copy) == before
        # the files come from the restored filestore, byte for byte
        for row in copy.env["ir.attachment"].read(
            list(files.values()), ["name", "checksum", "datas"]
        ):
            assert row["checksum"] == sums[row["id"]], row["name"]
            assert base64.b64decode(row["datas"]) in (PNG, PDF)
        [signed] = copy.env["service.order"].read([order_id], ["signature"])
        assert base64.b64decode(signed["signature"]) == PNG
        dsn = os.environ.get("CRM_EXT_PG_DSN")
        if dsn is not None:
            import psycopg2

            conn = psycopg2.connect(f"{dsn} dbname={restored}")
            try:
                cr = conn.cursor()
                for name, query in INVARIANT_SQL.items():
                    cr.execute(query)
                    assert cr.fetchone()[0] == 0, name
            finally:
                conn.close()
    finally:
        restore.drop(url, master_password, restored)


def test_backup_refuses_a_wrong_master_password(live_config, tmp_path):
    url = f"http://{live_config['host']}:{live_config['port']}"
    with pytest.raises(RuntimeError, match="Access Denied"):
        backup.backup(url, "not-the-password", live_config["db"], str(tmp_path / "x"))
    assert not (tmp_path / "x").exists()
