"""The contract every report format fulfils.

A reporter is a pure function from a finished :class:`~secpipe._findings.Report` to the text of one
file, or of several files for a platform that wants one file per kind of result (GitLab). Writing
files (atomically, into the output folder) is done once for all formats by
:func:`secpipe.reports.write_reports`, so a reporter never touches the file system.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from secpipe._findings import Report


class Reporter(ABC):
    """Turns a finished run into the text of one report file."""

    #: The format name users pass on the command line, such as ``"sarif"``.
    name: ClassVar[str]

    #: The name of the file written into the output folder, such as ``"findings.sarif"``.
    filename: ClassVar[str]

    @abstractmethod
    def render(self, report: Report) -> str:
        """Return the whole file content for ``report``, ending with a newline."""

    def render_files(self, report: Report) -> dict[str, str]:
        """Return every file this format writes for ``report``, by file name.

        Most formats write the one file :attr:`filename`; a reporter that writes several
        overrides this, and its :meth:`render` returns the main one.
        """
        return {self.filename: self.render(report)}

    def encoded_files(self, report: Report) -> dict[str, bytes]:
        """Return :meth:`render_files` as UTF-8 bytes, the form that is written to disk.

        A format whose serialiser makes bytes natively overrides this, so tens of megabytes
        are not decoded into text only to be encoded again.
        """
        return {name: text.encode("utf-8") for name, text in self.render_files(report).items()}
