"""A small Dockerfile reader: instructions with the lines they were written on.

Only what the container gate's own checks need: each instruction's keyword, its argument text
with line continuations joined, and the first and last line it spans. Comments and parser
directives are skipped; a heredoc body (``RUN <<EOF`` … ``EOF``) belongs to its instruction.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

#: Every instruction the Dockerfile reference knows.
KEYWORDS = frozenset(
    {
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
        "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
        "WORKDIR",
    }
)  # fmt: skip

#: Suffixes of notes about a Dockerfile (``Dockerfile.md``), not Dockerfiles.
_NOT_DOCKERFILES = frozenset({".md", ".txt", ".rst", ".adoc", ".html", ".orig", ".bak"})

_DIRECTIVE = re.compile(r"^#\s*(?P<name>[a-zA-Z]+)\s*=\s*(?P<value>\S+)\s*$")
_HEREDOC = re.compile(r"<<-?\s*[\"']?(?P<word>[A-Za-z_][A-Za-z0-9_]*)[\"']?")


class DockerfileError(ValueError):
    """The text is not a Dockerfile this reader understands; names the line."""

    def __init__(self, message: str, line: int):
        """Keep the message and the 1-based line separately."""
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True)
class Instruction:
    """One instruction: ``keyword`` in upper case, ``value`` with continuations joined."""

    keyword: str
    value: str
    start_line: int
    end_line: int


def is_dockerfile(path: str) -> bool:
    """Whether a repository path names a Dockerfile (``Dockerfile``, ``x.Dockerfile``…)."""
    # os.path rather than pathlib: this runs for every file of the tree.
    name = os.path.basename(path).lower()
    if os.path.splitext(name)[1] in _NOT_DOCKERFILES:
        return False
    return (
        name in {"dockerfile", "containerfile"}
        or name.startswith(("dockerfile.", "containerfile."))
        or name.endswith(".dockerfile")
    )


def parse(text: str) -> list[Instruction]:
    """Read every instruction of a Dockerfile; raises DockerfileError on an unknown keyword."""
    lines = text.splitlines()
    escape = "\\"
    instructions: list[Instruction] = []
    index = 0
    at_top = True

    while index < len(lines):
        line = lines[index]
        stripped = line.strip()

        # Parser directives (only before the first instruction) may change the escape character.
        if at_top and (directive := _DIRECTIVE.match(stripped)):
            if directive["name"].lower() == "escape" and directive["value"] in {"\\", "`"}:
                escape = directive["value"]
            index += 1
            continue
        if not stripped or stripped.startswith("#"):
            index += 1
            continue
        at_top = False

        # One instruction: join the continued lines, skipping comments inside them.
        start = index
        parts = [stripped]
        while parts[-1].endswith(escape) and index + 1 < len(lines):
            parts[-1] = parts[-1][: -len(escape)].rstrip()
            index += 1
            following = lines[index].strip()
            if following.startswith("#"):
                parts.append(escape)
                continue
            parts.append(following)
        if parts[-1].endswith(escape):
            parts[-1] = parts[-1][: -len(escape)].rstrip()
        parts = [part for part in parts if part != escape]
        joined = " ".join(part for part in parts if part)

        # A heredoc's body runs until its terminator word alone on a line.
        for heredoc in _HEREDOC.finditer(joined):
            while index + 1 < len(lines):
                index += 1
                if lines[index].strip() == heredoc["word"]:
                    break

        keyword, _, value = joined.partition(" ")
        if keyword.upper() not in KEYWORDS:
            raise DockerfileError(f"unknown instruction {keyword[:40]!r}", start + 1)
        instructions.append(Instruction(keyword.upper(), value.strip(), start + 1, index + 1))
        index += 1
    return instructions


def stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    """The build stages: each starts at a ``FROM``; instructions before the first are dropped."""
    result: list[list[Instruction]] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            result.append([instruction])
        elif result:
            result[-1].append(instruction)
    return result


def key_values(value: str) -> list[tuple[str, str]]:
    """The ``KEY=value`` pairs of an ``ENV``, ``ARG`` or ``LABEL`` (quotes removed).

    The legacy ``ENV KEY value`` form gives one pair; an ``ARG NAME`` without a default gives
    ``(NAME, "")``.
    """
    tokens = _split_words(value)
    if tokens and "=" not in tokens[0]:
        return [(tokens[0], " ".join(tokens[1:]))]
    pairs: list[tuple[str, str]] = []
    for token in tokens:
        key, _, text = token.partition("=")
        pairs.append((key, text))
    return pairs


def _split_words(value: str) -> list[str]:
    # Whitespace splits words except inside quotes; backslash escapes the next character.
    words: list[str] = []
    current: list[str] = []
    quote: str | None = None
    started = False
    chars = iter(value)
    for char in chars:
        if char == "\\":
            current.append(next(chars, ""))
            started = True
        elif quote is not None:
            if char == quote:
                quote = None
            else:
                current.append(char)
        elif char in {'"', "'"}:
            quote = char
            started = True
        elif char.isspace():
            if started:
                words.append("".join(current))
                current, started = [], False
        else:
            current.append(char)
            started = True
    if started:
        words.append("".join(current))
    return words
