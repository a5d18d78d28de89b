"""YAML loading that remembers where every key and value was written.

PyYAML's safe loader gives plain data; its composer gives nodes with positions. This module does
both in one pass so that later errors (a pipeline setting, a Kubernetes field, an OpenAPI node)
can name the exact line and column. It also rejects duplicate keys, which PyYAML silently merges
by keeping the last one — a classic way for a security setting to be overridden unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

PathKey = tuple[str | int, ...]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Mark:
    """A 1-based line and column in a source file."""

    line: int
    column: int


@dataclass
class PositionedDocument:
    """A parsed YAML document and the positions of its keys and values.

    ``keys`` maps a path to where its key was written (for "unknown key" errors); ``values``
    maps a path to where its value starts (for "wrong value" errors). The root path is ``()``.
    """

    data: Any
    keys: dict[PathKey, Mark] = field(default_factory=dict)
    values: dict[PathKey, Mark] = field(default_factory=dict)

    def position(self, path: PathKey, *, prefer_key: bool = False) -> Mark | None:
        """Where ``path`` was written, or its nearest written ancestor."""
        for length in range(len(path), -1, -1):
            prefix = path[:length]
            first, second = (self.keys, self.values) if prefer_key else (self.values, self.keys)
            mark = first.get(prefix) or second.get(prefix)
            if mark is not None:
                return mark
        return None


class YamlSyntaxError(ValueError):
    """The text is not valid YAML, or repeats a key; carries the position when known."""

    def __init__(self, message: str, mark: Mark | None):
        """Keep the message and the position separately so callers can format both."""
        super().__init__(message)
        self.message = message
        self.mark = mark


def load_documents(text: str) -> list[PositionedDocument]:
    """Parse every document of a YAML stream, keeping positions."""
    # libyaml's loader keeps the same marks and is several times faster on large files.
    loader = _Loader(text)
    documents: list[PositionedDocument] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            document = PositionedDocument(data=loader.construct_document(node))
            _record(loader, node, (), document)
            documents.append(document)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Mark(mark.line + 1, mark.column + 1) if mark is not None else None
        raise YamlSyntaxError(str(error.problem or error.context or error), where) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(str(error), None) from None
    finally:
        loader.dispose()
    return documents


def load_document(text: str) -> PositionedDocument:
    """Parse a single-document YAML text (an empty text gives ``data=None``)."""
    documents = load_documents(text)
    if not documents:
        return PositionedDocument(data=None)
    if len(documents) > 1:
        raise YamlSyntaxError("expected one YAML document, found several ('---')", None)
    return documents[0]


def _record(
    loader: yaml.SafeLoader | yaml.CSafeLoader,
    node: yaml.Node,
    path: PathKey,
    document: PositionedDocument,
) -> None:
    # Walk the node tree alongside the constructed data, recording where each path starts.
    document.values.setdefault(path, _mark(node.start_mark))
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int) or isinstance(key, bool):
                key = str(key)
            if key == "<<":
                continue
            if key in seen:
                raise YamlSyntaxError(f"duplicate key {key!r}", _mark(key_node.start_mark))
            seen.add(key)
            document.keys[(*path, key)] = _mark(key_node.start_mark)
            _record(loader, value_node, (*path, key), document)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record(loader, item, (*path, index), document)


def _mark(mark: yaml.Mark) -> Mark:
    return Mark(mark.line + 1, mark.column + 1)
