"""How the runner tells the terminal what it is doing, without knowing about terminals."""

from __future__ import annotations

from typing import Protocol

from secpipe._findings import ToolRun


class ProgressSink(Protocol):
    """Receives one call when a tool starts and one when it ends."""

    def tool_started(self, stage: str, gate: str, tool: str) -> None:
        """A tool of a gate has started."""

    def tool_finished(self, stage: str, gate: str, run: ToolRun, findings: int) -> None:
        """A tool of a gate has ended (in any way); ``findings`` is how many it reported."""


class SilentProgress:
    """A progress sink that shows nothing (for library use and tests)."""

    def tool_started(self, stage: str, gate: str, tool: str) -> None:
        """Ignore the start."""

    def tool_finished(self, stage: str, gate: str, run: ToolRun, findings: int) -> None:
        """Ignore the end."""
