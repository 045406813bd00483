# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import ServiceCommon

ROLES = ("portal", "employee", "technician", "user", "manager")
# model -> role -> operations allowed by the access rights (r, w, c, u)
MATRIX = {
    "customer.feedback": {
        "portal": "r",
        "employee": "rc",
        "technician": "rwc",
        "user": "rwc",
        "manager": "rwcu",
    },
    "service.order": {
        "portal": "r",
        "employee": "",
        "technician": "rw",
        "user": "rwc",
        "manager": "rwcu",
    },
    "customer.equipment": {
        "portal": "r",
        "employee": "r",
        "technician": "rw",
        "user": "rwc",
        "manager": "rwcu",
    },
    "customer.equipment.event": {
        "portal": "r",
        "employee": "r",
        "technician": "r",
        "user": "rc",
        "manager": "rwcu",
    },
    "service.order.line": {
        "portal": "r",
        "technician": "rwcu",
        "user": "rwcu",
        "manager": "rwcu",
    },
    "service.return": {
        "portal": "r",
        "technician": "r",
        "user": "rwc",
        "manager": "rwcu",
    },
    "service.return.line": {
        "portal": "r",
        "technician": "r",
        "user": "rwcu",
        "manager": "rwcu",
    },
    "service.technician": {
        "employee": "r",
        "technician": "r",
        "user": "r",
        "manager": "rwcu",
    },
    "service.skill": {
        "employee": "r",
        "technician": "r",
        "user": "r",
        "manager": "rwcu",
    },
    "service.zone": {
        "employee": "r",
        "technician": "r",
        "user": "r",
        "manager": "rwcu",
    },
    "service.sla.policy": {
        "employee": "r",
        "technician": "r",
        "user": "r",
        "manager": "rwcu",
    },
    "service.sla.escalation": {
        "employee": "r",
        "technician": "r",
        "user": "r",
        "manager": "rwcu",
    },
    "service.solution": {
        "portal": "r",
        "technician": "r",
        "user": "rwc",
        "manager": "rwcu",
    },
    "service.solution.tag": {
        "portal": "r",
        "technician": "r",
        "user": "rwc",
        "manager": "rwcu",
    },
    "service.solution.vote": {
        "portal": "rwc",
        "technician": "rwc",
        "user": "rwc",
        "manager": "rwcu",
    },
    "service.solution.report": {"user": "r", "manager": "r"},
    "service.sla.escalation.log": {"user": "r", "manager": "ru"},
    "customer.satisfaction.report": {"user": "r", "manager": "r"},
    "service.sla.report": {"user": "r", "manager": "r"},
    "service.parts.report": {"user": "r", "manager": "r"},
    "service.order.analysis": {"user": "r", "manager": "r"},
    "service.technician.utilisation.report": {"user": "r", "manager": "r"},
    "crm.ext.rate.limit": {"manager": "ru"},
    "sale.product.association": {
        "employee": "r",
        "technician": "r",
        "user": "r",
        "manager": "rwcu",
    },
}
OPERATIONS = {"r": "read", "w": "write", "c": "create", "u": "unlink"}


@tagged("post_install", "-at_install")
class TestAccessMatrix(ServiceCommon):
    """Every model of the module, every role, every operation: one table."""

    def _users(self):
        return {
            "portal": self.portal_user,
            "employee": self.employee_user,
            "technician": self.technician_user,
            "user": self.service_user,
            "manager": self.manager_user,
        }

    def test_access_rights_table(self):
        users = self._users()
        for model, allowed_by_role in MATRIX.items():
            for role in ROLES:
                allowed = allowed_by_role.get(role, "")
                for letter, operation in OPERATIONS.items():
                    with self.subTest(model=model, role=role, operation=operation):
                        self.assertEqual(
                            self.env[model]
                            .with_user(users[role])
                            .has_access(operation),
                            letter in allowed,
                        )

    def test_companies_stay_apart(self):
        outsider = self._create_other_company_manager()
        feedback = self._create_feedback()
        order = self.env["service.order"].create({"partner_id": self.customer.id})
        labour = self.env["product.product"].create(
            {"name": "Technician hour", "type": "service"}
        )
        line = self.env["service.order.line"].create(
            {"order_id": order.id, "line_type": "labour", "product_id": labour.id}
        )
        equipment = self.env["customer.equipment"].create(
            {"name": "Boiler", "partner_id": self.customer.id, "serial": "MC-1"}
        )
        event = self.env["customer.equipment.event"].create(
            {"equipment_id": equipment.id, "event_type": "alarm", "code": "E1"}
        )
        sale = self._create_sale_order()
        ret = self.env["service.return"].create({"sale_order_id": sale.id})
        technician = self.env["service.technician"].create({"name": "Tom"})
        solution = self.env["service.solution"].create(
            {"name": "Reset the boiler", "state": "published"}
        )
        association = self.env["sale.product.association"].create(
            {
                "product_id": self.product.id,
                "associated_product_id": labour.id,
                "company_id": self.env.company.id,
                "lift": 2.0,
            }
        )
        for record in (
            feedback,
            order,
            line,
            equipment,
            event,
            ret,
            technician,
            solution,
            association,
        ):
            with self.subTest(model=record._name):
                self.assertFalse(
                    record.with_user(outsider).search([("id", "=", record.id)])
                )
                with self.assertRaises(AccessError):
                    record.with_user(outsider).read(["id"])
