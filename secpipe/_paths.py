"""Which files a gate scans, and how tool-reported paths become repository-relative.

Tools each report paths their own way (``./a.py``, ``/a.py``, absolute, relative to their working
directory), and each has its own idea of what to skip by default (semgrep quietly drops
``tests/``). secpipe decides the file list itself from the gate's include/exclude globs and hands
the tools explicit files, so what is scanned never depends on a tool's hidden defaults.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import subprocess
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path, PurePosixPath

logger = logging.getLogger(__name__)

#: How long ago a file must have last changed before its size and times are trusted to stand
#: for its content: a file system's clock can be that coarse, and a file rewritten within one
#: tick, same size, would look unchanged (git treats its index the same way).
SETTLED_NS = 2_000_000_000

#: Folders never scanned: version-control metadata and secpipe's own output.
ALWAYS_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", ".secpipe"})

#: Folders skipped when the root is not a git repository (in one, .gitignore decides).
UNTRACKED_SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", ".tox", ".nox", ".mypy_cache"})


@lru_cache(maxsize=512)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Compile a gitignore-like glob: ``*`` within a segment, ``**`` across segments.

    Written here because fnmatch has no ``**`` and pathlib's matching differs between Python
    versions. A pattern without a slash matches a file or folder name at any depth; a pattern
    matching a folder matches everything below it.
    """
    anchored = "/" in pattern.rstrip("/")
    body = pattern.strip("/")
    regex = ""
    index = 0
    while index < len(body):
        if body.startswith("**/", index):
            regex += "(?:.*/)?"
            index += 3
        elif body.startswith("**", index):
            regex += ".*"
            index += 2
        elif body[index] == "*":
            regex += "[^/]*"
            index += 1
        elif body[index] == "?":
            regex += "[^/]"
            index += 1
        else:
            regex += re.escape(body[index])
            index += 1
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"^{prefix}{regex}(?:/.*)?$")


def matches(path: str, patterns: Iterable[str]) -> bool:
    """Whether a repository-relative POSIX path matches any of the glob patterns."""
    return any(_glob_regex(pattern).match(path) for pattern in patterns)


def select(files: Iterable[str], include: Sequence[str], exclude: Sequence[str]) -> list[str]:
    """Apply a gate's include/exclude globs to a list of repository-relative files."""
    chosen = [path for path in files if not include or matches(path, include)]
    return [path for path in chosen if not matches(path, exclude)]


def list_files(root: Path) -> list[str]:
    """Every file under ``root`` that a gate may scan, repository-relative and sorted.

    In a git work tree these are the tracked and untracked-but-not-ignored files; elsewhere every
    file except the folders in UNTRACKED_SKIPPED_DIRS and virtual environments.
    """
    tracked = _git_files(root)
    if tracked is not None:
        files = [path for path in tracked if (root / path).is_file()]
    else:
        files = list(_walk(root))
    return sorted(
        path for path in files if not set(PurePosixPath(path).parts) & ALWAYS_SKIPPED_DIRS
    )


def _git_files(root: Path) -> list[str] | None:
    # git ls-files answers relative to the folder it runs in, which is what we want.
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
            cwd=root,
            capture_output=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if listing.returncode != 0:
        return None
    names = listing.stdout.decode("utf-8", errors="surrogateescape").split("\0")
    return [name for name in names if name]


def _walk(root: Path) -> Iterable[str]:
    for folder, subfolders, filenames in os.walk(root):
        here = Path(folder)
        subfolders[:] = sorted(
            name
            for name in subfolders
            if name not in ALWAYS_SKIPPED_DIRS | UNTRACKED_SKIPPED_DIRS
            and not (here / name / "pyvenv.cfg").exists()
            and not (here / name).is_symlink()
        )
        for name in filenames:
            yield (here / name).relative_to(root).as_posix()


def to_repo_relative(reported: str, root: Path, tool_cwd: Path | None = None) -> str | None:
    """Turn a path as a tool reported it into a repository-relative POSIX path.

    Returns None when the path is outside ``root``. Handles ``./a.py``, ``/a.py`` (some tools
    report root-relative paths with a leading slash), absolute paths and paths relative to the
    tool's working directory.
    """
    text = reported.replace("\\", "/")

    # Most tools report clean paths relative to the root ("src/a.py", "./src/a.py") or
    # absolute ones under the root as given: no file system call for those.
    if tool_cwd is None:
        plain = text.removeprefix(f"{root}/") if text.startswith("/") else text
        while plain.startswith("./"):
            plain = plain[2:]
        inside = plain not in ("", ".") and plain.split("/", 1)[0] not in ("", "..")
        if inside and os.path.normpath(plain) == plain:
            return plain

    root = root.resolve()
    candidate = Path(text)
    if candidate.is_absolute():
        resolved = Path(os.path.normpath(candidate))
        if not _is_within(resolved, root) and (root / text.lstrip("/")).exists():
            resolved = Path(os.path.normpath(root / text.lstrip("/")))
    else:
        resolved = Path(os.path.normpath((tool_cwd or root).resolve() / candidate))
    if not _is_within(resolved, root):
        return None
    relative = resolved.relative_to(root).as_posix()
    return None if relative == "." else relative


def _is_within(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def batches(paths: Sequence[str], max_chars: int = 60_000) -> list[list[str]]:
    """Split a file list so no command line grows past ``max_chars`` characters."""
    groups: list[list[str]] = []
    current: list[str] = []
    size = 0
    for path in paths:
        if current and size + len(path) + 1 > max_chars:
            groups.append(current)
            current, size = [], 0
        current.append(path)
        size += len(path) + 1
    if current:
        groups.append(current)
    return groups


def folder_listing(folder: Path, skipped_dirs: Iterable[str] = ()) -> tuple[str, int]:
    """A digest of every file under ``folder`` and the newest change among them (ns).

    The digest covers each file's path, size, and modification and change times: cheap enough
    for thousands of files on every run, and any rewrite (even one that puts the old
    modification time back) changes it. Folders named in ``skipped_dirs`` are left out; a
    subfolder that cannot be read counts as such, ``folder`` itself raises OSError.
    """
    digest = hashlib.sha256()
    newest = 0
    skipped = frozenset(skipped_dirs)
    # os.scandir with plain strings is several times quicker than Path.rglob on big folders;
    # sorted by name at every level, so the digest does not depend on the directory order.
    pending = [(str(folder), "")]
    while pending:
        current, prefix = pending.pop()
        try:
            with os.scandir(current) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            if not prefix:
                raise
            digest.update(f"{prefix}\0-\n".encode())
            continue
        for entry in entries:
            if entry.is_dir():
                if entry.name not in skipped:
                    pending.append((entry.path, f"{prefix}{entry.name}/"))
                continue
            if not entry.is_file():
                continue
            status = entry.stat()
            newest = max(newest, status.st_mtime_ns, status.st_ctime_ns)
            digest.update(
                f"{prefix}{entry.name}\0{status.st_size}\0{status.st_mtime_ns}\0"
                f"{status.st_ctime_ns}\n".encode()
            )
    return digest.hexdigest(), newest
