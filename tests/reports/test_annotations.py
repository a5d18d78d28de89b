"""GitHub annotations: well-formed workflow commands, escaped, capped, worst first."""

from __future__ import annotations

import re
from collections.abc import Callable

from secpipe._findings import Finding, FindingStatus, GateRun, GateStatus, Report, Violation
from secpipe.reports import AnnotationsReporter
from secpipe.reports._annotations import MAX_ANNOTATIONS

# GitHub's grammar: ::level key=value,key=value::message, with property values free of `,` and `:`
# (escaped as %2C and %3A) and nothing free of `\r`/`\n` anywhere (escaped as %0D and %0A).
_PROPERTY = r"[A-Za-z]+=[^,:\r\n]*"
COMMAND = re.compile(rf"^::(error|warning|notice)(?: ({_PROPERTY}(?:,{_PROPERTY})*))?::([^\r\n]*)$")
KNOWN_PROPERTIES = {"file", "line", "endLine", "col", "endColumn", "title"}


def unescape(text: str) -> str:
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, raw)
    return text


def parse(text: str) -> list[tuple[str, dict[str, str], str]]:
    """Parse every line as GitHub would, failing on anything it would not read as a command."""
    assert text == "" or text.endswith("\n")
    commands = []
    for line in text.splitlines():
        match = COMMAND.match(line)
        assert match, f"not a workflow command: {line!r}"
        level, raw_properties, message = match.groups()
        properties = {}
        for pair in (raw_properties or "").split(","):
            if pair:
                key, value = pair.split("=", 1)
                assert key in KNOWN_PROPERTIES, key
                properties[key] = unescape(value)
        commands.append((level, properties, unescape(message)))
    return commands


def test_sample_annotations(report: Report) -> None:
    commands = parse(AnnotationsReporter().render(report))

    levels = [level for level, _, _ in commands]
    assert levels == ["error", "error", "error", "warning", "warning", "warning", "notice"]
    assert commands[0][1] == {"title": "secpipe gate deep-scan: error"}
    assert commands[1][1] == {
        "file": "app/views.py",
        "line": "10",
        "endLine": "12",
        "title": "critical: Use of exec (python.lang.security.audit.exec-detected)",
    }
    # Whole-file findings are pinned to the file without a line; waived ones are left out.
    whole_file = next(p for _, p, _ in commands if p.get("file") == "deploy/Dockerfile")
    assert "line" not in whole_file
    assert all(p.get("file") != "app/settings.py" for _, p, _ in commands)


def test_the_parser_rejects_a_broken_copy() -> None:
    for broken in (
        "::error file=a,b.py,line=1::m\n",  # an unescaped comma in a property
        "::error title=a: b::m\n",  # an unescaped colon in a property
        "::error::first line\nsecond line\n",  # a message spread over two lines
        "::fatal::m\n",  # not a level GitHub knows
    ):
        try:
            parse(broken)
        except AssertionError:
            continue
        raise AssertionError(f"accepted {broken!r}")


def test_special_characters_are_escaped(
    report_factory: Callable[..., Report], finding_factory: Callable[..., Finding]
) -> None:
    finding = finding_factory(
        fingerprint="fp-x",
        title="a: b, c 100%",
        message="line one\r\nline two: 50%, done\n::error::injected",
        path="dir,with:odd/na%me.py",
    )

    commands = parse(AnnotationsReporter().render(report_factory(findings=(finding,))))

    assert len(commands) == 2  # the sample's gate error, then the finding
    level, properties, message = commands[1]
    assert level == "warning"
    assert properties["file"] == "dir,with:odd/na%me.py"
    assert properties["title"].startswith("medium: a: b, c 100% (")
    assert message == "line one\r\nline two: 50%, done\n::error::injected"


def test_capped_with_a_final_notice(
    report_factory: Callable[..., Report], finding_factory: Callable[..., Finding]
) -> None:
    findings = tuple(
        finding_factory(fingerprint=f"fp-{n:03}", start_line=n + 1, end_line=n + 1)
        for n in range(MAX_ANNOTATIONS + 15)
    )
    violation = Violation(rule="no-new", message="m", fingerprints=("fp-064",))
    gates = (GateRun(name="sast", stage="commit", status=GateStatus.FAILED, findings=65),)
    report = report_factory(gates=gates, findings=findings, violations=(violation,))

    commands = parse(AnnotationsReporter().render(report))

    assert len(commands) == MAX_ANNOTATIONS + 1
    # The violating finding comes first, even though it is last in the report.
    assert commands[0][0] == "error"
    assert commands[0][1]["line"] == "65"
    assert commands[-1] == (
        "notice",
        {"title": "secpipe"},
        "15 more annotations not shown; findings.json has every finding",
    )


def test_nothing_to_say_is_an_empty_file(
    report_factory: Callable[..., Report], finding_factory: Callable[..., Finding]
) -> None:
    waived = finding_factory(status=FindingStatus.WAIVED)
    report = report_factory(gates=(), findings=(waived,), violations=())

    assert AnnotationsReporter().render(report) == ""
