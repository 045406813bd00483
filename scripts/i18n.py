#!/usr/bin/env python3
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Refresh crm_extension's translation files from its code.

Usage, from the repository root::

    python3 scripts/i18n.py                    # or: python3 -m scripts.i18n
    python3 scripts/i18n.py --template base18  # start from a copy of a database
    python3 scripts/i18n.py --list             # also list the untranslated terms

What it does:

1. creates a throwaway database on the project's PostgreSQL (the server that
   libpq reaches, or the private cluster under ``.run/``: ``devstack.Postgres``),
   empty or copied from ``--template`` (a database with the dependencies
   installed and no demo data, which saves minutes), installs crm_extension
   there without demo data and loads Spanish, Chinese and Korean, with the
   module's own ``.po`` files;
2. exports ``i18n/crm_extension.pot`` with Odoo's own export (what
   ``odoo --i18n-export=crm_extension.pot --modules=crm_extension`` writes),
   then ``es.po``, ``zh_CN.po`` and ``ko.po`` the same way with their language:
   Odoo's layout, sorted by msgid, so OCA's po-pretty-format check passes. Each
   ``.po`` keeps its header (``Language``, ``Plural-Forms``), its translator
   comments and its translations of the terms that still exist; terms the
   module shares with Odoo (inherited field labels) come with Odoo's wording.
   A file whose terms did not change is left as it is;
3. prints per language how many terms are still untranslated (``--list``
   names them), drops the database (``--keep`` keeps it) and exits with 1 when
   a term is untranslated.

Then translate each term it names: fill its ``msgstr`` in the ``.po`` file.
A term that reads the same in the language ("Portal" in Spanish) keeps an
empty ``msgstr``, as po-pretty-format wants, and gets the translator comment
``# same as the source in this language`` above its ``#. module:`` line. Run
the script again to check, and the module's ``TestTranslationFiles`` tests.

Standard library only: Odoo runs in its own interpreter (``ODOO_PYTHON``, see
``devstack.odoo_python``), the export and the merge run inside ``odoo shell``.
"""

import argparse
import json
import os
import re
import secrets
import sys

if __package__:
    from . import devstack
else:
    import devstack

I18N = os.path.join(devstack.ADDONS, devstack.MODULE, "i18n")
# Odoo language code -> file of the module's i18n folder.
LANGUAGES = {"es_ES": "es.po", "zh_CN": "zh_CN.po", "ko_KR": "ko.po"}
SAME_AS_SOURCE = "same as the source in this language"
# Header fields that belong to a translation, not to Odoo's export.
KEPT_HEADER = (
    "Language",
    "Plural-Forms",
    "Content-Transfer-Encoding",
    "Last-Translator",
    "Language-Team",
)

# Run by `odoo shell`: export the template and each language, merge each with
# the file it replaces, write what changed and report the untranslated terms.
EXPORT_SNIPPET = """
import io, json, os, polib
from odoo.tools.translate import trans_export

I18N, MODULE, LANGUAGES, SAME, KEPT = {args!r}


def export(lang):
    buffer = io.BytesIO()
    trans_export(lang, [MODULE], buffer, "po", env.cr)
    return polib.pofile(buffer.getvalue().decode())


def write(path, po, old):
    # Dates aside, an unchanged file stays as it is.
    if old is not None and [str(e) for e in po] == [str(e) for e in old] and all(
        po.metadata.get(k) == old.metadata.get(k) for k in KEPT
    ):
        return False
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(str(po))
    return True


def read(path):
    return polib.pofile(path) if os.path.exists(path) else None


report = {{}}
path = os.path.join(I18N, MODULE + ".pot")
pot = export(None)
report["pot"] = {{"terms": len(pot), "written": write(path, pot, read(path))}}
for lang, name in LANGUAGES.items():
    path = os.path.join(I18N, name)
    old = read(path)
    before = {{e.msgid: e for e in old}} if old is not None else {{}}
    po = export(lang)
    for key in KEPT:
        if old is not None and old.metadata.get(key):
            po.metadata[key] = old.metadata[key]
    po.metadata.setdefault("Language", name[:-3])
    for entry in po:
        known = before.get(entry.msgid)
        if known is not None:
            entry.tcomment = known.tcomment
            entry.msgstr = known.msgstr or entry.msgstr
        if entry.msgstr == entry.msgid:
            entry.msgstr = ""
            entry.tcomment = SAME
    untranslated = [
        e.msgid for e in po if not e.msgstr and SAME not in (e.tcomment or "")
    ]
    report[lang] = {{
        "file": name,
        "terms": len(po),
        "untranslated": untranslated,
        "written": write(path, po, old),
    }}
print("I18N-REPORT " + json.dumps(report))
"""


def export_and_merge(python, pg, db, logdir):
    args = (I18N, devstack.MODULE, LANGUAGES, SAME_AS_SOURCE, KEPT_HEADER)
    text = devstack.odoo_shell(
        python,
        pg,
        db,
        EXPORT_SNIPPET.format(args=args),
        logfile=os.path.join(logdir, "i18n-export.log"),
    )
    found = re.search(r"^I18N-REPORT (.*)$", text, re.MULTILINE)
    if not found:
        print("\n".join(text.splitlines()[-40:]), file=sys.stderr)
        devstack.fail("the export did not finish")
    return json.loads(found.group(1))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="i18n", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--template", help="copy this database (dependencies installed, no demo)"
    )
    parser.add_argument(
        "--db", help="name of the throwaway database (default: crmext_i18n_<random>)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--list", action="store_true", help="list the untranslated terms"
    )
    args = parser.parse_args(argv)
    python = devstack.odoo_python()
    pg = devstack.Postgres(python).ensure()
    db = args.db or f"crmext_i18n_{secrets.token_hex(3)}"
    logdir = os.path.join(devstack.STATE, "logs")
    os.makedirs(logdir, exist_ok=True)
    try:
        if args.template and not pg.copy_db(args.template, db):
            devstack.fail(f"could not copy the database {args.template!r}")
        devstack.log(
            f"installing {devstack.MODULE} in {db} with {', '.join(LANGUAGES)}"
        )
        rc, text = devstack.odoo_batch(
            python,
            pg,
            db,
            "-i",
            devstack.MODULE,
            "-u",
            devstack.MODULE,
            "--without-demo",
            "all",
            "--load-language",
            ",".join(LANGUAGES),
            logfile=os.path.join(logdir, "i18n-install.log"),
        )
        problems = devstack.log_problems(text)
        if rc or problems:
            print("\n".join(problems or text.splitlines()[-40:]), file=sys.stderr)
            devstack.fail(f"installing {devstack.MODULE} failed")
        report = export_and_merge(python, pg, db, logdir)
    finally:
        if not args.keep:
            pg.drop_db(db)
        pg.stop()
    where = os.path.relpath(I18N, devstack.REPO)
    pot = report.pop("pot")
    state = "updated" if pot["written"] else "unchanged"
    devstack.log(f"{where}/{devstack.MODULE}.pot: {pot['terms']} terms ({state})")
    missing = 0
    for lang, result in report.items():
        state = "updated" if result["written"] else "unchanged"
        untranslated = result["untranslated"]
        missing += len(untranslated)
        devstack.log(
            f"{lang} ({where}/{result['file']}): {len(untranslated)} untranslated "
            f"of {result['terms']} ({state})"
        )
        if args.list:
            for msgid in untranslated:
                print(f"    {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
