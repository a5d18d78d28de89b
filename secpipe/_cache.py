"""The result cache: what a scanner reported, kept so an unchanged tree is not scanned again.

One entry is one tool run. Its key covers everything the run's result can depend on: the tool's
name and version, which executable ran (path, size and modification time), the pipeline's options
for the tool, the content of its rule/config files, the scanned root, and the list of input files
with the sha256 of each file's bytes. A one-byte change to any of them is a different key.

Only the adapter's raw output is stored (the ``RawFinding`` list, skipped files, version, the
suppressed count, and a gate's own JSON extras such as contract scores); normalization, severity
overrides, baselines, waivers and the policy always run fresh, so a cached run is judged exactly
like a cold one.

Entries are written to a temporary file in the same folder and moved into place with
``os.replace``, so a run sharing the folder with another never reads half an entry. An entry that
cannot be read or parsed is a miss (and is overwritten), never an error. Tool errors are never
stored: only runs that succeeded reach ``store``.

secpipe's own deterministic checks (the contract audit, the offline dependency audit) are cached
the same way through ``native_key``: the key is secpipe's version and the source of the code that
does the work, the gate's settings, the digests of the input files, and the identity (names,
sizes, modification times) of outside data such as the advisory database.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secpipe._findings import Confidence, Package, Severity
from secpipe._normalize import RawFinding
from secpipe._paths import SETTLED_NS, folder_listing
from secpipe._version import __version__

logger = logging.getLogger(__name__)

#: Bumped whenever the entry format changes, so old entries are simply misses.
FORMAT_VERSION = 1

#: Tools whose output depends only on the inputs the key covers. pip-audit asks a remote advisory
#: service whose answers change without any local change, so it is never cached.
# TODO: let adapters declare this themselves once the adapter interface grows such a flag.
#: checkov is run with ``--skip-download`` and ``BC_SKIP_MAPPING=TRUE`` (see its adapter), so it
#: fetches no policies, severities or suppressions: its output follows from its version, its
#: checks and options, its config files and the files it reads.
CACHEABLE_TOOLS = frozenset({"semgrep", "bandit", "detect-secrets", "checkov"})


@dataclass(frozen=True)
class CachedOutput:
    """What a cache entry gives back: the adapter's raw output of an earlier, successful run."""

    findings: list[RawFinding]
    skipped_files: list[str]
    version: str | None
    suppressed: int
    #: What a gate keeps beside the findings (JSON values only), e.g. contract scores.
    extra: dict[str, Any] = field(default_factory=dict)


class ResultCache:
    """A folder of cache entries, one JSON file per key."""

    def __init__(self, folder: Path, outside_inputs: dict[str, str] | None = None) -> None:
        """Use ``folder`` (created on the first store).

        ``outside_inputs``, when given, is filled with the files and folders outside the scanned
        tree that keys were made from (path to ``file`` or ``listing``): the executables, config
        files and data folders a replay of the run must find unchanged (``secpipe/_replay.py``).
        """
        self.folder = folder
        self.outside_inputs = outside_inputs
        # Several tools read the same files (semgrep, bandit and detect-secrets all read the
        # Python sources): each file is hashed once while its size and time stay the same.
        self._digests: dict[tuple[str, int, int], str] = {}
        self._digests_lock = threading.Lock()
        # A file written in the last moments before this run is never remembered, only hashed.
        self._settled_before_ns = time.time_ns() - SETTLED_NS

    def _file_digest(self, path: Path) -> str:
        """``file_digest`` of ``path``, remembered while the file's size and time are unchanged."""
        status = path.stat()
        if status.st_mtime_ns >= self._settled_before_ns:
            return file_digest(path)
        seen = (str(path), status.st_size, status.st_mtime_ns)
        with self._digests_lock:
            known = self._digests.get(seen)
        if known is None:
            known = file_digest(path)
            with self._digests_lock:
                self._digests[seen] = known
        return known

    def key(
        self,
        *,
        tool: str,
        version: str | None,
        executable: Path,
        options: dict[str, Any],
        config_files: Sequence[Path],
        root: Path,
        files: Sequence[str],
        adapter_source: Path | None = None,
    ) -> str | None:
        """The key of one tool run; None when an input cannot be read (nothing is cached then).

        ``adapter_source`` is the file of the adapter that reads the tool's output.
        """
        # Every part goes into one JSON document, so no two different runs can collide by
        # concatenation.
        self._note_outside("file", [executable])
        self._note_outside("listing", config_files)
        try:
            document = {
                "format": FORMAT_VERSION,
                "secpipe": __version__,
                # The adapter's own code: a changed parser must not reuse old readings.
                "adapter": file_digest(adapter_source) if adapter_source else "",
                "tool": tool,
                "version": version,
                "executable": _identity(executable),
                "options": options,
                "config": [[str(path), _tree_digest(path)] for path in config_files],
                "root": str(root),
                "files": [[name, self._file_digest(root / name)] for name in files],
            }
        except OSError as error:
            logger.debug("not caching %s: cannot read an input: %s", tool, error)
            return None
        text = json.dumps(document, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def native_key(
        self,
        *,
        tool: str,
        settings: dict[str, Any],
        root: Path,
        files: Sequence[str],
        sources: Sequence[Path],
        data: Sequence[Path] = (),
        inputs: Any = None,
    ) -> str | None:
        """The key of one run of secpipe's own checks; None when an input cannot be read.

        ``sources`` are the modules or packages whose code does the work (only ``.py`` files
        count), ``data`` outside files or folders known by their listing (name, size, time),
        such as an advisory database too big to hash on every run, and ``inputs`` any further
        JSON value the result depends on.
        """
        # The same one-document scheme as ``key``, with a kind of its own so the two never meet.
        self._note_outside("listing", data)
        try:
            document = {
                "format": FORMAT_VERSION,
                "kind": "native",
                "secpipe": __version__,
                "tool": tool,
                "code": [[str(path), _code_digest(path)] for path in sources],
                "settings": settings,
                "root": str(root),
                "files": [[name, self._file_digest(root / name)] for name in files],
                "data": [[str(path), listing_digest(path)] for path in data],
                "inputs": inputs,
            }
            text = json.dumps(document, sort_keys=True, separators=(",", ":"))
        except (OSError, TypeError, ValueError) as error:
            logger.debug("not caching %s: cannot read an input: %s", tool, error)
            return None
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _note_outside(self, kind: str, paths: Iterable[Path]) -> None:
        if self.outside_inputs is not None:
            for path in paths:
                self.outside_inputs.setdefault(str(Path(path).absolute()), kind)

    def load(self, key: str) -> CachedOutput | None:
        """The entry stored under ``key``, or None when there is none or it is unreadable."""
        path = self._path(key)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT_VERSION or data.get("key") != key:
                return None
            return CachedOutput(
                findings=[_raw_from_json(item) for item in data["findings"]],
                skipped_files=[str(item) for item in data["skipped_files"]],
                version=data["version"],
                suppressed=int(data["suppressed"]),
                extra=dict(data.get("extra") or {}),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            # A corrupt entry is only a miss: the tool runs and the entry is written again.
            logger.debug("ignoring the unreadable cache entry %s: %s", path, error)
            return None

    def store(self, key: str, output: CachedOutput) -> None:
        """Write the entry for ``key`` atomically; a failure to write is only logged."""
        data = {
            "format": FORMAT_VERSION,
            "key": key,
            "version": output.version,
            "suppressed": output.suppressed,
            "skipped_files": list(output.skipped_files),
            "findings": [_raw_to_json(finding) for finding in output.findings],
            "extra": output.extra,
        }
        self._write(self._path(key), data)

    @staticmethod
    def _write(path: Path, data: Any) -> None:
        # Write beside the target, then rename: readers see the old entry or the whole new one.
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    json.dump(data, stream, separators=(",", ":"))
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            logger.warning("could not write the result cache entry %s: %s", path, error)

    def _path(self, key: str) -> Path:
        # Two-character fan-out keeps any one folder small on big monorepos.
        return self.folder / key[:2] / f"{key}.json"


def file_digest(path: Path) -> str:
    """The sha256 of a file's bytes (hex)."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def listing_digest(path: Path) -> str:
    """A digest of a file's or folder's listing: every file's name, size and times.

    Cheap enough for thousands of files on every run; a rewritten file has a new time or size.
    """
    if not path.is_dir():
        status = path.stat()
        text = f"{path.name}\0{status.st_size}\0{status.st_mtime_ns}\0{status.st_ctime_ns}\n"
        return hashlib.sha256(text.encode()).hexdigest()
    return folder_listing(path)[0]


def _code_digest(path: Path) -> str:
    # Only the Python sources: compiled caches come and go without any change of behaviour.
    if path.is_dir():
        digest = hashlib.sha256()
        for child in sorted(path.rglob("*.py")):
            digest.update(str(child.relative_to(path)).encode("utf-8") + b"\0")
            digest.update(file_digest(child).encode("ascii"))
        return digest.hexdigest()
    return file_digest(path)


def _tree_digest(path: Path) -> str:
    # A rules folder counts with every file under it, names included, in a stable order.
    if path.is_dir():
        digest = hashlib.sha256()
        for child in sorted(item for item in path.rglob("*") if item.is_file()):
            digest.update(str(child.relative_to(path)).encode("utf-8") + b"\0")
            digest.update(file_digest(child).encode("ascii"))
        return digest.hexdigest()
    return file_digest(path)


def _identity(executable: Path) -> list[Any]:
    # A reinstalled or replaced scanner has a new size or time even when its version string
    # stayed the same.
    status = executable.stat()
    return [str(executable), status.st_size, status.st_mtime_ns]


def _raw_to_json(finding: RawFinding) -> dict[str, Any]:
    return {
        "tool": finding.tool,
        "rule_id": finding.rule_id,
        "title": finding.title,
        "message": finding.message,
        "severity": finding.severity.value,
        "path": finding.path,
        "start_line": finding.start_line,
        "end_line": finding.end_line,
        "confidence": finding.confidence.value if finding.confidence else None,
        "cwe": list(finding.cwe),
        "references": list(finding.references),
        "weakness": finding.weakness,
        "package": finding.package.model_dump(mode="json") if finding.package else None,
    }


def _raw_from_json(item: dict[str, Any]) -> RawFinding:
    return RawFinding(
        tool=str(item["tool"]),
        rule_id=str(item["rule_id"]),
        title=str(item["title"]),
        message=str(item["message"]),
        severity=Severity(item["severity"]),
        path=str(item["path"]),
        start_line=int(item["start_line"]),
        end_line=int(item["end_line"]),
        confidence=Confidence(item["confidence"]) if item["confidence"] else None,
        cwe=tuple(str(cwe) for cwe in item["cwe"]),
        references=tuple(str(ref) for ref in item["references"]),
        weakness=item["weakness"],
        package=Package.model_validate(item["package"]) if item["package"] else None,
    )


def config_files_in_args(root: Path, args: Iterable[str]) -> list[Path]:
    """Files named in a tool's extra arguments (``-c bandit.yml``): they belong in the key too."""
    found: list[Path] = []
    for arg in args:
        value = arg.split("=", 1)[1] if arg.startswith("--") and "=" in arg else arg
        candidate = Path(value) if Path(value).is_absolute() else root / value
        try:
            if value and not value.startswith("-") and candidate.is_file():
                found.append(candidate)
        except OSError:
            continue
    return found
