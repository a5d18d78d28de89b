"""Fast start: `secpipe --version` and `secpipe validate` load only what they need.

No clock is read here (timings belong to the benchmarks); the tests check which modules a fresh
interpreter imported, since heavy imports are what make a command slow to start.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from secpipe import _process
from secpipe._advisories_cli import DATABASE_ENV_VAR
from secpipe.advisories import DATABASE_ENV_VAR as ADVISORIES_ENV_VAR

REPO = Path(__file__).resolve().parent.parent

_PROBE = """
import contextlib, io, json, sys
from secpipe._cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        code = main(sys.argv[1:])
    except SystemExit as stop:
        code = stop.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _modules(*argv: str) -> tuple[int, set[str]]:
    completed = _process.run([sys.executable, "-c", _PROBE, *argv], timeout_s=60, cwd=REPO)
    assert completed.returncode == 0, completed.describe()
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    return int(result["code"]), set(result["modules"])


def test_version_imports_no_pydantic_and_no_scanner_code() -> None:
    code, modules = _modules("--version")

    assert code == 0
    assert "pydantic" not in modules
    assert not any(name.startswith(("secpipe.tools", "secpipe.advisories")) for name in modules)


def test_validate_imports_neither_the_scanners_nor_the_advisories() -> None:
    code, modules = _modules("validate", "pipelines/default.yml")

    assert code == 0
    assert "secpipe._pipeline" in modules
    assert {"secpipe.tools", "secpipe.advisories", "secpipe.gates", "urllib.request"}.isdisjoint(
        modules
    )
    # The findings models (a dozen pydantic classes to build) are not needed to read a pipeline.
    assert "secpipe._findings" not in modules


def test_the_advisories_command_names_the_variable_the_gate_reads() -> None:
    assert DATABASE_ENV_VAR == ADVISORIES_ENV_VAR
