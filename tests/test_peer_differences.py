# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The file of intended differences in other apps' own test suites is read as
scripts/test reads it: each line names a test of a peer suite and a reason."""

import pytest

from scripts import devstack


def test_intended_differences_name_peer_tests_with_reasons():
    intended = devstack.peer_differences()
    assert intended, "helpdesk_mgmt's GET /ticket/close tests differ on purpose"
    for test, reason in intended.items():
        assert test.split(".")[2] in devstack.PEER_SUITES
        assert len(reason) > 20


def test_a_line_without_reason_is_refused(tmp_path):
    bad = tmp_path / "differences.txt"
    bad.write_text("odoo.addons.sale_stock.tests.test_x.TestX.test_y\n")
    with pytest.raises(ValueError, match="then its reason"):
        devstack.peer_differences(str(bad))


def test_comparison_flags_only_new_failures():
    base = {"ran": ["a.t1", "a.t2"], "failed": {"a.t2": "FAIL"}, "skipped": {}}
    mod = {
        "ran": ["a.t1", "a.t2"],
        "failed": {"a.t1": "ERROR", "a.t2": "FAIL"},
        "skipped": {},
    }
    suites = dict.fromkeys(devstack.PEER_SUITES, base)
    ok, lines, details = devstack.compare_peer_suites(
        suites, {**suites, "sale_stock": mod}, {}
    )
    assert not ok
    assert any("sale_stock" in line and "1 failed beyond" in line for line in lines)
    assert details == ["sale_stock: ERROR only with crm_extension: a.t1"]
