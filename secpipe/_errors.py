"""One error family for everything secpipe expects to go wrong.

Each error explains itself in one line a person can act on and carries the exit code the CLI
returns for it, so the CLI maps errors to exit codes in exactly one place.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The exit codes of every secpipe command."""

    PASSED = 0
    POLICY_VIOLATED = 1
    INVALID_INPUT = 2
    GATE_ERROR = 3
    INTERRUPTED = 130


class SecpipeError(Exception):
    """Base of every error secpipe raises on purpose; its text is shown to the user as is."""

    exit_code: ExitCode = ExitCode.GATE_ERROR


class InvalidInputError(SecpipeError):
    """The user gave something secpipe cannot use: a pipeline file, an argument or a path."""

    exit_code = ExitCode.INVALID_INPUT


class PipelineError(InvalidInputError):
    """The pipeline file is missing, is not YAML, or does not match the schema."""


class ToolError(SecpipeError):
    """A wrapped scanner could not run, crashed, hung, or wrote output that does not parse."""

    exit_code = ExitCode.GATE_ERROR
