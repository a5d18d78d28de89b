"""The secrets gate: credentials committed to the source tree.

detect-secrets scans every file the gate is given (git-tracked and untracked-but-not-ignored files
in a git work tree, every file elsewhere, then the gate's include/exclude). Each flagged line is
one finding at CWE-798; secret values never reach a report, only their masks.
"""

from __future__ import annotations

from secpipe._pipeline import GateSettings, ToolOptions
from secpipe.gates._interface import ToolGate


class SecretsGate(ToolGate):
    """Hard-coded credentials: cloud keys, service tokens, private keys, passwords."""

    name = "secrets"
    description = "hard-coded credentials (cloud keys, tokens, private keys, passwords…)"
    tools = ("detect-secrets",)

    def tool_options(self, settings: GateSettings, tool: str) -> ToolOptions:
        """The pipeline's options for one tool; ``detect-secrets`` lives in ``detect_secrets``."""
        # The pipeline key has a hyphen, which no Python attribute can; the field carries an alias.
        options = getattr(settings, tool.replace("-", "_"), None)
        return options if isinstance(options, ToolOptions) else ToolOptions()
