"""Report writers: turn a finished run into ``findings.json`` and any extra formats asked for.

``findings.json`` is always written, because it is the complete record the other formats are cut
from. Each file is written atomically, so a reader (a CI upload step, a PR bot) never sees half
a report.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from secpipe._errors import InvalidInputError
from secpipe._findings import Report
from secpipe._timings import timed
from secpipe.reports._interface import Reporter

if TYPE_CHECKING:
    from secpipe.reports._annotations import AnnotationsReporter
    from secpipe.reports._codeclimate import CodeClimateReporter
    from secpipe.reports._gitlab import GitLabReporter
    from secpipe.reports._html import HtmlReporter
    from secpipe.reports._json import JsonReporter
    from secpipe.reports._junit import JUnitReporter
    from secpipe.reports._markdown import MarkdownReporter
    from secpipe.reports._sarif import SarifReporter

__all__ = [
    "FORMATS",
    "AnnotationsReporter",
    "CodeClimateReporter",
    "GitLabReporter",
    "HtmlReporter",
    "JUnitReporter",
    "JsonReporter",
    "MarkdownReporter",
    "Reporter",
    "SarifReporter",
    "write_reports",
]

# TODO: load third-party reporters from an entry-point group once one is published; until then
# the built-in formats are the only ones.
#: Every known report format: its name on the command line, its module and its reporter class.
#: A run writes two or three formats; the others' modules are imported only when asked for.
_REPORTERS = {
    "json": ("_json", "JsonReporter"),
    "sarif": ("_sarif", "SarifReporter"),
    "markdown": ("_markdown", "MarkdownReporter"),
    "gitlab": ("_gitlab", "GitLabReporter"),
    "codeclimate": ("_codeclimate", "CodeClimateReporter"),
    "junit": ("_junit", "JUnitReporter"),
    "html": ("_html", "HtmlReporter"),
    "annotations": ("_annotations", "AnnotationsReporter"),
}


def _reporter_class(module: str, name: str) -> type[Reporter]:
    reporter: type[Reporter] = getattr(import_module(f"secpipe.reports.{module}"), name)
    return reporter


class _Formats(Mapping[str, Reporter]):
    """Every known format by name; each reporter is made (and its module imported) when used."""

    def __init__(self) -> None:
        self._made: dict[str, Reporter] = {}
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> Reporter:
        if name not in _REPORTERS:
            raise KeyError(name)
        with self._lock:
            if name not in self._made:
                self._made[name] = _reporter_class(*_REPORTERS[name])()
            return self._made[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_REPORTERS)

    def __len__(self) -> int:
        return len(_REPORTERS)


#: Every known report format, by the name used on the command line.
FORMATS: Mapping[str, Reporter] = _Formats()


def __getattr__(name: str) -> type[Reporter]:
    # The reporter classes, imported from their modules on first use.
    for module, class_name in _REPORTERS.values():
        if class_name == name:
            return _reporter_class(module, class_name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_ALWAYS = "json"


@timed("reports")
def write_reports(report: Report, output_dir: Path, formats: Sequence[str]) -> list[Path]:
    """Write ``findings.json`` and each requested format into ``output_dir``.

    Returns the paths written, ``findings.json`` first, then the other formats in the order
    asked for (each once). Raises :class:`~secpipe._errors.InvalidInputError` for an unknown
    format name, or when ``output_dir`` cannot be created or written to.
    """
    # Check every name before writing anything, so a typo never leaves a partial set of files.
    unknown = [name for name in formats if name not in FORMATS]
    if unknown:
        raise InvalidInputError(
            f"unknown report format {', '.join(map(repr, unknown))}; "
            f"known formats: {', '.join(sorted(FORMATS))}"
        )
    reporters = [FORMATS[name] for name in dict.fromkeys([_ALWAYS, *formats])]

    # The output folder is usually new in CI; a path that cannot become a folder is the user's.
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInputError(
            f"cannot create the report folder {output_dir}: {exc.strerror or exc}"
        ) from exc

    # findings.json goes first, so the complete record exists even if a later format fails.
    # A writer thread puts each file on disk while the next format is rendered: writing tens of
    # megabytes leaves the interpreter free for the rendering.
    written: list[Path] = []
    pending: list[Future[None]] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-writer") as writer:
        try:
            for reporter in reporters:
                # Some formats (GitLab) are one file per kind of result; each is atomic.
                for filename, content in reporter.encoded_files(report).items():
                    target = output_dir / filename
                    pending.append(writer.submit(_write_atomically, target, content))
                    written.append(target)
        finally:
            # Every file handed to the writer is on disk (or failed) before this returns.
            for future in pending:
                future.result()
    return written


def _write_atomically(target: Path, content: bytes) -> None:
    """Replace ``target`` with ``content`` in one step, leaving no temporary file behind."""
    # The temporary file sits beside the target: os.replace is only atomic within one file system.
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        # os.open with 0o666 lets the umask decide the mode, as for any ordinary new file.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        # No fsync: the rename alone keeps readers from a half-written file, and forcing tens of
        # megabytes to disk would only guard against a power cut, after which CI runs again.
        with open(descriptor, "wb") as stream:
            stream.write(content)
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise InvalidInputError(f"cannot write {target}: {exc.strerror or exc}") from exc
