"""The SAST gate: static analysis of source code.

semgrep covers many languages with secpipe's shipped rules; bandit covers Python. When both
report the same weakness on the same line, normalization makes that one finding.
"""

from __future__ import annotations

from secpipe.gates._interface import ToolGate


class SastGate(ToolGate):
    """Static application security testing of the source tree."""

    name = "sast"
    description = "static analysis of source code (injection, deserialization, weak crypto…)"
    tools = ("semgrep", "bandit")
