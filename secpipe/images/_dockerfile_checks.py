"""secpipe's own Dockerfile checks: where checkov is silent or reports the whole file.

Each check points at the exact line: the ``ENV`` line holding a secret, the ``ADD`` line with
a URL, the ``FROM`` line of the final stage when it never switches to a non-root ``USER``.
Secret values are masked in messages and remembered in ``KNOWN_SECRETS`` so no output shows them.

Severity table (tool ``dockerfile``):

| rule | severity |
|---|---|
| ``DOCKERFILE_SECRET`` a credential in ``ENV``/``ARG`` | high |
| ``DOCKERFILE_PIPE_TO_SHELL`` a download piped into ``sh`` | high |
| ``DOCKERFILE_ROOT_USER`` final stage without non-root ``USER`` | medium (high if ``USER root``) |
| ``DOCKERFILE_ADD_URL`` ``ADD`` from a URL | medium |
| ``DOCKERFILE_BASE_TAG`` base image untagged or ``latest`` | medium |
| ``DOCKERFILE_BASE_DIGEST`` base image not pinned by digest | low |
| ``DOCKERFILE_SENSITIVE_PORT`` ``EXPOSE`` of a remote-admin or database port | medium |
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from secpipe._findings import Severity
from secpipe._normalize import RawFinding
from secpipe._redact import KNOWN_SECRETS, mask
from secpipe.images._dockerfile import Instruction, key_values, parse, stages

#: The tool name of these checks in reports.
TOOL = "dockerfile"

#: Variable names that say their value is a credential.
SECRET_NAME = re.compile(
    r"(PASS(WORD|WD)?|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?|AUTH_?KEY)",
    re.IGNORECASE,
)

#: Values that are credentials whatever their variable is called.
SECRET_VALUE = re.compile(
    r"^(gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|xox[abpr]-[A-Za-z0-9-]{10,}"
    r"|sk_live_[A-Za-z0-9]{16,}|-----BEGIN [A-Z ]*PRIVATE KEY-----.*)$"
)

#: Ports whose exposure invites remote administration or direct database access.
SENSITIVE_PORTS: dict[int, str] = {
    21: "FTP",
    22: "SSH",
    23: "Telnet",
    2375: "the unencrypted Docker API",
    2376: "the Docker API",
    3306: "MySQL",
    3389: "RDP",
    5432: "PostgreSQL",
    5900: "VNC",
    6379: "Redis",
    9200: "Elasticsearch",
    11211: "memcached",
    27017: "MongoDB",
}

_PIPE_TO_SHELL = re.compile(r"\b(curl|wget)\b[^|;&]*\|\s*(sudo\s+)?(ba|z|da|k)?sh\b")
_URL = re.compile(r"^(https?|ftp)://", re.IGNORECASE)
_ROOT_USERS = frozenset({"root", "0"})


def check_dockerfile(path: str, text: str) -> list[RawFinding]:
    """Run every native check on one Dockerfile; raises DockerfileError when it does not parse."""
    instructions = parse(text)
    lines = text.splitlines()
    findings: list[RawFinding] = []
    stage_names: set[str] = set()
    for instruction in instructions:
        if instruction.keyword == "FROM":
            findings += _base_image(path, instruction, stage_names)
        elif instruction.keyword in {"ENV", "ARG"}:
            findings += _secrets(path, instruction, lines)
        elif instruction.keyword == "ADD":
            findings += _add_url(path, instruction)
        elif instruction.keyword == "RUN":
            findings += _pipe_to_shell(path, instruction, lines)
        elif instruction.keyword == "EXPOSE":
            findings += _ports(path, instruction)
    findings += _root_user(path, instructions)
    return findings


def final_from_line(text: str) -> int | None:
    """The line of the last ``FROM`` (the stage that becomes the image), if it parses."""
    froms = [item for item in parse(text) if item.keyword == "FROM"]
    return froms[-1].start_line if froms else None


def _finding(
    path: str,
    instruction: Instruction,
    rule: str,
    title: str,
    message: str,
    severity: Severity,
    weakness: str,
    line: int | None = None,
) -> RawFinding:
    where = line or instruction.start_line
    return RawFinding(
        tool=TOOL,
        rule_id=rule,
        title=title,
        message=message,
        severity=severity,
        path=path,
        start_line=where,
        end_line=where,
        weakness=weakness,
    )


def _base_image(path: str, instruction: Instruction, stage_names: set[str]) -> list[RawFinding]:
    # FROM [--platform=…] image [AS name]; a build stage or scratch is not a pulled image.
    words = [word for word in instruction.value.split() if not word.startswith("--")]
    if not words:
        return []
    image = words[0]
    if len(words) >= 3 and words[1].lower() == "as":
        stage_names.add(words[2].lower())
    if image.lower() in stage_names or image.lower() == "scratch" or "$" in image:
        return []
    if "@sha256:" in image:
        return []

    # The tag is after the last ':' of the last path component (a registry port is not a tag).
    last = image.rsplit("/", 1)[-1]
    tag = last.partition(":")[2]
    if not tag or tag == "latest":
        problem = "has no tag" if not tag else "uses the 'latest' tag"
        return [
            _finding(
                path,
                instruction,
                "DOCKERFILE_BASE_TAG",
                "Base image is not pinned to a version",
                f"The base image {image} {problem}: every build may get a different image. "
                "Use a version tag and pin it by digest (image:tag@sha256:…).",
                Severity.MEDIUM,
                "base-image-tag",
            )
        ]
    return [
        _finding(
            path,
            instruction,
            "DOCKERFILE_BASE_DIGEST",
            "Base image is not pinned by digest",
            f"The base image {image} is pinned by tag only; a tag can be moved to other content."
            " Add its digest (image:tag@sha256:…).",
            Severity.LOW,
            "base-image-digest",
        )
    ]


def _secrets(path: str, instruction: Instruction, lines: Sequence[str]) -> list[RawFinding]:
    # A literal value under a credential-like name (or shaped like a known token) is a secret.
    findings: list[RawFinding] = []
    for key, value in key_values(instruction.value):
        if not value or value.startswith("$"):
            continue
        if not (SECRET_NAME.search(key) or SECRET_VALUE.match(value)):
            continue
        KNOWN_SECRETS.add(value)
        line = _physical_line(lines, instruction, key)
        findings.append(
            _finding(
                path,
                instruction,
                "DOCKERFILE_SECRET",
                f"Secret in {instruction.keyword}",
                f"{instruction.keyword} {key} holds a literal credential ({mask(value)}); it is "
                "stored in the image for anyone who pulls it. Pass it at run time or use a build"
                " secret (RUN --mount=type=secret).",
                Severity.HIGH,
                "secret",
                line,
            )
        )
    return findings


def _add_url(path: str, instruction: Instruction) -> list[RawFinding]:
    # ADD fetches URLs without any integrity check; the sources are every word but the last.
    words = [word for word in instruction.value.split() if not word.startswith("--")]
    urls = [word for word in words[:-1] if _URL.match(word)]
    if not urls:
        return []
    return [
        _finding(
            path,
            instruction,
            "DOCKERFILE_ADD_URL",
            "ADD downloads from a URL",
            f"ADD fetches {urls[0]} at build time with no checksum check. Download with a "
            "verified checksum in RUN (or ADD --checksum=sha256:…), or COPY a vendored file.",
            Severity.MEDIUM,
            "add-instruction",
        )
    ]


def _pipe_to_shell(path: str, instruction: Instruction, lines: Sequence[str]) -> list[RawFinding]:
    # Piping a download into a shell runs whatever the server sends, unverified.
    match = _PIPE_TO_SHELL.search(instruction.value)
    if match is None:
        return []
    line = _physical_line(lines, instruction, match.group(0).split("|")[-1].strip())
    return [
        _finding(
            path,
            instruction,
            "DOCKERFILE_PIPE_TO_SHELL",
            "Downloaded script piped into a shell",
            f"RUN pipes {match.group(1)} output straight into a shell: the server decides what "
            "runs in the build. Download to a file, verify its checksum, then run it.",
            Severity.HIGH,
            "pipe-to-shell",
            line,
        )
    ]


def _ports(path: str, instruction: Instruction) -> list[RawFinding]:
    # EXPOSE 22 or 22/tcp: remote administration and databases should not face the network.
    findings: list[RawFinding] = []
    for word in instruction.value.split():
        number = word.split("/")[0]
        if number.isdigit() and int(number) in SENSITIVE_PORTS:
            service = SENSITIVE_PORTS[int(number)]
            findings.append(
                _finding(
                    path,
                    instruction,
                    "DOCKERFILE_SENSITIVE_PORT",
                    f"Sensitive port {number} exposed",
                    f"EXPOSE {number} publishes {service}; keep it off the image's interface "
                    "(use docker exec or a private network instead).",
                    Severity.MEDIUM,
                    "sensitive-port",
                )
            )
    return findings


def _root_user(path: str, instructions: list[Instruction]) -> list[RawFinding]:
    # Only the final stage becomes the image; its last USER decides who the process runs as.
    all_stages = stages(instructions)
    if not all_stages:
        return []
    final = all_stages[-1]
    users = [item for item in final if item.keyword == "USER"]
    if not users:
        return [
            _finding(
                path,
                final[0],
                "DOCKERFILE_ROOT_USER",
                "Container runs as root",
                "The final stage never sets a USER, so the container runs as root. Add a "
                "non-root user (RUN useradd …) and switch to it with USER.",
                Severity.MEDIUM,
                "root-user",
            )
        ]
    last = users[-1]
    user = last.value.split(":")[0].strip()
    if user.lower() in _ROOT_USERS:
        return [
            _finding(
                path,
                last,
                "DOCKERFILE_ROOT_USER",
                "Container runs as root",
                f"The last USER of the final stage is {user}: the container runs as root. "
                "Switch to a non-root user.",
                Severity.HIGH,
                "root-user",
            )
        ]
    return []


def _physical_line(lines: Sequence[str], instruction: Instruction, needle: str) -> int:
    # Inside a continued instruction, the line that actually holds the offending text.
    for number in range(instruction.start_line, instruction.end_line + 1):
        if needle and needle in lines[number - 1]:
            return number
    return instruction.start_line
