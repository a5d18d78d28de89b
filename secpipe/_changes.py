"""Which files a pull request touched: the set ``secpipe run --changed-since REF`` re-examines.

A file counts as changed when ``git diff REF...HEAD`` names it (what the branch changed since it
left REF), when it differs from HEAD in the work tree or the index, or when it is new and not
ignored. Paths come back relative to the scanned folder, which may be a subfolder of the
repository. Git runs through the one subprocess helper like every other child process.
"""

from __future__ import annotations

from pathlib import Path

from secpipe import _process
from secpipe._errors import InvalidInputError

#: Seconds any one git command may take.
_TIMEOUT_S = 120.0


def changed_files(root: Path, ref: str) -> frozenset[str]:
    """The files under ``root`` changed since ``ref``; a bad folder or REF is InvalidInputError."""
    # The folder must be in a git work tree, and REF must name a commit, before anything runs.
    if ref.startswith("-"):
        raise InvalidInputError(f"--changed-since {ref}: not a git revision")
    inside = _git(root, ["rev-parse", "--is-inside-work-tree"], ref)
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        raise InvalidInputError(f"--changed-since: {root} is not inside a git work tree")
    verify = _git(root, ["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], ref)
    if verify.returncode != 0:
        raise InvalidInputError(f"--changed-since {ref}: no such commit in the git repository")

    # Committed changes since the merge base, uncommitted ones, and new untracked files.
    listings = (
        ["diff", "-z", "--name-only", "--relative", "--no-renames", f"{ref}...HEAD", "--"],
        ["diff", "-z", "--name-only", "--relative", "--no-renames", "HEAD", "--"],
        ["ls-files", "-z", "--others", "--exclude-standard"],
    )
    changed: set[str] = set()
    for arguments in listings:
        completed = _git(root, arguments, ref)
        if completed.returncode != 0:
            raise InvalidInputError(f"--changed-since {ref}: git failed: {completed.describe()}")
        changed.update(name for name in completed.stdout.split("\0") if name)
    return frozenset(changed)


def _git(root: Path, arguments: list[str], ref: str) -> _process.Completed:
    # -z listings are NUL-separated, so no file name is ever quoted or escaped.
    try:
        return _process.run(["git", *arguments], timeout_s=_TIMEOUT_S, cwd=root)
    except _process.ProcessFailure as failure:
        message = f"--changed-since {ref}: cannot run git: {failure.reason}"
        raise InvalidInputError(message) from None
