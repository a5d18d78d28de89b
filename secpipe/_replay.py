"""Replaying a whole run when nothing it depended on has changed since it was recorded.

The result cache (``secpipe/_cache.py``) spares the scanners on an unchanged tree, but a warm run
still starts the interpreter, imports the models, reads the pipeline, hashes every input and
judges and writes everything again. This module spares that too, the way build tools replay a
cached step: after a run that used the result cache, it records what the run depended on and
what it produced; the next identical request on an unchanged tree writes the same reports, prints
the same summary and exits with the same code, without importing the rest of secpipe.

What a record depends on, all of which must be unchanged for a replay:

- the request: the options of ``secpipe run`` (paths made absolute), the working folder, the
  environment (less a few variables that only describe the shell), secpipe's own files, the
  interpreter, and today's date (waivers expire by date);
- the tree: the list of files the run scanned (``git ls-files`` in a repository, so a new,
  deleted or newly ignored file counts) and each file's size, inode, modification and change
  times. The change time cannot be set back, so an edit that restores the old modification time
  is still seen, as git sees it;
- everything outside the tree the run read: the pipeline, baseline and waivers files (or their
  absence where a default was looked for), the scanners' executables and rule files, data
  folders such as the advisory database (by their listing), and the folders a scanner is looked
  up in, so a scanner installed since is noticed.

A run is recorded only when a replay would be exact: every tool run was an ordinary scanner or
one of secpipe's own file checks (pip-audit asks a remote service, image checks read the Docker
engine: their runs are never recorded); the run passed or failed on policy (exit 0 or 1); and
no input changed while it ran, or in the two seconds before it (a file system's clock can be
that coarse). Records live in ``runs/`` under the result cache folder, one per request, written
atomically, so two runs sharing the folder see an old record or a whole new one. Anything
unreadable is simply no replay.

This module imports only the standard library and ``secpipe._paths``: it runs before, and
instead of, everything else.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from secpipe import _paths
from secpipe._version import __version__

logger = logging.getLogger(__name__)

#: Bumped whenever the record format changes, so old records are simply not replayed.
FORMAT_VERSION = 1

#: Folder of the records, under the result cache folder.
RUNS_FOLDER = "runs"

#: Tool runs whose result follows from the files a record covers. The scanners are run offline
#: (see ``secpipe/_cache.py``); the rest are secpipe's own checks of files in the tree.
REPLAYABLE_TOOLS = frozenset(
    {
        "semgrep",
        "bandit",
        "detect-secrets",
        "checkov",
        "secpipe-contract",
        "osv-offline",
        "dockerfile",
        "manifests",
    }
)

#: A run that read images (from the Docker engine or an archive) is never recorded: an image
#: can change behind the same name without any file changing.
IMAGE_TOOL = "image"

#: Environment variables that describe the shell, not the run.
_SHELL_ONLY_VARIABLES = frozenset(
    {"_", "OLDPWD", "PWD", "SHLVL", "COLUMNS", "LINES", "SECPIPE_TIMINGS"}
)

#: Records kept; the least recently written go first. A record holds a run's reports, and a
#: request that differs every time (a CI job's own variables) would otherwise pile them up.
MAX_RECORDS = 16

#: How long before a run its inputs must have last changed for the run to be recorded.
SETTLED_NS = _paths.SETTLED_NS


@dataclass(frozen=True)
class Request:
    """One ``secpipe run`` request, reduced to what its result can depend on."""

    root: Path
    record_path: Path
    #: The request's own description, kept in the record for anyone inspecting it.
    description: dict[str, Any]


def request_for(args: argparse.Namespace, formats: Sequence[str], cache: Path) -> Request | None:
    """The request ``args`` describe, or None when such a run is never replayed.

    Change-only runs (``--changed-since`` depends on git history), runs that may install tools,
    verbose runs (their log is the point) and runs without the result cache are not replayed.
    """
    if args.no_cache or args.changed_since or args.install_tools or args.verbose:
        return None
    root = Path(args.path).resolve()

    def absolute(value: Path | None) -> str | None:
        if value is None:
            return None
        text = str(value)
        return text if text.startswith("builtin:") else str(Path(value).absolute())

    description = {
        "format": FORMAT_VERSION,
        "secpipe": __version__,
        "code": _paths.folder_listing(Path(__file__).parent, ("__pycache__",))[0],
        "python": [sys.executable, sys.version],
        "cwd": os.getcwd(),
        "root": str(root),
        "pipeline": absolute(args.pipeline),
        "stages": list(args.stage),
        "gates": list(args.gate),
        "formats": list(formats),
        "output_dir": str(Path(args.output_dir).absolute()),
        "baseline": absolute(args.baseline),
        "waivers": absolute(args.waivers),
        # Only a digest: the environment can hold tokens, and records are plain files.
        "environment": _environment_digest(),
    }
    text = json.dumps(description, sort_keys=True, separators=(",", ":"))
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Request(root, cache / RUNS_FOLDER / f"{key}.json", description)


def _environment_digest() -> str:
    variables = sorted(
        [name, value] for name, value in os.environ.items() if name not in _SHELL_ONLY_VARIABLES
    )
    text = json.dumps(variables, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def replay(request: Request, tree: _TreeState, *, quiet: bool) -> int | None:
    """Replay the recorded run of ``request`` and return its exit code, or None to run afresh.

    ``tree`` is the tree's state now (``Recorder.start`` takes it, for the run too on a miss).
    """
    record = _load(request.record_path)
    if record is None:
        return None

    # Same request, same day, same tree, same outside inputs: the same result. A record of the
    # wrong shape (written by hand, or by another version) is no replay, never an error.
    try:
        if record.get("date") != _today() or record.get("request") != request.description:
            return None
        if record.get("tree") != tree.digest:
            logger.debug("not replaying: the tree changed since %s", record.get("started_at"))
            return None
        if any(_state(kind, path)[0] != expected for kind, path, expected in record["outside"]):
            logger.debug("not replaying: an input outside the tree changed")
            return None
    except (KeyError, TypeError, ValueError) as error:
        logger.debug("not replaying the malformed record %s: %s", request.record_path, error)
        return None

    # Write every report again, exactly as the recorded run wrote it.
    try:
        for target, text in record["outputs"]:
            _write_text(Path(target), text)
        lines = str(record["summary"]["quiet" if quiet else "full"]).splitlines()
        exit_code = int(record["exit_code"])
    except (OSError, KeyError, TypeError, ValueError) as error:
        logger.debug("not replaying: %s", error)
        return None
    logger.info(
        "nothing changed since the run of %s: its result is replayed (--no-cache scans afresh)",
        _when(record.get("started_at")),
    )
    if lines:
        lines[-1] += " (replayed)"
    print("\n".join(lines))
    return exit_code


@dataclass
class Recorder:
    """Watches one run that may be recorded: call ``start`` before it and ``finish`` after."""

    request: Request
    started_ns: int = 0
    #: The day the run judged waivers by (a run may end after midnight).
    day: str = ""
    tree: _TreeState | None = None
    #: Paths outside the tree the run read, by kind: ``file`` (stat) or ``listing`` (a folder).
    outside: dict[str, str] = field(default_factory=dict)

    def start(self) -> _TreeState:
        """Note the time and the tree's state before any input is read; return that state.

        The state's file list is the one the run scans, so the tree is listed once.
        """
        self.started_ns = time.time_ns()
        self.day = _today()
        self.tree = _tree_state(self.request.root)
        return self.tree

    def add_inputs(self, kind: str, paths: Iterable[Path | str]) -> None:
        """Add outside inputs of one kind (``file`` or ``listing``)."""
        for path in paths:
            self.outside.setdefault(str(path), kind)

    def finish(
        self,
        *,
        tool_runs: Iterable[tuple[str, str]],
        exit_code: int,
        started_at: str,
        outputs: Sequence[Path],
        summaries: dict[str, str],
    ) -> bool:
        """Record the run if a replay of it would be exact; True when a record was written.

        ``tool_runs`` are the (tool, status) pairs of the run.
        """
        outside: list[tuple[str, str, str, int]] = []
        reason = self._why_not(list(tool_runs), exit_code)
        if reason is None:
            outside = [(kind, path, *_state(kind, path)) for path, kind in self.outside.items()]
            settled_before = self.started_ns - SETTLED_NS
            unsettled = [path for _, path, _, newest in outside if newest >= settled_before]
            reason = f"{unsettled[0]} changed moments before the run" if unsettled else None
        if reason is not None:
            logger.debug("this run is not recorded for replay: %s", reason)
            return False

        # The record: what to check, then what to give back.
        try:
            record = {
                "format": FORMAT_VERSION,
                "request": self.request.description,
                "date": self.day,
                "started_at": started_at,
                "tree": self.tree.digest if self.tree else None,
                "outside": [[kind, path, state] for kind, path, state, _ in outside],
                "outputs": [[str(path), _read_text(path)] for path in outputs],
                "summary": summaries,
                "exit_code": exit_code,
            }
        except (OSError, UnicodeDecodeError) as error:
            logger.debug("this run is not recorded for replay: %s", error)
            return False
        if not _write_json(self.request.record_path, record):
            return False
        _prune(self.request.record_path.parent, keep=MAX_RECORDS)
        return True

    def _why_not(self, tool_runs: list[tuple[str, str]], exit_code: int) -> str | None:
        # Only results that follow from the covered inputs alone are replayed.
        if exit_code not in (0, 1):
            return f"it ended with exit code {exit_code}"
        for tool, status in tool_runs:
            if tool == IMAGE_TOOL:
                return "it read container images"
            if status != "skipped" and tool not in REPLAYABLE_TOOLS:
                return f"{tool}'s result can change without any local change"
        if self.tree is None:
            return "the tree was not looked at before the run"
        after = _tree_state(self.request.root)
        if after.digest != self.tree.digest:
            return "files changed while it ran"
        if self.tree.newest_ns >= self.started_ns - SETTLED_NS:
            return "files changed moments before the run"
        return None


@dataclass(frozen=True)
class _TreeState:
    """The files a run scans (``secpipe._paths.list_files``) and a digest of their identities."""

    files: tuple[str, ...]
    digest: str
    newest_ns: int


def _tree_state(root: Path) -> _TreeState:
    """The listing of the files a run scans, with each file's identity and times."""
    digest = hashlib.sha256()
    newest = 0
    files = tuple(_paths.list_files(root))
    for name in files:
        try:
            status = os.stat(os.path.join(root, name))
        except OSError:
            digest.update(f"{name}\0-\n".encode())
            continue
        changed = max(status.st_mtime_ns, status.st_ctime_ns)
        newest = max(newest, changed)
        digest.update(
            f"{name}\0{status.st_size}\0{status.st_ino}\0{status.st_mtime_ns}\0"
            f"{status.st_ctime_ns}\n".encode()
        )
    return _TreeState(files, digest.hexdigest(), newest)


def _state(kind: str, path: str) -> tuple[str, int]:
    """An outside input's state (compared on replay) and when it last changed."""
    if kind == "listing" and os.path.isdir(path):
        try:
            return _paths.folder_listing(Path(path))
        except OSError:
            return "unreadable", 0
    try:
        status = os.stat(path)
    except OSError:
        return "absent", 0
    changed = max(status.st_mtime_ns, status.st_ctime_ns)
    return f"{status.st_size}:{status.st_ino}:{status.st_mtime_ns}:{status.st_ctime_ns}", changed


def _when(started_at: object) -> str:
    # "2026-12-03 17:45:26 UTC" from the recorded ISO time; anything else as it is.
    try:
        return datetime.fromisoformat(str(started_at)).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return str(started_at)


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _load(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        logger.debug("ignoring the unreadable run record %s: %s", path, error)
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        return None
    return data


def _read_text(path: Path) -> str:
    # Line endings kept as written: a replayed report is the same bytes.
    with path.open(encoding="utf-8", newline="") as stream:
        return stream.read()


def _write_text(target: Path, text: str, *, private: bool = False) -> None:
    """Write ``text`` beside ``target``, then rename: readers see the old file or the new one.

    A report gets the mode any new file gets (the umask decides), as when a run writes it; a
    ``private`` file (a record) is readable by its owner only.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if private:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    else:
        temporary = str(target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp"))
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _prune(folder: Path, *, keep: int) -> None:
    # Another run may prune at the same moment: a record already gone is no error.
    records = []
    for path in folder.glob("*.json"):
        try:
            records.append((path.stat().st_mtime_ns, path))
        except OSError:
            continue
    for _, path in sorted(records, reverse=True)[keep:]:
        path.unlink(missing_ok=True)


def _write_json(target: Path, data: Any) -> bool:
    try:
        _write_text(target, json.dumps(data, separators=(",", ":")), private=True)
    except OSError as error:
        logger.warning("could not write the run record %s: %s", target, error)
        return False
    return True
