"""Moving checkov's findings from a resource's line range to the offending field's line.

checkov reports the whole resource (``[1, 28]`` for a Deployment) or the whole Dockerfile (for a
missing ``USER`` or ``HEALTHCHECK``). The exact line comes from, in order:
1. the check's ``evaluated_keys`` (``spec/template/spec/containers/[0]/securityContext/privileged``)
   looked up in secpipe's YAML position map of the resource;
2. for checks whose evaluated keys are empty, secpipe's table of the field each check is about
   (``POD_SPEC_FIELDS``; the ``hostPath:`` of a Docker socket volume);
3. the first line of the resource's range when nothing better is known.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from secpipe._yamlpos import PathKey, PositionedDocument, YamlSyntaxError, load_documents
from secpipe.images import DockerfileError, final_from_line
from secpipe.tools._checkov_checks import DOCKER_SOCKET_CHECK, METADATA_FIELDS, POD_SPEC_FIELDS

logger = logging.getLogger(__name__)

#: Dockerfile checks about something missing from the whole file: they point at the final FROM.
_WHOLE_FILE_DOCKER_CHECKS = frozenset({"CKV_DOCKER_2", "CKV_DOCKER_3"})

#: Where the pod spec sits in each workload kind (every other kind with a template uses
#: ``spec.template.spec``).
_POD_SPEC: dict[str, PathKey] = {
    "Pod": ("spec",),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "PodTemplate": ("template", "spec"),
}


class _Resource:
    """One Kubernetes object inside a file: its document and where it sits in it."""

    def __init__(self, document: PositionedDocument, base: PathKey, data: Any):
        self.document = document
        self.base = base
        self.data = data
        mark = document.position(base)
        self.line = mark.line if mark else 1


class LineFinder:
    """Reads each reported file once and answers "which line is this finding about"."""

    def __init__(self) -> None:
        """Start with empty caches."""
        self._manifests: dict[str, list[_Resource]] = {}
        self._dockerfiles: dict[str, int | None] = {}

    def dockerfile_line(self, path: str, check_id: str, start: int, end: int) -> int:
        """The line of a Dockerfile finding: the final FROM for whole-file checks."""
        if check_id not in _WHOLE_FILE_DOCKER_CHECKS:
            return start
        if path not in self._dockerfiles:
            try:
                self._dockerfiles[path] = final_from_line(Path(path).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, DockerfileError) as error:
                logger.debug("cannot find the FROM line of %s: %s", path, error)
                self._dockerfiles[path] = None
        line = self._dockerfiles[path]
        return line if line is not None and start <= line <= end else start

    def manifest_line(
        self,
        path: str,
        check_id: str,
        start: int,
        end: int,
        resource: str,
        evaluated_keys: list[str],
    ) -> int:
        """The line of a Kubernetes finding, from the most precise source available."""
        target = self._resource(path, start, end, resource)
        if target is None:
            return start
        for candidate in _candidate_paths(target, check_id, evaluated_keys):
            mark = target.document.position((*target.base, *candidate), prefer_key=True)
            if mark is not None and start <= mark.line <= end and mark.line >= target.line:
                return mark.line
        return max(start, target.line) if target.line <= end else start

    def _resource(self, path: str, start: int, end: int, resource: str) -> _Resource | None:
        # The object whose first line falls in checkov's range; its kind and name break ties.
        if path not in self._manifests:
            self._manifests[path] = _read_resources(path)
        inside = [item for item in self._manifests[path] if start <= item.line <= end]
        if not inside:
            return None
        kind, _, rest = resource.partition(".")
        name = rest.rpartition(".")[2] if rest else ""
        for item in inside:
            metadata = item.data.get("metadata") if isinstance(item.data, dict) else None
            item_name = metadata.get("name") if isinstance(metadata, dict) else None
            if item.data.get("kind") == kind and item_name == name:
                return item
        return inside[0]


def _read_resources(path: str) -> list[_Resource]:
    # Every object of every document; a List's items are objects of their own.
    try:
        documents = load_documents(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YamlSyntaxError) as error:
        logger.debug("cannot map the lines of %s: %s", path, error)
        return []
    resources: list[_Resource] = []
    for document in documents:
        data = document.data
        if not isinstance(data, dict):
            continue
        items = data.get("items")
        if str(data.get("kind", "")).endswith("List") and isinstance(items, list):
            resources += [
                _Resource(document, ("items", index), item)
                for index, item in enumerate(items)
                if isinstance(item, dict)
            ]
        else:
            resources.append(_Resource(document, (), data))
    return resources


def _candidate_paths(target: _Resource, check_id: str, evaluated_keys: list[str]) -> list[PathKey]:
    # 1. checkov's own evaluated keys, "a/b/[0]/c" style.
    candidates = [_split_key(key) for key in evaluated_keys if key and key != "resource_type"]
    if candidates:
        return candidates

    # 2. secpipe's table for checks that evaluate nothing.
    if check_id in METADATA_FIELDS:
        return [METADATA_FIELDS[check_id], ("metadata",)]
    pod_spec = _pod_spec_path(target.data)
    if check_id == DOCKER_SOCKET_CHECK:
        return _docker_socket_paths(target.data, pod_spec)
    return [(*pod_spec, *field) for field in POD_SPEC_FIELDS.get(check_id, ())]


def _split_key(key: str) -> PathKey:
    parts: list[str | int] = []
    for part in key.split("/"):
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
            parts.append(int(part[1:-1]))
        elif part:
            parts.append(part)
    return tuple(parts)


def _pod_spec_path(data: Any) -> PathKey:
    kind = data.get("kind") if isinstance(data, dict) else None
    return _POD_SPEC.get(str(kind), ("spec", "template", "spec"))


def _docker_socket_paths(data: Any, pod_spec: PathKey) -> list[PathKey]:
    # The hostPath volume whose path is the Docker socket (or the folder holding it).
    node: Any = data
    for part in pod_spec:
        node = node.get(part) if isinstance(node, dict) else None
    volumes = node.get("volumes") if isinstance(node, dict) else None
    paths: list[PathKey] = []
    for index, volume in enumerate(volumes if isinstance(volumes, list) else []):
        host_path = volume.get("hostPath") if isinstance(volume, dict) else None
        where = host_path.get("path") if isinstance(host_path, dict) else None
        if isinstance(where, str) and "docker" in where:
            paths.append((*pod_spec, "volumes", index, "hostPath"))
    return paths
