"""secpipe's Dockerfile reader and its own Dockerfile checks."""

from __future__ import annotations

import pytest

from secpipe._redact import scrub_known
from secpipe.images import DockerfileError, check_dockerfile, is_dockerfile, key_values, parse


def rules(text: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for finding in check_dockerfile("Dockerfile", text):
        found.setdefault(finding.rule_id, []).append(finding.start_line)
    return found


def test_continuations_comments_and_heredocs_keep_their_lines() -> None:
    text = (
        "# syntax=docker/dockerfile:1\n"
        "FROM python:3.12-slim AS build\n"
        "RUN apt-get update \\\n"
        "    # a comment inside the instruction\n"
        "    && apt-get install -y curl\n"
        "\n"
        "RUN <<EOF\n"
        "echo not an instruction\n"
        "EOF\n"
        "user app\n"
    )

    instructions = parse(text)

    assert [(i.keyword, i.start_line, i.end_line) for i in instructions] == [
        ("FROM", 2, 2),
        ("RUN", 3, 5),
        ("RUN", 7, 9),
        ("USER", 10, 10),
    ]
    assert instructions[1].value == "apt-get update && apt-get install -y curl"


def test_the_escape_directive_changes_the_continuation_character() -> None:
    instructions = parse("# escape=`\nFROM windows\nRUN dir `\n  c:\\\n")
    assert [(i.keyword, i.value) for i in instructions] == [
        ("FROM", "windows"),
        ("RUN", "dir c:\\"),
    ]


def test_an_unknown_instruction_names_its_line() -> None:
    with pytest.raises(DockerfileError, match="line 2: unknown instruction 'FORM'"):
        parse("FROM python:3.12\nFORM oops\n")


def test_key_values_of_both_env_forms() -> None:
    assert key_values('A=1 B="two words" C=') == [("A", "1"), ("B", "two words"), ("C", "")]
    assert key_values("LEGACY value with spaces") == [("LEGACY", "value with spaces")]


def test_the_done_when_dockerfile_gets_findings_on_its_lines() -> None:
    text = (
        "FROM python:latest\n"
        "ADD https://example.com/app.tar.gz /app/\n"
        "ENV API_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789\n"
        'CMD ["python"]\n'
    )

    findings = check_dockerfile("Dockerfile", text)

    assert {(f.rule_id, f.start_line) for f in findings} == {
        ("DOCKERFILE_BASE_TAG", 1),
        ("DOCKERFILE_ADD_URL", 2),
        ("DOCKERFILE_SECRET", 3),
        ("DOCKERFILE_ROOT_USER", 1),
    }
    secret = next(f for f in findings if f.rule_id == "DOCKERFILE_SECRET")
    assert "ghp_abcdefghijklmnopqrstuvwxyz0123456789" not in secret.message
    assert "ghp_…(40 chars)" in secret.message
    # Remembered, so any other output carrying it is scrubbed too.
    assert "abcdefghijklmnop" not in scrub_known("token ghp_abcdefghijklmnopqrstuvwxyz0123456789")


def test_secret_on_a_continued_line_points_at_that_line() -> None:
    text = "FROM python:3.12@sha256:abc\nENV A=1 \\\n    DB_PASSWORD=hunter2hunter2\nUSER app\n"
    assert rules(text) == {"DOCKERFILE_SECRET": [3]}


def test_variables_and_empty_args_are_not_secrets() -> None:
    text = "FROM python:3.12@sha256:abc\nARG API_TOKEN\nENV API_TOKEN=$API_TOKEN\nUSER 1000\n"
    assert rules(text) == {}


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("python", "DOCKERFILE_BASE_TAG"),
        ("python:latest", "DOCKERFILE_BASE_TAG"),
        ("registry.local:5000/team/app", "DOCKERFILE_BASE_TAG"),
        ("python:3.12", "DOCKERFILE_BASE_DIGEST"),
        ("python:3.12@sha256:0123abcd", None),
        ("scratch", None),
    ],
)
def test_base_image_pinning(base: str, expected: str | None) -> None:
    found = rules(f"FROM {base}\nUSER app\n")
    assert found == ({expected: [1]} if expected else {})


def test_a_later_stage_name_is_not_a_pulled_image() -> None:
    text = "FROM python:3.12@sha256:ab AS build\nFROM build\nUSER app\n"
    assert rules(text) == {}


def test_only_the_final_stage_user_counts() -> None:
    # The build stage runs as app, the final stage never switches: root.
    text = "FROM a:1@sha256:ab AS build\nUSER app\nFROM b:1@sha256:cd\nCOPY --from=build /x /x\n"
    assert rules(text) == {"DOCKERFILE_ROOT_USER": [3]}
    text = "FROM a:1@sha256:ab\nUSER app\nUSER root:root\n"
    assert rules(text) == {"DOCKERFILE_ROOT_USER": [3]}


def test_pipe_to_shell_and_sensitive_ports() -> None:
    text = (
        "FROM a:1@sha256:ab\n"
        "RUN apt-get update && \\\n"
        "    curl -fsSL https://get.example.com | sudo bash\n"
        "RUN curl -o x https://example.com/x && sh x\n"
        "EXPOSE 8080 22/tcp 2375\n"
        "USER app\n"
    )
    assert rules(text) == {
        "DOCKERFILE_PIPE_TO_SHELL": [3],
        "DOCKERFILE_SENSITIVE_PORT": [5, 5],
    }


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("Dockerfile", True),
        ("build/Dockerfile.prod", True),
        ("app.dockerfile", True),
        ("Containerfile", True),
        ("docs/dockerfile.md", False),
        ("Dockerfiles/readme.txt", False),
    ],
)
def test_dockerfiles_are_found_by_name(path: str, expected: bool) -> None:
    assert is_dockerfile(path) is expected
