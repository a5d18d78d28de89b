"""The ``secpipe tools`` subcommands: install, list and check the managed scanner environments.

The lead's CLI adds them with :func:`add_tools_parser`; the parsed arguments carry
``handler=run_tools_command``. Results go to stdout as plain text, progress to stderr. Usage
errors (an unknown tool, a malformed ``--version-of``) are raised as InvalidInputError for the
CLI's one error handler to turn into exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from secpipe._errors import ExitCode, InvalidInputError, ToolError


def add_tools_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``tools`` and its ``install``, ``list`` and ``doctor`` subcommands to ``subparsers``."""
    tools = subparsers.add_parser(
        "tools",
        help="install and check the pinned scanner environments",
        description="Manage the virtual environments secpipe runs each scanner from.",
    )
    tools.set_defaults(handler=run_tools_command)
    actions = tools.add_subparsers(dest="tools_command", metavar="{install,list,doctor}")
    actions.required = True

    install = actions.add_parser(
        "install",
        help="install the locked scanners (all of them, or those named)",
        description="Install each scanner into its own pinned environment in the secpipe cache.",
    )
    install.add_argument("tool_names", nargs="*", metavar="TOOL", help="default: every tool")
    install.add_argument(
        "--version-of",
        action="append",
        default=[],
        metavar="TOOL=VERSION",
        help="install this version of TOOL (beside the locked one); may be repeated",
    )
    install.add_argument("--force", action="store_true", help="rebuild ready environments too")
    install.add_argument(
        "--verify",
        action="store_true",
        help="also run each ready tool's --version and rebuild it if that fails (slower)",
    )

    actions.add_parser("list", help="show locked and installed scanner versions")
    actions.add_parser("doctor", help="run every installed scanner's --version")


def run_tools_command(args: argparse.Namespace) -> int:
    """Run the ``secpipe tools`` subcommand in ``args`` and return its exit code."""
    if args.tools_command == "install":
        return _install(args.tool_names, args.version_of, force=args.force, verify=args.verify)
    if args.tools_command == "list":
        return _list()
    return _doctor()


def _install(
    tool_names: Sequence[str], version_of: Sequence[str], *, force: bool, verify: bool
) -> int:
    """Install the requested tools; a failure is reported and the other tools still install."""
    from secpipe.tools import _envs  # imported here: it costs startup of every other command

    # Check every name and version before installing anything: a typo should cost no minutes.
    versions = _parse_version_of(version_of)
    lock = _envs.load_lock()
    selected = list(dict.fromkeys([*(tool_names or lock.tools), *versions]))
    unknown = [tool for tool in selected if tool not in lock.tools]
    if unknown:
        known = ", ".join(lock.tools)
        raise InvalidInputError(f"unknown tool(s) {', '.join(unknown)}; secpipe knows: {known}")

    # One tool at a time, so pip's progress and errors stay readable.
    failed = 0
    for tool in selected:
        try:
            # An explicit install is worth a --version run: it catches environments that broke.
            env = _envs.install(
                tool, versions.get(tool), progress=_progress, force=force, verify=verify
            )
        except ToolError as exc:
            print(f"failed to install {tool}: {exc}", file=sys.stderr)
            failed += 1
            continue
        if env.created:
            print(f"installed {env.tool} {env.version} in {env.path}")
        else:
            print(f"{env.tool} {env.version} already installed")
    return ExitCode.GATE_ERROR if failed else ExitCode.PASSED


def _parse_version_of(items: Sequence[str]) -> dict[str, str]:
    versions = {}
    for item in items:
        tool, sep, version = item.partition("=")
        if not sep or not tool or not version:
            raise InvalidInputError(f"--version-of wants TOOL=VERSION, got {item!r}")
        versions[tool] = version
    return versions


def _progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def _list() -> int:
    """Print one row per installed environment, and one per tool that has none."""
    from secpipe.tools import _envs

    rows = [("TOOL", "LOCKED", "INSTALLED", "WHERE")]
    for status in _envs.list_tools():
        # Without a managed environment, the PATH is where `secpipe run` would look next.
        if not status.installed:
            where = f"PATH: {status.on_path}" if status.on_path else "not installed"
            rows.append((status.tool, status.locked_version, "-", where))
        for index, installed in enumerate(status.installed):
            locked = status.locked_version if index == 0 else ""
            rows.append((status.tool, locked, installed.version, str(installed.path)))

    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[3]]))
    return ExitCode.PASSED


def _doctor() -> int:
    """Print one line per managed environment; exit 3 if any of them does not work."""
    from secpipe.tools import _envs

    results = _envs.doctor()
    if not results:
        envs = _envs.cache_root() / "envs"
        print(f"no managed scanner environments in {envs}; run `secpipe tools install`")
        return ExitCode.PASSED

    for result in results:
        status = "ok  " if result.ok else "FAIL"
        print(f"{status} {result.tool} {result.version}: {result.message}")
    return ExitCode.PASSED if all(result.ok for result in results) else ExitCode.GATE_ERROR
