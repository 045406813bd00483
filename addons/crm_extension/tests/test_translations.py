# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import TransactionCase, tagged

EXPECTED = {
    "es_ES": ("Órdenes de servicio", "Programado", "Devoluciones y cambios"),
    "zh_CN": ("服务单", "已排程", "退货和换货"),
    "ko_KR": ("서비스 주문", "예약됨", "반품 및 교환"),
}


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    """Spanish, Chinese and Korean: the module's own terms load and apply."""

    def test_languages_load_module_terms(self):
        menu = self.env.ref("crm_extension.menu_service_orders")
        state = self.env["service.order"]._fields["state"]
        returns_menu = self.env.ref("crm_extension.menu_service_return")
        for lang, (menu_name, scheduled, returns_name) in EXPECTED.items():
            with self.subTest(lang=lang):
                self.env["res.lang"]._activate_lang(lang)
                self.env["ir.module.module"]._load_module_terms(
                    ["crm_extension"], [lang]
                )
                self.assertEqual(menu.with_context(lang=lang).name, menu_name)
                self.assertEqual(
                    returns_menu.with_context(lang=lang).name, returns_name
                )
                labels = dict(
                    state._description_selection(self.env(context={"lang": lang}))
                )
                self.assertEqual(labels["scheduled"], scheduled)
