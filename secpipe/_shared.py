"""One run of a slow-to-start tool for several gates at once.

checkov takes seconds to start and a fraction of that to check a few files. The container gate
gives it the Dockerfiles and the kubernetes gate the manifests; run apart, the two pay the start
twice. A ``SharedRun`` lets the gates of one run that use the same tool, with the same settings,
hand in their files and wait: when every gate that may use the tool has handed its files in (or
said it will not), one of them runs the tool once on all the files and each gate gets back the
findings and problems of its own files, as if it had run the tool alone.

A gate that will not run the tool (nothing to scan, a cached result, a tool that cannot be
found, or a gate that ended early) withdraws, so nobody waits for it; the runner withdraws every
gate when it ends, whatever happened, so a wait always ends. Gates whose settings differ (another
version, other arguments or timeout) run the tool on their own, as does a gate alone.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from secpipe._errors import SecpipeError
from secpipe.tools import ToolContext, ToolOutput

#: The tools worth sharing: their start costs more than their work on one gate's files.
SHARED_TOOLS = frozenset({"checkov"})

#: Runs the tool on a context: the adapter's run, inside the caller's limits.
Runner = Callable[[ToolContext], ToolOutput]


@dataclass(frozen=True)
class _Request:
    context: ToolContext
    identity: tuple[object, ...]


class SharedRun:
    """One tool, the gates that may use it, and the single run they share."""

    def __init__(self, tool: str, gates: Iterable[str]) -> None:
        self.tool = tool
        #: Every gate that may use the tool in this run.
        self.gates = frozenset(gates)
        self._pending = set(self.gates)
        self._requests: dict[str, _Request] = {}
        self._results: dict[str, ToolOutput | BaseException | None] = {}
        self._started = False
        self._done = False
        self._condition = threading.Condition()

    def withdraw(self, gate: str) -> None:
        """Say that ``gate`` will not hand in files; a no-op once it has."""
        with self._condition:
            self._pending.discard(gate)
            self._condition.notify_all()

    def run(self, gate: str, context: ToolContext, runner: Runner) -> ToolOutput | None:
        """Hand in ``gate``'s files and wait for its part of the shared run.

        Returns None when the gate must run the tool itself (its settings differ from the
        others', or it is the only one). Raises the tool's error when the shared run failed.
        """
        identity = (
            str(context.executable),
            context.options.model_dump_json(),
            context.timeout_s,
            context.root,
        )

        # Hand in, then wait until every gate has handed in or withdrawn; the first to see
        # that moment runs the tool for all.
        with self._condition:
            self._requests[gate] = _Request(context, identity)
            self._pending.discard(gate)
            self._condition.notify_all()
            while not self._done:
                if not self._pending and not self._started:
                    self._started = True
                    break
                self._condition.wait()
            executor = not self._done

        if executor:
            self._execute(runner)

        # A gate handing in after the run was decided (it cannot, but if) runs the tool itself.
        result = self._results.get(gate)
        if isinstance(result, BaseException):
            raise result
        return result

    def _execute(self, runner: Runner) -> None:
        # Only requests with the same settings are merged; any difference and each runs alone.
        requests = dict(self._requests)
        identities = {request.identity for request in requests.values()}
        results: dict[str, ToolOutput | BaseException | None] = dict.fromkeys(requests)
        try:
            if len(requests) > 1 and len(identities) == 1:
                results = self._run_once(requests, runner)
        except BaseException as error:
            # Whatever went wrong (a tool error, a bug, an interrupt) ends every gate's wait.
            results = dict.fromkeys(requests, error)
            raise
        finally:
            with self._condition:
                self._results.update(results)
                self._done = True
                self._condition.notify_all()

    def _run_once(
        self, requests: dict[str, _Request], runner: Runner
    ) -> dict[str, ToolOutput | BaseException | None]:
        # Every gate's files in one run, in the gates' order and each file once.
        first = next(iter(requests.values())).context
        files = tuple(dict.fromkeys(path for r in requests.values() for path in r.context.files))
        try:
            output = runner(replace(first, files=files))
        except SecpipeError as error:
            return dict.fromkeys(requests, error)
        return dict(_split(output, first.root, {g: r.context.files for g, r in requests.items()}))


def _split(
    output: ToolOutput, root: Path, files: dict[str, tuple[str, ...]]
) -> dict[str, ToolOutput]:
    """Give each gate what the run said about its files: findings and skipped entries.

    A tool names a file relative to the root or absolute; an entry that names no file handed
    in (a skipped entry without a path, say) goes to every gate, so nothing is lost.
    """
    owners: dict[str, list[str]] = {}
    for gate, paths in files.items():
        for path in paths:
            owners.setdefault(os.path.normpath(os.path.join(root, path)), []).append(gate)

    def owners_of(path: str) -> list[str]:
        return owners.get(os.path.normpath(os.path.join(root, path))) or list(files)

    # The suppressed count cannot be split by file; the first gate carries it, counted once.
    parts = {gate: ToolOutput(version=output.version) for gate in files}
    parts[next(iter(files))].suppressed = output.suppressed
    for finding in output.findings:
        for gate in owners_of(finding.path):
            parts[gate].findings.append(finding)
    for entry in output.skipped_files:
        for gate in owners_of(entry.split(": ", 1)[0]):
            parts[gate].skipped_files.append(entry)
    return parts


class SharedRuns:
    """The shared runs of one ``secpipe run``, by tool."""

    def __init__(self, users: dict[str, list[str]]) -> None:
        # A tool used by one gate has nobody to share with.
        self._runs = {
            tool: SharedRun(tool, gates)
            for tool, gates in users.items()
            if tool in SHARED_TOOLS and len(gates) > 1
        }

    def users(self, gate: str) -> bool:
        """Whether ``gate`` takes part in any shared run."""
        return any(gate in shared.gates for shared in self._runs.values())

    def get(self, tool: str) -> SharedRun | None:
        """The shared run of ``tool``, or None when its gates run it on their own."""
        return self._runs.get(tool)

    def withdraw(self, gate: str) -> None:
        """Withdraw ``gate`` from every shared run (when it ends, whatever happened)."""
        for shared in self._runs.values():
            shared.withdraw(gate)
