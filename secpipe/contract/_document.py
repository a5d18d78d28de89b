"""An OpenAPI document (2.0, 3.0 or 3.1, YAML or JSON) whose every node knows where it is written.

The rules need two things from a contract: its content with ``$ref``s followed, and for each node
the file and line where a person would fix it. A ``Node`` is a value plus its file and its path
inside that file; following a ``$ref`` gives the node where the target is written, so a problem
in a shared schema is reported once, at the schema. Local and relative-file references are
followed; remote ones (``http://…``) are never fetched, only noted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from secpipe._yamlpos import PathKey, PositionedDocument, YamlSyntaxError, load_document

#: The HTTP methods that are operations in a path item.
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

_OPENAPI_3 = re.compile(r"^3\.(0|1)(\.\d+)?(-.*)?$")
_REMOTE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
# A cheap first look before parsing a whole file during discovery.
_TOP_KEY = re.compile(r"""(?m)^["']?(openapi|swagger)["']?\s*:|"(openapi|swagger)"\s*:""")


class ContractError(ValueError):
    """The document is not a usable OpenAPI contract; the text names file and line."""


@dataclass
class SourceFile:
    """One parsed file of a contract (the root document or a file a ``$ref`` points into)."""

    path: Path
    document: PositionedDocument

    def line(self, path: PathKey) -> int:
        """The line where ``path`` is written: its key when it has one, else its value."""
        mark = self.document.keys.get(path) or self.document.values.get(path)
        if mark is None:
            mark = self.document.position(path, prefer_key=True)
        return mark.line if mark is not None else 0


@dataclass(frozen=True)
class Node:
    """A value of the contract, where it is written, and the contract it belongs to."""

    value: Any
    source: SourceFile = field(compare=False, repr=False)
    path: PathKey
    contract: Contract = field(compare=False, repr=False)

    @property
    def file(self) -> Path:
        """The file where this node is written."""
        return self.source.path

    @property
    def line(self) -> int:
        """The 1-based line where this node is written."""
        return self.source.line(self.path)

    @property
    def key(self) -> tuple[Path, PathKey]:
        """Identity of the place: the same node reached through two ``$ref``s is one place."""
        return (self.source.path, self.path)

    def raw(self, key: str | int) -> Node | None:
        """The child at ``key`` as written (a ``$ref`` is not followed)."""
        value = self.value
        if isinstance(value, dict) and isinstance(key, str) and key in value:
            return Node(value[key], self.source, (*self.path, key), self.contract)
        if isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
            return Node(value[key], self.source, (*self.path, key), self.contract)
        return None

    def get(self, key: str | int) -> Node | None:
        """The child at ``key`` with its ``$ref`` followed (None when absent or remote)."""
        child = self.raw(key)
        return self.contract.resolve(child) if child is not None else None

    def items(self) -> Iterator[tuple[str, Node]]:
        """The (key, resolved child) pairs of a mapping; nothing for other values."""
        if isinstance(self.value, dict):
            for key in self.value:
                child = self.get(str(key))
                if child is not None:
                    yield str(key), child

    def elements(self) -> Iterator[Node]:
        """The resolved items of a list; nothing for other values."""
        if isinstance(self.value, list):
            for index in range(len(self.value)):
                child = self.get(index)
                if child is not None:
                    yield child

    def text(self, key: str) -> str | None:
        """A string child's value, or None."""
        value = self.value.get(key) if isinstance(self.value, dict) else None
        return value if isinstance(value, str) else None

    def where(self) -> str:
        """``file:line`` for messages."""
        return f"{self.file}:{self.line}"


class Contract:
    """A loaded, validated OpenAPI document and the files its ``$ref``s reach."""

    def __init__(self, root_file: Path, *, boundary: Path | None = None):
        """Load ``root_file``; files outside ``boundary`` (default: its folder) are refused."""
        self.boundary = (boundary or root_file.parent).resolve()
        self._files: dict[Path, SourceFile] = {}
        self.remote_refs: list[str] = []
        root_source = self._load(root_file.resolve(), None)
        self.root = Node(root_source.document.data, root_source, (), self)
        self.version = _check_openapi(root_source)
        self._check_shape()
        self._check_refs()

    @property
    def is_swagger(self) -> bool:
        """Whether this is an OpenAPI 2.0 (Swagger) document."""
        return self.version == "2.0"

    def resolve(self, node: Node) -> Node | None:
        """Follow ``node``'s ``$ref`` chain to the node it means; None for a remote target."""
        # TODO: OpenAPI 3.1 lets a $ref carry sibling keywords; they are ignored until a rule
        # needs them (the target alone is audited).
        seen: set[tuple[Path, PathKey]] = set()
        while isinstance(node.value, dict) and isinstance(node.value.get("$ref"), str):
            if node.key in seen:
                raise ContractError(f"{node.where()}: $ref loop: the reference leads to itself")
            seen.add(node.key)
            target = self._target(node)
            if target is None:
                return None
            node = target
        return node

    def roots(self) -> list[Node]:
        """The root node of every file read so far (the contract's file first)."""
        return [Node(source.document.data, source, (), self) for source in self._files.values()]

    def _target(self, node: Node) -> Node | None:
        # One step of a reference: the file part (if any), then the JSON pointer.
        ref = node.value["$ref"]
        ref_node = node.raw("$ref")
        where = ref_node.where() if ref_node is not None else node.where()
        if _REMOTE.match(ref):
            if ref not in self.remote_refs:
                self.remote_refs.append(ref)
            return None
        file_part, _, pointer = ref.partition("#")
        source = node.source
        if file_part:
            target_path = (node.file.parent / unquote(file_part)).resolve()
            if not target_path.is_relative_to(self.boundary):
                raise ContractError(f"{where}: $ref {ref!r} leaves the scanned folder")
            source = self._load(target_path, where)
        value: Any = source.document.data
        path: list[str | int] = []
        parts = pointer[1:].split("/") if pointer.startswith("/") else [pointer]
        parts = [] if pointer == "" else parts
        for part in (unquote(p).replace("~1", "/").replace("~0", "~") for p in parts):
            if isinstance(value, dict) and part in value:
                value = value[part]
                path.append(part)
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
                path.append(int(part))
            else:
                raise ContractError(f"{where}: $ref {ref!r} points nowhere (no {part!r})")
        return Node(value, source, tuple(path), self)

    def _load(self, path: Path, referrer: str | None) -> SourceFile:
        # Each file is parsed once, however many references point into it.
        if path in self._files:
            return self._files[path]
        self._files[path] = source = SourceFile(path, parse_file(path, referrer))
        return source

    def _check_shape(self) -> None:
        # Only what the rules rely on: mappings where mappings must be.
        root = self.root
        for key in ("info", "paths", "components", "definitions", "securityDefinitions"):
            child = root.raw(key)
            if child is not None and not isinstance(child.value, dict):
                raise ContractError(f"{child.where()}: '{key}' must be a mapping")
        if root.raw("info") is None:
            raise ContractError(f"{root.where()}: not valid OpenAPI: 'info' is missing")
        if root.raw("paths") is None and self.version != "3.1":
            raise ContractError(f"{root.where()}: not valid OpenAPI: 'paths' is missing")
        paths = root.raw("paths")
        for route, item in paths.items() if paths is not None else ():
            if route.startswith("x-"):
                continue
            if not isinstance(item.value, dict):
                raise ContractError(f"{item.where()}: a path item must be a mapping")
            for method in METHODS:
                operation = item.raw(method)
                if operation is not None and not isinstance(operation.value, dict):
                    raise ContractError(f"{operation.where()}: an operation must be a mapping")

    def _check_refs(self) -> None:
        # Every reference in every reached file must land somewhere, without looping.
        checked: set[Path] = set()
        while True:
            pending = [source for path, source in self._files.items() if path not in checked]
            if not pending:
                return
            for source in pending:
                checked.add(source.path)
                for node in _walk(Node(source.document.data, source, (), self)):
                    self.resolve(node)


def _walk(node: Node) -> Iterator[Node]:
    """Every mapping node holding a ``$ref``, without following references."""
    stack = [node]
    while stack:
        current = stack.pop()
        value = current.value
        if isinstance(value, dict):
            if isinstance(value.get("$ref"), str):
                yield current
            stack.extend(child for key in value if (child := current.raw(str(key))))
        elif isinstance(value, list):
            stack.extend(child for index in range(len(value)) if (child := current.raw(index)))


def parse_file(path: Path, referrer: str | None = None) -> PositionedDocument:
    """Parse one YAML or JSON file with positions; problems become ContractError with a line."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ContractError(f"{referrer or path}: file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ContractError(f"{path}: cannot read the file as UTF-8 text: {error}") from None
    # JSON allows tabs between tokens where YAML does not; a raw tab inside a JSON string is
    # invalid JSON anyway, so spaces keep every line and column where it was.
    if path.suffix.lower() == ".json":
        text = text.replace("\t", " ")
    try:
        return load_document(text)
    except YamlSyntaxError as error:
        line = error.mark.line if error.mark else 1
        kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
        raise ContractError(f"{path}:{line}: not valid {kind}: {error.message}") from None


def _check_openapi(source: SourceFile) -> str:
    """The OpenAPI major.minor version ("2.0", "3.0" or "3.1") of a root document."""
    data = source.document.data
    if not isinstance(data, dict):
        raise ContractError(f"{source.path}:1: not an OpenAPI document (expected a mapping)")
    if "swagger" in data:
        if str(data["swagger"]) != "2.0":
            line = source.line(("swagger",))
            raise ContractError(f"{source.path}:{line}: unsupported swagger version (use 2.0)")
        return "2.0"
    version = data.get("openapi")
    if version is None:
        raise ContractError(
            f"{source.path}:1: not an OpenAPI document (no top-level 'openapi' or 'swagger' key)"
        )
    match = _OPENAPI_3.match(str(version))
    if not match:
        line = source.line(("openapi",))
        raise ContractError(
            f"{source.path}:{line}: unsupported OpenAPI version {version!r} (2.0, 3.0, 3.1)"
        )
    return f"3.{match.group(1)}"


def looks_like_contract(path: Path) -> bool:
    """Whether a YAML/JSON file has a top-level ``openapi`` or ``swagger`` key.

    A file whose first look says "contract" but which does not parse is still a contract: it is
    reported as an error instead of being silently skipped.
    """
    try:
        text = path.read_bytes()[:2_000_000].decode("utf-8-sig", errors="replace")
    except OSError:
        return False
    if not _TOP_KEY.search(text):
        return False
    try:
        data = load_document(text.replace("\t", " ") if path.suffix == ".json" else text).data
    except YamlSyntaxError:
        return bool(re.search(r"(?m)^(openapi|swagger)\s*:", text))
    return isinstance(data, dict) and ("openapi" in data or "swagger" in data)
