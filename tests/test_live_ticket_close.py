# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""helpdesk_mgmt's /ticket/close hole stays closed on the live server."""

import uuid

import requests


def test_other_customer_cannot_close_a_ticket(odoo, live_config):
    tag = uuid.uuid4().hex[:8]
    Partner = odoo.env["res.partner"]
    victim = Partner.create({"name": f"Victim {tag}", "is_company": True})
    attacker_partner = Partner.create(
        {"name": f"Attacker {tag}", "email": f"a{tag}@example.org"}
    )
    login = f"attacker-{tag}"
    odoo.env["res.users"].create(
        {
            "name": "Attacker",
            "login": login,
            "password": login,
            "partner_id": attacker_partner,
            "groups_id": [(6, 0, [odoo.env.ref("base.group_portal").id])],
        }
    )
    Stage = odoo.env["helpdesk.ticket.stage"]
    open_stage = Stage.create({"name": f"Open {tag}", "sequence": 1})
    close_stage = Stage.create(
        {"name": f"Closed {tag}", "closed": True, "close_from_portal": True}
    )
    ticket = odoo.env["helpdesk.ticket"].create(
        {
            "name": "Victim's ticket",
            "description": "Private",
            "partner_id": victim,
            "stage_id": open_stage,
        }
    )
    base = f"http://{live_config['host']}:{live_config['port']}"
    session = requests.Session()
    auth = session.post(
        f"{base}/web/session/authenticate",
        json={
            "jsonrpc": "2.0",
            "params": {"db": live_config["db"], "login": login, "password": login},
        },
        timeout=30,
    )
    assert auth.json()["result"]["uid"]
    params = {"ticket_id": ticket, "stage_id": close_stage}
    crafted_link = session.get(
        f"{base}/ticket/close", params=params, timeout=30, allow_redirects=False
    )
    assert crafted_link.status_code == 405
    forged_post = session.post(
        f"{base}/ticket/close", data=params, timeout=30, allow_redirects=False
    )
    assert forged_post.status_code == 400
    [after] = odoo.env["helpdesk.ticket"].read([ticket], ["stage_id"])
    assert after["stage_id"][0] == open_stage
