"""Python dependency manifests: find them in a file list and read each declared package.

Every dependency keeps the manifest and the line it is declared on, so a finding points at the
line a person edits to upgrade. Only an exact pin (``==1.2.3``) names one version that can be
audited; anything else is kept as a dependency that was *not audited*, with the reason, so the
gate can say so instead of passing silently.

Formats read: ``requirements*.txt`` (with ``-r``/``--requirement`` includes, relative to the
including file, cycle-safe), ``pyproject.toml`` (``[project] dependencies`` and
``[project.optional-dependencies]``), ``poetry.lock``, ``Pipfile.lock`` and ``uv.lock``.
"""

from __future__ import annotations

import json
import posixpath
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

#: Lock files that pin every package a ``pyproject.toml`` next to them declares.
_LOCK_NAMES = frozenset({"poetry.lock", "uv.lock"})

#: Every manifest name read here besides ``requirements*.txt``.
_MANIFEST_NAMES = frozenset({"pyproject.toml", "Pipfile.lock", *_LOCK_NAMES})

_REQUIREMENTS = re.compile(r"^requirements.*\.txt$", re.IGNORECASE)

#: ``-r FILE``, ``-rFILE``, ``--requirement FILE`` and ``--requirement=FILE``.
_INCLUDE = re.compile(r"^(?:-r\s*|--requirement(?:\s+|\s*=\s*))(?P<target>\S+)$")

#: Options that take a value and declare no package (indexes, constraints, hashes…).
_OPTION = re.compile(r"^-{1,2}[A-Za-z]")

#: Per-requirement options pip accepts after a requirement (``--hash=sha256:…``).
_TRAILING_OPTIONS = re.compile(r"\s+--?[A-Za-z][\w-]*(?:[=\s]\S+)?")


@dataclass(frozen=True)
class Dependency:
    """One package declared in one manifest at one line.

    ``version`` is set only for an exact pin; otherwise ``not_audited`` says why it cannot be
    audited (and the gate reports it).
    """

    name: str
    path: str
    line: int
    version: str | None = None
    not_audited: str | None = None

    @property
    def canonical_name(self) -> str:
        """The PEP 503 name advisories are keyed by (``PyYAML`` → ``pyyaml``)."""
        return canonicalize_name(self.name)

    @property
    def where(self) -> str:
        """``path:line`` for messages."""
        return f"{self.path}:{self.line}"


@dataclass
class ManifestScan:
    """What reading the manifests found: dependencies and one-line problems (file:line: what)."""

    manifests: list[str] = field(default_factory=list)
    dependencies: list[Dependency] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def pinned(self) -> list[Dependency]:
        """The dependencies that name one version and can be audited."""
        return [dep for dep in self.dependencies if dep.version and not dep.not_audited]

    @property
    def not_audited(self) -> list[str]:
        """One line per dependency or manifest line that could not be audited, with the reason."""
        skipped = [
            f"{dep.where}: {dep.name}: {dep.not_audited}"
            for dep in self.dependencies
            if dep.not_audited
        ]
        return skipped + self.problems


def is_manifest(path: str) -> bool:
    """Whether ``path`` (repository-relative, POSIX) names a manifest read here."""
    name = PurePosixPath(path).name
    return name in _MANIFEST_NAMES or bool(_REQUIREMENTS.match(name))


def find_manifests(files: Iterable[str]) -> list[str]:
    """The manifests among ``files``, sorted."""
    return sorted(path for path in files if is_manifest(path))


def read_manifests(root: Path, files: Iterable[str]) -> ManifestScan:
    """Read every manifest among ``files`` (paths relative to ``root``)."""
    scan = ManifestScan()
    manifests = find_manifests(files)
    present = set(manifests)
    seen_requirements: set[str] = set()

    for path in manifests:
        name = PurePosixPath(path).name
        # A pyproject whose folder also has a lock file is audited through the lock's pins.
        if name == "pyproject.toml":
            folder = posixpath.dirname(path)
            if any(posixpath.join(folder, lock) in present for lock in _LOCK_NAMES):
                continue
        scan.manifests.append(path)
        if _REQUIREMENTS.match(name):
            _read_requirements(root, path, scan, seen_requirements)
        elif name == "pyproject.toml":
            _read_pyproject(root, path, scan)
        elif name == "Pipfile.lock":
            _read_pipfile_lock(root, path, scan)
        else:
            _read_toml_lock(root, path, scan)
    return scan


def _read_text(root: Path, path: str, scan: ManifestScan) -> str | None:
    # An unreadable manifest is a problem the gate reports; the others are still read.
    try:
        return (root / path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        scan.problems.append(f"{path}: not UTF-8 text; save it as UTF-8 to audit it")
    except OSError as error:
        scan.problems.append(f"{path}: cannot read it: {error.strerror}")
    return None


# requirements files ---------------------------------------------------------------------------


def _logical_lines(text: str) -> Iterable[tuple[int, str]]:
    """Yield (first line number, text), comments removed and backslash continuations joined."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        # pip's rule: "#" starts a comment at the line start or after whitespace.
        line = re.sub(r"(^|\s+)#.*$", "", raw)
        if not pending:
            start = number
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        joined = " ".join(part.strip() for part in pending).strip()
        pending = []
        if joined:
            yield start, joined
    if pending:
        joined = " ".join(part.strip() for part in pending).strip()
        if joined:
            yield start, joined


def _read_requirements(root: Path, path: str, scan: ManifestScan, seen: set[str]) -> None:
    """Read one requirements file and, once each, the files it includes."""
    # Each file is read once however many files include it, which also breaks include cycles.
    if path in seen:
        return
    seen.add(path)
    text = _read_text(root, path, scan)
    if text is None:
        return

    for number, line in _logical_lines(text):
        where = f"{path}:{number}"
        include = _INCLUDE.match(line)
        if include:
            target = _resolve_include(path, include["target"])
            if target is None:
                scan.problems.append(
                    f"{where}: the included file {include['target']} is outside the scanned "
                    "folder; scan a folder that contains it"
                )
            elif not (root / target).is_file():
                scan.problems.append(f"{where}: the included file {target} does not exist")
            else:
                _read_requirements(root, target, scan, seen)
            continue
        if line.startswith(("-e", "--editable")):
            scan.dependencies.append(
                Dependency(
                    name=line.split(None, 1)[-1],
                    path=path,
                    line=number,
                    not_audited="an editable install has no released version to audit",
                )
            )
            continue
        if _OPTION.match(line):
            # Index URLs, constraint files and other options declare no package.
            continue
        scan.dependencies.append(_requirement(line, path, number))


def _resolve_include(including: str, target: str) -> str | None:
    # Relative to the including file; a path that leaves the scanned root is not followed.
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(including), target))
    if joined.startswith("../") or joined == ".." or posixpath.isabs(joined):
        return None
    return joined


def _requirement(text: str, path: str, line: int) -> Dependency:
    """A PEP 508 requirement as a Dependency; anything else is a not-audited entry."""
    text = _TRAILING_OPTIONS.sub("", text).strip()
    try:
        requirement = Requirement(text)
    except InvalidRequirement as error:
        # packaging's message spans lines (a caret under the column); the first line suffices.
        detail = str(error).splitlines()[0]
        return Dependency(
            name=repr(text[:60]),
            path=path,
            line=line,
            not_audited=f"not a PEP 508 requirement ({detail}); write it as NAME==VERSION",
        )
    return _pinned(requirement, path, line)


def _pinned(requirement: Requirement, path: str, line: int) -> Dependency:
    # Only one exact version can be looked up; a range could resolve to anything.
    name = requirement.name
    if requirement.url:
        reason = f"installed from a URL ({requirement.url}); it has no PyPI version to audit"
        return Dependency(name=name, path=path, line=line, not_audited=reason)
    specifiers = list(requirement.specifier)
    if (
        len(specifiers) == 1
        and specifiers[0].operator in ("==", "===")
        and ("*" not in specifiers[0].version)
    ):
        return Dependency(name=name, path=path, line=line, version=specifiers[0].version)
    shown = str(requirement.specifier) or "no version"
    reason = f"not pinned to one version ({shown}); pin it with == (or audit its lock file)"
    return Dependency(name=name, path=path, line=line, not_audited=reason)


# pyproject.toml -------------------------------------------------------------------------------


def _read_pyproject(root: Path, path: str, scan: ManifestScan) -> None:
    """Read ``[project] dependencies`` and ``[project.optional-dependencies]``."""
    text = _read_text(root, path, scan)
    if text is None:
        return
    data = _parse_toml(text, path, scan)
    if data is None:
        return

    # Collect the requirement strings in the order a reader sees them.
    # TODO: Poetry's own [tool.poetry.dependencies] table is not read; until it is, such
    # projects are audited through their poetry.lock.
    project = data.get("project")
    if not isinstance(project, dict):
        return
    declared: list[Any] = list(project.get("dependencies") or [])
    optional = project.get("optional-dependencies") or {}
    if isinstance(optional, dict):
        for group in optional.values():
            declared.extend(group if isinstance(group, list) else [])

    # Find each string's line: the first not yet used line that quotes it.
    lines = _LineFinder(text)
    for entry in declared:
        if not isinstance(entry, str):
            scan.problems.append(f"{path}: a dependency is not a string: {entry!r}")
            continue
        number = lines.find(entry)
        scan.dependencies.append(_requirement(entry, path, number))


class _LineFinder:
    """Finds the line a TOML string value is written on, each occurrence once."""

    def __init__(self, text: str):
        self._lines = text.splitlines()
        self._used: set[int] = set()

    def find(self, value: str, *, after: int = 0) -> int:
        """The 1-based line quoting ``value`` (0 when it cannot be found)."""
        quoted = (f'"{value}"', f"'{value}'")
        for index in range(after, len(self._lines)):
            if index not in self._used and any(q in self._lines[index] for q in quoted):
                self._used.add(index)
                return index + 1
        return 0


def _parse_toml(text: str, path: str, scan: ManifestScan) -> dict[str, Any] | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # tomllib ends its message with "(at line N, column M)", which names the place.
        scan.problems.append(f"{path}: not valid TOML: {error}; fix the file to audit it")
        return None


# poetry.lock and uv.lock ----------------------------------------------------------------------


#: Where a locked package comes from when it is not a package index (nothing to look up).
_NOT_FROM_INDEX = frozenset({"git", "directory", "file", "url", "path", "editable", "virtual"})


def _read_toml_lock(root: Path, path: str, scan: ManifestScan) -> None:
    """Read the ``[[package]]`` tables of ``poetry.lock`` or ``uv.lock``."""
    text = _read_text(root, path, scan)
    if text is None:
        return
    data = _parse_toml(text, path, scan)
    if data is None:
        return

    # The n-th [[package]] header's line, so each package points at its own table.
    headers = [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() == "[[package]]"
    ]
    packages = data.get("package") or []
    is_uv = PurePosixPath(path).name == "uv.lock"
    for index, package in enumerate(packages if isinstance(packages, list) else []):
        line = headers[index] + 1 if index < len(headers) else 0
        name, version = package.get("name"), package.get("version")
        if not isinstance(name, str):
            scan.problems.append(f"{path}:{line}: a [[package]] table has no name")
            continue
        source = package.get("source") or {}
        kind = _source_kind(source, is_uv=is_uv)
        if is_uv and kind in ("editable", "virtual"):
            # uv lists the project itself (and workspace members); they are not dependencies.
            continue
        if kind in _NOT_FROM_INDEX:
            reason = f"installed from a {kind} source; it has no PyPI version to audit"
            scan.dependencies.append(Dependency(name, path, line, not_audited=reason))
        elif not isinstance(version, str) or not version:
            reason = "the lock file gives no version"
            scan.dependencies.append(Dependency(name, path, line, not_audited=reason))
        else:
            scan.dependencies.append(Dependency(name, path, line, version=version))


def _source_kind(source: Any, *, is_uv: bool) -> str | None:
    # poetry: [package.source] type = "git"; uv: source = { git = "…" } or { registry = "…" }.
    if not isinstance(source, dict):
        return None
    if not is_uv:
        kind = source.get("type")
        return kind if isinstance(kind, str) and kind != "legacy" else None
    for key in source:
        if key in _NOT_FROM_INDEX:
            return str(key)
    return None


# Pipfile.lock ---------------------------------------------------------------------------------


def _read_pipfile_lock(root: Path, path: str, scan: ManifestScan) -> None:
    """Read the ``default`` and ``develop`` sections of ``Pipfile.lock`` (JSON)."""
    text = _read_text(root, path, scan)
    if text is None:
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        scan.problems.append(
            f"{path}:{error.lineno}: not valid JSON ({error.msg}); fix the file to audit it"
        )
        return
    if not isinstance(data, dict):
        scan.problems.append(f"{path}:1: expected a JSON object with 'default' and 'develop'")
        return

    lines = _LineFinder(text)
    for section in ("default", "develop"):
        entries = data.get(section) or {}
        start = lines.find(section)
        for name, entry in entries.items() if isinstance(entries, dict) else []:
            line = lines.find(name, after=max(start - 1, 0))
            entry = entry if isinstance(entry, dict) else {}
            kind = next((key for key in ("git", "path", "file", "editable") if key in entry), None)
            version = entry.get("version")
            if kind:
                reason = f"installed from a {kind} source; it has no PyPI version to audit"
                scan.dependencies.append(Dependency(name, path, line, not_audited=reason))
            elif isinstance(version, str) and version.startswith("=="):
                scan.dependencies.append(Dependency(name, path, line, version=version[2:]))
            else:
                reason = f"not pinned to one version ({version or 'no version'})"
                scan.dependencies.append(Dependency(name, path, line, not_audited=reason))
