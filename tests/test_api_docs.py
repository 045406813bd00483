# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""docs/API.md's Python examples run as written, in order, against the server."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def examples():
    return BLOCK.findall((ROOT / "docs" / "API.md").read_text())


def test_docs_have_examples():
    assert len(examples()) >= 3


def test_examples_run_as_written(live_config, capsys):
    namespace = {"__name__": "api_docs"}
    for number, code in enumerate(examples(), start=1):
        try:
            exec(compile(code, f"docs/API.md example {number}", "exec"), namespace)  # noqa: S102
        except Exception as exc:  # pragma: no cover - the message is the point
            raise AssertionError(
                f"docs/API.md example {number} failed: {exc!r}"
            ) from exc
    assert namespace["uid"], "the XML-RPC example did not log in"
    assert capsys.readouterr().out.startswith("Mitchell Admin")
