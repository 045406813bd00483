# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import ast
import csv
import io
import os
import re
from collections import Counter

import polib
from lxml import etree

from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import file_open, file_path
from odoo.tools.translate import trans_export

from .common import ServiceDataMixin

EXPECTED = {
    "es_ES": ("Órdenes de servicio", "Programado", "Devoluciones y cambios"),
    "zh_CN": ("服务单", "已排程", "退货和换货"),
    "ko_KR": ("서비스 주문", "예약됨", "반품 및 교환"),
}
# Odoo language code -> file of the module's i18n folder.
PO_FILES = {"es_ES": "es.po", "zh_CN": "zh_CN.po", "ko_KR": "ko.po"}
# OCA's po-pretty-format empties a msgstr equal to its msgid; a term that is
# the same in a language ("Portal" in Spanish) says so in a translator comment.
SAME_AS_SOURCE = "same as the source in this language"

PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrfi%]")
BRACES = re.compile(r"\{\{.*?\}\}|\{\w*\}")
TAG = re.compile(r"<(/?)([a-zA-Z][\w:.-]*)((?:\s+[^\s=>/]+(?:=\"[^\"]*\")?)*)\s*(/?)>")
ATTR = re.compile(r"([^\s=]+)(?:=\"([^\"]*)\")?")
# Attributes whose value is text for the reader: translated, so only their
# presence must match.
TRANSLATED_ATTRS = {"title", "alt", "placeholder", "aria-label", "string", "label"}


def read_po(name):
    with file_open(f"crm_extension/i18n/{name}", "rb") as fh:
        return polib.pofile(fh.read().decode())


def is_code(entry):
    return any(occ.startswith("code:") for occ, _line in entry.occurrences)


def placeholders(entry, text):
    """What a translation must keep of its source: printf and format fields,
    markup tags with their attributes, and the newlines of code messages."""
    found = Counter()
    python = is_code(entry) or any(
        "print_report_name" in occ for occ, _line in entry.occurrences
    )
    if python:
        found.update(("printf", p) for p in PRINTF.findall(text))
        found["newlines"] = text.count("\n")
    found.update(("format", p) for p in BRACES.findall(text))
    for closing, name, attrs, selfclosing in TAG.findall(text):
        kept = tuple(
            sorted(
                (key, "" if key in TRANSLATED_ATTRS else value)
                for key, value in ATTR.findall(attrs)
            )
        )
        found[("tag", closing, name, kept, selfclosing)] += 1
    return found


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


@tagged("post_install", "-at_install")
class TestTranslationFiles(TransactionCase):
    """The shipped .pot has every term of the code, and each language
    translates every term of it, keeping its placeholders and markup."""

    def _demo_xmlids(self):
        """External ids the module's demo files define (exported only when the
        database has demo data, never part of the .pot)."""
        with file_open("crm_extension/__manifest__.py") as fh:
            demo_files = ast.literal_eval(fh.read()).get("demo", [])
        xmlids = set()
        for name in demo_files:
            path = file_path(f"crm_extension/{name}")
            if name.endswith(".xml"):
                for node in etree.parse(path).xpath("//*[@id]"):
                    xmlids.add((node.get("id"), node.get("model")))
            elif name.endswith(".csv"):
                model = os.path.basename(name)[:-4]
                with open(path, encoding="utf-8") as fh:
                    xmlids.update((row["id"], model) for row in csv.DictReader(fh))
        found = set()
        for xmlid, model in xmlids:
            xmlid = xmlid if "." in xmlid else f"crm_extension.{xmlid}"
            found.add(xmlid)
            # The parent record of an _inherits model gets its own id, the
            # product.template of a demo product.product say.
            for parent in self.env[model]._inherits if model in self.env else ():
                found.add(f"{xmlid}_{self.env[parent]._table}")
        return found

    def _code_terms(self):
        """msgids of a fresh export of the module, as the .pot must hold them."""
        buffer = io.BytesIO()
        trans_export(None, ["crm_extension"], buffer, "po", self.env.cr)
        fresh = polib.pofile(buffer.getvalue().decode())
        module = self.env["ir.module.module"].search([("name", "=", "crm_extension")])
        demo = self._demo_xmlids() if module.demo else set()

        def from_demo(entry):
            return all(
                not occ.startswith("code:") and occ.rsplit(":", 1)[-1] in demo
                for occ, _line in entry.occurrences
            )

        return {entry.msgid for entry in fresh if not from_demo(entry)}

    def test_pot_has_every_term_of_the_code(self):
        pot = {entry.msgid for entry in read_po("crm_extension.pot")}
        fresh = self._code_terms()
        self.assertGreater(len(fresh), 800)
        missing = sorted(fresh - pot)
        self.assertFalse(
            missing,
            f"{len(missing)} terms of the code are not in i18n/crm_extension.pot "
            f"(run scripts/i18n.py): {missing}",
        )
        stale = sorted(pot - fresh)
        self.assertFalse(
            stale,
            f"{len(stale)} terms of i18n/crm_extension.pot are no longer in the "
            f"code (run scripts/i18n.py): {stale}",
        )

    def test_every_term_translated(self):
        pot = [entry.msgid for entry in read_po("crm_extension.pot")]
        for lang, name in PO_FILES.items():
            with self.subTest(lang=lang):
                po = {entry.msgid: entry for entry in read_po(name)}
                missing = [
                    msgid
                    for msgid in pot
                    if msgid not in po
                    or not (po[msgid].msgstr or SAME_AS_SOURCE in po[msgid].tcomment)
                ]
                self.assertFalse(
                    missing,
                    f"{len(missing)} of {len(pot)} terms have no {lang} "
                    f"translation in i18n/{name}: {missing}",
                )
                self.assertEqual(
                    sorted(po), sorted(pot), f"i18n/{name} is not merged with the .pot"
                )

    def test_translations_keep_placeholders(self):
        for lang, name in PO_FILES.items():
            with self.subTest(lang=lang):
                wrong = []
                for entry in read_po(name):
                    if not entry.msgstr:
                        continue
                    source = placeholders(entry, entry.msgid)
                    target = placeholders(entry, entry.msgstr)
                    if source != target:
                        wrong.append(
                            f"{entry.msgid!r} -> {entry.msgstr!r}: "
                            f"lost {dict(source - target)}, "
                            f"added {dict(target - source)}"
                        )
                self.assertFalse(wrong, "\n".join(wrong))

    def test_placeholder_check_catches_mistakes(self):
        """The check above tells a lost or renamed placeholder, tag or newline."""
        entry = polib.POEntry(
            msgid="%(order)s: <b>%s</b> {{ object.name }}\nnext",
            occurrences=[("code:addons/crm_extension/models/x.py", "0")],
        )
        good = "%(order)s : <b>%s</b> {{ object.name }}\nsuivant"
        self.assertEqual(placeholders(entry, entry.msgid), placeholders(entry, good))
        for bad in (
            "%(orden)s: <b>%s</b> {{ object.name }}\nsiguiente",
            "%(order)s: <b>%d</b> {{ object.name }}\nsiguiente",
            "%(order)s: <i>%s</i> {{ object.name }}\nsiguiente",
            "%(order)s: <b>%s</b> {{ objeto.name }}\nsiguiente",
            "%(order)s: <b>%s</b> {{ object.name }} siguiente",
        ):
            with self.subTest(bad=bad):
                self.assertNotEqual(
                    placeholders(entry, entry.msgid), placeholders(entry, bad)
                )
        markup = polib.POEntry(
            msgid='<i class="fa fa-star" title="Satisfaction"/>',
            occurrences=[("model_terms:ir.ui.view,arch_db:crm_extension.v", "")],
        )
        self.assertEqual(
            placeholders(markup, markup.msgid),
            placeholders(markup, '<i class="fa fa-star" title="Satisfacción"/>'),
        )
        self.assertNotEqual(
            placeholders(markup, markup.msgid),
            placeholders(markup, '<i class="fa fa-heart" title="Satisfacción"/>'),
        )


# Per language: (service orders list, one order, returns, my feedback, new
# feedback): texts the page must show, all from the module's translations.
PORTAL_EXPECTED = {
    "es_ES": (
        ("Órdenes de servicio", "Programado", "Borrador"),
        ("<strong>Programado:</strong>", "<strong>Técnico:</strong>"),
        ("Devoluciones", "No tiene devoluciones. Abra un pedido entregado"),
        ("Aún no ha enviado ninguna opinión.", "Enviar opinión"),
        ("Enviar opinión", "¿De qué se trata?"),
    ),
    "zh_CN": (
        ("服务单", "已排程", "草稿"),
        ("<strong>预约时间：</strong>", "<strong>技术员：</strong>"),
        ("退货", "您没有退货。打开一个已交付的订单即可申请退货。"),
        ("您还没有提交任何反馈。", "提交反馈"),
        ("提交反馈", "反馈类型？"),
    ),
    "ko_KR": (
        ("서비스 주문", "예약됨", "초안"),
        ("<strong>예약 일시:</strong>", "<strong>기술자:</strong>"),
        ("반품", "반품이 없습니다. 배송된 주문을 열어 반품을 요청하세요."),
        ("아직 보낸 피드백이 없습니다.", "피드백 보내기"),
        ("피드백 보내기", "어떤 내용인가요?"),
    ),
}


@tagged("post_install", "-at_install")
class TestPortalTranslations(ServiceDataMixin, HttpCase):
    """A portal user reading Spanish, Chinese or Korean gets the module's
    portal pages in that language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_service_data()
        for lang in PORTAL_EXPECTED:
            cls.env["res.lang"]._activate_lang(lang)
        cls.env["ir.module.module"]._load_module_terms(
            ["crm_extension"], list(PORTAL_EXPECTED)
        )
        cls.order = cls.env["service.order"].create(
            {"partner_id": cls.customer_contact.id, "description": "Boiler visit"}
        )
        cls.users = {}
        for lang in PORTAL_EXPECTED:
            login = f"portal_{lang.lower()}"
            user = new_test_user(
                cls.env, login=login, groups="base.group_portal", lang=lang
            )
            user.partner_id.parent_id = cls.customer
            cls.users[lang] = user

    def test_portal_pages_in_each_language(self):
        pages = (
            "/my/service-orders",
            f"/my/service-orders/{self.order.id}",
            "/my/returns",
            "/my/feedback",
            "/my/feedback/new",
        )
        # Where the order's name shows: its list and its page.
        with_order = pages[:2]
        for lang, expected in PORTAL_EXPECTED.items():
            user = self.users[lang]
            self.assertEqual(user.lang, lang)
            self.authenticate(user.login, user.login)
            for url, texts in zip(pages, expected, strict=True):
                with self.subTest(lang=lang, url=url):
                    response = self.url_open(url)
                    self.assertEqual(response.status_code, 200)
                    if url in with_order:
                        self.assertIn(self.order.name, response.text)
                    for text in texts:
                        self.assertIn(text, response.text)
        # The same pages in English, for a user without a language of ours.
        self.authenticate("acme_portal", "acme_portal")
        self.assertIn("You have no return.", self.url_open("/my/returns").text)
