"""What a gate is: a named set of tools (and own checks) applied to a set of files.

Most gates only choose tools and files; ``ToolGate`` does the common work of resolving each tool,
running them side by side, and turning every failure into a tool ``error`` instead of a pass.
"""

from __future__ import annotations

import inspect
import logging
import tempfile
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from secpipe import _cache, _paths
from secpipe._errors import SecpipeError, ToolError
from secpipe._findings import ContractScore, Finding, GateStatus, ToolRun
from secpipe._normalize import RawFinding, normalize
from secpipe._pipeline import CheckovOptions, GateSettings, SemgrepOptions, ToolOptions
from secpipe._progress import ProgressSink
from secpipe._shared import SharedRun, SharedRuns
from secpipe._slots import Slots
from secpipe._timings import phase
from secpipe.tools import ADAPTERS, ToolAdapter, ToolContext, ToolOutput, _envs

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GateContext:
    """What a gate run gets from the runner."""

    root: Path
    stage: str
    settings: GateSettings
    files: tuple[str, ...]
    progress: ProgressSink
    limiter: Slots
    install_tools: bool = False
    #: Where earlier results of pure tools are kept; None runs every tool afresh.
    cache: _cache.ResultCache | None = None
    #: Runs of slow-to-start tools shared with the other gates; None runs every tool alone.
    shared: SharedRuns | None = None


@dataclass
class GateOutcome:
    """What a gate produced: its findings, each tool's run, and warnings for the user."""

    name: str
    findings: list[Finding] = field(default_factory=list)
    tool_runs: list[ToolRun] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: ContractScore of each audited API contract (the contract gate only).
    contracts: list[ContractScore] = field(default_factory=list)

    @property
    def errored(self) -> bool:
        """Whether any tool of the gate could not run."""
        return any(run.status is GateStatus.ERROR for run in self.tool_runs)


class ToolGate:
    """A gate made of wrapped tools; subclasses name the gate and the tools it may use."""

    name: ClassVar[str]
    description: ClassVar[str]
    tools: ClassVar[tuple[str, ...]]

    def selected_tools(self, settings: GateSettings) -> list[str]:
        """The tools the pipeline chose for this gate (all of them by default)."""
        chosen = getattr(settings, "tools", None)
        return list(chosen) if chosen else list(self.tools)

    def tool_options(self, settings: GateSettings, tool: str) -> ToolOptions:
        """The pipeline's options for one tool of this gate."""
        options = getattr(settings, tool, None)
        return options if isinstance(options, ToolOptions) else ToolOptions()

    def run(self, context: GateContext) -> GateOutcome:
        """Run every selected tool side by side and normalize what they report."""
        tools = self.selected_tools(context.settings)
        outcome = GateOutcome(name=self.name)
        raw: list[RawFinding] = []
        with ThreadPoolExecutor(max_workers=len(tools), thread_name_prefix=self.name) as pool:
            results = list(pool.map(lambda tool: self._run_tool(context, tool), tools))
        for run, tool_findings, tool_warnings in results:
            outcome.tool_runs.append(run)
            outcome.warnings.extend(tool_warnings)
            raw.extend(tool_findings)

        outcome.findings, normalize_warnings = normalize(
            raw, gate=self.name, root=context.root, tool_order=tools
        )
        outcome.warnings.extend(normalize_warnings)
        return outcome

    def _run_tool(
        self, context: GateContext, tool: str
    ) -> tuple[ToolRun, list[RawFinding], list[str]]:
        shared = context.shared.get(tool) if context.shared is not None else None
        try:
            return self._run_one_tool(context, tool, shared)
        finally:
            # Done with the tool, however: no gate waits for this one in a shared run any longer
            # (a no-op when it handed its files in).
            if shared is not None:
                shared.withdraw(self.name)

    def _run_one_tool(
        self, context: GateContext, tool: str, shared: SharedRun | None
    ) -> tuple[ToolRun, list[RawFinding], list[str]]:
        adapter = ADAPTERS[tool]()
        options = self.tool_options(context.settings, tool)
        files = tuple(path for path in context.files if adapter.wants(path))
        started = time.monotonic()
        context.progress.tool_started(context.stage, self.name, tool)

        # Nothing to scan is not a pass by accident: the tool is recorded as skipped.
        if not files:
            run = ToolRun(
                name=tool, status=GateStatus.SKIPPED, duration_s=0.0, error="no files for this tool"
            )
            context.progress.tool_finished(context.stage, self.name, run, 0)
            return run, [], []

        version: str | None = None
        warnings: list[str] = []
        try:
            resolved = self._resolve(tool, options, context)
            version = resolved.version
            if resolved.warning:
                warnings.append(resolved.warning)
            with tempfile.TemporaryDirectory(prefix=f"secpipe-{tool}-") as tmp:
                tool_context = ToolContext(
                    root=context.root,
                    files=files,
                    executable=resolved.executable,
                    options=options,
                    timeout_s=options.timeout or context.settings.timeout,
                    workdir=Path(tmp),
                    env=_envs.scanner_env(),
                )
                output = self._run_adapter(adapter, tool_context, context, version, shared)
        except SecpipeError as error:
            # Fail closed: a tool that did not really run makes its gate an error, never a pass.
            run = ToolRun(
                name=tool,
                version=version,
                status=GateStatus.ERROR,
                duration_s=time.monotonic() - started,
                error=str(error),
            )
            context.progress.tool_finished(context.stage, self.name, run, 0)
            return run, [], warnings

        run = ToolRun(
            name=tool,
            version=output.version or version,
            status=GateStatus.PASSED,
            duration_s=round(time.monotonic() - started, 3),
            skipped_files=tuple(output.skipped_files),
            suppressed=output.suppressed,
        )
        warnings += [f"{tool} could not scan {entry}" for entry in output.skipped_files]
        context.progress.tool_finished(context.stage, self.name, run, len(output.findings))
        return run, output.findings, warnings

    def _run_adapter(
        self,
        adapter: ToolAdapter,
        tool_context: ToolContext,
        context: GateContext,
        version: str | None,
        shared: SharedRun | None,
    ) -> ToolOutput:
        # Only tools whose output follows from the key's inputs are looked up or stored.
        cache = context.cache
        key = None
        if cache is not None and adapter.name in _cache.CACHEABLE_TOOLS:
            key = cache.key(
                tool=adapter.name,
                version=version,
                executable=tool_context.executable,
                options={
                    **tool_context.options.model_dump(mode="json", exclude={"timeout"}),
                    "environment": _tool_environment(adapter.name, tool_context.env),
                },
                config_files=_config_files(tool_context),
                root=tool_context.root,
                files=tool_context.files,
                adapter_source=_source_of(adapter),
            )
        hit = cache.load(key) if cache is not None and key is not None else None
        if hit is not None:
            logger.info("%s: reusing the cached result (inputs unchanged)", adapter.name)
            return ToolOutput(
                findings=list(hit.findings),
                skipped_files=list(hit.skipped_files),
                version=hit.version,
                suppressed=hit.suppressed,
            )

        # A scanner process takes one of the run's slots only while it runs; a gate waiting for
        # a shared run holds none, so the gates that run cannot be starved by those that wait.
        def execute(run_context: ToolContext) -> ToolOutput:
            with context.limiter.take(first=adapter.slow_start), phase("parse tool output"):
                return adapter.run(run_context)

        # A ToolError propagates from here, so a failed run is never stored.
        output = shared.run(self.name, tool_context, execute) if shared is not None else None
        if output is None:
            output = execute(tool_context)
        if cache is not None and key is not None:
            cache.store(
                key,
                _cache.CachedOutput(
                    output.findings, output.skipped_files, output.version, output.suppressed
                ),
            )
        return output

    def _resolve(self, tool: str, options: ToolOptions, context: GateContext) -> _envs.ResolvedTool:
        # A relative executable path in the pipeline file is relative to the scanned root.
        explicit = options.path
        if explicit is not None:
            explicit = str(context.root / Path(explicit).expanduser())
        try:
            return _envs.resolve(tool, version=options.version, explicit_path=explicit)
        except ToolError:
            if not context.install_tools or explicit:
                raise
        logger.info("installing %s (first use only; this can take a minute)", tool)
        _envs.install(tool, options.version, progress=logger.info)
        return _envs.resolve(tool, version=options.version, explicit_path=None)


def _config_files(tool_context: ToolContext) -> list[Path]:
    # Rule files and files named in extra arguments change results as much as the sources do.
    root = tool_context.root
    options = tool_context.options
    found = _cache.config_files_in_args(root, options.args)
    if isinstance(options, SemgrepOptions):
        from secpipe.tools._semgrep import builtin_rules_dir

        found += [
            builtin_rules_dir() if rule == "builtin" else root / rule for rule in options.rules
        ]
        if (root / ".semgrepignore").is_file():
            found.append(root / ".semgrepignore")
    if isinstance(options, CheckovOptions):
        from secpipe.tools import _checkov_checks, _checkov_lines

        # secpipe's check table picks the checks and their severities; the line finder places
        # each finding: both shape the cached result as much as checkov's own output does.
        found += [Path(_checkov_checks.__file__), Path(_checkov_lines.__file__)]
        # checkov also reads a config file from the home folder (its working folder is empty).
        found += [
            path
            for path in (Path.home() / ".checkov.yaml", Path.home() / ".checkov.yml")
            if path.is_file()
        ]
    return found


#: Environment variable prefixes a tool reads its settings from.
_TOOL_ENV_PREFIXES = {"checkov": ("CKV_", "BC_", "CHECKOV_", "PRISMA_")}


def _tool_environment(tool: str, env: Mapping[str, str]) -> dict[str, str]:
    # Settings given through the environment change results like options do; only their names
    # and values for the tool's own prefixes count, so unrelated variables do not defeat the cache.
    prefixes = _TOOL_ENV_PREFIXES.get(tool)
    if not prefixes:
        return {}
    return {name: value for name, value in sorted(env.items()) if name.startswith(prefixes)}


def gate_files(all_files: tuple[str, ...], settings: GateSettings) -> tuple[str, ...]:
    """The files of the tree that a gate's include/exclude globs let through."""
    return tuple(_paths.select(all_files, settings.include, settings.exclude))


def _source_of(adapter: ToolAdapter) -> Path | None:
    # The adapter's code is part of a cached result's identity: a changed parser reads anew.
    source = inspect.getsourcefile(type(adapter))
    return Path(source) if source else None
