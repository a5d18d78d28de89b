"""Pinned virtual environments for the scanners, one per tool and version.

Each scanner runs from its own virtual environment in the secpipe cache, apart from secpipe's own
packages and from the project being scanned: scanners pin conflicting versions of shared
dependencies (checkov ships a fork of detect-secrets under the same import name), and a developer
reproducing a CI failure must run the very versions CI ran. ``lock.json`` beside this module holds
the full pinned requirement list of every environment; ``python -m secpipe.tools._lockgen``
regenerates it.

Layout, below ``$SECPIPE_HOME`` or else the platform's user cache folder::

    envs/<tool>-<version>-<hash of the requirement list>/   the virtual environment
    envs/<same name>.lock                                   held while one process builds it
    logs/<same name>.log                                    pip's output, appended per attempt

An environment is ready only once its marker file exists; the marker is written last, after pip
succeeded and the scanner answered ``--version``. A folder without a valid marker is debris from
an interrupted install and is deleted and rebuilt by the next install.

For tests and for CI runs that need other pins, ``$SECPIPE_TOOLS_LOCK`` names a lock file used
instead of the shipped one. pip reads its usual configuration (``pip.conf``, ``PIP_INDEX_URL``,
``PIP_NO_INDEX``, ``PIP_FIND_LINKS``), so mirrors and offline wheel folders work unchanged.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from secpipe._errors import InvalidInputError, SecpipeError, ToolError
from secpipe._locations import HOME_ENV_VAR as HOME_ENV_VAR
from secpipe._locations import cache_root as cache_root
from secpipe._process import Completed, ProcessFailure, run

logger = logging.getLogger(__name__)

#: A lock file to use instead of the shipped ``lock.json`` (tests, CI runs with other pins).
LOCK_ENV_VAR = "SECPIPE_TOOLS_LOCK"

#: The lock secpipe is released and tested with.
DEFAULT_LOCK_PATH = Path(__file__).with_name("lock.json")

#: Written last into an environment; its presence (and content) is what "installed" means.
MARKER_NAME = ".secpipe-complete.json"

# Large scanners (checkov) take minutes on a slow link; a hung index should still end.
_PIP_TIMEOUT_S = 30 * 60
_VENV_TIMEOUT_S = 5 * 60
_VERSION_TIMEOUT_S = 120
# How long to wait for another process that is building the same environment.
_LOCK_WAIT_S = 45 * 60

# Variables that would make a scanner or pip import secpipe's or the user's packages.
_LEAKY_VARS = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
# Variables that would send pip's files somewhere other than the environment being built.
_MISDIRECTING_PIP_VARS = ("PIP_USER", "PIP_TARGET", "PIP_PREFIX")

_VERSION_TOKEN = re.compile(r"(?<![\w.])v?(\d+(?:\.\d+)+(?:(?:a|b|rc|\.post|\.dev)\d+)?)(?![\w.])")
_PINNED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9][A-Za-z0-9.+!_-]*$")
_VERSION_TEXT = re.compile(r"^[0-9][A-Za-z0-9.+!_-]{0,63}$")


class LockedTool(BaseModel):
    """One scanner's entry in the lock: what to install and what its executables are called."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    distribution: str
    executables: tuple[str, ...] = Field(min_length=1)
    requirements: tuple[str, ...] = Field(min_length=1)
    hashes: dict[str, str] = Field(default_factory=dict)

    @field_validator("requirements")
    @classmethod
    def _exact_pins_only(cls, requirements: tuple[str, ...]) -> tuple[str, ...]:
        loose = [req for req in requirements if not _PINNED.match(req)]
        if loose:
            raise ValueError(f"requirements must be exact `name==version` pins, not {loose}")
        return requirements

    @property
    def executable(self) -> str:
        """The executable secpipe runs (the first one listed)."""
        return self.executables[0]


class ToolLock(BaseModel):
    """The whole lock file: every scanner secpipe knows, with its pinned environment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lock_version: Literal[1]
    python: str
    platform: str
    generated_by: str
    tools: dict[str, LockedTool]


class _Marker(BaseModel):
    """What a finished environment records about itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tool: str
    version: str
    executable: str
    requirements: tuple[str, ...]
    python: str


@dataclass(frozen=True)
class ToolEnv:
    """A ready environment, as returned by :func:`install`."""

    tool: str
    version: str
    path: Path
    executable: Path
    requirements: tuple[str, ...]
    #: True when this call built the environment, False when it was already there.
    created: bool


@dataclass(frozen=True)
class ResolvedTool:
    """Which executable runs a tool, where it came from, and what to tell the user about it."""

    name: str
    executable: Path
    version: str | None
    source: Literal["pipeline", "managed", "path"]
    warning: str | None


@dataclass(frozen=True)
class InstalledVersion:
    """One managed environment of a tool."""

    version: str
    path: Path
    executable: Path


@dataclass(frozen=True)
class ToolStatus:
    """What :func:`list_tools` knows about one locked tool."""

    tool: str
    locked_version: str
    installed: tuple[InstalledVersion, ...]
    #: The executable found on the PATH, if any (its version is not checked here).
    on_path: Path | None


class DoctorResult(NamedTuple):
    """The health of one managed environment."""

    tool: str
    version: str
    ok: bool
    message: str


@dataclass(frozen=True)
class _EnvSpec:
    """Everything that decides one environment's content, and so its folder name."""

    tool: str
    version: str
    executable: str
    requirements: tuple[str, ...]
    locked: bool

    @property
    def name(self) -> str:
        digest = hashlib.sha256("\n".join(self.requirements).encode()).hexdigest()[:12]
        return f"{self.tool}-{self.version}-{digest}"


def load_lock() -> ToolLock:
    """Read the lock: ``$SECPIPE_TOOLS_LOCK`` if set, else the ``lock.json`` shipped with secpipe.

    A broken override is the user's input (InvalidInputError); a broken shipped lock is a bug in
    secpipe (ToolError).
    """
    override = os.environ.get(LOCK_ENV_VAR)
    path = Path(override) if override else DEFAULT_LOCK_PATH
    error = InvalidInputError if override else ToolError

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"cannot read the tool lock {path}: {exc.strerror or exc}") from None
    try:
        return ToolLock.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise error(f"the tool lock {path} is not valid: {where}: {first['msg']}") from None


def scanner_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the environment variables to run a scanner (or pip) with.

    It is this process's environment without PYTHONPATH, PYTHONHOME and VIRTUAL_ENV, which would
    otherwise make the scanner's interpreter see secpipe's or the user's packages; ``extra`` is
    added on top.
    """
    env = {key: value for key, value in os.environ.items() if key not in _LEAKY_VARS}
    env.update(extra or {})
    return env


def install(
    tool: str,
    version: str | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    force: bool = False,
    verify: bool = False,
) -> ToolEnv:
    """Make sure the environment of ``tool`` at ``version`` (the locked one by default) is ready.

    The locked version gets the lock's full pinned requirement list; any other version (asked
    for by a pipeline file) gets just ``<distribution>==<version>``, in its own environment beside
    the locked one. A ready environment is returned at once without running pip. Two processes
    installing the same environment take turns on a file lock. A folder left by an interrupted
    install, or one whose executable or interpreter is gone, is rebuilt. ``verify`` also runs the
    executable's ``--version`` (seconds for large scanners) and rebuilds the environment if that
    fails; ``force`` rebuilds it in any case.

    Raises InvalidInputError for an unknown tool, a malformed version or a cache folder that
    cannot be written, and ToolError (naming pip's log file) when building fails.
    """
    # Validate first, so that a typo costs nothing and the error names the known tools.
    spec = _spec(tool, version)
    say = progress or _say_nothing
    root = cache_root()
    env = root / "envs" / spec.name

    # Nearly every call finds the environment ready; answer those without a lock, pip or writes.
    if not force and _is_ready(spec, env, verify=verify, say=say):
        return _tool_env(spec, env, created=False)

    # Only one process builds a given environment; the others wait, then find it ready.
    _prepare_cache(root)
    with _build_lock(root, spec, say):
        if not force and _is_ready(spec, env, verify=verify, say=say):
            return _tool_env(spec, env, created=False)
        _build(spec, env, root / "logs" / f"{spec.name}.log", say)
    return _tool_env(spec, env, created=True)


def resolve(
    tool: str, *, version: str | None = None, explicit_path: str | None = None
) -> ResolvedTool:
    """Find the executable to run for ``tool``, without installing anything.

    The order is: ``explicit_path`` from the pipeline file (which must exist and be executable;
    the caller makes it absolute, since a relative one is taken from the working folder), then
    the managed environment of ``version`` (the locked version by default), then the PATH. An
    executable from the pipeline file or the PATH whose version differs from the wanted one
    comes back with a ``warning``. Raises ToolError when nothing is found, InvalidInputError for
    an unknown tool.
    """
    # The wanted version decides the managed environment and what counts as a mismatch.
    spec = _spec(tool, version)

    # A path written in the pipeline file is a deliberate choice: use it or fail loudly.
    if explicit_path is not None:
        given = Path(explicit_path).expanduser()
        if not _runnable(given):
            raise ToolError(
                f"the pipeline file sets {tool}'s path to {given}, "
                "which does not exist or is not executable"
            )
        return _with_version_check(spec, given, "pipeline")

    # The managed environment is exactly what CI runs, so it wins over whatever is on the PATH.
    env = cache_root() / "envs" / spec.name
    if _is_complete(spec, env):
        executable = _exe_path(env, spec.executable)
        return ResolvedTool(tool, executable, spec.version, "managed", None)

    # The PATH is a fallback for people who manage scanners themselves; a mismatch is flagged.
    on_path = shutil.which(spec.executable)
    if on_path is not None:
        return _with_version_check(spec, Path(on_path), "path")

    raise ToolError(
        f"{tool} {spec.version} is not installed; run `{_install_command(spec)}` "
        "(or `secpipe run --install-tools`)"
    )


def list_tools() -> list[ToolStatus]:
    """List every locked tool with its locked version, managed environments and PATH entry."""
    lock = load_lock()
    installed = list(_installed_envs())

    statuses = []
    for tool, entry in lock.tools.items():
        versions = tuple(
            InstalledVersion(marker.version, env, _exe_path(env, marker.executable))
            for env, marker in installed
            if marker.tool == tool and _healthy(env, marker)
        )
        on_path = shutil.which(entry.executable)
        statuses.append(
            ToolStatus(tool, entry.version, versions, Path(on_path) if on_path else None)
        )
    return statuses


def doctor() -> list[DoctorResult]:
    """Run ``--version`` in every managed environment and report which ones work."""
    results = []
    for env, marker in _installed_envs():
        # A missing executable or a removed base interpreter cannot run at all.
        hint = f"rebuild it with `{_install_command_for(marker.tool, marker.version)} --force`"
        executable = _exe_path(env, marker.executable)
        if not _healthy(env, marker):
            message = f"{env} is damaged (executable or interpreter missing); {hint}"
            results.append(DoctorResult(marker.tool, marker.version, False, message))
            continue

        # Running it is the only real proof: native libraries can go missing after install.
        found, problem = _probe_version(executable)
        if found is None:
            results.append(DoctorResult(marker.tool, marker.version, False, f"{problem}; {hint}"))
        elif found != marker.version:
            message = f"{executable} reports version {found}, expected {marker.version}; {hint}"
            results.append(DoctorResult(marker.tool, marker.version, False, message))
        else:
            results.append(DoctorResult(marker.tool, marker.version, True, str(executable)))
    return results


def _spec(tool: str, version: str | None) -> _EnvSpec:
    """Describe the environment of ``tool`` at ``version``; reject unknown tools and versions.

    TODO: the lock is resolved on one platform and Python version (its ``platform`` and
    ``python`` fields); elsewhere a pin without a matching wheel makes pip fail. Lock per
    platform once CI runs secpipe on macOS and Windows too.
    """
    lock = load_lock()
    entry = lock.tools.get(tool)
    if entry is None:
        known = ", ".join(sorted(lock.tools))
        raise InvalidInputError(f"unknown tool {tool!r}; secpipe knows: {known}")
    if version is None or version == entry.version:
        return _EnvSpec(tool, entry.version, entry.executable, entry.requirements, locked=True)

    # The version ends up in a pip argument and a folder name: accept version text only.
    if not _VERSION_TEXT.match(version):
        raise InvalidInputError(f"{version!r} is not a version number (wanted for {tool})")
    requirement = f"{entry.distribution}=={version}"
    return _EnvSpec(tool, version, entry.executable, (requirement,), locked=False)


def _say_nothing(message: str) -> None:
    logger.debug("%s", message)


def _prepare_cache(root: Path) -> None:
    """Create the cache folders, or explain that the cache cannot be written."""
    try:
        for folder in (root / "envs", root / "logs"):
            folder.mkdir(parents=True, exist_ok=True)
        # Being root or on a read-only mount makes permission bits lie, so try a real write;
        # a name of its own, since several gates of one run may install tools at once.
        handle, probe = tempfile.mkstemp(dir=root / "envs", prefix=".write-test-")
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        raise InvalidInputError(
            f"cannot write to the secpipe cache {root} ({exc.strerror or exc}); "
            f"set {HOME_ENV_VAR} to a folder you can write to"
        ) from None


@contextmanager
def _build_lock(root: Path, spec: _EnvSpec, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the per-environment file lock, telling the user when another process has it."""
    # Imported here: only installing takes the lock, and every run imports this module.
    from filelock import FileLock, Timeout

    lock = FileLock(str(root / "envs" / f"{spec.name}.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        say(f"waiting for another process installing {spec.name}")
        try:
            lock.acquire(timeout=_LOCK_WAIT_S)
        except Timeout:
            raise ToolError(
                f"another process has been installing {spec.name} for over "
                f"{_LOCK_WAIT_S // 60} minutes; if none is running, delete {lock.lock_file}"
            ) from None
    except OSError as exc:
        raise InvalidInputError(f"cannot create the install lock {lock.lock_file}: {exc}") from None
    try:
        yield
    finally:
        lock.release()


def _build(spec: _EnvSpec, env: Path, log_path: Path, say: Callable[[str], None]) -> None:
    """Build the environment in place; on any failure leave nothing behind that looks ready.

    It is built at its final path rather than in a temporary folder renamed into place because
    virtual environments cannot move: pip writes the absolute interpreter path into every console
    script. The marker, written last, is what makes the environment count as installed.
    """
    # Whatever is there is unfinished or broken; drop the marker first so no reader trusts it.
    _discard(env)

    with log_path.open("a", encoding="utf-8") as log:
        log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} install {spec.name} ===\n")
        try:
            # The running interpreter is known to work; the user's project Python may not.
            say(f"creating an environment for {spec.tool} {spec.version} in {env}")
            venv = [sys.executable, "-m", "venv", str(env)]
            what = f"creating the environment for {spec.name}"
            _logged_run(venv, log, log_path, what, _VENV_TIMEOUT_S)

            # One resolver run over the whole pinned list, so pip also checks it is consistent.
            # TODO: installs do not use --require-hashes; that needs every file's hash in the
            # lock, for every platform. Add it when the lock generator records them.
            say(f"installing {len(spec.requirements)} pinned packages for {spec.tool} with pip")
            pip = [str(_python_path(env)), "-m", "pip", "install"]
            pip += ["--disable-pip-version-check", "--no-input", *spec.requirements]
            what = f"pip install for {spec.tool} {spec.version}"
            _logged_run(pip, log, log_path, what, _PIP_TIMEOUT_S)

            # pip succeeding is not proof: an entry point can still fail to import.
            say(f"checking `{spec.executable} --version`")
            _verify(spec, env, log, log_path)

            # Last: from here on the environment counts as installed.
            _write_marker(spec, env)
        except BaseException:
            log.write("=== failed; environment removed ===\n")
            _discard(env)
            raise
        log.write("=== done ===\n")


def _logged_run(
    argv: list[str], log: IO[str], log_path: Path, what: str, timeout_s: float
) -> Completed:
    """Run one build step, append its output to the log, and raise ToolError if it failed."""
    log.write(f"$ {' '.join(argv)}\n")
    log.flush()
    try:
        done = run(argv, timeout_s=timeout_s, env=_pip_env())
    except ProcessFailure as exc:
        log.write(exc.stdout + exc.stderr + f"\n{exc.reason}\n")
        raise ToolError(f"{what} failed: {exc.reason}; full log: {log_path}") from None

    log.write(done.stdout + done.stderr)
    log.flush()
    if done.returncode != 0:
        last = _last_error_line(done.stderr) or _last_error_line(done.stdout) or "no output"
        raise ToolError(f"{what} failed (exit {done.returncode}): {last}; full log: {log_path}")
    return done


def _pip_env() -> dict[str, str]:
    env = scanner_env()
    for name in _MISDIRECTING_PIP_VARS:
        env.pop(name, None)
    return env


def _last_error_line(text: str) -> str:
    """Pick the line of pip's output that says what went wrong, shortened to fit a message."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    # pip's "[notice]" lines (a newer pip exists) come last but say nothing about the failure.
    others = [line for line in lines if not line.startswith("[notice]")]
    chosen = errors[-1] if errors else (others[-1] if others else "")
    return chosen[:300]


def _verify(spec: _EnvSpec, env: Path, log: IO[str], log_path: Path) -> None:
    """Run the new executable's ``--version`` and check it is the version asked for."""
    executable = _exe_path(env, spec.executable)
    found, problem = _probe_version(executable)
    log.write(f"$ {executable} --version -> {found or problem}\n")
    if found is None:
        raise ToolError(f"{spec.tool} {spec.version} installed but {problem}; log: {log_path}")
    if found != spec.version:
        raise ToolError(
            f"{spec.tool} installed but reports version {found}, not {spec.version}; "
            f"log: {log_path}"
        )


def _write_marker(spec: _EnvSpec, env: Path) -> None:
    """Write the marker atomically, so a reader sees either no marker or a whole one."""
    marker = _Marker(
        tool=spec.tool,
        version=spec.version,
        executable=spec.executable,
        requirements=spec.requirements,
        python=sys.version.split()[0],
    )
    partial = env / f"{MARKER_NAME}.partial"
    partial.write_text(marker.model_dump_json(indent=2) + "\n", encoding="utf-8")
    os.replace(partial, env / MARKER_NAME)


def _discard(env: Path) -> None:
    """Remove an environment folder, marker first."""
    try:
        (env / MARKER_NAME).unlink(missing_ok=True)
        if env.is_dir() and not env.is_symlink():
            shutil.rmtree(env)
        elif env.exists() or env.is_symlink():
            env.unlink()
    except OSError as exc:
        raise ToolError(f"cannot remove the unfinished environment {env}: {exc}") from None


def _read_marker(env: Path) -> _Marker | None:
    try:
        return _Marker.model_validate_json((env / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError):
        return None


def _healthy(env: Path, marker: _Marker) -> bool:
    """Whether the files the executable needs are still there (cheap: nothing is run)."""
    return _runnable(_exe_path(env, marker.executable)) and _python_path(env).exists()


def _is_complete(spec: _EnvSpec, env: Path) -> bool:
    """Whether ``env`` is a finished environment with exactly the requirements of ``spec``."""
    marker = _read_marker(env)
    if marker is None or marker.tool != spec.tool or marker.requirements != spec.requirements:
        return False
    return _healthy(env, marker)


def _is_ready(spec: _EnvSpec, env: Path, *, verify: bool, say: Callable[[str], None]) -> bool:
    """Whether ``env`` is complete and, when ``verify`` is set, its executable really runs."""
    if not _is_complete(spec, env):
        return False
    if not verify:
        return True
    found, problem = _probe_version(_exe_path(env, spec.executable))
    if found != spec.version:
        say(f"{spec.name} does not work ({problem or f'it reports {found}'}); rebuilding it")
        return False
    return True


def _installed_envs() -> Iterator[tuple[Path, _Marker]]:
    """Yield every environment in the cache that has a marker (healthy or not), by folder name.

    TODO: nothing deletes environments of versions that are no longer locked or wanted; add a
    `secpipe tools prune` once caches grow large enough for users to notice.
    """
    envs = cache_root() / "envs"
    if not envs.is_dir():
        return
    for env in sorted(envs.iterdir()):
        marker = _read_marker(env) if env.is_dir() else None
        if marker is not None:
            yield env, marker


def _tool_env(spec: _EnvSpec, env: Path, *, created: bool) -> ToolEnv:
    executable = _exe_path(env, spec.executable)
    return ToolEnv(spec.tool, spec.version, env, executable, spec.requirements, created)


def _bin_dir(env: Path) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin")


def _exe_path(env: Path, name: str) -> Path:
    folder = _bin_dir(env)
    if os.name != "nt":
        return folder / name
    # pip makes .exe launchers for entry points; plain scripts (checkov's) come as .cmd files.
    candidates = [folder / f"{name}{suffix}" for suffix in (".exe", ".cmd", ".bat")]
    return next((path for path in candidates if path.exists()), candidates[0])


def _python_path(env: Path) -> Path:
    return _exe_path(env, "python")


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _probe_version(executable: Path) -> tuple[str | None, str]:
    """Run ``<executable> --version`` and return the first version-looking token it prints.

    Returns ``(version, "")`` or ``(None, why not)``. Scanners print their version differently
    ("bandit 1.9.4" plus interpreter lines, a bare "1.185.0", "pip-audit 2.10.1"), so the first
    token shaped like a version is taken.
    """
    # semgrep would otherwise ask the network whether a newer release exists.
    env = scanner_env({"SEMGREP_ENABLE_VERSION_CHECK": "0"})
    try:
        done = run([executable, "--version"], timeout_s=_VERSION_TIMEOUT_S, env=env)
    except ProcessFailure as exc:
        return None, f"`{executable} --version` could not run: {exc.reason}"
    if done.returncode != 0:
        return None, f"`{executable} --version` failed: {done.describe()}"

    match = _VERSION_TOKEN.search(done.stdout) or _VERSION_TOKEN.search(done.stderr)
    if match is None:
        return None, f"`{executable} --version` printed no version number"
    return match.group(1), ""


def _with_version_check(
    spec: _EnvSpec, executable: Path, source: Literal["pipeline", "path"]
) -> ResolvedTool:
    """Resolve to an executable outside the managed environments, warning on a version mismatch."""
    found, problem = _probe_version(executable)
    where = "the pipeline file's" if source == "pipeline" else "the PATH's"
    if found is None:
        warning: str | None = (
            f"cannot tell which version {where} {spec.tool} is ({problem}); "
            f"secpipe is tested with {spec.version}"
        )
    elif found != spec.version:
        warning = (
            f"{where} {spec.tool} is version {found}, not {spec.version}; results may differ "
            f"from CI (run `{_install_command(spec)}`)"
        )
    else:
        warning = None
    return ResolvedTool(spec.tool, executable, found, source, warning)


def _install_command(spec: _EnvSpec) -> str:
    if spec.locked:
        return f"secpipe tools install {spec.tool}"
    return f"secpipe tools install {spec.tool} --version-of {spec.tool}={spec.version}"


def _install_command_for(tool: str, version: str) -> str:
    """Suggest the install command for a version that may no longer be the locked one."""
    try:
        return _install_command(_spec(tool, version))
    except SecpipeError:
        return f"secpipe tools install {tool} --version-of {tool}={version}"
