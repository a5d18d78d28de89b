"""The kubernetes gate: checkov's Kubernetes checks over the manifests of the tree.

A manifest is a YAML file of the gate's file list with at least one document carrying
``apiVersion`` and ``kind`` (multi-document files and ``List`` kinds included). checkov skips a
file that does not parse without saying so; secpipe reads every candidate itself first, and a
manifest with a YAML error makes the gate an ``error`` naming file and line, while the other
manifests are still scanned.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

from secpipe._findings import GateStatus, ToolRun
from secpipe._yamlpos import YamlSyntaxError, load_documents
from secpipe.gates._interface import GateContext, GateOutcome, ToolGate

#: The tool name under which manifests that could not be read are reported.
UNREADABLE_TOOL = "manifests"

_YAML_SUFFIXES = frozenset({".yaml", ".yml"})

#: A file that does not parse still looks like a manifest when it has both keys at the top.
_LOOKS_LIKE_MANIFEST = re.compile(r"^apiVersion:.*^kind:|^kind:.*^apiVersion:", re.M | re.S)


def find_manifests(root: Path, files: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The Kubernetes manifests among ``files``, and the manifests that could not be read."""
    manifests: list[str] = []
    broken: list[str] = []
    for path in files:
        if os.path.splitext(path)[1].lower() not in _YAML_SUFFIXES:
            continue
        try:
            text = (root / path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            broken.append(f"{path}: cannot be read ({error})")
            continue
        # Only YAML errors in files that look like manifests concern this gate.
        try:
            documents = load_documents(text)
        except YamlSyntaxError as error:
            if _LOOKS_LIKE_MANIFEST.search(text):
                line = f":{error.mark.line}" if error.mark else ""
                broken.append(f"{path}{line}: not valid YAML ({error.message}); fix the YAML")
            continue
        if any(_is_object(document.data) for document in documents):
            manifests.append(path)
    return manifests, broken


def _is_object(data: object) -> bool:
    return isinstance(data, dict) and "apiVersion" in data and "kind" in data


class KubernetesGate(ToolGate):
    """Misconfigurations in Kubernetes manifests, on the line of the offending field."""

    name = "kubernetes"
    description = "Kubernetes manifests: privileged pods, host namespaces, socket mounts…"
    tools = ("checkov",)

    def run(self, context: GateContext) -> GateOutcome:
        """Find the manifests, scan them with checkov, and report the unreadable ones."""
        # Only manifests reach checkov; other YAML (CI files, configs) is not its business.
        manifests, broken = find_manifests(context.root, context.files)
        outcome = super().run(dataclasses.replace(context, files=tuple(manifests)))

        # A manifest that could not be read was not checked: that is an error, not a pass.
        if broken:
            outcome.warnings.extend(f"not scanned: {entry}" for entry in broken)
            outcome.tool_runs.append(
                ToolRun(
                    name=UNREADABLE_TOOL,
                    status=GateStatus.ERROR,
                    duration_s=0.0,
                    error=f"{len(broken)} manifest(s) not scanned: {broken[0]}",
                    skipped_files=tuple(broken),
                )
            )
        return outcome
