# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Run other modules' own test suites with the whole registry loaded.

Run by Odoo's interpreter, not imported (``devstack.py test`` starts it)::

    python3 scripts/peer_suites.py --modules sale_stock,helpdesk_mgmt \\
        --report result.json -- <odoo server options: -d, --addons-path, ...>

Odoo runs a module's at_install tests while it loads the registry, when only
that module and its dependencies are loaded: the overrides of a module that
depends on it (crm_extension on sale_stock, say) are not active yet. Here the
registry is loaded first, with every installed module as in production, then
the at_install and the post_install tests of the named modules run, with the
HTTP server up for the HttpCase tests, as ``--stop-after-init`` runs
post_install tests.

The report is JSON, by module: the ids of the tests run, of those that failed
(with ``FAIL`` or ``ERROR``) and of those skipped (with the reason).
"""

import argparse
import json
import os
import sys
import threading

# Run as a script, this file's folder comes first on sys.path: keep the
# command-line tools next to it out of Odoo's imports.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(
    os.path.abspath(__file__)
):
    del sys.path[0]

import odoo
from odoo.tests import case, loader
from odoo.tests.result import OdooTestResult


class RecordingResult(OdooTestResult):
    """Odoo's test result, which also keeps the id of each test and outcome."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.ran = {}
        self.failed = {}
        self.skipped_tests = {}

    @staticmethod
    def _id(test):
        # A failed subtest counts against its test; a failed setUpClass is
        # an _ErrorHolder whose id names the class.
        if isinstance(test, case._SubTest):
            test = test.test_case
        return test.id()

    def startTest(self, test):
        super().startTest(test)
        self.ran[self._id(test)] = True

    def addError(self, test, err):
        if not self._soft_fail:  # a failure that a retry may still clear
            self.failed.setdefault(self._id(test), "ERROR")
        super().addError(test, err)

    def addFailure(self, test, err):
        if not self._soft_fail:
            self.failed.setdefault(self._id(test), "FAIL")
        super().addFailure(test, err)

    def addSkip(self, test, reason):
        self.skipped_tests[self._id(test)] = str(reason)
        super().addSkip(test, reason)


def run_suite(suite, result):
    """``odoo.tests.loader.run_suite``, with our result object."""
    odoo.modules.module.current_test = True
    threading.current_thread().testing = True
    try:
        suite(result)
    finally:
        threading.current_thread().testing = False
        odoo.modules.module.current_test = False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", required=True, help="comma-separated names")
    parser.add_argument("--report", required=True, help="JSON file to write")
    args, odoo_args = parser.parse_known_args(argv)
    odoo_args = [arg for arg in odoo_args if arg != "--"]
    modules = [name for name in args.modules.split(",") if name]
    config = odoo.tools.config
    config.parse_config(odoo_args, setup_logging=True)
    dbname = config["db_name"]
    server = odoo.service.server

    # 1. The whole registry, without running any test while it loads.
    config["test_enable"] = False
    server.load_server_wide_modules()
    threading.current_thread().dbname = dbname
    registry = odoo.modules.registry.Registry.new(dbname)
    missing = [name for name in modules if name not in registry._init_modules]
    if missing:
        print(f"not installed in {dbname}: {', '.join(missing)}", file=sys.stderr)
        return 2

    # 2. The named modules' tests, at_install first, as Odoo orders them, with
    #    the HTTP server that HttpCase talks to.
    config["test_enable"] = True
    config["test_tags"] = ",".join(f"/{name}" for name in modules)
    server.server = server.ThreadedServer(odoo.http.root)
    server.server.start(stop=True)
    results = {name: RecordingResult() for name in modules}
    try:
        for position in ("at_install", "post_install"):
            suites = {name: loader.make_suite([name], position) for name in modules}
            if position == "post_install" and any(
                suite.has_http_case() for suite in suites.values()
            ):
                with registry.cursor() as cr:
                    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                    env["ir.qweb"]._pregenerate_assets_bundles()
            for name, suite in suites.items():
                run_suite(suite, results[name])
    finally:
        report = {
            name: {
                "ran": list(result.ran),
                "failed": result.failed,
                "skipped": result.skipped_tests,
            }
            for name, result in results.items()
        }
        with open(args.report, "w") as fh:
            json.dump(report, fh, indent=1, sort_keys=True)
        server.server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
