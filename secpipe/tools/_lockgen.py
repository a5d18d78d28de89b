"""Regenerate ``lock.json`` from real installs in scratch environments (a maintainer's tool).

Usage::

    python -m secpipe.tools._lockgen [--latest] [--python PATH] [--output PATH] [TOOL[==VER] ...]

Each named tool (by default every tool in the current lock) is resolved by pip in a fresh virtual
environment made by the running Python, or by ``--python``: give the oldest Python secpipe
supports, since pip picks releases whose ``Requires-Python`` fits the resolving interpreter, and
a pin that needs 3.11.5 does not install on Debian's 3.11.2. The resulting pins are installed
there exactly as secpipe installs them for users. Its lock entry is that pin list (checked
against ``pip freeze`` and a ``--version`` run), the tool's console scripts, and the sha256 of
the tool's own distribution file. The version is the one given as ``TOOL==VERSION``, else the
one already locked, else (or with ``--latest``) the newest release that installs. No timestamps
are written, so regenerating an unchanged lock changes no byte and CI caches keyed on the lock's
hash stay valid.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from secpipe._errors import SecpipeError, ToolError
from secpipe._process import ProcessFailure, run
from secpipe.tools._envs import DEFAULT_LOCK_PATH, LockedTool, ToolLock, scanner_env

#: Tools secpipe wraps and the PyPI distribution each comes from, in the lock's order.
KNOWN_DISTRIBUTIONS = {
    "semgrep": "semgrep",
    "bandit": "bandit",
    "detect-secrets": "detect-secrets",
    "pip-audit": "pip-audit",
    "checkov": "checkov",
}

# checkov's install resolves close to a hundred packages; leave room for a slow index.
_PIP_TIMEOUT_S = 30 * 60
_STEP_TIMEOUT_S = 5 * 60

# Console scripts are entry points; older tools (checkov) ship plain scripts listed in RECORD.
_EXECUTABLES = """
import importlib.metadata, json, pathlib, sys
dist = importlib.metadata.distribution(sys.argv[1])
names = {e.name for e in dist.entry_points if e.group == "console_scripts"}
for file in dist.files or ():
    path = pathlib.PurePath(str(file))
    if path.parts[0] == ".." and path.parent.name in ("bin", "Scripts"):
        names.add(path.stem)
print(json.dumps(sorted(names)))
"""


def main(argv: list[str] | None = None) -> int:
    """Regenerate the lock entries of the tools named on the command line; return an exit code."""
    args = _parser().parse_args(argv)
    try:
        _regenerate(args.tools, output=args.output, latest=args.latest, base=args.python)
    except SecpipeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m secpipe.tools._lockgen",
        description="Regenerate secpipe's scanner lock from real installs in scratch venvs.",
    )
    parser.add_argument("tools", nargs="*", metavar="TOOL[==VERSION]")
    parser.add_argument("--latest", action="store_true", help="ignore the versions now locked")
    parser.add_argument("--output", type=Path, default=DEFAULT_LOCK_PATH, help="lock to write")
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="interpreter that makes the scratch environments (the oldest supported one)",
    )
    return parser


def _regenerate(
    requested: list[str], *, output: Path, latest: bool, base: str = sys.executable
) -> None:
    """Install each requested tool in a scratch environment and rewrite its lock entry."""
    # Start from the current lock so that tools not named keep their entries.
    current = _read_lock(output)
    entries = dict(current.tools) if current else {}
    wanted = _wanted_versions(requested, entries, latest=latest)

    # Entries resolved on different Pythons would make one lock that fits none of them.
    python = _run_step([base, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]).strip()
    untouched = set(entries) - set(wanted)
    if current and current.python != python and untouched:
        raise ToolError(
            f"{output} was made with Python {current.python}; run this with that Python, "
            f"or regenerate every tool ({', '.join(sorted(untouched))} too)"
        )

    # One scratch environment per tool, exactly as secpipe will build them for users.
    for tool, version in wanted.items():
        print(f"locking {tool} {version or '(newest)'} ...", file=sys.stderr)
        entries[tool] = _lock_one(tool, _distribution(tool, entries), version, base)
        print(f"  {tool} {entries[tool].version}: {len(entries[tool].requirements)} packages")

    # Known tools first in their usual order, then any others, so diffs stay small.
    order = [tool for tool in KNOWN_DISTRIBUTIONS if tool in entries]
    order += sorted(set(entries) - set(order))
    lock = ToolLock(
        lock_version=1,
        python=python,
        platform=sysconfig.get_platform(),
        generated_by="python -m secpipe.tools._lockgen",
        tools={tool: entries[tool] for tool in order},
    )
    output.write_text(lock.model_dump_json(indent=2) + "\n", encoding="utf-8")
    print(f"wrote {output}", file=sys.stderr)


def _read_lock(path: Path) -> ToolLock | None:
    if not path.exists():
        return None
    try:
        return ToolLock.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise ToolError(f"{path} is not a valid lock; fix or delete it: {exc}") from None


def _wanted_versions(
    requested: list[str], entries: dict[str, LockedTool], *, latest: bool
) -> dict[str, str | None]:
    """Map each tool to regenerate onto its version (None: the newest that installs)."""
    if not requested:
        requested = list(entries) or list(KNOWN_DISTRIBUTIONS)
    wanted: dict[str, str | None] = {}
    for item in requested:
        tool, _, version = item.partition("==")
        if tool not in KNOWN_DISTRIBUTIONS and tool not in entries:
            raise ToolError(f"unknown tool {tool!r}; add it to KNOWN_DISTRIBUTIONS first")
        kept = None if latest or tool not in entries else entries[tool].version
        wanted[tool] = version or kept
    return wanted


def _distribution(tool: str, entries: dict[str, LockedTool]) -> str:
    return entries[tool].distribution if tool in entries else KNOWN_DISTRIBUTIONS[tool]


def _lock_one(
    tool: str, distribution: str, version: str | None, base: str = sys.executable
) -> LockedTool:
    """Install one tool in a scratch environment and describe what was installed."""
    with tempfile.TemporaryDirectory(prefix=f"secpipe-lock-{tool}-") as scratch:
        # A fresh environment from the base Python, as secpipe builds them for users.
        env = Path(scratch) / "env"
        python = str(env / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python"))
        _run_step([base, "-m", "venv", str(env)], _STEP_TIMEOUT_S)

        # Resolve the whole closure as if the venv were empty: --ignore-installed makes the report
        # list pip or setuptools too when the tool needs them, not only what the venv lacked.
        report_path = Path(scratch) / "report.json"
        requirement = f"{distribution}=={version}" if version else distribution
        pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input"]
        _run_step(
            [*pip, "--dry-run", "--ignore-installed", "--report", str(report_path), requirement],
            _PIP_TIMEOUT_S,
        )
        report = json.loads(report_path.read_text(encoding="utf-8"))
        pins = _pins_from_report(report)

        # Then install the pinned list exactly as secpipe will, and check the result matches.
        _run_step([*pip, *(f"{name}=={pins[name]}" for name in sorted(pins))], _PIP_TIMEOUT_S)
        _check_against_freeze(python, pins)

        # The lock entry: exact pins, console scripts, and the tool's own file hash.
        installed_version = pins[_normalize(distribution)]
        scripts = json.loads(_run_step([python, "-c", _EXECUTABLES, distribution]).strip())
        if not scripts:
            raise ToolError(f"{distribution} {installed_version} installs no executable")
        executables = sorted(scripts, key=lambda name: (name != tool, name))
        _check_version(env, executables[0], installed_version)
        return LockedTool(
            version=installed_version,
            distribution=distribution,
            executables=tuple(executables),
            requirements=tuple(f"{name}=={pins[name]}" for name in sorted(pins)),
            hashes=_own_hashes(report, distribution),
        )


def _run_step(argv: list[str], timeout_s: float = _STEP_TIMEOUT_S) -> str:
    """Run one step, return its standard output, and raise ToolError with its output if it fails."""
    try:
        done = run(argv, timeout_s=timeout_s, env=scanner_env())
    except ProcessFailure as exc:
        raise ToolError(f"`{' '.join(argv[:4])} …` {exc.reason}") from None
    if done.returncode != 0:
        raise ToolError(f"{done.describe()}\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
    return done.stdout


def _pins_from_report(report: dict[str, Any]) -> dict[str, str]:
    return {
        _normalize(item["metadata"]["name"]): item["metadata"]["version"]
        for item in report["install"]
    }


def _check_against_freeze(python: str, pins: dict[str, str]) -> None:
    frozen = {}
    for line in _run_step([python, "-m", "pip", "freeze", "--all"]).splitlines():
        name, sep, version = line.partition("==")
        if sep:
            frozen[_normalize(name)] = version.strip()
    differing = {name: v for name, v in pins.items() if frozen.get(name) != v}
    # The venv's own seed packages may stay unpinned; anything else unpinned is a gap in the lock.
    unpinned = set(frozen) - set(pins) - {"pip", "setuptools", "wheel"}
    if differing or unpinned:
        raise ToolError(
            f"the installed environment does not match the pins: {differing or ''} "
            f"{sorted(unpinned) or ''}"
        )


def _check_version(env: Path, executable: str, version: str) -> None:
    """Run the tool once, so a lock is never written for an install that cannot start."""
    path = env / ("Scripts" if sys.platform == "win32" else "bin") / executable
    env_vars = scanner_env({"SEMGREP_ENABLE_VERSION_CHECK": "0"})
    try:
        done = run([str(path), "--version"], timeout_s=_STEP_TIMEOUT_S, env=env_vars)
    except ProcessFailure as exc:
        raise ToolError(f"{path} --version: {exc.reason}") from None
    if done.returncode != 0 or version not in done.stdout + done.stderr:
        raise ToolError(f"{path} --version does not report {version}: {done.describe()}")


def _own_hashes(report: dict[str, Any], distribution: str) -> dict[str, str]:
    """Return the sha256 of the file pip chose for the tool itself, keyed by file name.

    TODO: this is only the file for the platform the lock was made on; add the other wheels of
    the release (from the index's JSON API) if installs ever check hashes.
    """
    for item in report["install"]:
        if _normalize(item["metadata"]["name"]) != _normalize(distribution):
            continue
        info = item.get("download_info", {})
        archive = info.get("archive_info", {})
        # Newer pips give a "hashes" table; older ones only a single "sha256=..." string.
        digest = (
            archive.get("hashes", {}).get("sha256")
            or archive.get("hash", "").partition("sha256=")[2]
        )
        if digest:
            return {info["url"].rsplit("/", 1)[-1]: f"sha256:{digest}"}
    return {}


def _normalize(name: str) -> str:
    """Put a distribution name in its canonical form (PEP 503), so pins compare and sort alike."""
    return re.sub(r"[-_.]+", "-", name).lower()


if __name__ == "__main__":
    raise SystemExit(main())
