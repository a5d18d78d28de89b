"""One view over OpenAPI 2.0 and 3.x, so each rule is written once for both.

The two versions spell the same ideas differently (``securityDefinitions`` against
``components.securitySchemes``, a ``body`` parameter against ``requestBody``, ``schemes`` and
``host`` against ``servers``). This module answers the questions rules ask — which operations,
which schemes, which schemas on which side — and hides the spelling.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from secpipe.contract._document import METHODS, Contract, Node

WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})

#: Property and parameter names that carry credentials or other secrets.
SENSITIVE_NAME = re.compile(
    r"(?i)(password|passwd|passphrase|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|"
    r"credential|session[_-]?id|ssn|credit[_-]?card|card[_-]?number|cvv)"
)
# Names that mention a secret but hold none: "token_type", "password_expires_at"…
_NOT_SENSITIVE = re.compile(r"(?i)(type|expires?(_at|_in)?|expiry|count|length|url|policy|hint)$")


def is_sensitive_name(name: str | None) -> bool:
    """Whether a property or parameter name suggests it carries a secret."""
    return bool(name and SENSITIVE_NAME.search(name) and not _NOT_SENSITIVE.search(name))


@dataclass(frozen=True)
class Operation:
    """One operation: its method, route, node, and the path item it sits in."""

    method: str
    route: str
    node: Node
    item: Node

    @property
    def is_write(self) -> bool:
        """Whether the operation changes state (POST, PUT, PATCH, DELETE)."""
        return self.method in WRITE_METHODS

    @property
    def label(self) -> str:
        """``DELETE /users/{id}`` for messages."""
        return f"{self.method.upper()} {self.route}"


@dataclass(frozen=True)
class SchemaUse:
    """A schema node reached from the contract, with the property name it was reached by."""

    node: Node
    name: str | None


class Api:
    """Version-independent questions about a loaded contract."""

    def __init__(self, contract: Contract):
        """Wrap ``contract``; answers are computed once, on first use."""
        self.contract = contract
        self.root = contract.root
        self.swagger = contract.is_swagger

    @cached_property
    def operations(self) -> list[Operation]:
        """Every operation, in document order."""
        found: list[Operation] = []
        paths = self.root.get("paths")
        for route, item in paths.items() if paths is not None else ():
            if route.startswith("x-"):
                continue
            for method in METHODS:
                node = item.get(method)
                if node is not None and isinstance(node.value, dict):
                    found.append(Operation(method, route, node, item))
        return found

    @cached_property
    def schemes_node(self) -> Node | None:
        """The mapping of security schemes (``securityDefinitions`` in 2.0)."""
        if self.swagger:
            return self.root.get("securityDefinitions")
        components = self.root.get("components")
        return components.get("securitySchemes") if components is not None else None

    @cached_property
    def schemes(self) -> dict[str, Node]:
        """The security schemes by name (references followed)."""
        node = self.schemes_node
        return {
            name: scheme
            for name, scheme in (node.items() if node is not None else ())
            if isinstance(scheme.value, dict)
        }

    def security(self, operation: Operation) -> Node | None:
        """The security requirements in force for ``operation``: its own, else the global ones."""
        own = operation.node.raw("security")
        return own if own is not None else self.root.raw("security")

    def is_secured(self, operation: Operation) -> bool:
        """Whether at least one requirement applies and none of them is the empty ``{}``."""
        node = self.security(operation)
        if node is None or not isinstance(node.value, list) or not node.value:
            return False
        return all(isinstance(entry, dict) and entry for entry in node.value)

    def parameters(self, operation: Operation) -> list[Node]:
        """Path-level and operation-level parameters; the operation's win on (name, in)."""
        merged: dict[tuple[str, str], Node] = {}
        for owner in (operation.item, operation.node):
            params = owner.get("parameters")
            for param in params.elements() if params is not None else ():
                if isinstance(param.value, dict):
                    key = (str(param.value.get("name")), str(param.value.get("in")))
                    merged[key] = param
        return list(merged.values())

    def request_media(self, operation: Operation) -> list[tuple[Node, Node | None]]:
        """Each request body media type (or 2.0 body parameter) and its schema, if any."""
        if self.swagger:
            return [
                (param, param.get("schema"))
                for param in self.parameters(operation)
                if param.value.get("in") == "body"
            ]
        body = operation.node.get("requestBody")
        content = body.get("content") if body is not None else None
        if body is not None and content is None:
            return [(body, None)]
        return [(media, media.get("schema")) for _, media in _items(content)]

    def responses(self, operation: Operation) -> list[tuple[str, Node]]:
        """The (status code, response) pairs of an operation."""
        return [
            (str(code), node)
            for code, node in _items(operation.node.get("responses"))
            if not str(code).startswith("x-")
        ]

    def response_media(self, response: Node) -> list[tuple[Node, Node | None]]:
        """Each media type of a response (or the 2.0 response itself) and its schema."""
        if self.swagger:
            return [(response, response.get("schema"))]
        return [(media, media.get("schema")) for _, media in _items(response.get("content"))]

    def parameter_schema(self, param: Node) -> Node | None:
        """The schema of a non-body parameter (in 2.0 the parameter itself is one)."""
        if self.swagger:
            return param if param.value.get("in") != "body" else None
        schema = param.get("schema")
        if schema is None:
            for _, media in _items(param.get("content")):
                return media.get("schema")
        return schema

    @cached_property
    def request_schemas(self) -> list[SchemaUse]:
        """Every schema a client sends: request bodies and parameters, nested ones included."""
        roots: list[SchemaUse] = []
        for operation in self.operations:
            roots += [SchemaUse(s, None) for _, s in self.request_media(operation) if s]
            for param in self.parameters(operation):
                schema = self.parameter_schema(param)
                if schema is not None:
                    # Named parameters are the URL rules' business, not the property rules'.
                    roots.append(SchemaUse(schema, None))
        return walk_schemas(roots)

    @cached_property
    def response_schemas(self) -> list[SchemaUse]:
        """Every schema the API sends back, nested ones included."""
        roots = [
            SchemaUse(schema, None)
            for operation in self.operations
            for _, response in self.responses(operation)
            for _, schema in self.response_media(response)
            if schema is not None
        ]
        return walk_schemas(roots)

    @cached_property
    def all_schemas(self) -> list[SchemaUse]:
        """Every schema: reached from operations, or defined under components/definitions."""
        if self.swagger:
            defined = self.root.get("definitions")
        else:
            components = self.root.get("components")
            defined = components.get("schemas") if components is not None else None
        roots = [*self.request_schemas, *self.response_schemas]
        roots += [SchemaUse(node, None) for _, node in _items(defined)]
        return walk_schemas(roots)

    @cached_property
    def server_urls(self) -> list[Node]:
        """Every server URL node (3.x, at any level) or the 2.0 ``schemes`` entries."""
        if self.swagger:
            schemes = self.root.raw("schemes")
            return list(schemes.elements()) if schemes is not None else []
        owners = [self.root]
        for operation in self.operations:
            owners += [operation.item, operation.node]
        urls: dict[object, Node] = {}
        for owner in owners:
            servers = owner.get("servers")
            for server in servers.elements() if servers is not None else ():
                url = server.raw("url")
                if url is not None and isinstance(url.value, str):
                    urls.setdefault(url.key, url)
        return list(urls.values())


def _items(node: Node | None) -> Iterator[tuple[str, Node]]:
    """A mapping's resolved items, or nothing for None."""
    if node is not None:
        yield from node.items()


def walk_schemas(roots: Iterable[SchemaUse]) -> list[SchemaUse]:
    """Every schema below ``roots`` once (a schema used in many places is one place)."""
    seen: set[object] = set()
    found: list[SchemaUse] = []
    stack = list(reversed(list(roots)))
    while stack:
        use = stack.pop()
        node = use.node
        if node.key in seen or not isinstance(node.value, dict):
            continue
        seen.add(node.key)
        found.append(use)
        children: list[SchemaUse] = []
        children += [SchemaUse(prop, name) for name, prop in _items(node.get("properties"))]
        for key in ("items", "additionalProperties", "not", "contains"):
            child = node.get(key)
            if child is not None:
                if isinstance(child.value, list):
                    children += [SchemaUse(item, None) for item in child.elements()]
                else:
                    children.append(SchemaUse(child, None))
        for key in ("allOf", "oneOf", "anyOf", "prefixItems"):
            group = node.get(key)
            children += [SchemaUse(item, use.name) for item in (group.elements() if group else ())]
        stack.extend(reversed(children))
    return found


def schema_types(node: Node) -> set[str]:
    """The types a schema declares (3.1 allows a list)."""
    declared = node.value.get("type") if isinstance(node.value, dict) else None
    if isinstance(declared, list):
        return {str(item) for item in declared}
    return {str(declared)} if declared is not None else set()
