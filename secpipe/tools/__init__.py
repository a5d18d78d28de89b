"""The wrapped scanners: one adapter module per tool, plus their managed environments."""

from __future__ import annotations

from secpipe.tools._bandit import BanditAdapter
from secpipe.tools._checkov import CheckovAdapter
from secpipe.tools._detect_secrets import DetectSecretsAdapter
from secpipe.tools._interface import ToolAdapter, ToolContext, ToolOutput
from secpipe.tools._pip_audit import PipAuditAdapter
from secpipe.tools._semgrep import SemgrepAdapter

#: Every adapter by tool name.
ADAPTERS: dict[str, type[ToolAdapter]] = {
    SemgrepAdapter.name: SemgrepAdapter,
    BanditAdapter.name: BanditAdapter,
    DetectSecretsAdapter.name: DetectSecretsAdapter,
    PipAuditAdapter.name: PipAuditAdapter,
    CheckovAdapter.name: CheckovAdapter,
}

__all__ = [
    "ADAPTERS",
    "BanditAdapter",
    "CheckovAdapter",
    "DetectSecretsAdapter",
    "PipAuditAdapter",
    "SemgrepAdapter",
    "ToolAdapter",
    "ToolContext",
    "ToolOutput",
]
