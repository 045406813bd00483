# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import tagged

from .common import ServiceCommon


@tagged("post_install", "-at_install")
class TestSecurityGroups(ServiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the role users of ServiceCommon, under this test's short names
        cls.technician = cls.technician_user
        cls.manager = cls.manager_user
        cls.employee = cls.employee_user

    def test_groups_are_chained(self):
        """Manager implies User, which implies Technician."""
        self.assertTrue(self.manager.has_group("crm_extension.group_service_user"))
        self.assertTrue(
            self.manager.has_group("crm_extension.group_service_technician")
        )
        self.assertTrue(
            self.service_user.has_group("crm_extension.group_service_technician")
        )
        self.assertFalse(
            self.service_user.has_group("crm_extension.group_service_manager")
        )
        self.assertFalse(self.technician.has_group("crm_extension.group_service_user"))

    def test_groups_carry_helpdesk_rights(self):
        """Each service role gets the matching helpdesk_mgmt role."""
        self.assertTrue(
            self.technician.has_group("helpdesk_mgmt.group_helpdesk_user_own")
        )
        self.assertFalse(self.technician.has_group("helpdesk_mgmt.group_helpdesk_user"))
        self.assertTrue(
            self.service_user.has_group("helpdesk_mgmt.group_helpdesk_user")
        )
        self.assertTrue(self.manager.has_group("helpdesk_mgmt.group_helpdesk_manager"))

    def test_admin_is_service_manager(self):
        admin = self.env.ref("base.user_admin")
        self.assertTrue(admin.has_group("crm_extension.group_service_manager"))

    def _visible_menu_ids(self, user):
        menus = self.env["ir.ui.menu"].with_user(user).load_menus(debug=False)
        return {menu_id for menu_id in menus if isinstance(menu_id, int)}

    def test_service_menu_visibility(self):
        """The Service app shows to service roles only; configuration to managers."""
        root = self.env.ref("crm_extension.menu_service_root")
        config = self.env.ref("crm_extension.menu_service_config")
        self.assertIn(root.id, self._visible_menu_ids(self.technician))
        self.assertNotIn(config.id, self._visible_menu_ids(self.technician))
        self.assertNotIn(config.id, self._visible_menu_ids(self.service_user))
        self.assertIn(config.id, self._visible_menu_ids(self.manager))
        self.assertNotIn(root.id, self._visible_menu_ids(self.employee))
