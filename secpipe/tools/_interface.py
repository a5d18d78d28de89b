"""What every wrapped scanner adapter looks like.

An adapter knows four things about its tool: which files it takes, how to build its command
line, what its exit codes mean, and how to read its report into ``RawFinding`` objects. It never
decides pass or fail; that is the policy's job.
"""

from __future__ import annotations

import json
import os
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from secpipe._errors import ToolError
from secpipe._normalize import RawFinding
from secpipe._pipeline import ToolOptions


@dataclass(frozen=True)
class ToolContext:
    """Everything one tool run needs: where, on which files, with which executable."""

    root: Path
    files: tuple[str, ...]
    executable: Path
    options: ToolOptions
    timeout_s: float
    workdir: Path
    env: Mapping[str, str]


@dataclass
class ToolOutput:
    """What one tool run produced: findings, files it could not scan, and its version."""

    findings: list[RawFinding] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)
    version: str | None = None
    #: Findings the tool's own inline suppressions (such as allowlist comments) hid.
    suppressed: int = 0


class ToolAdapter(ABC):
    """Base of the adapters; subclasses set ``name`` and ``extensions`` and implement ``run``."""

    #: The tool's name in pipeline files and reports.
    name: ClassVar[str]

    #: Whether the tool takes seconds to start: it then gets the next free slot before others.
    slow_start: ClassVar[bool] = False

    #: File suffixes the tool scans (lower case, with the dot); empty means every file.
    extensions: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: str) -> bool:
        """Whether this tool should be given ``path``."""
        if not self.extensions:
            return True
        # os.path rather than pathlib: this runs for every file of the tree and every tool.
        return os.path.splitext(path)[1].lower() in self.extensions

    @abstractmethod
    def run(self, context: ToolContext) -> ToolOutput:
        """Run the tool and read its report; raise ToolError when it did not really run."""


def read_json_report(path: Path, tool: str, *, exit_note: str) -> Any:
    """Read a JSON report a tool wrote to a file; a missing or garbled file is a ToolError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ToolError(f"{tool} wrote no report ({exit_note})") from None
    except OSError as error:
        raise ToolError(f"{tool}: cannot read its report {path}: {error.strerror}") from None
    return parse_json_report(text, tool, exit_note=exit_note)


def parse_json_report(text: str, tool: str, *, exit_note: str) -> Any:
    """Parse a JSON report a tool wrote (to a file or its output); garbage is a ToolError."""
    if not text.strip():
        raise ToolError(f"{tool} wrote no report ({exit_note})")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ToolError(
            f"{tool} wrote a report that is not JSON (line {error.lineno}: {error.msg}; "
            f"{exit_note})"
        ) from None
