"""The gates: one module per gate, each choosing its tools and files."""

from __future__ import annotations

from secpipe.gates._container import ContainerGate
from secpipe.gates._contract import ContractAuditGate
from secpipe.gates._dependencies import DependenciesGate
from secpipe.gates._interface import GateContext, GateOutcome, ToolGate, gate_files
from secpipe.gates._kubernetes import KubernetesGate
from secpipe.gates._sast import SastGate
from secpipe.gates._secrets import SecretsGate

#: Every gate by name, in the order a full pipeline runs them.
GATES: dict[str, ToolGate] = {
    gate.name: gate
    for gate in (
        SecretsGate(),
        DependenciesGate(),
        SastGate(),
        ContainerGate(),
        KubernetesGate(),
        ContractAuditGate(),
    )
}

__all__ = ["GATES", "GateContext", "GateOutcome", "ToolGate", "gate_files"]
